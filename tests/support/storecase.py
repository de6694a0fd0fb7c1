"""A small newsletter with two feeds (A, default country CN; B) and entries to save in its
store, for the store's tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from digest.models import Config, Entry, FeedOutcome
from digest.store import ItemQuery, open_store
from support.feedfolder import make_newsletter

ALL = ItemQuery(relevant_only=False)
NOW = dt.datetime(2021, 6, 20, 12, 0, tzinfo=dt.UTC)


def two_feeds(tmp_path: Path) -> Config:
    return make_newsletter(
        tmp_path / "nl",
        [
            {"name": "A", "url": "https://a.example.com/feed", "country": "CN"},
            {"name": "B", "url": "https://b.example.com/feed"},
        ],
    )


def entry(
    title: str,
    url: str | None = None,
    guid: str | None = None,
    *,
    feed: str = "A",
    text: str = "",
    day: int | None = 15,
) -> Entry:
    return Entry(
        feed=feed,
        guid=guid,
        url=url,
        title=title,
        summary_html=f"<p>{text}</p>" if text else "",
        summary_text=text,
        published=dt.datetime(2021, 6, day, 8, tzinfo=dt.UTC) if day else None,
    )


def outcome(config: Config, feed: str, *entries: Entry, status: str = "ok") -> FeedOutcome:
    found = config.feed(feed)
    assert found is not None
    return FeedOutcome(found, status, entries=entries)


def save(config: Config, feed: str, *entries: Entry, status: str = "ok") -> tuple[int, int]:
    """Save one feed's fetch in a store of its own opening: (new items, updated items)."""
    with open_store(config) as store:
        counts = store.save_feed_result(outcome(config, feed, *entries, status=status), NOW)
    return counts.new, counts.updated


def titles(config: Config, query: ItemQuery = ALL) -> list[str]:
    with open_store(config) as store:
        return [item.title for item in store.list_items(query)]
