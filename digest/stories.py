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

import datetime as dt
import math
import re
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from digest.models import Item
from digest.urls import canonical_url

WINDOW_DAYS = 4.0
KEYS_PER_ITEM = 8  # the rarest terms of an item that look for partners
SHARED_KEYS = 1  # keys a candidate must share; 2 is four times faster on big stores, less recall
CROWDED_KEY = 64  # a term this frequent within the window is not a useful key
TITLE_WEIGHT = 2.0

_WORD = re.compile(r"[a-z0-9]+(?:['.,][a-z0-9]+)*|[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_STOPWORDS = frozenset(
    """a about after again against all also an and any are as at be been before being but by
    can could did do does down during each for from further had has have having he her here
    his how i if in into is it its just may more most new no nor not now of off on once only
    or other our out over own said same says she should so some such than that the their them
    then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would year years you your week weeks day days
    report reports reported according amid news latest update""".split()  # noqa: SIM905
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "ies", "ied", "ed", "es", "er", "s")


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
    order = sorted(range(len(items)), key=lambda i: (_seconds(items[i].when), items[i].id))
    ordered = [items[i] for i in order]
    groups = _UnionFind(len(ordered))
    _join_same_urls(ordered, groups)
    bags = [_terms(item.title, item.summary_text) for item in ordered]
    idf = _idf(bags)
    vectors = [_unit_vector(bag, idf) for bag in bags]
    comparisons = _join_similar(ordered, bags, vectors, idf, groups, threshold, window_days)
    story: dict[str, str] = {}
    first_of_root: dict[int, str] = {}
    for index, item in enumerate(ordered):  # date order: a root's first member is the earliest
        story[item.id] = first_of_root.setdefault(groups.find(index), item.id)
    return Grouping(story=story, comparisons=comparisons)


def similarity(first: Item, second: Item, reference: Sequence[Item] = ()) -> float:
    """How alike two items read (0 to 1), term weights taken from reference and the pair."""
    bags = [_terms(it.title, it.summary_text) for it in (first, second, *reference)]
    idf = _idf(bags)
    return math.sqrt(max(0.0, _cosine(_unit_vector(bags[0], idf), _unit_vector(bags[1], idf))))


# ---------------------------------------------------------------- text to weighted terms


@lru_cache(maxsize=1 << 18)
def _stem(word: str) -> str:
    if len(word) > 4 and not word[0].isdigit():
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
    return word


def _tokens(text: str) -> Iterable[str]:
    for run in _WORD.findall(text.lower()):
        if _CJK.match(run):
            if len(run) == 1:
                yield run
            for i in range(len(run) - 1):
                yield run[i : i + 2]
        elif run not in _STOPWORDS and (len(run) > 1 or run.isdigit()):
            yield _stem(run.replace(",", ""))


def _terms(title: str, summary: str) -> dict[str, float]:
    bag: dict[str, float] = {}
    for token in _tokens(summary):
        bag[token] = 1.0
    for token in _tokens(title):
        bag[token] = TITLE_WEIGHT
    return bag


def _idf(bags: Sequence[dict[str, float]]) -> dict[str, float]:
    df: Counter[str] = Counter()
    for bag in bags:
        df.update(bag.keys())
    n = len(bags)
    return {term: _idf_of_count(n, count) for term, count in df.items()}


def _idf_of_count(items: int, count: int) -> float:
    return math.log((items + 1) / (count + 1)) + 1.0


def _unit_vector(bag: dict[str, float], idf: dict[str, float]) -> dict[str, float]:
    vector = {term: weight * idf.get(term, 1.0) for term, weight in bag.items()}
    norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
    return {term: v / norm for term, v in vector.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(a[term] * b[term] for term in a.keys() & b.keys())


# ---------------------------------------------------------------- grouping


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            # the earlier item (smaller index in date order) stays the root
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


def _join_same_urls(items: Sequence[Item], groups: _UnionFind) -> None:
    first_with_url: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.url:
            groups.union(first_with_url.setdefault(canonical_url(item.url), index), index)


def _join_similar(
    items: Sequence[Item],
    bags: Sequence[dict[str, float]],
    vectors: Sequence[dict[str, float]],
    idf: dict[str, float],
    groups: _UnionFind,
    threshold: float,
    window_days: float,
) -> int:
    window = window_days * 86400.0
    least_cosine = threshold * threshold
    # A term in more items than this is crowded in any window: no one looks it up.
    findable_idf = _idf_of_count(len(items), max(CROWDED_KEY, len(items) // 100))
    shared_idf = _idf_of_count(len(items), 2)  # terms rarer than this are in no other item
    recent: dict[str, deque[tuple[float, int]]] = {}
    comparisons = 0
    for index, item in enumerate(items):
        now = _seconds(item.when)
        keys = _keys(bags[index], idf, shared_idf)
        candidates: Counter[int] = Counter()
        for key in keys:
            queue = recent.get(key)
            if not queue:
                continue
            while queue and now - queue[0][0] > window:
                queue.popleft()
            if len(queue) <= CROWDED_KEY:
                candidates.update(other for _, other in queue)
        for other, shared in candidates.items():
            if shared < SHARED_KEYS:
                continue
            if groups.find(other) == groups.find(index):
                continue
            comparisons += 1
            if _cosine(vectors[index], vectors[other]) >= least_cosine:
                groups.union(other, index)
        for term in bags[index]:
            if idf[term] >= findable_idf:
                recent.setdefault(term, deque()).append((now, index))
    return comparisons


def _keys(bag: dict[str, float], idf: dict[str, float], shared_idf: float) -> list[str]:
    """The item's rarest terms that some other item also has: the best partners' finders."""
    shared = [term for term in bag if idf[term] <= shared_idf]
    return sorted(shared, key=lambda t: (-idf[t], t))[:KEYS_PER_ITEM]


def _seconds(when: dt.datetime) -> float:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()
