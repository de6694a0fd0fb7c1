"""The local store: one SQLite file holding every feed's health and every item ever fetched.

Store is the one way in; its methods live with their domain, one mixin a module:

    schema.py       the migrations, and opening a connection (WAL, busy timeout)
    ingest.py       saving fetched feeds, whole or not at all (dedup.py: which item an entry is)
    feeds.py        each feed's fetch state and health
    items.py        reading items: by query, id, date range; the sketches a draft ranks
    search.py       the full-text index, filled on the first search
    corrections.py  editors' tag corrections, and classifying stored items again
    stories.py      story ids, regrouped around new items
    sendlog.py      the send log of `digest send`
    subscribers.py  the subscriber list, and who left

Below them: base.py (the connection and config every mixin shares), sqlite.py (transactions,
select_in for lookups by many values), rows.py (an item's columns, times as stored).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from digest.models import Config
from digest.store.corrections import entry_of
from digest.store.feeds import FeedHealth
from digest.store.ingest import COMMIT_SECONDS, IngestMixin, SaveCounts
from digest.store.items import ItemQuery
from digest.store.schema import MIGRATIONS, connect, migrate, refused_or_damaged, store_problem
from digest.store.sendlog import SendLogMixin
from digest.store.sqlite import select_in, transaction
from digest.store.stories import STORY_REACH, StoriesMixin
from digest.store.subscribers import SubscribersMixin

__all__ = [
    "COMMIT_SECONDS",
    "MIGRATIONS",
    "STORY_REACH",
    "FeedHealth",
    "ItemQuery",
    "SaveCounts",
    "Store",
    "connect",
    "entry_of",
    "migrate",
    "open_store",
    "reclassify",
    "select_in",
    "transaction",
]


class Store(IngestMixin, StoriesMixin, SendLogMixin, SubscribersMixin):
    """The newsletter's store over one open connection (see open_store)."""


@contextlib.contextmanager
def open_store(config: Config) -> Iterator[Store]:
    """The newsletter's store, created and migrated as needed."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    conn = connect(str(config.store_path))
    try:
        store = Store(conn, config)
        store.follow_rules()
        yield store
    except sqlite3.DatabaseError as exc:
        if not refused_or_damaged(exc):
            raise
        raise store_problem(config.store_path, exc) from exc
    finally:
        conn.close()


def reclassify(config: Config) -> int:
    with open_store(config) as store:
        return store.reclassify()
