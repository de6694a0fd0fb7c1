"""Editors' corrections and classifying stored items again: corrections win and survive."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from support.feedfolder import make_newsletter
from support.storecase import ALL, NOW, entry, outcome, save, two_feeds

from digest.errors import StoreError
from digest.models import Classification, Config
from digest.store import open_store

FINED = entry("Regulator fines an exchange", "https://a.example.com/f", "f",
              text="The bitcoin exchange was fined by the regulator.")  # fmt: skip


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def only_item_id(config: Config) -> str:
    with open_store(config) as store:
        [item] = store.list_items(ALL)
    return item.id


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


def test_corrections_win_over_a_verdict_the_fetch_reached(config: Config) -> None:
    save(config, "A", FINED)
    item_id = only_item_id(config)
    with open_store(config) as store:
        store.set_tag_overrides(item_id, add=["JP"], remove=["relevant"])
    verdict = Classification(countries=("CN", "KR"), relevant=True)
    changed = replace(FINED, title="Regulator fines an exchange again")
    refetched = replace(outcome(config, "A", changed), classifications=(verdict,))
    with open_store(config) as store:
        store.save_feed_result(refetched, NOW)
        item = store.get_item(item_id)
    assert item is not None and item.title == changed.title
    assert item.countries == ("CN", "KR", "JP") and not item.relevant


def test_a_correction_for_an_unknown_item_is_an_error(config: Config) -> None:
    with open_store(config) as store, pytest.raises(StoreError, match="no item with id"):
        store.set_tag_overrides("000000000000", ["CN"], [])


def test_new_rules_reclassify_stored_items_and_keep_corrections(tmp_path: Path) -> None:
    feeds = [{"name": "A", "url": "https://a.example.com/feed"}]
    before = make_newsletter(tmp_path / "nl", feeds)
    save(before, "A", FINED)
    item_id = only_item_id(before)
    with open_store(before) as store:
        store.set_tag_overrides(item_id, add=["SG"], remove=[])
        assert store.get_item(item_id).countries == ("SG",)  # type: ignore[union-attr]
    after = make_newsletter(tmp_path / "nl", [{**feeds[0], "country": "KR"}])
    with open_store(after) as store:  # opening follows the new rules
        item = store.get_item(item_id)
        assert store.follow_rules() == 0  # and once is enough
    assert item is not None and item.countries == ("KR", "SG")


def test_reclassify_counts_the_items_it_changed(config: Config) -> None:
    save(config, "A", FINED, entry("Cooking", "https://a.example.com/c"))
    with open_store(config) as store:
        assert store.reclassify() == 0
        store.conn.execute("UPDATE items SET countries = '[\"VN\"]', relevant = 0")
        assert store.reclassify() == 2
        assert {i.title: i.countries for i in store.list_items(ALL)} == {
            FINED.title: ("CN",),
            "Cooking": (),  # not relevant: no feed default either
        }
