"""Story ids in the store: regrouped around new items, never splitting a story."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.storecase import ALL, NOW, entry, outcome, two_feeds

from digest.models import Config
from digest.store import ItemQuery, open_store

MINING = entry("Bitcoin miners leave Sichuan after hydropower ban", "https://a.example.com/m",
               text="Sichuan miners shut rigs as the hydropower ban starts.", day=15)  # fmt: skip
UPBIT = entry("Upbit lists a new token in Seoul", "https://a.example.com/u",
              text="Upbit exchange listing in Korea.", day=15)  # fmt: skip
LATER = entry("Sichuan hydropower ban: bitcoin miners leave", "https://b.example.com/s",
              feed="B", text="Miners in Sichuan shut rigs after the hydropower ban.",
              day=16)  # fmt: skip


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def test_stories_regrouped_around_new_items_only(config: Config) -> None:
    with open_store(config) as store:
        changed = store.save_feed_result(outcome(config, "A", MINING, UPBIT), NOW).changed
        assert len(changed) == 2
        store.regroup_around(changed)
        mining = store.list_items(ItemQuery(relevant_only=False, search="hydropower"))[0]
        counts = store.save_feed_result(outcome(config, "B", LATER), NOW)
        assert (counts.new, counts.updated) == (1, 0)
        rewritten = store.regroup_around(counts.changed)
        stories = {i.title: i.story for i in store.list_items(ALL)}
        assert rewritten == 1  # only the new item got a story id
        assert stories[LATER.title] == stories[mining.title] == mining.id
        assert stories[UPBIT.title] != mining.id
        before = dict(stories)
        store.regroup_stories(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # the full one agrees
        assert {i.title: i.story for i in store.list_items(ALL)} == before
        assert store.stories_of([mining.id], [LATER.url or ""]) == {mining.id}


def test_regrouping_never_splits_a_story_it_did_not_change(config: Config) -> None:
    with open_store(config) as store:
        store.save_feed_result(outcome(config, "A", MINING, UPBIT), NOW)
        ids = {i.title: i.id for i in store.list_items(ALL)}
        # An editor's (or an older rule's) story: the two unrelated items are one.
        store.conn.execute("UPDATE items SET story = ?", (ids[MINING.title],))
        counts = store.save_feed_result(outcome(config, "B", LATER), NOW)
        store.regroup_around(counts.changed)
        stories = {i.title: i.story for i in store.list_items(ALL)}
    assert set(stories.values()) == {ids[MINING.title]}


def test_nothing_changed_regroups_nothing(config: Config) -> None:
    with open_store(config) as store:
        store.save_feed_result(outcome(config, "A", MINING), NOW)
        assert store.regroup_around([]) == 0
        assert store.story_items_considered == 0
