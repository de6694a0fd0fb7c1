"""The local store: one SQLite file holding every feed's health and every item ever fetched.

WAL with a busy timeout, so a reader never blocks a fetch and two fetches queue instead of
failing; each feed saved whole or not at all, so a crash (even kill -9) never leaves half a feed
(a fetch commits the feeds of each half second together, each in a savepoint of its own). The schema
is versioned (PRAGMA user_version) and grows only by appending to MIGRATIONS.

Dedup: an entry is the item already stored under the same guid from the same feed, or under the
same canonical URL from any feed; otherwise it is new. Editors' tag corrections live in their own
table and are applied over the rules every time an item is (re)classified; every item is
classified again when the rules change (a new alias in feeds.yaml, say).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from digest import classify
from digest.errors import StoreError
from digest.fetch import FeedOutcome, FeedState
from digest.models import (
    Classification,
    Config,
    Entry,
    FeedConfig,
    Item,
    ItemSketch,
    Taxonomy,
)
from digest.stories import LATE_DAYS, group_stories

STORY_REACH = dt.timedelta(days=LATE_DAYS)  # how far apart in time two items of one story may be
_ID_CHARS = 12
log = logging.getLogger(__name__)
COMMIT_SECONDS = 0.5  # a fetch commits the feeds saved in this long together

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
    # The send log (digest/sendlog.py): one row per delivery attempt of an issue to a recipient.
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
]


@dataclass(frozen=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    changed: tuple[str, ...] = ()  # ids of the items added or updated


@dataclass(frozen=True)
class FeedHealth:
    name: str
    url: str
    status: str
    error: str | None
    warning: str | None
    items: int
    last_fetched: dt.datetime | None
    last_success: dt.datetime | None
    failures: int
    retry_after: dt.datetime | None


@dataclass(frozen=True)
class ItemQuery:
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    country: str | None = None
    topic: str | None = None
    feed: str | None = None
    search: str | None = None
    story: str | None = None
    relevant_only: bool = True
    limit: int | None = None


# ---------------------------------------------------------------- opening


@contextlib.contextmanager
def open_store(config: Config) -> Iterator[Store]:
    """The newsletter's store, created and migrated as needed."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    conn = connect(str(config.store_path))
    try:
        store = Store(conn, config)
        store.follow_rules()
        yield store
    finally:
        conn.close()


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
        raise StoreError(
            f"{path}: cannot open the store: {exc}",
            hint="If it is damaged, move it away; 'digest fetch' builds a new one.",
        ) from exc
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise StoreError(
            f"the store has schema version {version}, newer than this digest knows "
            f"({len(MIGRATIONS)})",
            hint="Upgrade digest, or move .digest/store.sqlite away to start a new store.",
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All or nothing. Inside a transaction already open, a savepoint: the work is undone
    alone when it fails, and lands with the enclosing transaction."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT part")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # some errors (disk full, I/O) end the whole transaction
                conn.execute("ROLLBACK TO part")
                conn.execute("RELEASE part")
            raise
        conn.execute("RELEASE part")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# ---------------------------------------------------------------- the store


