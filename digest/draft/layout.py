"""Laying out a draft: stories grouped into sections, each story one entry, a dated
timeline, and the parts derived from them (subtitle, quick take).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from digest.draft.choice import DEFAULT_MAX_ITEMS, Story, story_rank
from digest.draft.memory import Memory, previously
from digest.errors import UserError
from digest.issuefile import is_language_tag
from digest.markdown import bare_destination, http_url, summary_markdown, text_line
from digest.models import IssueItem, Item, Link, Section, Taxonomy, TimelineEntry
from digest.names import join_subtitle, lead_names

QUICK_TAKE_POINTS = 5
ELSEWHERE = "Elsewhere"
OTHER_TOPICS = "More from Asia"


@dataclass(frozen=True)
class DraftSettings:
    group_by: str = "country"  # country or topic
    section_order: tuple[str, ...] = ()
    max_items: int | None = DEFAULT_MAX_ITEMS
    timeline_topic: str | None = None  # a topic slug
    language: str = "en"


def group_stories(
    stories: Sequence[Story], settings: DraftSettings, taxonomy: Taxonomy
) -> list[tuple[str, list[Story]]]:
    """(heading, stories) in the configured order, each section ranked; Elsewhere last."""
    by_key: dict[str, list[Story]] = {}
    for story in sorted(stories, key=story_rank):
        by_key.setdefault(section_key(story.lead, settings.group_by, taxonomy), []).append(story)
    order = _configured_order(settings, taxonomy)
    named = [k for k in order if k in by_key]
    rest = sorted(
        (k for k in by_key if k not in order and k not in (ELSEWHERE, OTHER_TOPICS)),
        key=lambda k: (-len(by_key[k]), _heading(k, settings.group_by, taxonomy)),
    )
    tail = [k for k in (OTHER_TOPICS, ELSEWHERE) if k in by_key]
    return [(_heading(k, settings.group_by, taxonomy), by_key[k]) for k in named + rest + tail]


def section_key(item: Item, group_by: str, taxonomy: Taxonomy) -> str:
    asian = [c for c in item.countries if c in taxonomy.countries and taxonomy.countries[c].asian]
    if not asian:
        return ELSEWHERE
    if group_by == "topic":
        topics = [t for t in item.topics if t in taxonomy.topics]
        return topics[0] if topics else OTHER_TOPICS
    return asian[0]


def _configured_order(settings: DraftSettings, taxonomy: Taxonomy) -> list[str]:
    """newsletter.section_order as section keys (codes or slugs), names matched in any case."""
    if settings.group_by == "topic":
        lookup = {t.slug.casefold(): t.slug for t in taxonomy.topics.values()}
        lookup.update({t.name.casefold(): t.slug for t in taxonomy.topics.values()})
    else:
        lookup = {c.code.casefold(): c.code for c in taxonomy.countries.values()}
        lookup.update({c.name.casefold(): c.code for c in taxonomy.countries.values()})
    keys = [lookup.get(entry.strip().casefold()) for entry in settings.section_order]
    return list(dict.fromkeys(k for k in keys if k))


def _heading(key: str, group_by: str, taxonomy: Taxonomy) -> str:
    if key in (ELSEWHERE, OTHER_TOPICS):
        return key
    if group_by == "topic":
        return taxonomy.topics[key].name
    return taxonomy.countries[key].name


def issue_entry(
    story: Story, memory: Memory, settings: DraftSettings, taxonomy: Taxonomy
) -> IssueItem:
    lead = story.lead
    follow_up = memory.follow_up(lead)
    earlier = previously(lead, memory, taxonomy)
    also: dict[str, Link] = {}
    for other in story.others:
        if other.url and other.url != lead.url and other.url not in also:
            also[other.url] = Link(source=other.feed, url=other.url)
    return IssueItem(
        title=lead.title.strip() or "(untitled)",
        url=http_url(lead.url),
        source=lead.feed,
        date=lead.published.date() if lead.published else None,
        countries=tuple(c for c in lead.countries if c in taxonomy.countries),
        topics=tuple(t for t in lead.topics if t in taxonomy.topics),
        body=summary_markdown(lead.summary_html),
        also=tuple(link for link in also.values() if http_url(link.url)),
        lang=_item_lang(lead.language, settings.language),
        previously=tuple(n for n in earlier if not follow_up or n != follow_up.issue),
        id=lead.id,
        follow_up=follow_up,
    )


def _item_lang(language: str | None, newsletter: str) -> str | None:
    if not language or not is_language_tag(language):
        return None
    same = language.split("-")[0].casefold() == newsletter.split("-")[0].casefold()
    return None if same else language


def timeline_section(stories: Iterable[Story], topic: str, taxonomy: Taxonomy) -> Section:
    """One dated line per story, in date order."""
    chosen = sorted(stories, key=lambda s: (s.first, s.lead.title))
    return Section(
        heading=f"Timeline: {taxonomy.topics[topic].name}",
        timeline=tuple(TimelineEntry(date=s.first.date(), text=_timeline_text(s)) for s in chosen),
    )


def _timeline_text(story: Story) -> str:
    headline = text_line(story.lead.title.strip() or "(untitled)")
    url = http_url(story.lead.url)
    source = text_line(story.lead.feed)
    return f"{headline} ([{source}]({bare_destination(url)}))" if url else headline


def resolve_topic(name: str, taxonomy: Taxonomy) -> str:
    """A topic slug from a slug or a topic name, any case."""
    wanted = name.strip().casefold()
    for topic in taxonomy.topics.values():
        if wanted in (topic.slug.casefold(), topic.name.casefold()):
            return topic.slug
    raise UserError(
        f"unknown topic '{name}' for --timeline",
        hint=f"Known topics: {', '.join(sorted(taxonomy.topics))}.",
    )


def draft_subtitle(
    sections: Sequence[Section], stories: Sequence[Story], taxonomy: Taxonomy
) -> str:
    """Key names joined by slashes: each section's leading items' main names, else the
    section headings."""
    names = lead_names(sections, (s.lead for s in stories), taxonomy)
    if len(names) < 2:
        names = [s.heading for s in sections if s.items and s.heading != ELSEWHERE]
    return join_subtitle(names)


def quick_take(sections: Sequence[Section]) -> tuple[str, ...]:
    """The lead headline of each section, then the next ones, as Markdown points."""
    points: list[str] = []
    depth = max((len(s.items) for s in sections), default=0)
    for position in range(depth):
        for section in sections:
            if position < len(section.items) and len(points) < QUICK_TAKE_POINTS:
                points.append(text_line(section.items[position].title))
    return tuple(points)
