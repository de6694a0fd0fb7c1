"""A year of 200 busy feeds in one store: 1,000,000 items, built once and kept in benchmarks/out/.

The items are bench_classify's generated news (headline, ~1 KB summary, events told by one to
three outlets within two days), a year of it, spread over 200 feeds with a URL and guid each.
The newest 10,000 (those dated in the last 4.7 days) are not stored: they are what the next
fetch brings (`new_entries`), some of them further reports of stored events.

How it is built: by direct executemany into the store's own schema (`connect` runs the
migrations), one transaction, with the columns ingest writes and the store's own functions for
them (item ids, content hashes, source keys, tags as JSON, the rules fingerprint), each entry
classified by classify_entry with the real built-in taxonomy (gazetteer included). Going through
save_feed_result instead costs its per-entry dedup lookups a million times over, which is what
bench_fetch measures. Story ids are the generated events (a story's id is its earliest stored
report's), as a grouping that finds every event would set them: grouping a million items at
build time would add minutes and measure nothing here.

The schema's triggers fill what derives from an item row as it is inserted (summary_sizes); the
items' grouping terms are not worked out here (bench_regroup does it for the items it reads,
untimed). A store built by an older digest is upgraded by the store's own migrations when
opened, not rebuilt.

The store is rebuilt when BUILD_VERSION or the rules fingerprint changes (else opening it would
classify every item again); `python benchmarks/store1m.py` builds it alone.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import pickle
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_classify import START, event_items  # noqa: E402

from digest.classify import classify_entry, rules_fingerprint  # noqa: E402
from digest.config import load_config  # noqa: E402
from digest.models import Config, Entry, FeedConfig, Item, Taxonomy  # noqa: E402
from digest.store import connect  # noqa: E402
from digest.store.dedup import content_hash, id_basis, short_hash, source_keys  # noqa: E402
from digest.store.rows import classification_columns, time_text  # noqa: E402
from digest.taxonomy import builtin_taxonomy  # noqa: E402

BUILD_VERSION = 1
ITEMS = 1_000_000
NEW_ITEMS = 10_000
FEEDS = 200
DAYS = 365
SEED = 7
NOW = START + dt.timedelta(days=DAYS + 2)  # the generator spreads an event's reports over 2 days
CUTOFF = NOW - dt.timedelta(days=4.7)  # items dated after it are the next fetch's (~1% of them)
ROOT = HERE / "out" / "store-1m"
BATCH = 10_000
INSERT_ITEM = (
    "INSERT INTO items (id, feed, guid, url, title, summary_html, summary_text, published, "
    "published_guessed, first_seen, updated, author, language, countries, topics, relevant, "
    "story, reasons, content_hash, malformed) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, NULL, '', NULL, ?, ?, ?, ?, ?, ?, 0)"
)
INSERT_SOURCE = "INSERT OR REPLACE INTO sources (feed, key, item_id) VALUES (?, ?, ?)"


@dataclass(frozen=True)
class Built:
    config: Config
    seconds: float | None  # how long the build took; None when the stored one was used
    size_mb: float


def ensure_store() -> Built:
    """The 1M-item newsletter folder, built unless an up-to-date one is in benchmarks/out/
    (one build at a time: another process asking meanwhile waits for it)."""
    config = _newsletter(ROOT)
    marker = ROOT / "built.json"
    dirty = ROOT / "dirty"  # a regroup run did not put the store back
    wanted = {"version": BUILD_VERSION, "items": ITEMS, "rules": _rules(config)}
    seconds = None
    with (ROOT / "build.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if dirty.exists() or not marker.exists() or json.loads(marker.read_text("utf-8")) != wanted:
            marker.unlink(missing_ok=True)
            started = time.perf_counter()
            _build(config)
            seconds = time.perf_counter() - started
            marker.write_text(json.dumps(wanted), "utf-8")
            dirty.unlink(missing_ok=True)
    return Built(config, seconds, config.store_path.stat().st_size / 2**20)


def new_entries() -> list[Entry]:
    """The 10,000 entries of the next fetch, dated in the last 4.7 days, oldest first."""
    with (ROOT / "new.pickle").open("rb") as handle:
        entries: list[Entry] = pickle.load(handle)
    return entries


def event_of(url: str) -> str:
    """The generated event an item's URL says it reports, to score a grouping."""
    return url.rsplit("/", 1)[1].split("-")[0]


def feed_name(n: int) -> str:
    return f"Feed {n:03d}"


