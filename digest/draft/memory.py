"""Memory across issues: what earlier issues used (never drafted again), the stories they
covered (a later item of one is a follow-up, linked to the entry) and the names they covered
(pointed back to as "Previously").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from digest.issuefile import item_anchor
from digest.models import FollowUp, Issue, IssueItem, Item, ItemSketch, Taxonomy
from digest.names import issue_names, issue_texts, lowercase_words, names_mentioned, too_frequent
from digest.urls import canonical_url

PREVIOUSLY_LIMIT = 3  # earlier issues named in one entry's "Previously"


@dataclass(frozen=True)
class Memory:
    """What existing issues used (never drafted again) and covered: stories (an unused item
    of one is a follow-up) and names (named in "Previously")."""

    ids: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()  # canonical
    stories: Mapping[str, FollowUp] = field(default_factory=dict)  # story -> latest entry
    names: dict[str, tuple[int, ...]] = field(default_factory=dict)  # name -> earlier issues

    def used(self, item: Item | ItemSketch) -> bool:
        """Named by an issue, by its id or canonical URL (stored URLs are canonical)."""
        return item.id in self.ids or (item.url is not None and item.url in self.urls)

    def follow_up(self, item: Item | ItemSketch) -> FollowUp | None:
        """The issue entry that covered the item's story, if one did."""
        story = item.story if isinstance(item, ItemSketch) else (item.story or item.id)
        return self.stories.get(story)


def issue_memory(
    used_by: Iterable[Issue],
    earlier: Iterable[Issue],
    taxonomy: Taxonomy,
    story_of: Mapping[str, str],
) -> Memory:
    """What the issues in used_by used and the stories they covered (story_of: the store's
    story of each id and canonical URL they name), and the names each earlier issue covered."""
    used_by = list(used_by)
    ids, urls = used_keys(used_by)
    return Memory(
        ids=frozenset(ids),
        urls=frozenset(urls),
        stories=covered_stories(used_by, story_of),
        names=covered_names(earlier, taxonomy),
    )


def used_keys(issues: Iterable[Issue]) -> tuple[set[str], set[str]]:
    """The store ids and canonical URLs the issues' entries name."""
    ids: set[str] = set()
    urls: set[str] = set()
    for issue in issues:
        for entry in issue.items:
            ids.update([entry.id] if entry.id else [])
            urls.update(entry_urls(entry))
    return ids, urls


def entry_urls(entry: IssueItem) -> set[str]:
    """The canonical URLs an issue entry names."""
    return {canonical_url(u) for u in (entry.url, *(a.url for a in entry.also)) if u}


def covered_stories(issues: Iterable[Issue], story_of: Mapping[str, str]) -> dict[str, FollowUp]:
    """story -> the entry (of the highest-numbered issue) that covered it; story_of maps the
    store ids and canonical URLs the entries name to their stories."""
    covered: dict[str, FollowUp] = {}
    for issue in sorted(issues, key=lambda issue: issue.number):
        for position, entry in enumerate(issue.items, start=1):
            keys = [entry.id] if entry.id else []
            for key in (*keys, *sorted(entry_urls(entry))):
                if story := story_of.get(key):
                    covered[story] = FollowUp(
                        issue=issue.number, anchor=item_anchor(position), entry=entry.id or ""
                    )
    return covered


def covered_names(issues: Iterable[Issue], taxonomy: Taxonomy) -> dict[str, tuple[int, ...]]:
    """name -> the issues that covered it; names most issues covered are left out."""
    issues = list(issues)
    common = lowercase_words(text for issue in issues for text in issue_texts(issue))
    names: dict[str, set[int]] = {}
    for issue in issues:
        for name in issue_names(issue, taxonomy, common):
            names.setdefault(name, set()).add(issue.number)
    covered = {name: tuple(sorted(numbers)) for name, numbers in names.items()}
    everyday = too_frequent(covered, len(issues))
    return {name: numbers for name, numbers in covered.items() if name not in everyday}


def previously(item: Item, memory: Memory, taxonomy: Taxonomy) -> tuple[int, ...]:
    """The latest earlier issues that covered a name this item names."""
    if not memory.names:
        return ()
    text = f"{item.title}\n{item.summary_text}"
    numbers: set[int] = set()
    for name in names_mentioned(text, tuple(memory.names)):
        numbers.update(memory.names[name])
    return tuple(sorted(numbers, reverse=True)[:PREVIOUSLY_LIMIT])
