"""The SQLite store: schema versions, dedup, editors' corrections, search."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.feedfolder import make_newsletter

from digest import store as store_module
from digest.errors import StoreError
from digest.fetch import FeedOutcome
from digest.models import Config, Entry
from digest.store import ItemQuery, open_store

ALL = ItemQuery(relevant_only=False)
NOW = dt.datetime(2021, 6, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def config(tmp_path: Path) -> Config:
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


def save(config: Config, feed: str, *entries: Entry, status: str = "ok") -> tuple[int, int]:
    outcome = FeedOutcome(config.feed(feed), status, entries=entries)  # type: ignore[arg-type]
    with open_store(config) as store:
        counts = store.save_feed_result(outcome, NOW)
    return counts.new, counts.updated


def test_a_new_store_has_the_latest_schema(config: Config) -> None:
    with open_store(config) as store:
        version = store.conn.execute("PRAGMA user_version").fetchone()[0]
        mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert version == len(store_module.MIGRATIONS)
    assert mode == "wal"


def test_a_store_from_a_newer_digest_is_refused(config: Config) -> None:
    config.state_dir.mkdir(parents=True)
    conn = sqlite3.connect(config.store_path)
    conn.execute(f"PRAGMA user_version = {len(store_module.MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this digest knows"), open_store(config):
        pass


def test_an_appended_migration_upgrades_an_existing_store(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(config, "A", entry("Kept across upgrades", "https://a.example.com/1"))
    extended = [*store_module.MIGRATIONS, "CREATE TABLE later_feature (note TEXT);"]
    monkeypatch.setattr(store_module, "MIGRATIONS", extended)
    with open_store(config) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(extended)
        store.conn.execute("INSERT INTO later_feature VALUES ('works')")
        assert [i.title for i in store.list_items(ALL)] == ["Kept across upgrades"]


def test_a_damaged_store_is_a_clean_error(config: Config) -> None:
    config.state_dir.mkdir(parents=True)
    config.store_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="cannot open the store"), open_store(config):
        pass


def test_same_guid_in_a_feed_is_one_item(config: Config) -> None:
    assert save(config, "A", entry("First", "https://a.example.com/1", "g1")) == (1, 0)
    assert save(config, "A", entry("First, fixed", "https://a.example.com/1-moved", "g1")) == (0, 1)
    with open_store(config) as store:
        items = store.list_items(ALL)
    assert [(i.title, i.url) for i in items] == [("First, fixed", "https://a.example.com/1-moved")]


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


def test_editor_corrections_survive_refetching(config: Config) -> None:
    save(config, "A", entry("Exchange news", "https://a.example.com/x", "x"))
    with open_store(config) as store:
        item_id = store.list_items(ALL)[0].id
        corrected = store.set_tag_overrides(item_id, add=["SG", "exchanges"], remove=["CN"])
    assert "SG" in corrected.countries and "CN" not in corrected.countries
    assert "exchanges" in corrected.topics
    save(config, "A", entry("Exchange news, updated", "https://a.example.com/x", "x"))
    with open_store(config) as store:
        again = store.get_item(item_id)
        assert store.tag_overrides(item_id) == (["SG", "exchanges"], ["CN"])
        assert store.reclassify() >= 0
        after_reclassify = store.get_item(item_id)
    assert again is not None and after_reclassify is not None
    for item in (again, after_reclassify):
        assert "SG" in item.countries and "CN" not in item.countries
        assert "exchanges" in item.topics


def test_a_correction_for_an_unknown_item_is_an_error(config: Config) -> None:
    with open_store(config) as store, pytest.raises(StoreError, match="no item with id"):
        store.set_tag_overrides("000000000000", ["CN"], [])


def test_search_finds_chinese_and_english_words(config: Config) -> None:
    save(
        config,
        "A",
        entry("四川比特币矿场关闭", "https://a.example.com/1", text="数字人民币试点扩大"),
        entry("Hong Kong licenses an exchange", "https://a.example.com/2", text="The SFC acted."),
        entry("Unrelated cooking news", "https://a.example.com/3", text="Noodles."),
    )

    def found(words: str) -> list[str]:
        with open_store(config) as store:
            return [i.title for i in store.list_items(ItemQuery(relevant_only=False, search=words))]

    assert found("比特币") == ["四川比特币矿场关闭"]  # three characters: the trigram index
    assert found("矿场") == ["四川比特币矿场关闭"]  # two characters: the LIKE fallback
    assert found("人民币") == ["四川比特币矿场关闭"]  # from the summary
    assert found("licenses") == ["Hong Kong licenses an exchange"]
    assert found("LICENSES sfc") == ["Hong Kong licenses an exchange"]
    assert found("矿场 noodles") == []
    assert found('"quoted') == []


def test_search_index_follows_new_and_changed_items(config: Config) -> None:
    """The index is filled by searches, not fetches; a change to an indexed item shows at once."""

    def found(words: str) -> list[str]:
        with open_store(config) as store:
            return [i.title for i in store.list_items(ItemQuery(relevant_only=False, search=words))]

    def unindexed() -> int:
        with open_store(config) as store:
            return int(
                store.conn.execute(
                    "SELECT count(*) FROM items WHERE seq > (SELECT indexed FROM fts_state)"
                ).fetchone()[0]
            )

    save(config, "A", entry("Mining ban in Sichuan", "https://a.example.com/1", guid="1"))
    assert unindexed() == 1  # fetching left the index alone
    assert found("Sichuan") == ["Mining ban in Sichuan"]
    assert unindexed() == 0
    save(config, "A", entry("Mining ban in Inner Mongolia", "https://a.example.com/1", guid="1"))
    save(config, "B", entry("Upbit listing", "https://b.example.com/2", feed="B"))
    assert unindexed() == 1  # the new item waits; the changed one was reindexed in place
    assert found("Sichuan") == []
    assert found("Mongolia") == ["Mining ban in Inner Mongolia"]
    assert found("Upbit") == ["Upbit listing"]
    with open_store(config) as store:
        check = "INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)"
        store.conn.execute(check)  # raises when the index and the items disagree


def test_filters_and_order(config: Config) -> None:
    save(
        config,
        "A",
        entry("Older", "https://a.example.com/old", day=10),
        entry("Newer", "https://a.example.com/new", day=18),
        entry("Undated", "https://a.example.com/undated", day=None),
    )
    save(config, "B", entry("From B", "https://b.example.com/b", feed="B", day=12))

    def titles(**query: object) -> list[str]:
        with open_store(config) as store:
            return [i.title for i in store.list_items(ItemQuery(relevant_only=False, **query))]  # type: ignore[arg-type]

    # Undated items count from when they were first seen (NOW, the 20th), so they sort first.
    assert titles() == ["Undated", "Newer", "From B", "Older"]
    assert titles(since=dt.date(2021, 6, 12), until=dt.date(2021, 6, 18)) == ["Newer", "From B"]
    assert titles(feed="B") == ["From B"]
    assert titles(limit=2) == ["Undated", "Newer"]
    with open_store(config) as store:
        older = store.list_items(ItemQuery(relevant_only=False, search="Older"))[0]
        store.set_tag_overrides(older.id, ["SG", "mining"], [])
    assert titles(country="SG") == ["Older"]
    assert titles(topic="mining") == ["Older"]
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


def test_feed_health_counts_failures(config: Config) -> None:
    failing = FeedOutcome(config.feeds[1], "error", error="HTTP 500 Internal Server Error")
    with open_store(config) as store:
        store.save_feed_result(failing, NOW)
        store.save_feed_result(failing, NOW)
        health = {h.name: h for h in store.feed_health()}
    assert (health["B"].status, health["B"].failures, health["B"].error) == (
        "error",
        2,
        "HTTP 500 Internal Server Error",
    )
    assert health["A"].status == "new" and health["A"].last_fetched is None


def test_a_fetch_cut_short_keeps_every_feed_it_saved(config: Config) -> None:
    def fetched() -> Iterator[FeedOutcome]:
        yield FeedOutcome(config.feeds[0], "ok", entries=(entry("From A", "https://a.example/1"),))
        b = entry("From B", "https://b.example/1", feed="B")
        yield FeedOutcome(config.feeds[1], "ok", entries=(b,))
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
        FeedOutcome(config.feeds[0], "ok", entries=(entry("From A", "https://a.example/1"),)),
        FeedOutcome(
            config.feeds[1],
            "ok",
            entries=(entry("Half of B", "https://b.example/1", feed="B"), unstorable),
        ),
    ]
    with open_store(config) as store, pytest.raises(TypeError):
        for _ in store.save_feed_results(outcomes, NOW):
            pass
    with open_store(config) as store:
        assert [i.title for i in store.list_items(ALL)] == ["From A"]
        health = {h.name: h for h in store.feed_health()}
        assert health["A"].status == "ok"
        assert health["B"].last_fetched is None  # not even its fetch was recorded


def test_stories_regrouped_around_new_items_only(config: Config) -> None:
    first = (
        entry("Bitcoin miners leave Sichuan after hydropower ban", "https://a.example.com/m",
              text="Sichuan miners shut rigs as the hydropower ban starts.", day=15),
        entry("Upbit lists a new token in Seoul", "https://a.example.com/u",
              text="Upbit exchange listing in Korea.", day=15),
    )  # fmt: skip
    with open_store(config) as store:
        outcome = FeedOutcome(config.feeds[0], "ok", entries=first)
        changed = store.save_feed_result(outcome, NOW).changed
        assert len(changed) == 2
        store.regroup_around(changed)
        mining = store.list_items(ItemQuery(relevant_only=False, search="hydropower"))[0]
        later = entry("Sichuan hydropower ban: bitcoin miners leave", "https://b.example.com/s",
                      feed="B", text="Miners in Sichuan shut rigs after the hydropower ban.",
                      day=16)  # fmt: skip
        counts = store.save_feed_result(FeedOutcome(config.feeds[1], "ok", entries=(later,)), NOW)
        assert (counts.new, counts.updated) == (1, 0)
        rewritten = store.regroup_around(counts.changed)
        stories = {i.title: i.story for i in store.list_items(ALL)}
        assert rewritten == 1  # only the new item got a story id
        assert stories[later.title] == stories[mining.title] == mining.id
        assert stories["Upbit lists a new token in Seoul"] != mining.id
        before = dict(stories)
        store.regroup_stories(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # the full one agrees
        assert {i.title: i.story for i in store.list_items(ALL)} == before


def test_a_store_indexed_item_by_item_keeps_its_search_index(config: Config) -> None:
    """A store from before the lazy index: its items were indexed when saved."""
    config.state_dir.mkdir(parents=True)
    conn = sqlite3.connect(config.store_path, isolation_level=None)
    for number, script in enumerate(store_module.MIGRATIONS[:2], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute(
        "INSERT INTO items (id, feed, title, summary_html, summary_text, first_seen, "
        "content_hash) VALUES ('000000000001', 'A', 'Old Sichuan story', '', '', "
        "'2021-06-01T00:00:00Z', 'x')"
    )
    conn.close()
    save(config, "A", entry("New Sichuan story", "https://a.example.com/new"))
    with open_store(config) as store:
        titles = [
            i.title for i in store.list_items(ItemQuery(relevant_only=False, search="Sichuan"))
        ]
        store.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
    assert sorted(titles) == ["New Sichuan story", "Old Sichuan story"]


def test_a_full_disk_in_a_batch_surfaces_as_itself(config: Config) -> None:
    outcomes = [
        FeedOutcome(config.feeds[0], "ok", entries=(entry("From A", "https://a.example/1"),)),
        FeedOutcome(
            config.feeds[1],
            "ok",
            entries=tuple(
                entry(f"B {n}", f"https://b.example/{n}", feed="B", text="x" * 3000)
                for n in range(200)
            ),
        ),
    ]
    with open_store(config) as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 20}")
        with pytest.raises(sqlite3.OperationalError, match="full"):
            for _ in store.save_feed_results(outcomes, NOW):
                pass
        assert not store.conn.in_transaction
