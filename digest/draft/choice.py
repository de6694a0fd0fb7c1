"""Choosing stories: the range's relevant, unused items gathered into stories and ranked,
over the store's light columns (ItemSketch) so that a large range stays cheap.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest.draft.memory import Memory
from digest.models import Item, ItemSketch

DEFAULT_MAX_ITEMS = 25
TIMELINE_LIMIT = 12  # stories in a seeded timeline


@dataclass(frozen=True)
class Story:
    """The items of one story in the range: the most informative leads."""

    lead: Item
    others: tuple[Item, ...]
    outlets: int  # distinct feeds that carried it
    first: dt.datetime
    latest: dt.datetime

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.lead, *self.others)


@dataclass(frozen=True)
class Pick:
    """A story chosen by the first pass, before its items are read: their ids, the most
    informative first."""

    ids: tuple[str, ...]
    outlets: int


@dataclass(frozen=True)
class DraftStats:
    seen: int = 0
    off_topic: int = 0
    used: int = 0
    stories: int = 0
    follow_ups: int = 0  # stories an earlier issue covered, with items it did not name
    left_out: int = 0  # stories beyond --max-items

    def describe(self) -> str:
        text = (
            f"{self.seen} items seen, {self.off_topic} off-topic, {self.used} already used, "
            f"{self.stories} stories"
        )
        text += f" ({self.follow_ups} follow-ups)" if self.follow_ups else ""
        return text + (f", {self.left_out} left out by --max-items" if self.left_out else "")


def sketch(item: Item, extra_feeds: Iterable[str] = ()) -> ItemSketch:
    """An item's light columns, as the store gives them for a range."""
    return ItemSketch(
        item.id, item.feed, item.url, item.story or item.id, item.when.timestamp(),
        len(item.summary_text.strip()), item.topics, tuple(extra_feeds), item.relevant,
    )  # fmt: skip


def choose_stories(
    sketches: Iterable[ItemSketch], memory: Memory, max_items: int | None
) -> tuple[list[Pick], DraftStats]:
    """Relevant, unused items of the range gathered into stories, ranked and cut to
    max_items; the counts say what was dropped and why. A story an earlier issue covered is
    kept with the items that issue did not name: a follow-up."""
    seen = off_topic = used = 0
    members: dict[str, list[ItemSketch]] = {}
    ids, urls = memory.ids, memory.urls
    for item in sketches:  # Memory.used, unrolled: this loop runs once per item in range
        seen += 1
        item_id, _, url, story, *_, relevant = item
        if not relevant:
            off_topic += 1
        elif item_id in ids or url in urls:
            used += 1
        else:
            members.setdefault(story, []).append(item)
    kept = ranked_picks(members.values(), max_items)
    stats = DraftStats(
        seen=seen, off_topic=off_topic, used=used, stories=len(members),
        follow_ups=sum(1 for story in members if story in memory.stories),
        left_out=len(members) - len(kept),
    )  # fmt: skip
    return kept, stats


def timeline_picks(sketches: Iterable[ItemSketch], topic: str) -> list[Pick]:
    """The widest-carried stories with the topic, used or not."""
    members: dict[str, list[ItemSketch]] = {}
    for item in sketches:
        if item.relevant and topic in item.topics:
            members.setdefault(item.story, []).append(item)
    return ranked_picks(members.values(), TIMELINE_LIMIT)


_Ranked = tuple[tuple[int, float, str], tuple[str, ...], int]  # rank, ids, outlets


def ranked_picks(groups: Iterable[Sequence[ItemSketch]], limit: int | None) -> list[Pick]:
    """Each group as a story, the first `limit` in story_rank's order."""
    ranked: list[_Ranked] = []
    for group in groups:
        if len(group) == 1:  # most stories: one outlet, one item
            item_id, feed, _, _, when, _, _, extra_feeds, _ = group[0]
            outlets = len({feed, *extra_feeds}) if extra_feeds else 1
            ranked.append(((-outlets, -when, item_id), (item_id,), outlets))
        else:
            ranked.append(_ranked_story(group))
    best = sorted(ranked) if limit is None else heapq.nsmallest(limit, ranked)
    return [Pick(ids=ids, outlets=outlets) for _, ids, outlets in best]


def _ranked_story(group: Sequence[ItemSketch]) -> _Ranked:
    """A story's rank (as story_rank), its items' ids the most informative first, and how
    many distinct feeds carried it."""
    ranked = sorted(group, key=_informative)
    feeds = {item.feed for item in group}
    for item in group:
        feeds.update(item.extra_feeds)
    latest = max(item.when for item in group)
    return (-len(feeds), -latest, ranked[0].id), tuple(i.id for i in ranked), len(feeds)


def _informative(item: ItemSketch) -> tuple[int, float, str]:
    """Longest clean summary first, then the earliest report."""
    return (-item.summary_length, item.when, item.id)


def story_of(pick: Pick, items_by_id: dict[str, Item]) -> Story:
    """The chosen story with its items read."""
    items = [items_by_id[item_id] for item_id in pick.ids]
    dates = [item.when for item in items]
    return Story(
        lead=items[0],
        others=tuple(items[1:]),
        outlets=pick.outlets,
        first=min(dates),
        latest=max(dates),
    )


def story_rank(story: Story) -> tuple[int, float, str]:
    """More outlets first, then the most recent."""
    return (-story.outlets, -story.latest.timestamp(), story.lead.id)
