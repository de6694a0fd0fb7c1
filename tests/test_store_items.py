"""Reading stored items: filters and order, by ids, by date range."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.storecase import ALL, NOW, entry, save, titles, two_feeds

from digest.models import Config
from digest.store import ItemQuery, open_store
from digest.store.sqlite import IN_CHUNK


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def test_filters_and_order(config: Config) -> None:
    save(
        config,
        "A",
        entry("Older", "https://a.example.com/old", day=10),
        entry("Newer", "https://a.example.com/new", day=18),
        entry("Undated", "https://a.example.com/undated", day=None),
    )
    save(config, "B", entry("From B", "https://b.example.com/b", feed="B", day=12))

    def found(**query: object) -> list[str]:
        return titles(config, ItemQuery(relevant_only=False, **query))  # type: ignore[arg-type]

    # Undated items count from when they were first seen (NOW, the 20th), so they sort first.
    assert found() == ["Undated", "Newer", "From B", "Older"]
    assert found(since=dt.date(2021, 6, 12), until=dt.date(2021, 6, 18)) == ["Newer", "From B"]
    assert found(feed="B") == ["From B"]
    assert found(limit=2) == ["Undated", "Newer"]
    with open_store(config) as store:
        older = store.list_items(ItemQuery(relevant_only=False, search="Older"))[0]
        store.set_tag_overrides(older.id, ["SG", "mining"], [])
    assert found(country="SG") == ["Older"]
    assert found(country="sg") == ["Older"]
    assert found(topic="mining") == ["Older"]
    with open_store(config) as store:
        undated = store.list_items(ItemQuery(relevant_only=False, search="Undated"))[0]
        assert undated.published is None and undated.first_seen == NOW
        story = store.list_items(ALL)[1].story
        assert story is not None
        assert [i.title for i in store.list_items(ItemQuery(relevant_only=False, story=story))]
        in_range = store.items_in_range(
            dt.datetime(2021, 6, 11, tzinfo=dt.UTC), dt.datetime(2021, 6, 19, tzinfo=dt.UTC)
        )
        assert [i.title for i in in_range] == ["Newer", "From B"]
        assert len(list(store.iter_items())) == 4


def test_a_feed_filter_finds_the_items_another_feed_delivered_first(config: Config) -> None:
    save(config, "A", entry("Shared", "https://news.example.com/s"))
    save(config, "B", entry("Shared", "https://news.example.com/s", feed="B"))
    assert titles(config, ItemQuery(relevant_only=False, feed="B")) == ["Shared"]


def test_items_with_ids_more_than_one_lookup_holds(config: Config) -> None:
    many = [entry(f"Story {n}", f"https://a.example.com/{n}") for n in range(IN_CHUNK + 1)]
    assert save(config, "A", *many) == (IN_CHUNK + 1, 0)
    assert save(config, "A", *many) == (0, 0)  # every one of them found again
    with open_store(config) as store:
        ids = [item.id for item in store.iter_items()]
        found = store.items_with_ids([*ids, "000000000000"])
        assert sorted(found) == sorted(ids)
        assert found[ids[-1]].title == f"Story {IN_CHUNK}"
        assert store.items_with_ids([]) == {}
        assert store.also_feeds(ids) == {}


def test_a_sketch_is_an_items_light_columns(config: Config) -> None:
    save(
        config,
        "A",
        entry("Bitcoin mining in Sichuan", "https://a.example.com/1", text="  Bitcoin miners. "),
        entry("Cooking", "https://a.example.com/2"),
    )
    save(config, "B", entry("Bitcoin mining in Sichuan", "https://a.example.com/1", feed="B"))
    with open_store(config) as store:
        since, until = (
            dt.datetime(2021, 6, 1, tzinfo=dt.UTC),
            dt.datetime(2021, 7, 1, tzinfo=dt.UTC),
        )
        sketches, off_topic = store.sketches_in_range(since, until)
        [item] = store.list_items(ItemQuery(search="Sichuan"))
    [sketch] = sketches
    assert off_topic == 1
    assert (sketch.id, sketch.feed, sketch.url, sketch.extra_feeds) == (
        item.id,
        "A",
        "https://a.example.com/1",
        ("B",),
    )
    assert sketch.summary_length == len("Bitcoin miners.")
    assert sketch.when == item.when.timestamp()


def test_a_sketch_gives_the_summary_length_kept_when_saved(config: Config) -> None:
    """The length is kept beside the item (summary_sizes) as str.strip() leaves it; one holding
    a NUL character is measured when read, and an update measures the new summary."""
    texts = {
        "https://a.example.com/1": "\u3000 Bitcoin miners in Sichuan.\x1f\n",
        "https://a.example.com/2": "Bitcoin\x00 miners ",
        "https://a.example.com/3": "",
    }
    entries = [entry("Bitcoin mining", url, text=text) for url, text in texts.items()]
    save(config, "A", *entries)
    updated = entry("Bitcoin mining", "https://a.example.com/3", text=" Bitcoin rigs. ")
    save(config, "A", updated)
    texts[updated.url or ""] = updated.summary_text
    with open_store(config) as store:
        sketches, _ = store.sketches_in_range(
            dt.datetime(2021, 6, 1, tzinfo=dt.UTC), dt.datetime(2021, 7, 1, tzinfo=dt.UTC)
        )
        kept = store.conn.execute("SELECT count(*) FROM summary_sizes").fetchone()[0]
    assert {s.url: s.summary_length for s in sketches} == {
        url: len(text.strip()) for url, text in texts.items()
    }
    assert kept == 2  # not the one with a NUL
