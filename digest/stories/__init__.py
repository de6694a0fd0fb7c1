"""Which items report the same event: one story id shared by every outlet's version of it.

Two items are one story when they have the same canonical URL, or when their titles and
summaries are alike and they were published within a few days of each other. Alike is the
square root of the TF-IDF cosine over word stems (Latin text) and character bigrams (CJK
text), titles counting double. The square root spreads the cosines that paraphrases of one
event reach (0.2 to 0.5) over 0.45 to 0.7, so the default threshold of 0.5 asks for a cosine
of 0.25; two reports of different events rarely pass 0.4.

Candidates come from an inverted index over each item's rarest terms, walked in date order
and limited to the time window, so the work grows with the number of items, not its square.
Stories are the connected groups (union-find); a story's id is the id of its earliest item.

An item whose feed gave no date is grouped on the day it was first seen; if it finds no dated
story there, it is looked for at any date, as a late report is (its date is unknown, not new).

A fetch into a store links only its new items (link_changed): the stored items are in their
stories already, every item's terms count for the weights, and each new item looks for
candidates before and after it in time (a backfill is older than what is stored); vectors are
worked out only for the items compared (LazyCorpus). With every item new this is the same
grouping as group_stories.
"""

from __future__ import annotations

import contextlib
import gc
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from digest.crosslang import simplified
from digest.models import Item
from digest.stories.corpus import Corpus, LazyCorpus, TermSource
from digest.stories.linking import (
    LATE_DAYS,
    WINDOW_DAYS,
    Linker,
    StoredLinker,
    UnionFind,
    join_same_urls,
    seconds,
)
from digest.stories.terms import (
    STOPWORDS,
    clear_term_cache,
    is_cjk_text,
    item_terms,
    stem,
    story_names,
    terms_of,
)
from digest.urls import canonical_url

__all__ = [
    "LATE_DAYS",
    "WINDOW_DAYS",
    "Grouping",
    "Member",
    "TermSource",
    "TextTerms",
    "UnionFind",
    "clear_term_cache",
    "group_members",
    "group_stories",
    "group_stories_counted",
    "link_changed",
    "no_cyclic_collection",
    "search_words",
    "similarity",
    "stem",
    "terms_of",
    "text_terms",
]


class TextTerms(NamedTuple):
    """What grouping reads of an item's text, worked out once: all its terms and its title's
    (terms.item_terms), whether it is written in Chinese, Japanese or Korean, and its
    canonical URL (None when it has no URL)."""

    terms: set[str]
    in_title: set[str]
    cjk: bool
    url: str | None


def text_terms(title: str, summary: str, url: str | None) -> TextTerms:
    terms, in_title = item_terms(title, summary)
    return TextTerms(terms, in_title, is_cjk_text(title), canonical_url(url) if url else None)


class Member(NamedTuple):
    """An item as grouping sees it."""

    id: str
    when: float  # published, else first seen: seconds since the epoch
    text: TextTerms
    undated: bool = False  # its feed gave no date (when is the day it was first seen)


