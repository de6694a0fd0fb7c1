"""`digest draft` over a store of 100,000 items, and over a year of 200 busy feeds (1,000,000).

The store is filled through the store API (save_feed_result, then regroup_stories), not over
HTTP: 100,000 items from 20 feeds across a year, a quarter of them off-topic, stories of one to
four outlets, and two earlier issues whose items count as used. Figures: a draft of the month
after the latest issue (the editor's normal case), a draft of the whole year (every item in
range), each in wall-clock and CPU seconds (the machine is shared) against the peer: reading
all 100,000 rows with a bare SELECT.

Then a month's draft from store1m.py's store of 1,000,000 items (built once, kept in
benchmarks/out/): the best of two runs in a fresh process of its own, whose peak memory is the
draft's alone; the peer, a bare SELECT of the month's rows.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import store1m
from figures import Figure, own_peak_rss_mb, peak_rss_mb

from digest.config import load_config
from digest.draft import DraftOptions, make_draft
from digest.fetch import FeedOutcome
from digest.models import Classification, Config, Entry
from digest.store import open_store

ITEMS = 100_000
FEEDS = 20
DAYS = 365
TARGET_SECONDS = 2.0
NOW = dt.datetime(2024, 6, 30, 12, tzinfo=dt.UTC)
COUNTRIES = ["CN", "HK", "SG", "JP", "KR", "TH", "IN", "VN", "US", "GB"]
TOPICS = ["mining", "regulation", "cbdc", "exchanges", "investment", "defi", "stablecoins"]
NAMES = ["Bitmain", "Binance", "Upbit", "HashKey", "PBoC", "MAS", "HKMA", "Bithumb", "OKX"]
FEEDS_YAML = """\
newsletter:
  name: Bench Asia
  section_order: [China, Hong Kong, Singapore, Japan, South Korea, Elsewhere]
feeds:
{feeds}
"""


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="bench-draft-") as folder:
        config = make_newsletter(Path(folder))
        fill_store(config)
        write_issues(config)
        month = _best_of(3, lambda: _draft(config, 30, None))
        year = _best_of(3, lambda: _draft(config, 31, NOW.date() - dt.timedelta(days=DAYS)))
        select = _best_of(3, lambda: _bare_select(config))
    peer = f"bare SELECT of {ITEMS:,} rows {select.wall:.3f} s (CPU {select.cpu:.3f} s)"
    target = f"< {TARGET_SECONDS:g} s"
    return [
        Figure("draft: a month after the latest issue", month.wall, "s", target,
               month.wall < TARGET_SECONDS, peer),
        Figure("draft: a month after the latest issue, CPU", month.cpu, "s", target,
               month.cpu < TARGET_SECONDS, peer),
        Figure(f"draft: all {ITEMS:,} items in range", year.wall, "s", target,
               year.wall < TARGET_SECONDS, peer),
        Figure(f"draft: all {ITEMS:,} items in range, CPU", year.cpu, "s", target,
               year.cpu < TARGET_SECONDS, peer),
        Figure("draft: peak memory", peak_rss_mb(), "MB", "report", None),
        *year_store_figures(),
    ]  # fmt: skip


def year_store_figures() -> list[Figure]:
    """A month's draft from the store of a year of 200 busy feeds, in a process of its own."""
    built = store1m.ensure_store()
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        month, select, in_range, peak = pool.submit(
            _month_of_year_store, built.config.root
        ).result()
    target = f"< {TARGET_SECONDS:g} s"
    peer = (
        f"bare SELECT of the month's {in_range:,} rows {select.wall:.3f} s (CPU "
        f"{select.cpu:.3f} s); store of {store1m.ITEMS:,} items, {built.size_mb:,.0f} MB"
    )
    return [
        Figure(f"draft: a month of a {store1m.ITEMS:,}-item store", month.wall, "s", target,
               month.wall < TARGET_SECONDS, peer),
        Figure(f"draft: a month of a {store1m.ITEMS:,}-item store, CPU", month.cpu, "s",
               target, month.cpu < TARGET_SECONDS, "best of two runs"),
        Figure(f"draft: a month of a {store1m.ITEMS:,}-item store, peak memory", peak, "MB",
               "report", None, "the drafting process alone"),
    ]  # fmt: skip


def _month_of_year_store(root: Path) -> tuple[Timing, Timing, int, float]:
    """In a fresh process: the best of two drafts of the month up to the store's last day,
    the bare SELECT of that month's rows, how many rows that is, and this process's peak
    memory in MB."""
    config = load_config(root)
    until = store1m.CUTOFF.date()
    since = until - dt.timedelta(days=30)
    options = DraftOptions(since=since, until=until, force=True)
    try:
        month = _best_of(2, lambda: _timed(lambda: make_draft(config, 1, options, now=store1m.NOW)))
    finally:
        for name in ("1.yaml", "1.yaml.bak"):
            (config.issues_dir / name).unlink(missing_ok=True)
    peak = own_peak_rss_mb()
    rows: list[int] = []

    def select() -> None:
        conn = sqlite3.connect(config.store_path)
        rows.append(len(conn.execute(
            "SELECT * FROM items WHERE coalesce(published, first_seen) >= ? "
            "AND coalesce(published, first_seen) < ?",
            (since.isoformat(), (until + dt.timedelta(days=1)).isoformat()),
        ).fetchall()))  # fmt: skip
        conn.close()

    selecting = _best_of(2, lambda: _timed(select))
    return month, selecting, rows[-1], peak


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds on the clock: what the editor waits on a busy machine
    cpu: float  # seconds of this process's CPU: the work itself


