"""Store items and drafts made in memory, for the tests of the draft's pure middle."""

from __future__ import annotations

import datetime as dt

from digest.draft import DraftRange, DraftSettings, Memory, build_draft
from digest.models import Issue, Item
from digest.taxonomy import builtin_taxonomy

TAXONOMY = builtin_taxonomy()
NOW = dt.datetime(2021, 7, 31, 12, tzinfo=dt.UTC)
RANGE = DraftRange(since=dt.datetime(2021, 7, 16, tzinfo=dt.UTC), until=NOW, previous=22)
SETTINGS = DraftSettings(section_order=("China", "Hong Kong", "Singapore", "Japan", "Elsewhere"))


def story_item(
    item_id: str,
    title: str,
    *,
    day: int = 20,
    feed: str = "Wire",
    summary: str = "<p>Short.</p>",
    countries: tuple[str, ...] = ("CN",),
    topics: tuple[str, ...] = ("mining",),
    story: str | None = None,
    relevant: bool = True,
    url: str | None = None,
) -> Item:
    when = dt.datetime(2021, 7, day, 8, tzinfo=dt.UTC)
    return Item(
        id=item_id,
        feed=feed,
        guid=None,
        url=url or f"https://news.example.com/{item_id}",
        title=title,
        summary_html=summary,
        summary_text=" ".join(summary.replace("<p>", " ").replace("</p>", " ").split()),
        published=when,
        first_seen=when,
        countries=countries,
        topics=topics,
        relevant=relevant,
        story=story or item_id,
    )


def draft_of(items: list[Item], memory: Memory | None = None, settings: DraftSettings = SETTINGS,
             feeds: dict[str, set[str]] | None = None) -> Issue:  # fmt: skip
    draft = build_draft(
        23, items, memory or Memory(), settings, TAXONOMY, RANGE, feeds_by_item=feeds
    )
    return draft.issue


def headings(issue: Issue) -> list[str]:
    return [s.heading for s in issue.sections]