_SEARCH_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.&-]*[A-Za-z0-9]")
_COMMON = STOPWORDS | frozenset(
    "bitcoin crypto cryptocurrency exchange exchanges blockchain hack hacked says".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Grouping:
    story: dict[str, str]  # item id -> story id
    comparisons: int  # similarity computations done (for checking the blocking)


def group_stories(
    items: Sequence[Item], threshold: float, window_days: float = WINDOW_DAYS
) -> dict[str, str]:
    """item id -> story id (the id of the story's earliest item). Pure."""
    return group_stories_counted(items, threshold, window_days).story


def group_stories_counted(
    items: Sequence[Item], threshold: float, window_days: float = WINDOW_DAYS
) -> Grouping:
    with no_cyclic_collection():
        members = [
            Member(
                i.id,
                seconds(i.when),
                text_terms(i.title, i.summary_text, i.url),
                i.published is None,
            )
            for i in items
        ]
        return _group(members, threshold, window_days)


def group_members(
    members: Sequence[Member], threshold: float, window_days: float = WINDOW_DAYS
) -> Grouping:
    """group_stories_counted over items whose text terms are known already. Pure."""
    with no_cyclic_collection():
        return _group(members, threshold, window_days)


def link_changed(
    source: TermSource,
    times: Sequence[float],
    groups: UnionFind[int],
    changed: Sequence[int],
    undated: Sequence[bool],
    threshold: float,
    window_days: float = WINDOW_DAYS,
) -> int:
    """Stored items with new or changed ones among them, each changed item joined to the
    stories it belongs to: groups gains the links. The items run in date order (times, and
    undated: whose feed gave no date); groups holds the unchanged items' stories already,
    which only a changed item can join or bridge. Returns how many similarities were worked
    out. Pure but for groups."""
    with no_cyclic_collection():
        join_same_urls(source.urls, groups)
        ordered = sorted(changed)
        linker = StoredLinker(LazyCorpus(source), groups, times, threshold, window_days, ordered)
        for index in ordered:
            linker.add(index)
        seeking = [i for i in ordered if undated[i]]
        if seeking:
            linker.add_undated([i for i, alone in enumerate(undated) if alone], seeking)
        return linker.comparisons


@contextlib.contextmanager
def no_cyclic_collection() -> Iterator[None]:
    """The block run without the cyclic garbage collector.

    Grouping builds hundreds of thousands of small sets and dicts that live until it ends
    and hold no cycles: the collector's passes over them would double its time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _group(members: Sequence[Member], threshold: float, window_days: float) -> Grouping:
    ordered = sorted(members, key=lambda m: (m.when, m.id))
    groups: UnionFind[int] = UnionFind()
    join_same_urls([m.text.url for m in ordered], groups)
    corpus = Corpus(
        [(m.text.terms, m.text.in_title) for m in ordered], [m.text.cjk for m in ordered]
    )
    times = [m.when for m in ordered]
    linker = Linker(corpus, groups, times, threshold, window_days)
    for index in range(len(ordered)):
        linker.add(index)
    undated = [i for i, member in enumerate(ordered) if member.undated]
    if undated:
        linker.add_undated(undated)
    story: dict[str, str] = {}
    first_of_root: dict[int, str] = {}
    for index, item in enumerate(ordered):  # date order: a root's first member is the earliest
        story[item.id] = first_of_root.setdefault(groups.find(index), item.id)
    return Grouping(story=story, comparisons=linker.comparisons)


def search_words(title: str, most: int = 3) -> list[str]:
    """The words of a title, lowercased, that may find its other reports in a text search:
    the names it gives (as written, and simplified when written in traditional Chinese),
    then its longest capitalised words past the first. For an item without a date, whose
    other reports may be of any date."""
    names: list[str] = []
    capitalised: list[str] = []
    for position, word in enumerate(_SEARCH_WORD.findall(title)):
        lowered = word.lower()
        if len(word) >= 3 and story_names().split(word)[0] and lowered not in _COMMON:
            names.append(lowered)
        elif position > 0 and word[0].isupper() and len(word) >= 4 and lowered not in _COMMON:
            capitalised.append(lowered)
    plain = simplified(title)
    for _, start, end in story_names().cjk_names(plain):
        names.append(plain[start:end])
        if len(plain) == len(title):  # OpenCC changed characters, not the length
            names.append(title[start:end])
    capitalised.sort(key=lambda w: (-len(w), w))
    return list(dict.fromkeys(names + capitalised))[:most]


def similarity(first: Item, second: Item, reference: Sequence[Item] = ()) -> float:
    """How alike two items read (0 to 1), term weights taken from reference and the pair."""
    both = (first, second, *reference)
    corpus = Corpus(
        [item_terms(it.title, it.summary_text) for it in both],
        [is_cjk_text(it.title) for it in both],
    )
    return math.sqrt(max(0.0, corpus.alike(0, 1)))
