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
import gc
import math
import re
from bisect import bisect_right
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter, mul
from typing import Generic, TypeVar

from digest.models import Item
from digest.names import CJK, CJK_RANGES
from digest.urls import canonical_url

WINDOW_DAYS = 4.0
KEYS_PER_ITEM = 8  # the rarest terms of an item that look for partners
CROWDED_KEY = 64  # a term this frequent within the window is not a useful key
TITLE_WEIGHT = 2.0
COMMON_SHARE = 0.02  # a term in more than this share of the items tells no story apart
COMMON_LEAST = 200  # ... once it is in more items than this (small sets keep every term)
SUMMARY_CHARS = 400  # the opening of a summary that is compared: its first two or three sentences

_WORD = re.compile(rf"[a-z0-9]+(?:['.,][a-z0-9]+)*|[{CJK_RANGES}]+")
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
    order = sorted(range(len(items)), key=lambda i: (_seconds(items[i].when), items[i].id))
    ordered = [items[i] for i in order]
    groups: UnionFind[int] = UnionFind()
    _join_same_urls(ordered, groups)
    corpus = _Corpus([_text_terms(item.title, item.summary_text) for item in ordered])
    comparisons = _join_similar(ordered, corpus, groups, threshold, window_days)
    story: dict[str, str] = {}
    first_of_root: dict[int, str] = {}
    for index, item in enumerate(ordered):  # date order: a root's first member is the earliest
        story[item.id] = first_of_root.setdefault(groups.find(index), item.id)
    return Grouping(story=story, comparisons=comparisons)


def similarity(first: Item, second: Item, reference: Sequence[Item] = ()) -> float:
    """How alike two items read (0 to 1), term weights taken from reference and the pair."""
    corpus = _Corpus([_text_terms(it.title, it.summary_text) for it in (first, second, *reference)])
    return math.sqrt(max(0.0, _cosine(corpus.vectors[0], corpus.vectors[1])))


# ---------------------------------------------------------------- text to weighted terms


def _stem(word: str) -> str:
    if len(word) > 4 and not word[0].isdigit() and word.endswith(_SUFFIXES):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
    return word


def _chunk_terms(chunk: str) -> tuple[str, ...]:
    """The terms of a run of text without spaces: stems of its words, bigrams of its CJK."""
    if chunk.isalnum() and chunk.isascii():  # a plain word, as most are
        keep = chunk not in _STOPWORDS and (len(chunk) > 1 or chunk.isdigit())
        return (_stem(chunk),) if keep else ()
    terms: list[str] = []
    for run in _WORD.findall(chunk):
        if CJK.match(run):
            if len(run) == 1:
                terms.append(run)
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
        elif run not in _STOPWORDS and (len(run) > 1 or run.isdigit()):
            terms.append(_stem(run.replace(",", "")))
    return tuple(terms)


class _ChunkCache(dict[str, str]):
    """Lowercased chunk of text between spaces -> its one term ("" for none). News repeats
    its words, so nearly every chunk is a dictionary hit and a text becomes terms without a
    Python loop. A chunk of several terms (CJK text, "u.s.-china") maps to _MANY and keeps
    its terms in `many`."""

    def __init__(self) -> None:
        super().__init__()
        self.many: dict[str, tuple[str, ...]] = {}

    def __missing__(self, chunk: str) -> str:
        if len(self) >= _CHUNK_CACHE_SIZE:
            self.clear()
            self.many.clear()
        bare = chunk.strip(_PUNCTUATION)
        if bare != chunk:  # "bitcoin," has the terms of "bitcoin", most likely known already
            known = self[chunk] = self[bare] if bare else ""
            if known == _MANY:
                self.many[chunk] = self.many[bare]
            return known
        terms = _chunk_terms(chunk)
        if len(terms) > 1:
            self.many[chunk] = terms
            self[chunk] = _MANY
        else:
            self[chunk] = terms[0] if terms else ""
        return self[chunk]


_MANY = "\x00"
_PUNCTUATION = ".,;:!?'\"()[]{}<>*&%$#@"
_CHUNK_CACHE_SIZE = 1 << 20
_chunks = _ChunkCache()


def clear_term_cache() -> None:
    """Forget the terms of every chunk seen so far (a long-running process can free the
    memory between groupings; the next grouping starts cold, as a `digest` command does)."""
    _chunks.clear()
    _chunks.many.clear()


def _tokens(text: str) -> set[str]:
    """The distinct terms of a text (a term counts once however often it recurs)."""
    chunks = text.lower().split()
    terms = set(map(_chunks.__getitem__, chunks))
    if _MANY in terms:
        terms.discard(_MANY)
        terms.update(*[_chunks.many[c] for c in chunks if _chunks[c] == _MANY])
    terms.discard("")
    return terms


def _text_terms(title: str, summary: str) -> tuple[set[str], set[str]]:
    """All terms of an item, and those of its title (which weigh TITLE_WEIGHT).

    Only the opening of a long summary counts: a report names its event, places and people
    first, and the rest costs time while adding mostly background words."""
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS].rsplit(None, 1)[0]  # no half word at the cut
    in_title = _tokens(title)
    terms = _tokens(summary)
    terms |= in_title
    return terms, in_title


_UNIT = float(1 << 32)