class Store:
    def __init__(self, conn: sqlite3.Connection, config: Config) -> None:
        self.conn = conn
        self.config = config
        self.story_items_considered = 0  # items the last regroup_around read

    # -- feeds

    def feed_states(self) -> dict[str, FeedState]:
        rows = self.conn.execute("SELECT name, url, etag, last_modified, retry_after FROM feeds")
        by_url = {f.name: f.url for f in self.config.feeds}
        return {
            name: FeedState(etag, modified, _parse_time(retry))
            if by_url.get(name) == url
            else FeedState()  # the url changed: start afresh
            for name, url, etag, modified, retry in rows
        }

    def save_feed_results(
        self, outcomes: Iterable[FeedOutcome], now: dt.datetime | None = None
    ) -> Iterator[tuple[FeedOutcome, SaveCounts]]:
        """Record each feed's fetch as it comes, yielding it with what it added and changed.

        Each feed is saved whole or not at all. Feeds that arrive one after another are
        committed together, at most half a second's worth, which costs a fraction of a commit
        per feed; the producer calls commit() when outcomes stop coming for a moment, so the
        store is not held while the network is waited on. A crash loses at most the feeds not
        yet committed, their validators with them, so the next fetch reads them again.
        """
        started = 0.0
        try:
            for outcome in outcomes:
                if not self.conn.in_transaction:
                    self.conn.execute("BEGIN IMMEDIATE")
                    started = time.monotonic()
                yield outcome, self.save_feed_result(outcome, now)
                if time.monotonic() - started >= COMMIT_SECONDS:
                    self.commit()
        finally:
            self.commit()

    def commit(self) -> None:
        """Commit the feeds saved so far, if any, under the rules they were classified by: if
        another command changed the rules meanwhile, the next one classifies everything again."""
        if not self.conn.in_transaction:
            return
        self.conn.execute(
            "UPDATE rules_state SET fingerprint = '' WHERE fingerprint != ?", (self.rules,)
        )
        self.conn.execute("COMMIT")

    @functools.cached_property
    def rules(self) -> str:
        """The fingerprint of the classification rules this store's config gives."""
        return classify.rules_fingerprint(self.config.taxonomy, self.config.feeds)

    def save_feed_result(self, outcome: FeedOutcome, now: dt.datetime | None = None) -> SaveCounts:
        """Record one feed's fetch and its entries, all in one transaction (or savepoint)."""
        now = now or dt.datetime.now(dt.UTC)
        if outcome.status == "skipped":
            return SaveCounts()
        with transaction(self.conn):
            self._save_feed_row(outcome, now)
            if not outcome.entries:
                return SaveCounts()
            known = self._known_for(outcome.feed.name, outcome.entries)
            changed: list[str] = []
            malformed = outcome.status == "warning"
            verdicts = outcome.classifications
            if len(verdicts) != len(outcome.entries):
                verdicts = (None,) * len(outcome.entries)  # type: ignore[assignment]
            for entry, verdict in zip(outcome.entries, verdicts, strict=True):
                saved = self._save_entry(entry, outcome.feed, malformed, now, verdict, known)
                if saved is not None:
                    changed.append(saved)
        new = sum(1 for item_id in changed if item_id in known.added)
        return SaveCounts(new, len(changed) - new, tuple(changed))

    def _save_feed_row(self, outcome: FeedOutcome, now: dt.datetime) -> None:
        feed = outcome.feed
        self.conn.execute(
            "INSERT INTO feeds (name, url) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET url = excluded.url, "
            "etag = CASE WHEN feeds.url = excluded.url THEN etag END, "
            "last_modified = CASE WHEN feeds.url = excluded.url THEN last_modified END",
            (feed.name, feed.url),
        )
        stamp = _time(now)
        if outcome.worked:
            status = outcome.status
            if status == "not_modified":
                status = "CASE WHEN status = 'warning' THEN 'warning' ELSE 'ok' END"
                warning = "warning"
            else:
                status, warning = "?", "?"
            params: list[Any] = []
            if outcome.status != "not_modified":
                params += [outcome.status, outcome.warning]
            self.conn.execute(
                f"UPDATE feeds SET status = {status}, warning = {warning}, error = NULL, "
                "failures = 0, retry_after = NULL, last_fetched = ?, last_success = ?, "
                "etag = ?, last_modified = ? WHERE name = ?",
                [*params, stamp, stamp, outcome.etag, outcome.last_modified, feed.name],
            )
        else:
            self.conn.execute(
                "UPDATE feeds SET status = ?, error = ?, failures = failures + 1, "
                "retry_after = ?, last_fetched = ? WHERE name = ?",
                (outcome.status, outcome.error, _time(outcome.retry_after), stamp, feed.name),
            )

    def _save_entry(
        self,
        entry: Entry,
        feed: FeedConfig,
        malformed: bool,
        now: dt.datetime,
        verdict: Classification | None,
        known: _Known,
    ) -> str | None:
        """The id of the item the entry added or changed; None when it changed nothing."""
        keys = _source_keys(entry)
        found = known.find(keys, entry.url)
        content_hash = _content_hash(entry)
        if found is None:
            item_id = self._new_id(entry, known)
            classification = verdict or self._classify(entry, feed, item_id)
            columns = _classification_columns(classification)
            self.conn.execute(
                "INSERT INTO items (id, feed, guid, url, title, summary_html, summary_text, "
                "published, published_guessed, first_seen, updated, author, language, "
                "countries, topics, relevant, story, reasons, content_hash, malformed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item_id, feed.name, entry.guid, entry.url, entry.title, entry.summary_html,
                    entry.summary_text, _time(entry.published), int(entry.published is None),
                    _time(now), _time(entry.updated), entry.author, entry.language,
                    *columns[:3], item_id, columns[3], content_hash, int(malformed),
                ),
            )  # fmt: skip
            known.add(_Stored(item_id, feed.name, content_hash, malformed), keys, entry.url)
            known.added.add(item_id)
            self._remember(feed.name, keys, item_id)
            return item_id
        if not known.remembers(keys, found.id):
            known.add(found, keys, None)
            self._remember(feed.name, keys, found.id)
        if found.content_hash == content_hash:
            return None
        clean_over_malformed = found.malformed and not malformed
        same_feed_update = found.feed == feed.name and (not malformed or found.malformed)
        if not (clean_over_malformed or same_feed_update):
            return None
        classification = self._classify(entry, feed, found.id, verdict)
        self.conn.execute(
            "UPDATE items SET guid = coalesce(?, guid), url = coalesce(?, url), title = ?, "
            "summary_html = ?, summary_text = ?, published = coalesce(?, published), "
            "published_guessed = published_guessed AND ? IS NULL, updated = ?, author = ?, "
            "language = coalesce(?, language), countries = ?, topics = ?, relevant = ?, "
            "reasons = ?, content_hash = ?, malformed = ? WHERE id = ?",
            (
                entry.guid, entry.url, entry.title, entry.summary_html, entry.summary_text,
                _time(entry.published), _time(entry.published), _time(entry.updated or now),
                entry.author, entry.language, *_classification_columns(classification),
                content_hash, int(malformed),
                found.id,
            ),
        )  # fmt: skip
        found.content_hash, found.malformed = content_hash, malformed
        if entry.url:
            known.by_url.setdefault(entry.url, found)
        return found.id

    def _known_for(self, feed: str, entries: Sequence[Entry]) -> _Known:
        """What the store already holds for a batch of entries, read in a few queries."""
        known = _Known()
        keys = sorted({key for entry in entries for key in _source_keys(entry)})
        for chunk in _chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT s.key, i.id, i.feed, i.content_hash, i.malformed FROM sources s "
                f"JOIN items i ON i.id = s.item_id WHERE s.feed = ? AND s.key IN ({marks})",
                [feed, *chunk],
            )
            for key, item_id, owner, content_hash, malformed in rows:
                known.by_key[key] = known.stored(item_id, owner, content_hash, malformed)
        urls = sorted({entry.url for entry in entries if entry.url})
        for chunk in _chunks(urls, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                "SELECT url, id, feed, content_hash, malformed FROM items "
                f"WHERE url IN ({marks}) ORDER BY seq",
                chunk,
            )
            for url, item_id, owner, content_hash, malformed in rows:
                if url not in known.by_url:
                    known.by_url[url] = known.stored(item_id, owner, content_hash, malformed)
        first_choices = sorted({_short_hash(_id_basis(entry)) for entry in entries})
        for chunk in _chunks(first_choices, 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(f"SELECT id FROM items WHERE id IN ({marks})", chunk)
            known.taken.update(row[0] for row in rows)
        return known

    def _remember(self, feed: str, keys: list[str], item_id: str) -> None:
        self.conn.executemany(
            "INSERT OR REPLACE INTO sources (feed, key, item_id) VALUES (?, ?, ?)",
            [(feed, key, item_id) for key in keys],
        )

    def _new_id(self, entry: Entry, known: _Known) -> str:
        basis = _id_basis(entry)
        item_id = _short_hash(basis)
        if item_id not in known.taken:
            known.taken.add(item_id)
            return item_id
        for attempt in range(1, 100):
            item_id = _short_hash(f"{basis}\0{attempt}")
            if item_id in known.taken:
                continue
            if not self.conn.execute("SELECT 1 FROM items WHERE id = ?", (item_id,)).fetchone():
                known.taken.add(item_id)
                return item_id
        raise StoreError("cannot find a free item id")  # pragma: no cover

    def _classify(
        self,
        entry: Entry,
        feed: FeedConfig | None,
        item_id: str,
        verdict: Classification | None = None,
    ) -> Classification:
        """The rules' verdict (computed now unless given) with the editor's corrections."""
        add, remove = self.tag_overrides(item_id)
        if verdict is not None and not (add or remove):
            return verdict
        return classify_with_overrides(entry, feed, self.config.taxonomy, add, remove)

    def feed_health(self) -> list[FeedHealth]:
        """Every feed of feeds.yaml, in its order, with what the store knows of it."""
        rows = {
            row[0]: row
            for row in self.conn.execute(
                "SELECT f.name, f.url, f.status, f.error, f.warning, f.last_fetched, "
                "f.last_success, f.failures, f.retry_after, "
                "(SELECT count(DISTINCT item_id) FROM sources s WHERE s.feed = f.name) "
                "FROM feeds f"
            )
        }
        out = []
        for feed in self.config.feeds:
            row = rows.get(feed.name)
            if row is None or row[1] != feed.url:
                out.append(FeedHealth(feed.name, feed.url, "new", None, None, 0, None, None, 0,
                                      None))  # fmt: skip
                continue
            _, url, status, error, warning, fetched, success, failures, retry, count = row
            out.append(
                FeedHealth(
                    feed.name, url, status, error, warning, count, _parse_time(fetched),
                    _parse_time(success), failures, _parse_time(retry),
                )
            )  # fmt: skip
        return out

    # -- items

    def list_items(self, query: ItemQuery = ItemQuery()) -> list[Item]:
        if query.search:
            self.update_search_index()
        where, params = _where(query)
        sql = f"SELECT {_ITEM_COLUMNS} FROM items i WHERE {where} " + _ORDER
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        return [_item(row) for row in self.conn.execute(sql, params)]

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

    def get_item(self, item_id: str) -> Item | None:
        row = self.conn.execute(
            f"SELECT {_ITEM_COLUMNS} FROM items i WHERE id = ?", (item_id,)
        ).fetchone()
        return _item(row) if row else None

    def items_in_range(self, since: dt.datetime | None, until: dt.datetime | None) -> list[Item]:
        """Items whose date (published, else first seen) is in [since, until), newest first."""
        sql = f"SELECT {_ITEM_COLUMNS} FROM items i WHERE 1"
        params: list[Any] = []
        if since is not None:
            sql += " AND coalesce(published, first_seen) >= ?"
            params.append(_time(since))
        if until is not None:
            sql += " AND coalesce(published, first_seen) < ?"
            params.append(_time(until))
        return [_item(row) for row in self.conn.execute(sql + " " + _ORDER, params)]

    def iter_items(self) -> Iterator[Item]:
        cursor = self.conn.execute(f"SELECT {_ITEM_COLUMNS} FROM items i ORDER BY seq")
        while rows := cursor.fetchmany(1000):
            yield from (_item(row) for row in rows)

    def also_feeds(self, item_ids: Sequence[str]) -> dict[str, list[str]]:
        """For each item, the other feeds that delivered it too."""
        out: dict[str, list[str]] = {}
        for chunk in _chunks(list(item_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT DISTINCT s.item_id, s.feed FROM sources s JOIN items i "
                f"ON i.id = s.item_id WHERE s.item_id IN ({marks}) AND s.feed != i.feed "
                "ORDER BY s.feed",
                chunk,
            )
            for item_id, feed in rows:
                out.setdefault(item_id, []).append(feed)
        return out

    def sketches_in_range(
        self, since: dt.datetime, until: dt.datetime
    ) -> tuple[list[ItemSketch], int]:
        """The light columns of the relevant items dated in [since, until), in no particular
        order, and how many others (not relevant) the range holds. One SELECT, no titles or
        summaries: a draft chooses from these, then reads the few items it keeps."""
        span = (_time(since), _time(until))
        when = "coalesce(published, first_seen) >= ? AND coalesce(published, first_seen) < ?"
        with self.snapshot():
            count = f"SELECT count(*) FROM items WHERE {when}"  # from the index alone
            in_range = self.conn.execute(count, span).fetchone()[0]
            newest = self.conn.execute("SELECT coalesce(max(seq), 0) FROM items").fetchone()[0]
            # Reading most of the table row by row through the date index costs three times a
            # plain scan.
            access = "NOT INDEXED" if in_range * _SCAN_SHARE > newest else ""
            rows = self.conn.execute(
                "SELECT i.id, i.feed, i.url, coalesce(i.story, i.id), "
                "CAST(strftime('%s', coalesce(i.published, i.first_seen)) AS INTEGER), "
                # length() stops at a NUL character: such a summary is measured in Python.
                "CASE WHEN instr(i.summary_text, char(0)) > 0 THEN i.summary_text "
                "ELSE length(trim(i.summary_text, ?)) END, i.topics, "
                "(SELECT json_group_array(DISTINCT s.feed) FROM sources s "
                "WHERE s.item_id = i.id AND s.feed != i.feed) "
                f"FROM items i {access} WHERE relevant = 1 AND {when}",
                (_WHITESPACE, *span),
            ).fetchall()
        decoded: dict[str, tuple[str, ...]] = {}
        sketches = []
        for item_id, feed, url, story, seconds, size, topics_json, feeds_json in rows:
            if isinstance(size, str):
                size = len(size.strip())
            topics = decoded.get(topics_json)
            if topics is None:
                topics = decoded[topics_json] = tuple(json.loads(topics_json))
            feeds = decoded.get(feeds_json)
            if feeds is None:
                feeds = decoded[feeds_json] = tuple(json.loads(feeds_json))
            sketches.append(
                ItemSketch(item_id, feed, url, story, seconds, size, topics, feeds, True)
            )
        return sketches, in_range - len(sketches)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one state of the store, whatever a fetch commits meanwhile."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")

    def items_with_ids(self, item_ids: Iterable[str]) -> dict[str, Item]:
        """The stored items with these ids, by id (ids not in the store are left out)."""
        found: dict[str, Item] = {}
        for chunk in _chunks(sorted(set(item_ids)), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT {_ITEM_COLUMNS} FROM items i WHERE id IN ({marks})", chunk
            )
            found.update((row[0], _item(row)) for row in rows)
        return found

    def stories_of(self, item_ids: Iterable[str], urls: Iterable[str]) -> set[str]:
        """The story ids of the items with these ids or these canonical URLs."""
        stories: set[str] = set()
        for column, values in (("id", list(item_ids)), ("url", list(urls))):
            for chunk in _chunks(sorted(set(values)), 500):
                marks = ",".join("?" * len(chunk))
                rows = self.conn.execute(
                    f"SELECT DISTINCT coalesce(story, id) FROM items WHERE {column} IN ({marks})",
                    chunk,
                )
                stories.update(row[0] for row in rows)
        return stories

    # -- editors' corrections and classification

    def tag_overrides(self, item_id: str) -> tuple[list[str], list[str]]:
        return self._overrides_of([item_id]).get(item_id, ([], []))

    def set_tag_overrides(self, item_id: str, add: Sequence[str], remove: Sequence[str]) -> Item:
        """Record an editor's correction and reclassify the item with it."""
        item = self.get_item(item_id)
        if item is None:
            raise StoreError(
                f"no item with id {item_id}", hint="See ids with 'digest items --all'."
            )
        with transaction(self.conn):
            self.conn.executemany(
                "INSERT OR REPLACE INTO tag_overrides (item_id, tag, action) VALUES (?, ?, ?)",
                [(item_id, tag, "add") for tag in add] + [(item_id, t, "remove") for t in remove],
            )
            self._reclassify_items([item])
        got = self.get_item(item_id)
        assert got is not None
        return got

    def follow_rules(self) -> int:
        """Classify every item again if the rules changed since they were classified (a
        country's aliases, a topic's keywords or a feed's defaults in feeds.yaml, or digest's
        own lists); returns how many items changed."""
        row = self.conn.execute("SELECT fingerprint FROM rules_state").fetchone()
        if row is not None and row[0] == self.rules:
            return 0
        stored = self.conn.execute("SELECT count(*) FROM items").fetchone()[0]
        if stored:  # a big store takes a while: say why
            log.warning(
                "classifying %s stored item%s again: the taxonomy or a feed's defaults changed",
                f"{stored:,}",
                "" if stored == 1 else "s",
            )
        try:
            changed = self.reclassify()
            with transaction(self.conn):
                self.conn.execute("UPDATE rules_state SET fingerprint = ?", (self.rules,))
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"cannot bring the stored items up to the new taxonomy: {exc}",
                hint="Another digest command is writing to the store; run this one again.",
            ) from exc
        return changed

    def reclassify(self) -> int:
        """Classify every stored item again, the editor's corrections kept; returns how many
        changed. Items of feeds no longer in feeds.yaml keep their tags (their feed's defaults
        are gone with it). Stories do not depend on tags, so they stay as they are."""
        listed = {feed.name for feed in self.config.feeds}
        changed = 0
        last = 0
        while True:
            with transaction(self.conn):  # read and written in one go: a fetch may be saving
                rows = self._items_after(last, 1000)
                if not rows:
                    break
                changed += self._reclassify_items([i for _, i in rows if i.feed in listed])
            last = rows[-1][0]
        return changed

    def _items_after(self, seq: int, limit: int) -> list[tuple[int, Item]]:
        rows = self.conn.execute(
            f"SELECT seq, {_ITEM_COLUMNS} FROM items i WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()
        return [(row[0], _item(row[1:])) for row in rows]

    def _reclassify_items(self, items: Sequence[Item]) -> int:
        feeds = {feed.name: feed for feed in self.config.feeds}
        overrides = self._overrides_of([item.id for item in items])
        changed = 0
        for item in items:
            add, remove = overrides.get(item.id, ([], []))
            got = classify_with_overrides(
                entry_of(item), feeds.get(item.feed), self.config.taxonomy, add, remove
            )
            if (got.countries, got.topics, got.relevant, got.reasons) != (
                item.countries,
                item.topics,
                item.relevant,
                item.reasons,
            ):
                changed += 1
                countries, topics, relevant, reasons = _classification_columns(got)
                self.conn.execute(
                    "UPDATE items SET countries = ?, topics = ?, relevant = ?, reasons = ? "
                    "WHERE id = ?",
                    (countries, topics, relevant, reasons, item.id),
                )
        return changed

    def _overrides_of(self, item_ids: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]:
        """The editor's corrections of these items: id -> (tags added, tags removed)."""
        out: dict[str, tuple[list[str], list[str]]] = {}
        for chunk in _chunks(list(item_ids), 500):
            marks = ",".join("?" * len(chunk))
            rows = self.conn.execute(
                f"SELECT item_id, tag, action FROM tag_overrides WHERE item_id IN ({marks}) "
                "ORDER BY tag",
                chunk,
            )
            for item_id, tag, action in rows:
                add, remove = out.setdefault(item_id, ([], []))
                (add if action == "add" else remove).append(tag)
        return out

    def regroup_stories(self, since: dt.datetime, also: Iterable[str] = ()) -> int:
        """Recompute story ids over the items dated since `since` (plus the ids in `also`)."""
        items = self.items_in_range(since, None)
        known = {item.id for item in items}
        extra = [i for i in (self.get_item(x) for x in also if x not in known) if i]
        groups = group_stories([*items, *extra], self.config.story_threshold)
        changes = [
            (groups.get(item.id, item.id), item.id)
            for item in (*items, *extra)
            if groups.get(item.id, item.id) != item.story
        ]
        with transaction(self.conn):
            self.conn.executemany("UPDATE items SET story = ? WHERE id = ?", changes)
        return len(changes)

    def regroup_around(self, changed: Iterable[str]) -> int:
        """Story ids after items were added or changed: only the stories that can touch them.

        Each changed item is grouped with the items dated within STORY_REACH of its own date
        (published, else first seen), whatever its age, and with every item of those items'
        stories; stories they do not join keep their ids, and unchanged items stay in the
        stories they were in. Returns how many ids were rewritten; `story_items_considered`
        says how many items the grouping read.
        """
        changed_ids = set(changed)
        nearby: dict[str, Item] = {}
        for lo, hi in _spans(self._dates_of(changed_ids), STORY_REACH):
            nearby.update((i.id, i) for i in self.items_in_range(lo, hi + dt.timedelta(seconds=1)))
        if not nearby:
            return 0
        stories = {item.story or item.id for item in nearby.values()}
        nearby.update((item.id, item) for item in self._items_of_stories(stories, nearby))
        items = list(nearby.values())
        self.story_items_considered = len(items)
        grouped = group_stories(items, self.config.story_threshold)
        components = _Components()
        for item in items:
            components.join(item.id, grouped.get(item.id, item.id))
            if item.id not in changed_ids and item.story:
                components.join(item.id, "story:" + item.story)  # never split a story
        earliest: dict[str, Item] = {}
        for item in sorted(items, key=lambda i: (i.when, i.id)):
            earliest.setdefault(components.find(item.id), item)
        updates = [
            (story, item.id)
            for item in items
            if (story := earliest[components.find(item.id)].id) != item.story
        ]
        with transaction(self.conn):
            self.conn.executemany("UPDATE items SET story = ? WHERE id = ?", updates)
        return len(updates)

    def _dates_of(self, item_ids: Iterable[str]) -> list[dt.datetime]:
        """The dates (published, else first seen) of the items with these ids."""
        dates: list[dt.datetime] = []
        for chunk in _chunks(sorted(set(item_ids)), 500):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT coalesce(published, first_seen) FROM items WHERE id IN ({marks})"
            rows = self.conn.execute(sql, chunk)
            dates += [when for (text,) in rows if (when := _parse_time(text)) is not None]
        return dates

    def _items_of_stories(self, stories: Iterable[str], loaded: dict[str, Item]) -> list[Item]:
        items: list[Item] = []
        for chunk in _chunks(sorted(set(stories)), 500):
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT {_ITEM_COLUMNS} FROM items i WHERE story IN ({marks})"
            rows = self.conn.execute(sql, chunk)
            items += [_item(row) for row in rows if row[0] not in loaded]
        return items


def _spans(
    dates: Iterable[dt.datetime], reach: dt.timedelta
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The time spans within reach of the dates, overlapping ones joined: a fetch of items
    from 2021 and from today reads two short spans, not the years between."""
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    for when in sorted(dates):
        if spans and when - reach <= spans[-1][1]:
            spans[-1] = (spans[-1][0], when + reach)
        else:
            spans.append((when - reach, when + reach))
    return spans


class _Components:
    """Union-find over names (item ids and story ids)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, name: str) -> str:
        root = self.parent.setdefault(name, name)
        while root != self.parent[root]:
            self.parent[root] = self.parent[self.parent[root]]
            root = self.parent[root]
        return root

    def join(self, first: str, second: str) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            self.parent[a] = b


@dataclass
class _Stored:
    """An item already in the store, as dedup sees it (kept current within a batch)."""

    id: str
    feed: str
    content_hash: str
    malformed: bool


@dataclass
class _Known:
    """The stored items one feed's entries may match: by this feed's keys, by canonical URL."""

    by_key: dict[str, _Stored] = field(default_factory=dict)
    by_url: dict[str, _Stored] = field(default_factory=dict)
    by_id: dict[str, _Stored] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)  # item ids in use, of those checked
    added: set[str] = field(default_factory=set)  # item ids inserted by this batch

    def stored(self, item_id: str, owner: str, content_hash: str, malformed: int) -> _Stored:
        if item_id not in self.by_id:
            self.by_id[item_id] = _Stored(item_id, owner, content_hash, bool(malformed))
        return self.by_id[item_id]

    def find(self, keys: list[str], url: str | None) -> _Stored | None:
        for key in keys:
            if key in self.by_key:
                return self.by_key[key]
        return self.by_url.get(url) if url else None

    def remembers(self, keys: list[str], item_id: str) -> bool:
        return all(key in self.by_key and self.by_key[key].id == item_id for key in keys)

    def add(self, item: _Stored, keys: list[str], url: str | None) -> None:
        item = self.by_id.setdefault(item.id, item)
        for key in keys:
            self.by_key[key] = item
        if url:
            self.by_url.setdefault(url, item)


