"""A fetch of 10,000 new items into a store of 1,000,000 (a year of 200 busy feeds).

The store is store1m.py's, built once and kept in benchmarks/out/. The fetch brings the
10,000 items dated in the last 4.7 days (50 per feed; some are further reports of stored
events), classified and their grouping terms worked out beforehand, as the fetch's parse
workers do. Figures, each measured once (the store is a few GB; the machine is shared):
- the save: Store.save_feed_results over the 200 feeds, as digest/refresh.py calls it;
- the regroup: Store.regroup_around(the ids the save changed), as refresh.py calls it next:
  target under 5 s, against the peer: reading the items within reach of the new ones alone.
  It reads every item within reach (their terms weigh the words) but compares only the new
  items and the stored ones they might join. The stored items' terms are kept
  (digest/store/grouping.py), as a fetch that grouped them left them; those missing (the
  store's first run, or new term rules) are worked out first, untimed, and counted;
- how well the new items found their stories: pairwise precision and recall over the stories
  the new items are in, against the events they report.
Afterwards the store is put back as it was (the new items and their feeds' rows deleted, the
story ids restored), so the next run measures the same fetch; a run cut short leaves a mark
that makes the next one build the store again.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import combinations, groupby
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import store1m  # noqa: E402
from figures import Figure, peak_rss_mb  # noqa: E402

from digest.classify import classify_entry  # noqa: E402
from digest.models import Config, FeedOutcome  # noqa: E402
from digest.store import STORY_REACH, Store, open_store  # noqa: E402
from digest.store.grouping import entry_terms, terms_version  # noqa: E402
from digest.store.rows import time_text  # noqa: E402
from digest.store.stories import spans_within_reach  # noqa: E402

TARGET_SECONDS = 5.0
T = TypeVar("T")


def run() -> list[Figure]:
    built = store1m.ensure_store()
    config = built.config
    outcomes = _outcomes(config)
    dates = [e.published for o in outcomes for e in o.entries if e.published]
    with _put_back(config.store_path), open_store(config) as store:
        worked_out = _stored_terms(store, dates)
        save, counts = _timed(lambda: list(store.save_feed_results(outcomes, store1m.NOW)))
        changed = [item_id for _, c in counts for item_id in c.changed]
        regroup, rewritten = _timed(lambda: store.regroup_around(changed))
        considered = store.story_items_considered
        reading, nearby = _timed(lambda: _read_within_reach(store, dates))
        precision, recall, stories = _scores(store.conn, changed)
    how = "cached" if built.seconds is None else f"built in {built.seconds:.0f} s"
    store_note = f"store of {store1m.ITEMS:,} items, {built.size_mb:,.0f} MB ({how})"
    return [
        Figure(
            f"fetch into the 1M store: save {len(changed):,} new items of {store1m.FEEDS} feeds",
            save.wall,
            "s",
            "report",
            None,
            f"CPU {save.cpu:.2f} s; {len(changed) / save.wall:,.0f} items/s; {store_note}",
        ),
        Figure(
            f"fetch into the 1M store: regroup around the {len(changed):,} new items",
            regroup.wall,
            "s",
            f"< {TARGET_SECONDS:g} s",
            regroup.wall < TARGET_SECONDS,
            f"reading the {nearby:,} items within reach alone {reading.wall:.2f} s; CPU "
            f"{regroup.cpu:.2f} s; {considered:,} items read, {rewritten:,} story ids "
            f"rewritten; {worked_out:,} stored items' terms worked out beforehand",
        ),
        Figure(
            "fetch into the 1M store: regroup, CPU",
            regroup.cpu,
            "s",
            f"< {TARGET_SECONDS:g} s",
            regroup.cpu < TARGET_SECONDS,
            f"the new items' {stories:,} stories, pairs of one event found: precision "
            f"{precision:.3f}, recall {recall:.3f}",
        ),
        Figure("fetch into the 1M store: peak memory", peak_rss_mb(), "MB", "report", None),
    ]


class Timing:
    def __init__(self, wall: float, cpu: float) -> None:
        self.wall = wall  # seconds on the clock: what the editor waits on a busy machine
        self.cpu = cpu  # seconds of this process's CPU: the work itself


def _timed(work: Callable[[], T]) -> tuple[Timing, T]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu), result


def _outcomes(config: Config) -> list[FeedOutcome]:
    """The fetch's 200 feeds, their entries classified and their grouping terms worked out
    as the fetch's parse workers do."""
    feeds = {feed.name: feed for feed in config.feeds}
    entries = sorted(store1m.new_entries(), key=lambda e: e.feed)
    assert len(entries) == store1m.NEW_ITEMS
    outcomes = []
    for name, group in groupby(entries, key=lambda e: e.feed):
        mine = tuple(group)
        verdicts = tuple(classify_entry(e, feeds[name], config.taxonomy) for e in mine)
        terms = tuple(entry_terms(e) for e in mine)
        outcomes.append(
            FeedOutcome(
                feeds[name],
                "ok",
                mine,
                verdicts,
                grouping_terms=terms,
                terms_version=terms_version(),
            )
        )
    return outcomes