def _idf_of_count(items: int, count: int) -> float:
    return math.log((items + 1) / (count + 1)) + 1.0


class _Corpus:
    """Document frequencies and each item's unit TF-IDF vector over the terms it shares with
    some other item (a term found once adds to the length of a vector but can match nothing).

    Shared terms get integer ids, rarest first: an item's best partner-finders are its
    smallest ids, and "too common to look up" is an id past a bound. A term in more than
    COMMON_SHARE of a large store is left out altogether, as "the" is. Sums are exact,
    so the result does not depend on the order sets happen to iterate in.
    """

    def __init__(self, texts: Sequence[tuple[set[str], set[str]]]) -> None:
        df = Counter(chain.from_iterable(terms for terms, _ in texts))
        self.items = len(texts)
        common = max(COMMON_LEAST, int(self.items * COMMON_SHARE))
        shared = sorted((t for t, c in df.items() if 2 <= c <= common), key=lambda t: (df[t], t))
        ids = {term: i for i, term in enumerate(shared)}
        self.counts = [df[t] for t in shared]
        idf = {t: _idf_of_count(self.items, c) for t, c in df.items()}
        # A term in a good share of all items is too common to tell stories apart: it is no
        # part of any match, but it still adds to the length of a vector, so that two items
        # sharing a place name and little else stay apart.
        findable = set(ids)
        # Squares as integers in units of 2**-32: their sums are exact whatever order a set
        # gives them in, and summing integers is quicker than math.fsum.
        square = {t: round(v * v * _UNIT) for t, v in idf.items()}
        title_extra = TITLE_WEIGHT * TITLE_WEIGHT - 1.0
        self.vectors: list[dict[int, float]] = []
        for terms, in_title in texts:
            kept, kept_in_title = terms & findable, in_title & findable
            whole = sum(map(square.__getitem__, terms))
            title = sum(map(square.__getitem__, in_title))
            length = math.sqrt((whole + title_extra * title) / _UNIT)
            scale = 1.0 / (length or 1.0)
            vector = {ids[t]: idf[t] * scale for t in kept}
            for term in kept_in_title:
                vector[ids[term]] *= TITLE_WEIGHT
            self.vectors.append(vector)

    def first_id_in_more_than(self, count: int) -> int:
        """The first id of a term found in more than count items (ids run rarest first)."""
        return bisect_right(self.counts, count)


def _cosine(a: dict[int, float], b: dict[int, float]) -> float:
    # fsum is exact, so the result does not depend on the order the shared terms come in
    # (it follows string hashing, which changes from run to run): a pair at the threshold
    # is one story or two the same way every time.
    common = a.keys() & b.keys()
    if len(common) == 1:  # most candidates share one rare term, a place or a name
        (term,) = common
        return a[term] * b[term]
    return math.fsum(map(mul, map(a.__getitem__, common), map(b.__getitem__, common)))


# ---------------------------------------------------------------- grouping


T = TypeVar("T")


class UnionFind(Generic[T]):
    """Connected groups: members joined directly or through others share one root."""

    def __init__(self, members: Iterable[T] = ()) -> None:
        self.parent: dict[T, T] = {member: member for member in members}

    def find(self, member: T) -> T:
        parent = self.parent
        root = parent.get(member, member)
        if root == member:  # a root, or a member never joined: most lookups
            return root
        while root != parent[root]:
            parent[root] = parent[parent[root]]
            root = parent[root]
        parent[member] = root
        return root

    def union(self, first: T, second: T) -> None:
        a, b = self.find(first), self.find(second)
        if a != b:
            self.parent.setdefault(a, a)
            self.parent[b] = a  # the first one's root stays a root


def _join_same_urls(items: Sequence[Item], groups: UnionFind[int]) -> None:
    first_with_url: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.url:
            groups.union(first_with_url.setdefault(canonical_url(item.url), index), index)


def _join_similar(
    items: Sequence[Item],
    corpus: _Corpus,
    groups: UnionFind[int],
    threshold: float,
    window_days: float,
) -> int:
    window = window_days * 86400.0
    least_cosine = threshold * threshold
    # A term in more items than this is crowded in any window: no one looks it up.
    findable = corpus.first_id_in_more_than(max(CROWDED_KEY, corpus.items // 100))
    recent: dict[int, deque[tuple[float, int]]] = {}
    vectors = corpus.vectors
    find, union = groups.find, groups.union
    comparisons = 0
    for index, item in enumerate(items):
        now = _seconds(item.when)
        vector = vectors[index]
        ids = sorted(vector)
        candidates: set[int] = set()
        for key in ids[:KEYS_PER_ITEM]:  # the item's rarest shared terms
            queue = recent.get(key)
            if not queue:
                continue
            while queue and now - queue[0][0] > window:
                queue.popleft()
            if len(queue) <= CROWDED_KEY:
                candidates.update(map(_second, queue))
        root = find(index)
        for other in candidates:
            if find(other) == root:
                continue
            comparisons += 1
            if _cosine(vector, vectors[other]) >= least_cosine:
                union(other, index)
                root = find(index)
        for term in ids:
            if term >= findable:
                break
            recent.setdefault(term, deque()).append((now, index))
    return comparisons


_second = itemgetter(1)


def _seconds(when: dt.datetime) -> float:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()