def reclassify(config: Config) -> int:
    with open_store(config) as store:
        return store.reclassify()


# ---------------------------------------------------------------- classification hooks


def classify_with_overrides(
    entry: Entry,
    feed: FeedConfig | None,
    taxonomy: Taxonomy,
    add: Sequence[str],
    remove: Sequence[str],
) -> Classification:
    got = classify.classify_entry(entry, feed, taxonomy)
    if add or remove:
        got = classify.apply_overrides(got, add, remove, taxonomy)
    return got


def entry_of(item: Item) -> Entry:
    return Entry(
        feed=item.feed,
        guid=item.guid,
        url=item.url,
        title=item.title,
        summary_html=item.summary_html,
        summary_text=item.summary_text,
        published=item.published,
        updated=item.updated,
        author=item.author,
        language=item.language,
    )


# ---------------------------------------------------------------- rows and values

_ITEM_COLUMNS = (
    "id, feed, guid, url, title, summary_html, summary_text, published, first_seen, updated, "
    "author, language, countries, topics, relevant, story, reasons"
)
_ORDER = "ORDER BY coalesce(published, first_seen) DESC, seq DESC"
_SCAN_SHARE = 5  # a range holding more than 1/5 of the items is read by a scan
# What str.strip() removes, for SQLite's trim(): a summary's length is the same in both.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _item(row: Sequence[Any]) -> Item:
    reasons = {tag: tuple(terms) for tag, terms in json.loads(row[16]).items()}
    first_seen = _parse_time(row[8])
    assert first_seen is not None
    return Item(
        id=row[0],
        feed=row[1],
        guid=row[2],
        url=row[3],
        title=row[4],
        summary_html=row[5],
        summary_text=row[6],
        published=_parse_time(row[7]),
        first_seen=first_seen,
        updated=_parse_time(row[9]),
        author=row[10] or "",
        language=row[11],
        countries=tuple(json.loads(row[12])),
        topics=tuple(json.loads(row[13])),
        relevant=bool(row[14]),
        story=row[15],
        reasons=reasons,
    )


