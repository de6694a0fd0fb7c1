"""The store's schema: the migrations that build it, and opening a connection at the latest.

The schema is versioned (PRAGMA user_version) and grows only by appending to MIGRATIONS. WAL
with a busy timeout, so a reader never blocks a fetch and two fetches queue instead of failing.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from digest.errors import DigestError, StoreError, UserError

# What str.strip() removes, for SQLite's trim(): a summary's length is the same in both.
STRIP_CHARACTERS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# A summary's length as str.strip() would leave it, in SQL ({text} is the column).
_SUMMARY_CHARS = (
    "length(trim({text}, char(" + ", ".join(str(ord(c)) for c in STRIP_CHARACTERS) + ")))"
)

# Each entry moves the schema one version up; PRAGMA user_version counts the ones applied.
# Append only: a store written by a newer digest has a higher version and is refused.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE feeds (
        name TEXT PRIMARY KEY,
        url TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        last_fetched TEXT,
        last_success TEXT,
        status TEXT NOT NULL DEFAULT 'new',
        error TEXT,
        warning TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        retry_after TEXT
    );
    CREATE TABLE items (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        feed TEXT NOT NULL,
        guid TEXT,
        url TEXT,
        title TEXT NOT NULL,
        summary_html TEXT NOT NULL,
        summary_text TEXT NOT NULL,
        published TEXT,
        published_guessed INTEGER NOT NULL DEFAULT 0,
        first_seen TEXT NOT NULL,
        updated TEXT,
        author TEXT NOT NULL DEFAULT '',
        language TEXT,
        countries TEXT NOT NULL DEFAULT '[]',
        topics TEXT NOT NULL DEFAULT '[]',
        relevant INTEGER NOT NULL DEFAULT 0,
        story TEXT,
        reasons TEXT NOT NULL DEFAULT '{}',
        content_hash TEXT NOT NULL,
        malformed INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX items_url ON items (url);
    CREATE INDEX items_when ON items (coalesce(published, first_seen));
    CREATE INDEX items_story ON items (story);
    -- Which feed delivered which item under which key (g:guid, u:url, t:title).
    CREATE TABLE sources (
        feed TEXT NOT NULL,
        key TEXT NOT NULL,
        item_id TEXT NOT NULL,
        PRIMARY KEY (feed, key)
    ) WITHOUT ROWID;
    CREATE INDEX sources_item ON sources (item_id);
    -- An editor's correction: it wins over the rules and survives re-fetching.
    CREATE TABLE tag_overrides (
        item_id TEXT NOT NULL,
        tag TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('add', 'remove')),
        PRIMARY KEY (item_id, tag)
    ) WITHOUT ROWID;
    CREATE VIRTUAL TABLE items_fts USING fts5 (
        title, summary_text, content='items', content_rowid='seq', tokenize='trigram'
    );
    CREATE TRIGGER items_fts_insert AFTER INSERT ON items BEGIN
        INSERT INTO items_fts (rowid, title, summary_text)
        VALUES (new.seq, new.title, new.summary_text);
    END;
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
        INSERT INTO items_fts (items_fts, rowid, title, summary_text)
        VALUES ('delete', old.seq, old.title, old.summary_text);
    END;
    CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary_text ON items BEGIN
        INSERT INTO items_fts (items_fts, rowid, title, summary_text)
        VALUES ('delete', old.seq, old.title, old.summary_text);
        INSERT INTO items_fts (rowid, title, summary_text)
        VALUES (new.seq, new.title, new.summary_text);
    END;
    """,
    # The send log (sendlog.py in this package): one row per delivery attempt of an issue to
    # a recipient.
    """
    CREATE TABLE send_log (
        id INTEGER PRIMARY KEY,
        issue INTEGER NOT NULL,
        recipient TEXT NOT NULL COLLATE NOCASE,
        message_id TEXT NOT NULL,
        result TEXT NOT NULL CHECK (result IN ('sent', 'refused', 'failed')),
        code INTEGER,
        reason TEXT NOT NULL DEFAULT '',
        time TEXT NOT NULL
    );
    CREATE INDEX send_log_by_issue ON send_log (issue, recipient);
    """,
    # The search index is filled on the first search, not while fetching: trigram indexing costs
    # more than everything else a fetch does to an item. fts_state.indexed is the highest seq in
    # items_fts; rows above it are indexed by the next search, rows below it are kept current.
    """
    DROP TRIGGER items_fts_insert;
    DROP TRIGGER items_fts_delete;
    DROP TRIGGER items_fts_update;
    CREATE TABLE fts_state (indexed INTEGER NOT NULL);
    INSERT INTO fts_state (indexed) SELECT coalesce(max(seq), 0) FROM items;
    CREATE TRIGGER items_fts_delete AFTER DELETE ON items
    WHEN old.seq <= (SELECT indexed FROM fts_state) BEGIN
        INSERT INTO items_fts (items_fts, rowid, title, summary_text)
        VALUES ('delete', old.seq, old.title, old.summary_text);
    END;
    CREATE TRIGGER items_fts_update AFTER UPDATE OF title, summary_text ON items
    WHEN old.seq <= (SELECT indexed FROM fts_state) BEGIN
        INSERT INTO items_fts (items_fts, rowid, title, summary_text)
        VALUES ('delete', old.seq, old.title, old.summary_text);
        INSERT INTO items_fts (rowid, title, summary_text)
        VALUES (new.seq, new.title, new.summary_text);
    END;
    """,
    # The classification rules the stored tags follow (classify.rules_fingerprint); when
    # feeds.yaml's taxonomy or a feed's defaults change, every item is classified again.
    """
    CREATE TABLE rules_state (fingerprint TEXT NOT NULL);
    INSERT INTO rules_state (fingerprint) VALUES ('');
    """,
    # The subscriber list (digest/store/subscribers.py): personal data, so here and never in
    # the newsletter's git-tracked files. One row an address; a reader who left keeps a row.
    """
    CREATE TABLE subscribers (
        address TEXT PRIMARY KEY COLLATE NOCASE,
        status TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed', 'disabled')),
        since TEXT,
        changed TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID;
    """,
    # An editor's correction of stories (`digest story`): the items sharing a merge group are
    # one story, which grouping never undoes; a split item stands alone. Like tag_overrides,
    # it survives re-fetching and regrouping.
    """
    CREATE TABLE story_corrections (
        item_id TEXT PRIMARY KEY,
        action TEXT NOT NULL CHECK (action IN ('merge', 'split')),
        merge_group TEXT CHECK ((action = 'merge') = (merge_group IS NOT NULL))
    ) WITHOUT ROWID;
    CREATE INDEX story_corrections_group ON story_corrections (merge_group);
    """,
    # Each item's summary length as a draft ranks it (characters, stripped), beside the items so
    # that a draft over a month reads no summary. Triggers keep it; a summary holding a NUL
    # character (SQLite's length() stops there) has no row and is measured when read.
    f"""
    CREATE TABLE summary_sizes (seq INTEGER PRIMARY KEY, chars INTEGER NOT NULL);
    INSERT INTO summary_sizes (seq, chars)
    SELECT seq, {_SUMMARY_CHARS.format(text="summary_text")} FROM items
    WHERE instr(summary_text, char(0)) = 0;
    CREATE TRIGGER summary_sizes_insert AFTER INSERT ON items
    WHEN instr(new.summary_text, char(0)) = 0 BEGIN
        INSERT OR REPLACE INTO summary_sizes (seq, chars)
        VALUES (new.seq, {_SUMMARY_CHARS.format(text="new.summary_text")});
    END;
    CREATE TRIGGER summary_sizes_update AFTER UPDATE OF summary_text ON items BEGIN
        DELETE FROM summary_sizes WHERE seq = old.seq;
        INSERT INTO summary_sizes (seq, chars)
        SELECT new.seq, {_SUMMARY_CHARS.format(text="new.summary_text")}
        WHERE instr(new.summary_text, char(0)) = 0;
    END;
    CREATE TRIGGER summary_sizes_delete AFTER DELETE ON items BEGIN
        DELETE FROM summary_sizes WHERE seq = old.seq;
    END;
    """,
    # What story grouping reads of an item's text, worked out once (digest/store/grouping.py):
    # its canonical URL, whether it is written in CJK, the terms of its title and of the rest.
    # grouping_state.version names the term rules they follow; when those change, every row
    # goes. An item whose URL or text changes loses its row.
    """
    CREATE TABLE grouping_terms (
        seq INTEGER PRIMARY KEY,
        url TEXT,
        cjk INTEGER NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL
    );
    CREATE TABLE grouping_state (version TEXT NOT NULL);
    INSERT INTO grouping_state (version) VALUES ('');
    CREATE TRIGGER grouping_terms_update AFTER UPDATE OF url, title, summary_text ON items BEGIN
        DELETE FROM grouping_terms WHERE seq = old.seq;
    END;
    CREATE TRIGGER grouping_terms_delete AFTER DELETE ON items BEGIN
        DELETE FROM grouping_terms WHERE seq = old.seq;
    END;
    """,
    # Regrouping reads from the indexes alone which items are dated near new ones (their ids
    # and stories) and which items of their stories are dated further away.
    """
    DROP INDEX items_when;
    CREATE INDEX items_when ON items (coalesce(published, first_seen), id, story);
    DROP INDEX items_story;
    CREATE INDEX items_story ON items (story, coalesce(published, first_seen));
    """,
    # What a draft ranks of the relevant items in a range (items.py's sketches_in_range), read
    # from this index alone, the summary's length from summary_sizes.
    """
    CREATE INDEX items_sketch
    ON items (relevant, coalesce(published, first_seen), id, feed, url, story, topics);
    """,
]