def _newsletter(root: Path) -> Config:
    root.mkdir(parents=True, exist_ok=True)
    (root / "issues").mkdir(exist_ok=True)
    feeds = "\n".join(
        f"  - {{name: {feed_name(n)}, url: 'https://feed{n}.example.com/rss'}}"
        for n in range(FEEDS)
    )
    text = f"newsletter:\n  name: Bench Year\n  url: https://bench.example.org\nfeeds:\n{feeds}\n"
    feeds_yaml = root / "feeds.yaml"
    if not feeds_yaml.exists() or feeds_yaml.read_text("utf-8") != text:
        feeds_yaml.write_text(text, "utf-8")
    return load_config(root)


def _rules(config: Config) -> str:
    return rules_fingerprint(config.taxonomy, config.feeds)


def _build(config: Config) -> None:
    """Write the store under a temporary name, then move it in place: a build cut short
    leaves no store that looks finished."""
    path = config.store_path
    part = path.with_name(path.name + ".part")
    for stale in (path, part):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{stale}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = connect(str(part))
    conn.execute("PRAGMA synchronous = OFF")
    feeds = {feed.name: feed for feed in config.feeds}
    fresh: list[Entry] = []
    stored = 0
    conn.execute("BEGIN")
    for batch in _batches(_events(), fresh):
        items, sources = _rows(batch, feeds, config.taxonomy)
        conn.executemany(INSERT_ITEM, items)
        conn.executemany(INSERT_SOURCE, sources)
        stored += len(items)
        print(f"   building the 1M store: {stored:,} items", end="\r", flush=True)
    conn.execute("UPDATE rules_state SET fingerprint = ?", (_rules(config),))
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    print()
    part.replace(path)
    with (ROOT / "new.pickle").open("wb") as handle:
        pickle.dump(sorted(fresh, key=lambda e: e.published or NOW), handle)


def _events() -> Iterator[list[Entry]]:
    """The generated news, one event's reports at a time, as feed entries."""
    taxonomy = builtin_taxonomy()
    stream = event_items(taxonomy, seed=SEED, days=DAYS)
    for event, reports in groupby(stream, key=lambda pair: pair[0]):
        yield [_entry(event, outlet, item) for outlet, (_, item) in enumerate(reports)]


def _entry(event: int, outlet: int, item: Item) -> Entry:
    n = (event * 37 + outlet * 67) % FEEDS  # an event's outlets are different feeds
    url = f"https://feed{n}.example.com/news/{event}-{outlet}"
    return Entry(
        feed=feed_name(n),
        guid=url,
        url=url,
        title=item.title,
        summary_html=f"<p>{item.summary_text}</p>",
        summary_text=item.summary_text,
        published=item.published,
    )


def _batches(events: Iterator[list[Entry]], fresh: list[Entry]) -> Iterator[list[list[Entry]]]:
    """Events' stored reports, BATCH items or so at a time, until ITEMS are stored; reports
    dated after CUTOFF go to `fresh` instead, up to NEW_ITEMS."""
    batch: list[list[Entry]] = []
    size = stored = 0
    for reports in events:
        old = [e for e in reports if e.published and e.published < CUTOFF][: ITEMS - stored]
        new = [e for e in reports if e.published and e.published >= CUTOFF]
        fresh.extend(new[: NEW_ITEMS - len(fresh)])
        if old:
            batch.append(old)
            size, stored = size + len(old), stored + len(old)
        if size >= BATCH or (stored == ITEMS and batch):
            yield batch
            batch, size = [], 0
        if stored == ITEMS and len(fresh) == NEW_ITEMS:
            return


def _rows(
    batch: list[list[Entry]], feeds: dict[str, FeedConfig], taxonomy: Taxonomy
) -> tuple[list[tuple[object, ...]], list[tuple[str, str, str]]]:
    """The items rows and sources rows of a batch of events, as ingest would write them."""
    items: list[tuple[object, ...]] = []
    sources: list[tuple[str, str, str]] = []
    for reports in batch:
        story = short_hash(id_basis(min(reports, key=lambda e: e.published or NOW)))
        for entry in reports:
            item_id = short_hash(id_basis(entry))
            feed = feeds[entry.feed]
            countries, topics, relevant, reasons = classification_columns(
                classify_entry(entry, feed, taxonomy)
            )
            seen = (entry.published or NOW) + dt.timedelta(minutes=20)
            items.append(
                (
                    item_id, entry.feed, entry.guid, entry.url, entry.title,
                    entry.summary_html, entry.summary_text, time_text(entry.published),
                    time_text(seen), countries, topics, relevant, story, reasons,
                    content_hash(entry),
                )
            )  # fmt: skip
            sources += [(entry.feed, key, item_id) for key in source_keys(entry)]
    return items, sources


if __name__ == "__main__":
    built = ensure_store()
    took = "cached" if built.seconds is None else f"built in {built.seconds:.0f} s"
    print(f"{built.config.store_path}: {built.size_mb:,.0f} MB, {took}")
