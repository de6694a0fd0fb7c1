"""Saving fetched feeds: dedup by guid and URL, stable ids, each feed whole or not at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.feedfolder import make_newsletter
from support.storecase import ALL, NOW, entry, outcome, save, titles, two_feeds

from digest.models import Classification, Config, FeedOutcome
from digest.store import open_store


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def test_same_guid_in_a_feed_is_one_item(config: Config) -> None:
    assert save(config, "A", entry("First", "https://a.example.com/1", "g1")) == (1, 0)
    assert save(config, "A", entry("First, fixed", "https://a.example.com/1-moved", "g1")) == (0, 1)
    with open_store(config) as store:
        items = store.list_items(ALL)
    assert [(i.title, i.url) for i in items] == [("First, fixed", "https://a.example.com/1-moved")]


def test_an_unchanged_entry_changes_nothing(config: Config) -> None:
    first = entry("Same", "https://a.example.com/1", "g1", text="Body.")
    assert save(config, "A", first) == (1, 0)
    assert save(config, "A", first) == (0, 0)


def test_same_url_across_feeds_is_one_item_owned_by_the_first(config: Config) -> None:
    save(config, "A", entry("Story", "https://news.example.com/s", "a-1"))
    assert save(config, "B", entry("Story (B)", "https://news.example.com/s", "b-9", feed="B")) == (
        0,
        0,
    )
    with open_store(config) as store:
        [item] = store.list_items(ALL)
        assert (item.feed, item.title) == ("A", "Story")
        assert store.also_feeds([item.id]) == {item.id: ["B"]}


def test_a_clean_copy_replaces_a_malformed_one_from_another_feed(config: Config) -> None:
    save(config, "A", entry("Brok", "https://news.example.com/s", "a-1"), status="warning")
    assert save(config, "B", entry("Broken fixed", "https://news.example.com/s", feed="B")) == (
        0,
        1,
    )
    assert titles(config) == ["Broken fixed"]


def test_ids_are_short_and_stable(config: Config, tmp_path: Path) -> None:
    save(config, "A", entry("Story", "https://news.example.com/s"))
    other = make_newsletter(tmp_path / "other", [{"name": "A", "url": "https://a.example.com/f"}])
    save(other, "A", entry("Story", "https://news.example.com/s"))
    with open_store(config) as one, open_store(other) as two:
        first, second = one.list_items(ALL)[0].id, two.list_items(ALL)[0].id
    assert first == second and len(first) == 12


def test_entries_without_guid_or_link_are_kept_once(config: Config) -> None:
    save(config, "A", entry("No link at all", text="body"))
    save(config, "A", entry("No link at all", text="body"))
    with open_store(config) as store:
        assert [i.url for i in store.list_items(ALL)] == [None]


def test_a_fetchs_verdict_is_stored_as_it_came(config: Config) -> None:
    verdict = Classification(countries=("JP",), topics=("mining",), relevant=True)
    fetched = replace(
        outcome(config, "A", entry("Plain words", "https://a.example.com/1")),
        classifications=(verdict,),
    )
    with open_store(config) as store:
        store.save_feed_result(fetched, NOW)
        [item] = store.list_items(ALL)
    assert (item.countries, item.topics, item.relevant) == (("JP",), ("mining",), True)


def test_a_fetch_cut_short_keeps_every_feed_it_saved(config: Config) -> None:
    def fetched() -> Iterator[FeedOutcome]:
        yield outcome(config, "A", entry("From A", "https://a.example/1"))
        yield outcome(config, "B", entry("From B", "https://b.example/1", feed="B"))
        raise KeyboardInterrupt  # the editor pressed Ctrl-C while other feeds were loading

    with open_store(config) as store, pytest.raises(KeyboardInterrupt):
        for _ in store.save_feed_results(fetched(), NOW):
            pass
    with open_store(config) as store:
        assert sorted(i.title for i in store.list_items(ALL)) == ["From A", "From B"]
        assert {h.name: h.status for h in store.feed_health()} == {"A": "ok", "B": "ok"}


def test_a_feed_that_cannot_be_saved_is_left_out_whole(config: Config) -> None:
    unstorable = replace(entry("Broken", feed="B"), title=None)  # type: ignore[arg-type]
    outcomes = [
        outcome(config, "A", entry("From A", "https://a.example/1")),
        outcome(config, "B", entry("Half of B", "https://b.example/1", feed="B"), unstorable),
    ]
    with open_store(config) as store, pytest.raises(TypeError):
        for _ in store.save_feed_results(outcomes, NOW):
            pass
    with open_store(config) as store:
        assert [i.title for i in store.list_items(ALL)] == ["From A"]
        health = {h.name: h for h in store.feed_health()}
        assert health["A"].status == "ok"
        assert health["B"].last_fetched is None  # not even its fetch was recorded


def test_a_full_disk_in_a_batch_surfaces_as_itself(config: Config) -> None:
    many = [
        entry(f"B {n}", f"https://b.example/{n}", feed="B", text="x" * 3000) for n in range(200)
    ]
    outcomes = [
        outcome(config, "A", entry("From A", "https://a.example/1")),
        outcome(config, "B", *many),
    ]
    with open_store(config) as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 20}")
        with pytest.raises(sqlite3.OperationalError, match="full"):
            for _ in store.save_feed_results(outcomes, NOW):
                pass
        assert not store.conn.in_transaction
