"""Laying out a draft: sections in order, a timeline, the derived subtitle and quick take."""

from __future__ import annotations

import datetime as dt

from support.drafting import SETTINGS, draft_of, headings, story_item

from digest.draft import DraftSettings


def test_sections_follow_the_configured_order_with_elsewhere_last() -> None:
    items = [
        story_item("us", "SEC sues a crypto lender", countries=("US",), topics=("regulation",)),
        story_item("jp", "FSA warns an exchange", countries=("JP",), topics=("exchanges",)),
        story_item("th", "Thai SEC licenses a broker", countries=("TH",), topics=("regulation",)),
        story_item("cn", "Miners leave Sichuan", countries=("CN",)),
        story_item("hk", "HKMA starts e-HKD work", countries=("HK", "CN"), topics=("cbdc",)),
    ]
    issue = draft_of(items)
    # Thailand is not in this section_order: after the named ones, before Elsewhere.
    assert headings(issue) == ["China", "Hong Kong", "Japan", "Thailand", "Elsewhere"]
    assert [i.id for i in issue.sections[-1].items] == ["us"]


def test_group_by_topic_uses_topic_names() -> None:
    items = [
        story_item("a", "Miners leave Sichuan", topics=("mining",)),
        story_item("b", "PBoC expands e-CNY trials", topics=("cbdc",)),
        story_item("c", "A US exchange lists a token", countries=("US",), topics=("exchanges",)),
    ]
    settings = DraftSettings(group_by="topic", section_order=("cbdc", "Mining"))
    assert headings(draft_of(items, settings=settings)) == ["CBDC", "Mining", "Elsewhere"]


def test_timeline_is_one_line_per_story_in_date_order() -> None:
    items = [
        story_item("late", "Sichuan goes dark", day=24, story="s2"),
        story_item("late-copy", "Sichuan goes dark, again", day=25, story="s2"),
        story_item("early", "Inner Mongolia sets penalties", day=17),
        story_item("other", "An exchange lists", day=18, topics=("exchanges",)),
    ]
    settings = DraftSettings(section_order=SETTINGS.section_order, timeline_topic="mining")
    issue = draft_of(items, settings=settings)
    timeline = issue.sections[0]
    assert timeline.heading == "Timeline: Mining"
    assert [e.date for e in timeline.timeline] == [dt.date(2021, 7, 17), dt.date(2021, 7, 24)]
    assert "Inner Mongolia" in timeline.timeline[0].text


def test_derived_parts_title_subtitle_quick_take_date() -> None:
    items = [
        story_item("a", "Bitmain moves rigs to Kazakhstan", countries=("CN",)),
        story_item("b", "HKMA starts e-HKD work", countries=("HK",), topics=("cbdc",)),
    ]
    issue = draft_of(items)
    assert issue.title.startswith("TODO")
    assert issue.date == dt.date(2021, 7, 31)
    assert issue.quick_take == ("Bitmain moves rigs to Kazakhstan", "HKMA starts e-HKD work")
    assert issue.subtitle.split("/")[:2] == ["Bitmain", "HKMA"]
