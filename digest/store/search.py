"""Full-text search: the trigram index over titles and summaries, filled on the first search.

Trigram indexing costs more than everything else a fetch does to an item, so a fetch leaves
new items out of items_fts; fts_state.indexed is the highest seq indexed, and the next search
indexes the rows above it. Rows at or below it are kept current by triggers (schema.py).
"""

from __future__ import annotations

from digest.store.base import StoreBase
from digest.store.sqlite import like_pattern, transaction


class SearchMixin(StoreBase):
    def update_search_index(self) -> int:
        """Index the items stored since the last search; returns how many were added."""
        with transaction(self.conn):
            (indexed,) = self.conn.execute("SELECT indexed FROM fts_state").fetchone()
            (newest,) = self.conn.execute("SELECT coalesce(max(seq), 0) FROM items").fetchone()
            if newest <= indexed:
                return 0
            added = self.conn.execute(
                "INSERT INTO items_fts (rowid, title, summary_text) "
                "SELECT seq, title, summary_text FROM items WHERE seq > ?",
                (indexed,),
            ).rowcount
            self.conn.execute("UPDATE fts_state SET indexed = ?", (newest,))
        return int(added)


def search_clause(text: str) -> tuple[str, list[str]]:
    """A WHERE clause over items (and its parameters) that every word of `text` must satisfy.
    Trigrams cannot match words under three characters (common in Chinese: 矿场, 监管), so
    those fall back on LIKE."""
    clauses: list[str] = []
    params: list[str] = []
    for word in text.split():
        if len(word) >= 3:
            clauses.append("seq IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append('"' + word.replace('"', '""') + '"')
        else:
            clauses.append("(title LIKE ? ESCAPE '\\' OR summary_text LIKE ? ESCAPE '\\')")
            params += [like_pattern(word)] * 2
    return (" AND ".join(clauses) or "1"), params