def _where(query: ItemQuery) -> tuple[str, list[Any]]:
    clauses = ["1"]
    params: list[Any] = []
    if query.relevant_only:
        clauses.append("relevant = 1")
    if query.since:
        clauses.append("coalesce(published, first_seen) >= ?")
        params.append(_day(query.since))
    if query.until:
        clauses.append("coalesce(published, first_seen) < ?")
        params.append(_day(query.until + dt.timedelta(days=1)))
    if query.country:
        clauses.append("EXISTS (SELECT 1 FROM json_each(i.countries) WHERE value = ?)")
        params.append(query.country.upper())
    if query.topic:
        clauses.append("EXISTS (SELECT 1 FROM json_each(i.topics) WHERE value = ?)")
        params.append(query.topic)
    if query.feed:
        clauses.append("(feed = ? OR id IN (SELECT item_id FROM sources WHERE feed = ?))")
        params += [query.feed, query.feed]
    if query.story:
        clauses.append("story = ?")
        params.append(query.story)
    if query.search:
        clause, words = _search(query.search)
        clauses.append(clause)
        params += words
    return " AND ".join(clauses), params


def _search(text: str) -> tuple[str, list[str]]:
    """Every word must occur. Trigrams cannot match words under three characters (common in
    Chinese: 矿场, 监管), so those fall back on LIKE."""
    clauses: list[str] = []
    params: list[str] = []
    for word in text.split():
        if len(word) >= 3:
            clauses.append("seq IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append('"' + word.replace('"', '""') + '"')
        else:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append("(title LIKE ? ESCAPE '\\' OR summary_text LIKE ? ESCAPE '\\')")
            params += [f"%{escaped}%", f"%{escaped}%"]
    return (" AND ".join(clauses) or "1"), params


def _classification_columns(c: Classification) -> tuple[str, str, int, str]:
    """countries, topics, relevant, reasons as stored."""
    return _tag_list(c.countries), _tag_list(c.topics), int(c.relevant), _reasons_json(c.reasons)


_reasons_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # tuples as lists


@functools.lru_cache(maxsize=4096)
def _tag_list(tags: tuple[str, ...]) -> str:
    return json.dumps(list(tags))


def _source_keys(entry: Entry) -> list[str]:
    keys = []
    if entry.guid:
        keys.append("g:" + entry.guid)
    if entry.url:
        keys.append("u:" + entry.url)
    if not keys:
        keys.append("t:" + _short_hash(entry.title + "\0" + entry.summary_text))
    return keys


def _content_hash(entry: Entry) -> str:
    parts = [entry.title, entry.summary_html, entry.url or "", _time(entry.published) or ""]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


def _id_basis(entry: Entry) -> str:
    return entry.url or f"{entry.feed}\0{entry.guid or entry.title}"


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:_ID_CHARS]


def _time(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    v = value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def _day(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}T00:00:00Z"


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    if len(value) == 20 and value[-1] == "Z":  # as _time writes it: 40 times faster than strptime
        return dt.datetime.fromisoformat(value)
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