def connect(path: str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        # Item ids and URLs are hashes and arrive in no order: with SQLite's 2 MB default the
        # pages of their indexes are read again for nearly every insert. 64 MB holds them.
        conn.execute("PRAGMA cache_size = -65536")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise store_problem(Path(path), exc) from exc
    return conn


# SQLite's primary result codes (sqlite3 gives them as exc.sqlite_errorcode).
_PERM, _READONLY, _CANTOPEN, _AUTH = 3, 8, 14, 23
_CORRUPT, _FULL, _NOTADB = 11, 13, 26
KEEP_IT = "it holds the editor's tag corrections and the send log"


def store_problem(path: Path, exc: sqlite3.Error) -> DigestError:
    """What went wrong with the store at path, said so the editor can act. Only a damaged
    store is worth moving away; one the user may not read or write is kept as it is."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (_CORRUPT, _NOTADB):
        return StoreError(
            f"{path}: the store is damaged: {exc}",
            hint=f"Keep a copy of it ({KEEP_IT}), then move it away: 'digest fetch' builds a "
            "new one.",
        )
    if code in (_PERM, _READONLY, _CANTOPEN, _AUTH):
        there = _refusing(path)
        kind = "folder" if there.is_dir() else "file"
        readable = not there.exists() or os.access(there, os.R_OK)
        return UserError(
            f"{there}: this {kind} is not {'writable' if readable else 'readable'}, so the "
            "store cannot be used",
            hint="Give your user read and write access to the store and its folder (ls -l "
            f"shows the owner); keep the store: {KEEP_IT}.",
        )
    if code == _FULL:
        return UserError(f"{path}: no space left to write the store", hint="Free some space.")
    return StoreError(f"{path}: cannot use the store: {exc}")


def refused_or_damaged(exc: sqlite3.Error) -> bool:
    """Whether exc is the file system refusing the store, a full disk or a damaged file (not
    a mistake in digest's own SQL)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    return code in (_PERM, _READONLY, _CANTOPEN, _AUTH, _CORRUPT, _FULL, _NOTADB)


def _refusing(path: Path) -> Path:
    """The store file, or its folder when that is what refuses (or the file is not there)."""
    folder = path.parent
    if not path.exists() or not os.access(folder, os.W_OK | os.X_OK):
        return folder
    return path


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"the store has schema version {version}, newer than this digest knows "
            f"({len(MIGRATIONS)})",
            hint="Upgrade digest to read it (a newer digest wrote it).",
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
