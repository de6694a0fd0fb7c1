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
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from digest.crosslang import simplified
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
from digest.stories.terms import (
    STOPWORDS,
    clear_term_cache,
    is_cjk_text,
    item_terms,
    stem,
    story_names,
    terms_of,
)

__all__ = [
    "LATE_DAYS",
    "WINDOW_DAYS",
    "Grouping",
    "UnionFind",
    "clear_term_cache",
    "group_stories",
    "group_stories_counted",
    "search_words",
    "similarity",
    "stem",
    "terms_of",
]


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
    undated = [i for i, item in enumerate(ordered) if item.published is None]
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