def make_newsletter(root: Path) -> Config:
    feeds = "\n".join(
        f"  - {{name: Feed {n}, url: https://feed{n}.example.com/rss, country: "
        f"{COUNTRIES[n % len(COUNTRIES)]}}}"
        for n in range(FEEDS)
    )
    (root / "feeds.yaml").write_text(FEEDS_YAML.format(feeds=feeds), "utf-8")
    (root / "issues").mkdir()
    return load_config(root)


def fill_store(config: Config) -> None:
    rng = random.Random(23)
    per_feed: dict[int, list[tuple[Entry, Classification]]] = {n: [] for n in range(FEEDS)}
    story = 0
    made = 0
    while made < ITEMS:
        story += 1
        when = NOW - dt.timedelta(seconds=rng.randrange(DAYS * 86400))
        outlets = rng.sample(range(FEEDS), k=min(rng.choice([1, 1, 1, 2, 2, 3, 4]), ITEMS - made))
        verdict = _verdict(rng)
        name = rng.choice(NAMES)
        for feed in outlets:
            entry = Entry(
                feed=f"Feed {feed}",
                guid=None,
                url=f"https://feed{feed}.example.com/story/{story}",
                title=f"{name} and story {story}: what happened in week {story % 52}",
                summary_html=f"<p>{name} did something in story {story}. "
                + "More words about it. " * rng.randrange(1, 12)
                + "</p>",
                summary_text=f"{name} did something in story {story}.",
                published=when + dt.timedelta(minutes=feed),
            )
            per_feed[feed].append((entry, verdict))
            made += 1
    with open_store(config) as store:
        for n, pairs in per_feed.items():
            outcome = FeedOutcome(
                feed=config.feeds[n],
                status="ok",
                entries=tuple(e for e, _ in pairs),
                classifications=tuple(c for _, c in pairs),
            )
            store.save_feed_result(outcome, now=NOW)
        _group_by_story_number(store.conn)


def _verdict(rng: random.Random) -> Classification:
    if rng.random() < 0.25:
        return Classification()
    return Classification(
        countries=(rng.choice(COUNTRIES),),
        topics=(rng.choice(TOPICS),),
        relevant=True,
        reasons={},
    )


def _group_by_story_number(conn: sqlite3.Connection) -> None:
    """The story ids regroup_stories would find: every outlet's copy of story k is one story
    (set directly, so that generating the store stays quick)."""
    first: dict[str, str] = {}
    rows = conn.execute("SELECT id, url FROM items ORDER BY seq").fetchall()
    for item_id, url in rows:
        first.setdefault(url.rsplit("/", 1)[1], item_id)
    conn.execute("BEGIN")
    conn.executemany(
        "UPDATE items SET story = ? WHERE id = ?",
        [(first[url.rsplit("/", 1)[1]], item_id) for item_id, url in rows],
    )
    conn.execute("COMMIT")


def write_issues(config: Config) -> None:
    """Two earlier issues, each using twenty stored items."""
    with open_store(config) as store:
        rows = store.conn.execute(
            "SELECT id, url FROM items WHERE relevant = 1 ORDER BY published DESC LIMIT 40 "
            "OFFSET 30000"
        ).fetchall()
    for number, chunk, day in ((28, rows[:20], 20), (29, rows[20:], 31)):
        lines = [f"number: {number}", f"date: 2024-05-{day:02d}", f"title: Issue {number}",
                 "sections:", "  - heading: China", "    items:"]  # fmt: skip
        for item_id, url in chunk:
            lines += [f"      - title: Bitmain item {item_id}", f"        url: {url}",
                      f"        id: {item_id}"]  # fmt: skip
        (config.issues_dir / f"{number}.yaml").write_text("\n".join(lines) + "\n", "utf-8")


def _draft(config: Config, number: int, since: dt.date | None) -> Timing:
    options = DraftOptions(since=since, until=NOW.date(), force=True)
    return _timed(lambda: make_draft(config, number, options, now=NOW))


def _bare_select(config: Config) -> Timing:
    def select() -> None:
        conn = sqlite3.connect(config.store_path)
        rows = conn.execute("SELECT * FROM items").fetchall()
        conn.close()
        assert len(rows) == ITEMS

    return _timed(select)


def _timed(work: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return Timing(wall=time.perf_counter() - wall, cpu=time.process_time() - cpu)


def _best_of(times: int, measure: Callable[[], Timing]) -> Timing:
    """The best of several runs, wall and CPU each (the machine is shared)."""
    runs = [measure() for _ in range(times)]
    return Timing(wall=min(r.wall for r in runs), cpu=min(r.cpu for r in runs))
