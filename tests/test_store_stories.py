"""Story ids in the store: regrouped around new items, never splitting a story."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from support.storecase import ALL, NOW, entry, outcome, two_feeds

from digest.models import Config
from digest.store import ItemQuery, Store, open_store

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


def test_an_earlier_report_fetched_later_joins_the_stored_story(config: Config) -> None:
    with open_store(config) as store:
        store.regroup_around(store.save_feed_result(outcome(config, "B", LATER), NOW).changed)
        counts = store.save_feed_result(outcome(config, "A", MINING, UPBIT), NOW)
        rewritten = store.regroup_around(counts.changed)
        items = {i.title: i for i in store.list_items(ALL)}
    mining = items[MINING.title]
    assert rewritten == 1  # the stored item: its story is named by its earliest item now
    assert items[LATER.title].story == mining.story == mining.id
    assert items[UPBIT.title].story == items[UPBIT.title].id


# Two reports of a hack, two of a listing, and a report that tells of both.
HACK = [
    entry("Upbit hacked: hot wallet loses 34,000 ETH", "https://a.example.com/k1",
          text="Attackers drained 34,000 ETH from the Upbit hot wallet in Seoul."),
    entry("Upbit hot wallet hack drains 34,000 ETH", "https://b.example.com/k2", feed="B",
          text="Upbit said 34,000 ETH left its hot wallet in the attack."),
]  # fmt: skip
LISTING = [
    entry("Bithumb lists Solana memecoin Bonk", "https://a.example.com/l1",
          text="Bithumb adds the Solana memecoin Bonk to its won market."),
    entry("Solana memecoin Bonk listed on Bithumb", "https://b.example.com/l2", feed="B",
          text="The Solana memecoin Bonk trades on Bithumb from Friday."),
]  # fmt: skip
BOTH = entry("Upbit hot wallet loses 34,000 ETH as Bithumb lists Solana memecoin Bonk",
             "https://b.example.com/both", feed="B", text="Upbit hot wallet drained of "
             "34,000 ETH; Bithumb listed the Solana memecoin Bonk.", day=16)  # fmt: skip
HACK_AGAIN = entry("Upbit confirms the 34,000 ETH hot wallet hack", "https://b.example.com/k3",
                   feed="B", text="Upbit confirmed attackers drained 34,000 ETH from its hot "
                   "wallet.", day=16)  # fmt: skip


def test_a_new_report_of_two_stories_does_not_chain_them(config: Config) -> None:
    with open_store(config) as store:
        changed = store.save_feed_result(outcome(config, "A", HACK[0], LISTING[0]), NOW).changed
        changed += store.save_feed_result(outcome(config, "B", HACK[1], LISTING[1]), NOW).changed
        store.regroup_around(changed)
        store.regroup_around(store.save_feed_result(outcome(config, "B", BOTH), NOW).changed)
        stories = stories_by_title(store)
    hack, listing = stories[HACK[0].title], stories[LISTING[0].title]
    assert stories[HACK[1].title] == hack != listing == stories[LISTING[1].title]
    assert stories[BOTH.title] in (hack, listing)


def test_a_new_report_bridges_two_stored_stories_alike_on_average(config: Config) -> None:
    with open_store(config) as store:
        changed = store.save_feed_result(outcome(config, "A", HACK[0]), NOW).changed
        changed += store.save_feed_result(outcome(config, "B", HACK[1]), NOW).changed
        store.regroup_around(changed)
        store.conn.execute("UPDATE items SET story = id")  # an older rule kept them apart
        store.regroup_around(store.save_feed_result(outcome(config, "B", HACK_AGAIN), NOW).changed)
        stories = stories_by_title(store)
    assert len(set(stories.values())) == 1


# ---------------------------------------------------------------- the editor's corrections

SICHUAN_AGAIN = entry("Bitcoin miners quit Sichuan as the hydropower ban bites",
                      "https://b.example.com/again", feed="B",
                      text="Sichuan miners shut rigs under the hydropower ban.",
                      day=17)  # fmt: skip
FULL = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def stories_by_title(store: Store) -> dict[str, str | None]:
    return {i.title: i.story for i in store.list_items(ALL)}


def test_a_merge_is_a_union_grouping_never_undoes(config: Config) -> None:
    with open_store(config) as store:
        store.regroup_around(
            store.save_feed_result(outcome(config, "A", MINING, UPBIT), NOW).changed
        )
        ids = {i.title: i.id for i in store.list_items(ALL)}
        story = store.merge_stories([ids[UPBIT.title], ids[MINING.title]])
        assert story == min(ids.values())  # both dated alike: the lower id names it
        # a refetch that changes the Upbit item, then a new item of the mining story
        edited = replace(
            UPBIT, summary_text="Upbit lists it.", summary_html="<p>Upbit lists it.</p>"
        )
        changed = store.save_feed_result(outcome(config, "A", MINING, edited), NOW).changed
        assert list(changed) == [ids[UPBIT.title]]
        store.regroup_around(changed)
        store.regroup_around(store.save_feed_result(outcome(config, "B", LATER), NOW).changed)
        assert set(stories_by_title(store).values()) == {story}
        store.regroup_stories(FULL)  # the full regrouping keeps it too
        assert set(stories_by_title(store).values()) == {story}
        merges, splits = store.story_corrections_of(list(ids.values()))
        assert set(merges) == set(ids.values()) and not splits


def test_a_split_item_stays_alone(config: Config) -> None:
    with open_store(config) as store:
        store.regroup_around(store.save_feed_result(outcome(config, "A", MINING), NOW).changed)
        store.regroup_around(store.save_feed_result(outcome(config, "B", LATER), NOW).changed)
        ids = {i.title: i.id for i in store.list_items(ALL)}
        assert len(set(stories_by_title(store).values())) == 1  # grouping joined them
        assert store.split_story(ids[MINING.title]) == ids[LATER.title]  # the rest's story
        assert stories_by_title(store) == {MINING.title: ids[MINING.title],
                                           LATER.title: ids[LATER.title]}  # fmt: skip
        # refetched, changed, and a third report of the same story arrives
        edited = replace(MINING, summary_text=MINING.summary_text + " Rigs go dark.")
        store.regroup_around(store.save_feed_result(outcome(config, "A", edited), NOW).changed)
        store.regroup_around(
            store.save_feed_result(outcome(config, "B", SICHUAN_AGAIN), NOW).changed
        )
        stories = stories_by_title(store)
        assert stories[MINING.title] == ids[MINING.title]
        assert stories[SICHUAN_AGAIN.title] == stories[LATER.title] == ids[LATER.title]
        store.regroup_stories(FULL)
        assert stories_by_title(store) == stories
        assert store.story_corrections_of([ids[MINING.title]]) == ({}, {ids[MINING.title]})


def test_merging_a_split_item_back_undoes_the_split(config: Config) -> None:
    with open_store(config) as store:
        store.regroup_around(store.save_feed_result(outcome(config, "A", MINING), NOW).changed)
        store.regroup_around(store.save_feed_result(outcome(config, "B", LATER), NOW).changed)
        ids = {i.title: i.id for i in store.list_items(ALL)}
        store.split_story(ids[LATER.title])
        store.merge_stories([ids[LATER.title], ids[MINING.title]])
        store.regroup_stories(FULL)
        assert set(stories_by_title(store).values()) == {ids[MINING.title]}
        merges, splits = store.story_corrections_of(list(ids.values()))
        assert not splits and set(merges) == set(ids.values())


def test_stories_by_key_names_the_story_of_ids_and_urls(config: Config) -> None:
    with open_store(config) as store:
        store.regroup_around(store.save_feed_result(outcome(config, "A", MINING), NOW).changed)
        store.regroup_around(store.save_feed_result(outcome(config, "B", LATER), NOW).changed)
        mining = store.list_items(ItemQuery(relevant_only=False, search="hydropower ban starts"))[0]
        found = store.stories_by_key([mining.id, "nothing"], [LATER.url or "", "https://x.test/"])
        assert found == {mining.id: mining.id, LATER.url: mining.id}


# Reports of one exchange hack in 2019, and a later fetch of a feed that gives no dates.
HACK_A = entry("Indodax hacked: Indonesian exchange loses $22 million in hot wallet attack",
               "https://a.example.com/h1", text="Indonesian crypto exchange Indodax suspended "
               "trading after attackers drained $22 million from its hot wallets.",
               day=11)  # fmt: skip
HACK_B = entry("Indodax suspends services after $22 million hot wallet hack",
               "https://b.example.com/h2", feed="B", text="Indodax, Indonesia's largest crypto "
               "exchange, lost $22 million in a hot wallet breach and went offline.",
               day=11)  # fmt: skip
UNDATED = entry("Indonesian exchange Indodax goes offline after $22 million hot wallet hack",
                "https://b.example.com/h3", feed="B", text="Indodax took its platform offline "
                "after a $22 million hot wallet attack drained Indonesian users' funds.",
                day=None)  # fmt: skip


def test_an_undated_report_joins_its_story_of_any_date(config: Config) -> None:
    with open_store(config) as store:
        changed = store.save_feed_result(outcome(config, "A", HACK_A, UPBIT), NOW).changed
        changed += store.save_feed_result(outcome(config, "B", HACK_B), NOW).changed
        store.regroup_around(changed)
        # Years later, a feed without dates carries the same report: it is first seen now.
        later = NOW + dt.timedelta(days=3 * 365)
        counts = store.save_feed_result(outcome(config, "B", UNDATED), later)
        store.regroup_around(counts.changed)
        stories = {i.title: i.story for i in store.list_items(ALL)}
    assert stories[UNDATED.title] == stories[HACK_A.title] == stories[HACK_B.title]
    assert stories[UPBIT.title] != stories[HACK_A.title]


def test_a_dated_report_years_later_is_a_story_of_its_own(config: Config) -> None:
    with open_store(config) as store:
        changed = store.save_feed_result(outcome(config, "A", HACK_A), NOW).changed
        store.regroup_around(changed)
        later = NOW + dt.timedelta(days=3 * 365)
        dated = replace(UNDATED, published=later)
        counts = store.save_feed_result(outcome(config, "B", dated), later)
        store.regroup_around(counts.changed)
        stories = {i.title: i.story for i in store.list_items(ALL)}
    assert stories[UNDATED.title] != stories[HACK_A.title]
