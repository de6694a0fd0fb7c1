"""Choosing stories: one entry per story, ranked, used and off-topic items left out."""

from __future__ import annotations

import datetime as dt

from support.drafting import RANGE, SETTINGS, TAXONOMY, draft_of, story_item

from digest.draft import DraftSettings, Memory, build_draft, issue_memory
from digest.models import FollowUp, Issue, IssueItem, Section


def test_items_ranked_by_outlets_then_recency() -> None:
    items = [
        story_item("old-wide", "Widely carried, older", day=17),
        story_item("new-narrow", "One outlet, newest", day=25),
        story_item("mid-narrow", "One outlet, older", day=22),
    ]
    feeds = {"old-wide": {"Wire", "Other", "Third"}}
    issue = draft_of(items, feeds=feeds)
    assert [i.id for i in issue.sections[0].items] == ["old-wide", "new-narrow", "mid-narrow"]


def test_one_entry_per_story_the_most_informative_leads() -> None:
    long = "<p>" + "Bitmain ships its machines to Kazakhstan by rail. " * 3 + "</p>"
    items = [
        story_item("first", "Bitmain moves rigs", day=18, feed="A", story="s1"),
        story_item("longest", "Bitmain ships rigs", day=19, feed="B", summary=long, story="s1"),
        story_item("third", "Rigs moved", day=20, feed="C", story="s1"),
    ]
    issue = draft_of(items)
    assert len(issue.items) == 1
    entry = issue.items[0]
    assert entry.id == "longest" and entry.source == "B"
    assert [link.source for link in entry.also] == ["A", "C"]
    assert "Kazakhstan" in entry.body


def test_a_tie_in_summary_length_goes_to_the_earliest() -> None:
    items = [
        story_item("later", "Same", day=21, story="s"),
        story_item("earlier", "Same", day=19, story="s"),
    ]
    assert draft_of(items).items[0].id == "earlier"


def test_used_items_are_skipped_by_id_or_url_and_a_covered_story_is_a_follow_up() -> None:
    items = [
        story_item("by-id", "Used by id"),
        story_item("by-url", "Used by url", url="https://news.example.com/u"),
        story_item("later", "A later development", story="old-story"),
        story_item("fresh", "Not used yet"),
    ]
    earlier = Issue(number=22, date=dt.date(2021, 7, 15), title="x", sections=(
        Section("China", items=(
            IssueItem(title="a", id="by-id"),
            IssueItem(title="b", url="https://News.example.com/u/?utm_source=x#top"),
            IssueItem(title="c", url="https://news.example.com/old"),
        )),
    ))  # fmt: skip
    story_of = {"https://news.example.com/old": "old-story"}
    memory = issue_memory([earlier], [], TAXONOMY, story_of)
    draft = build_draft(23, items, memory, SETTINGS, TAXONOMY, RANGE)
    by_id = {entry.id or "": entry for entry in draft.issue.items}
    assert sorted(by_id) == ["fresh", "later"]
    assert by_id["later"].follow_up == FollowUp(issue=22, anchor="item-3")
    assert by_id["fresh"].follow_up is None
    assert (draft.stats.seen, draft.stats.used, draft.stats.stories) == (4, 2, 2)
    assert "(1 follow-ups)" in draft.stats.describe()


def test_a_follow_up_links_the_latest_issue_that_covered_the_story() -> None:
    def covering(number: int, position: int) -> Issue:
        entries = [IssueItem(title=f"e{n}", url=f"https://x.example.com/{number}/{n}")
                   for n in range(position)]  # fmt: skip
        return Issue(number=number, date=dt.date(2021, 7, number - 10), title="x",
                     sections=(Section("China", items=tuple(entries)),))  # fmt: skip

    story_of = {"https://x.example.com/21/0": "s", "https://x.example.com/22/1": "s"}
    memory = issue_memory([covering(22, 2), covering(21, 1)], [], TAXONOMY, story_of)
    later = story_item("later", "Later", story="s")
    assert memory.follow_up(later) == FollowUp(issue=22, anchor="item-2")
    assert not memory.used(later)


def test_off_topic_items_are_counted_not_drafted() -> None:
    items = [story_item("x", "Tokyo stocks fall", relevant=False), story_item("y", "Miners go")]
    draft = build_draft(23, items, Memory(), SETTINGS, TAXONOMY, RANGE)
    assert [i.id for i in draft.issue.items] == ["y"]
    assert draft.stats.off_topic == 1


def test_max_items_keeps_the_widest_carried() -> None:
    items = [story_item(f"i{n}", f"Story {n}", day=10 + n) for n in range(6)]
    settings = DraftSettings(section_order=SETTINGS.section_order, max_items=2)
    draft = build_draft(23, items, Memory(), settings, TAXONOMY, RANGE)
    assert [i.id for i in draft.issue.items] == ["i5", "i4"]
    assert draft.stats.left_out == 4
