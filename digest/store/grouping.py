"""What story grouping reads of each stored item, its text's terms worked out once and kept.

Working out an item's terms (digest/stories/terms.py) is most of what grouping costs, and a
fetch reads the terms of every item within a month of the new ones (they weigh the words):
they are kept in grouping_terms, one row an item, and only items without a row are read whole.
A fetch splits every row to count its terms, but makes sets of terms only of the items it
compares (KeptTerms). A fetch's parse processes work each new entry's row out beside its
parsing (entry_terms), and the item is saved with it (ingest.py); the others are worked out
when first grouped. The rows follow one version of the term rules (terms_version: a hash of
the code and data the terms come from); when it changes, every row goes and each item's terms
are worked out again when next grouped.
An item whose URL, title or summary changes loses its row (schema.py's triggers).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from importlib import metadata
from itertools import chain
from pathlib import Path
from typing import Any, NamedTuple

from digest.models import Entry, GroupingTermsRow
from digest.store.items import ItemsMixin
from digest.store.rows import time_text
from digest.store.sqlite import select_in, transaction
from digest.stories import TextTerms, text_terms

_PACKAGE = Path(__file__).resolve().parent.parent
# What an item's terms follow: the code that finds them, the names, events and places it
# reads, the URL rules, and the libraries and Unicode tables below them. Any change to these
# works every item's terms out again (one more than needed costs a regroup's time, never a
# wrong story).
_TERM_SOURCES = ("stories", "crosslang.py", "names.py", "urls.py", "taxonomy.py", "data")
_TERM_LIBRARIES = ("opencc", "ahocorasick-rs")
_SEPARATOR = "\x1f"  # between terms: str.split() splits at it, so no term holds one
_LAYOUT = 1  # how a row spells the terms; bump it when that changes


class StoryRow(NamedTuple):
    """A stored item as regrouping reads it: no text, only its stored terms if any."""

    seq: int
    id: str
    when: float  # published, else first seen: seconds since the epoch
    story: str | None
    terms: GroupingTermsRow | None  # as grouping_terms spells them; None until worked out
    # Its feed gave no date (when is the day it was first seen). Read apart, when wanted:
    # it takes the item's whole row, where the rest of a StoryRow takes only the date index.
    undated: bool = False


# The columns of a StoryRow, items as i and grouping_terms as g (LEFT JOINed).
STORY_ROW_COLUMNS = (
    "i.seq, i.id, CAST(strftime('%s', coalesce(i.published, i.first_seen)) AS INTEGER), "
    "i.story, g.url, g.cjk, g.title, g.body"
)
STORY_ROW_TABLES = "items i LEFT JOIN grouping_terms g ON g.seq = i.seq"


def story_row(row: Sequence[Any]) -> StoryRow:
    """A StoryRow from the STORY_ROW_COLUMNS of one row."""
    seq, item_id, when, story, url, cjk, title, body = row
    terms = None if cjk is None else (url, cjk, title, body)
    return StoryRow(seq, item_id, float(when), story, terms)


@cache
def terms_version() -> str:
    """A hash of everything an item's terms follow (see _TERM_SOURCES)."""
    digest = hashlib.sha256(f"{_LAYOUT} {sys.version_info[:2]}".encode())
    for library in _TERM_LIBRARIES:
        try:
            version = metadata.version(library)
        except metadata.PackageNotFoundError:  # not installed as a distribution
            version = "?"
        digest.update(f" {library} {version}".encode())
    for name in _TERM_SOURCES:
        path = _PACKAGE / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file() and file.suffix != ".pyc":
                digest.update(file.relative_to(_PACKAGE).as_posix().encode() + b"\0")
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class GroupingMixin(ItemsMixin):
    def follow_term_rules(self) -> None:
        """Forget every item's stored terms if they follow other term rules than these."""
        version = terms_version()
        (stored,) = self.conn.execute("SELECT version FROM grouping_state").fetchone()
        if stored != version:
            self.conn.execute("DELETE FROM grouping_terms")
            self.conn.execute("UPDATE grouping_state SET version = ?", (version,))

    def texts_of(self, rows: Sequence[StoryRow]) -> list[TextTerms]:
        """Each row's text terms: those not stored yet are worked out from the items' text
        and stored. Call inside a transaction, after follow_term_rules."""
        return [
            text if isinstance(text, TextTerms) else _decoded(*text)
            for text in self.kept_terms_of(rows)
        ]

    def kept_terms_of(self, rows: Sequence[StoryRow]) -> list[GroupingTermsRow | TextTerms]:
        """Each row's terms as stored, or worked out from the item's text now (and stored);
        call inside a transaction, after follow_term_rules."""
        missing = [row.seq for row in rows if row.terms is None]
        worked_out: dict[int, TextTerms] = {}
        sql = "SELECT seq, url, title, summary_text FROM items WHERE seq IN ({marks})"
        for seq, url, title, summary in select_in(self.conn, sql, missing):
            worked_out[seq] = text_terms(title, summary, url)
        self._store_terms(worked_out.items())
        return [row.terms or worked_out[row.seq] for row in rows]

    def _store_terms(self, texts: Iterable[tuple[int, TextTerms]]) -> None:
        encoded = ((seq, _encoded(text)) for seq, text in texts)
        self.store_terms_rows([(seq, *row) for seq, row in encoded if row is not None])

    def store_terms_rows(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Keep (seq, url, cjk, title, body) rows; call after follow_term_rules."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO grouping_terms (seq, url, cjk, title, body) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )

    def fill_grouping_terms(self, since: dt.datetime, until: dt.datetime) -> int:
        """Work out and store the terms of the items dated in [since, until) that have none
        (as grouping them would); returns how many."""
        with transaction(self.conn):
            self.follow_term_rules()
            rows = self.conn.execute(
                "SELECT i.seq FROM items i LEFT JOIN grouping_terms g ON g.seq = i.seq "
                "WHERE coalesce(i.published, i.first_seen) >= ? "
                "AND coalesce(i.published, i.first_seen) < ? AND g.seq IS NULL",
                (time_text(since), time_text(until)),
            ).fetchall()
            self.texts_of([StoryRow(seq, "", 0.0, None, None, False) for (seq,) in rows])
        return len(rows)


def entry_terms(entry: Entry) -> GroupingTermsRow | None:
    """The grouping_terms row an entry's item will have (its title, summary and URL are the
    item's), worked out before it is stored: fetch's parse workers do it beside the parsing."""
    return _encoded(text_terms(entry.title, entry.summary_text, entry.url))


def _encoded(text: TextTerms) -> GroupingTermsRow | None:
    """A row's url, cjk, title and body; None for terms a row cannot spell (none: a term is
    never empty and never holds the separator, but a row must not be misread if one did)."""
    if any(not term or _SEPARATOR in term for term in text.terms):
        return None
    title = _SEPARATOR.join(sorted(text.in_title))
    body = _SEPARATOR.join(sorted(text.terms - text.in_title))
    return text.url, int(text.cjk), title, body


def _decoded(url: str | None, cjk: int, title: str, body: str) -> TextTerms:
    # Interned, a term is one string in every item that gives it (as when worked out from
    # text): less memory, and the corpus's lookups of it find it by identity, a third quicker.
    in_title = set(map(sys.intern, title.split(_SEPARATOR))) if title else set()
    terms = in_title.copy()
    if body:
        terms.update(map(sys.intern, body.split(_SEPARATOR)))
    return TextTerms(terms, in_title, bool(cjk), url)


class KeptTerms:
    """Items' terms as grouping_terms keeps them (or worked out, for a row that cannot spell
    them), in the order grouping gives the items: a stories.TermSource. Counting every
    term splits the rows; only the items grouping compares become sets of terms."""

    def __init__(self, texts: Sequence[GroupingTermsRow | TextTerms]) -> None:
        self.texts = texts
        self.cjk = [text.cjk if isinstance(text, TextTerms) else bool(text[1]) for text in texts]
        self.urls = [text.url if isinstance(text, TextTerms) else text[0] for text in texts]

    def counts(self) -> Counter[str]:
        counts = Counter(chain.from_iterable(map(self._split, self.texts)))
        counts.pop("", None)  # an empty title or body splits into one empty string
        return counts

    def cjk_terms(self) -> set[str]:
        found: set[str] = set()
        for text, cjk in zip(self.texts, self.cjk, strict=True):
            if cjk:
                found.update(self._split(text))
        found.discard("")
        return found

    def text(self, index: int) -> tuple[set[str], set[str]]:
        text = self.texts[index]
        decoded = text if isinstance(text, TextTerms) else _decoded(*text)
        return decoded.terms, decoded.in_title

    def holders(self, terms: set[str]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {term: [] for term in terms}
        for index, text in enumerate(self.texts if terms else ()):
            for term in terms.intersection(self._split(text)):
                found[term].append(index)
        return found

    @staticmethod
    def _split(text: GroupingTermsRow | TextTerms) -> Iterable[str]:
        if isinstance(text, TextTerms):
            return text.terms
        return f"{text[2]}{_SEPARATOR}{text[3]}".split(_SEPARATOR)