def _stored_terms(store: Store, dates: list[dt.datetime]) -> int:
    """The stored items within reach of the new ones with their terms kept, as every item
    grouped by an earlier fetch has them (a store built by direct inserts has none yet, and
    a change of the term rules forgets them); returns how many were worked out now."""
    worked_out = 0
    for lo, hi in spans_within_reach(dates, STORY_REACH):
        worked_out += store.fill_grouping_terms(lo, hi + dt.timedelta(seconds=1))
    return worked_out


def _read_within_reach(store: Store, dates: list[dt.datetime]) -> int:
    """What regroup_around reads before it groups: the items within reach of the new ones."""
    read = 0
    for lo, hi in spans_within_reach(dates, STORY_REACH):
        read += len(store.items_in_range(lo, hi + dt.timedelta(seconds=1)))
    return read


def _scores(conn: sqlite3.Connection, changed: list[str]) -> tuple[float, float, int]:
    """Pairwise precision and recall of the stories the new items are in (every member, old
    or new) against the generated events of those members."""
    rows = conn.execute(
        "SELECT id, url, story FROM items WHERE story IN (SELECT story FROM items WHERE id IN "
        "(SELECT value FROM json_each(?)))",
        (json.dumps(changed),),
    ).fetchall()
    events = {store1m.event_of(url) for _, url, _ in rows}
    told = conn.execute(
        "SELECT url FROM items WHERE published >= ?",
        (time_text(store1m.NOW - dt.timedelta(days=40)),),
    ).fetchall()
    true_pairs = _pairs_by(url for (url,) in told if store1m.event_of(url) in events)
    found: dict[str, list[str]] = {}
    for _, url, story in rows:
        found.setdefault(story, []).append(store1m.event_of(url))
    right = sum(a == b for members in found.values() for a, b in combinations(members, 2))
    found_pairs = sum(len(m) * (len(m) - 1) // 2 for m in found.values())
    return right / max(1, found_pairs), right / max(1, true_pairs), len(found)


def _pairs_by(urls: Iterator[str] | list[str]) -> int:
    sizes: dict[str, int] = {}
    for url in urls:
        sizes[store1m.event_of(url)] = sizes.get(store1m.event_of(url), 0) + 1
    return sum(n * (n - 1) // 2 for n in sizes.values())


@contextmanager
def _put_back(path: Path) -> Iterator[None]:
    """The store as it was when the block ends: the items added deleted with their sources,
    the feeds' rows deleted, every story id as before. A mark says a run is under way."""
    dirty = store1m.ROOT / "dirty"
    dirty.touch()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TEMP TABLE stories_before (seq INTEGER PRIMARY KEY, story TEXT)")
    conn.execute("INSERT INTO stories_before SELECT seq, story FROM items")
    last = conn.execute("SELECT max(seq) FROM items").fetchone()[0]
    try:
        yield
    finally:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "DELETE FROM sources WHERE item_id IN (SELECT id FROM items WHERE seq > ?)", (last,)
        )
        conn.execute("DELETE FROM items WHERE seq > ?", (last,))
        conn.execute("DELETE FROM feeds")
        conn.execute(
            "UPDATE items SET story = b.story FROM stories_before b "
            "WHERE b.seq = items.seq AND items.story IS NOT b.story"
        )
        conn.execute("COMMIT")
        count = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        if count == store1m.ITEMS:
            dirty.unlink()
