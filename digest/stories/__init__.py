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
"""

from __future__ import annotations

import gc
import math
from collections.abc import Sequence
from dataclasses import dataclass

from digest.models import Item
from digest.stories.corpus import Corpus
from digest.stories.linking import (
    LATE_DAYS,
    WINDOW_DAYS,
    Linker,
    UnionFind,
    join_same_urls,
    seconds,
)
from digest.stories.terms import clear_term_cache, is_cjk_text, item_terms, stem, terms_of

__all__ = [
    "LATE_DAYS",
    "WINDOW_DAYS",
    "Grouping",
    "UnionFind",
    "clear_term_cache",
    "group_stories",
    "group_stories_counted",
    "similarity",
    "stem",
    "terms_of",
]


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
    # Grouping builds hundreds of thousands of small sets and dicts that live until it ends
    # and hold no cycles: the cyclic collector's passes over them would double its time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _group(items, threshold, window_days)
    finally:
        if collecting:
            gc.enable()


def _group(items: Sequence[Item], threshold: float, window_days: float) -> Grouping:
    order = sorted(range(len(items)), key=lambda i: (seconds(items[i].when), items[i].id))
    ordered = [items[i] for i in order]
    groups: UnionFind[int] = UnionFind()
    join_same_urls(ordered, groups)
    corpus = Corpus(
        [item_terms(item.title, item.summary_text) for item in ordered],
        [is_cjk_text(item.title) for item in ordered],
    )
    times = [seconds(item.when) for item in ordered]
    linker = Linker(corpus, groups, times, threshold, window_days)
    for index in range(len(ordered)):
        linker.add(index)
    story: dict[str, str] = {}
    first_of_root: dict[int, str] = {}
    for index, item in enumerate(ordered):  # date order: a root's first member is the earliest
        story[item.id] = first_of_root.setdefault(groups.find(index), item.id)
    return Grouping(story=story, comparisons=linker.comparisons)


def similarity(first: Item, second: Item, reference: Sequence[Item] = ()) -> float:
    """How alike two items read (0 to 1), term weights taken from reference and the pair."""
    both = (first, second, *reference)
    corpus = Corpus(
        [item_terms(it.title, it.summary_text) for it in both],
        [is_cjk_text(it.title) for it in both],
    )
    return math.sqrt(max(0.0, corpus.alike(0, 1)))
