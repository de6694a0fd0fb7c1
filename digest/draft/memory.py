"""Memory across issues: what earlier issues used (never drafted again) and the names they
covered (pointed back to as "Previously").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from digest.models import Issue, Item, ItemSketch, Taxonomy
from digest.names import issue_names, issue_texts, lowercase_words, names_mentioned, too_frequent
from digest.urls import canonical_url

PREVIOUSLY_LIMIT = 3  # earlier issues named in one entry's "Previously"


@dataclass(frozen=True)
class Memory:
    """What existing issues used (never drafted again) and covered (named in "Previously")."""

    ids: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()  # canonical
    stories: frozenset[str] = frozenset()
    names: dict[str, tuple[int, ...]] = field(default_factory=dict)  # name -> earlier issues

    def used(self, item: Item | ItemSketch) -> bool:
        story = item.story if isinstance(item, ItemSketch) else (item.story or item.id)
        return (
            item.id in self.ids
            or (item.url is not None and item.url in self.urls)  # stored URLs are canonical
            or story in self.stories
        )


def issue_memory(
    used_by: Iterable[Issue], earlier: Iterable[Issue], taxonomy: Taxonomy, stories: Iterable[str]
) -> Memory:
    """What the issues in used_by used (with the stories they belong to, from the store), and
    the names each earlier issue covered."""
    ids, urls = used_keys(used_by)
    return Memory(
        ids=frozenset(ids),
        urls=frozenset(urls),
        stories=frozenset(stories),
        names=covered_names(earlier, taxonomy),
    )


def used_keys(issues: Iterable[Issue]) -> tuple[set[str], set[str]]:
    """The store ids and canonical URLs the issues' entries name."""
    ids: set[str] = set()
    urls: set[str] = set()
    for issue in issues:
        for entry in issue.items:
            ids.update([entry.id] if entry.id else [])
            urls.update(canonical_url(u) for u in (entry.url, *(a.url for a in entry.also)) if u)
    return ids, urls


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
