"""The draft as a whole: a first pass that chooses stories over light columns, a second
that writes the issue from the chosen stories' items, and its YAML text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from digest.draft.choice import DraftStats, Pick, choose_stories, sketch, story_of, timeline_picks
from digest.draft.layout import (
    DraftSettings,
    draft_subtitle,
    group_stories,
    issue_entry,
    quick_take,
    timeline_section,
)
from digest.draft.memory import Memory
from digest.draft.range import DraftRange
from digest.issuefile import write_issue_text
from digest.models import Issue, Item, ItemSketch, Section, Taxonomy

TITLE_PLACEHOLDER = "TODO: title of issue {number}"


@dataclass(frozen=True)
class DraftPlan:
    """What the first pass chose: the stories kept (ranked) and those of the timeline."""

    stories: tuple[Pick, ...]
    timeline: tuple[Pick, ...]
    stats: DraftStats

    def item_ids(self) -> set[str]:
        return {item_id for pick in (*self.stories, *self.timeline) for item_id in pick.ids}


@dataclass(frozen=True)
class Draft:
    issue: Issue
    range: DraftRange
    stats: DraftStats


def build_draft(
    number: int,
    items: Sequence[Item],
    memory: Memory,
    settings: DraftSettings,
    taxonomy: Taxonomy,
    draft_range: DraftRange,
    *,
    feeds_by_item: dict[str, set[str]] | None = None,
    previous: Issue | None = None,
    off_topic: int = 0,
) -> Draft:
    """Issue `number` drafted from the items of the range. Pure. feeds_by_item names the
    feeds that delivered an item besides its own; off_topic counts the range's items that
    were judged not relevant and not passed in."""
    feeds = feeds_by_item or {}
    sketches = [sketch(item, sorted(feeds.get(item.id, ()))) for item in items]
    plan = plan_draft(sketches, memory, settings, off_topic=off_topic)
    by_id = {item.id: item for item in items}
    return compose_draft(number, plan, by_id, memory, settings, taxonomy, draft_range, previous)


def plan_draft(
    sketches: Sequence[ItemSketch], memory: Memory, settings: DraftSettings, *, off_topic: int = 0
) -> DraftPlan:
    """The first pass, over light columns only: which stories, in which rank, which items."""
    picks, stats = choose_stories(sketches, memory, settings.max_items)
    stats = replace(stats, seen=stats.seen + off_topic, off_topic=stats.off_topic + off_topic)
    topic = settings.timeline_topic
    timeline = timeline_picks(sketches, topic) if topic else []
    return DraftPlan(stories=tuple(picks), timeline=tuple(timeline), stats=stats)


def compose_draft(
    number: int,
    plan: DraftPlan,
    items_by_id: dict[str, Item],
    memory: Memory,
    settings: DraftSettings,
    taxonomy: Taxonomy,
    draft_range: DraftRange,
    previous: Issue | None = None,
) -> Draft:
    """The second pass: the issue written from the chosen stories' items."""
    kept = [story_of(pick, items_by_id) for pick in plan.stories]
    sections = [
        Section(
            heading=heading, items=tuple(issue_entry(s, memory, settings, taxonomy) for s in group)
        )
        for heading, group in group_stories(kept, settings, taxonomy)
    ]
    if settings.timeline_topic and plan.timeline:
        moments = [story_of(pick, items_by_id) for pick in plan.timeline]
        sections.insert(0, timeline_section(moments, settings.timeline_topic, taxonomy))
    issue = Issue(
        number=number,
        date=draft_range.last_day,
        title=TITLE_PLACEHOLDER.format(number=number),
        subtitle=draft_subtitle(sections, kept, taxonomy),
        quick_take=quick_take(sections),
        sections=tuple(sections),
        sign_off=previous.sign_off if previous else "",
        draft=True,
    )
    return Draft(issue=issue, range=draft_range, stats=plan.stats)


def draft_yaml(draft: Draft) -> str:
    """The draft as issues/N.yaml: a comment on what was selected, then the keys in the
    schema's order."""
    issue = draft.issue
    entries = sum(len(s.items) for s in issue.sections)
    header = [
        f"Draft of issue {issue.number}: {entries} entries from {draft.range.describe()}.",
        f"Selected from the store: {draft.stats.describe()}.",
        "Cut, reorder and rewrite freely; write the title, intro and sign-off, then",
        f"'digest build {issue.number}' to preview it. Unused items: 'digest items --unused'.",
        "Delete the 'draft: true' line to publish it.",
    ]
    return write_issue_text(issue, header)
