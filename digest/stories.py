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
from functools import cache
from itertools import chain
from operator import itemgetter, mul
from typing import Generic, TypeVar

from digest.crosslang import NameTable, name_table, quantity_terms, simplified
from digest.models import Item
from digest.names import CJK, CJK_RANGES
from digest.urls import canonical_url

WINDOW_DAYS = 4.0
LATE_DAYS = 31.0  # a report this far from the others (a late write-up) joins them if ...
LATE_THRESHOLD = 0.6  # ... it is this alike to them
LATE_KEYS = 3  # a late report is looked for by an item's rarest terms only
EVENT_DAYS = 2.0  # reports this close whose titles name one kind of event and one name ...
EVENT_SHARE = 0.8  # ... are one story at this share of the threshold
KEYS_PER_ITEM = 8  # the rarest terms of an item that look for partners
ANCHOR_KEYS = 4  # ... and its rarest anchors, which look for reports in another script
CROSS_SHARED = 2  # anchors a Chinese and an English report of one event share at least
GROUP_SHARE = 0.7  # a story's members near an item must be this alike to it on average
MEMBERS_COMPARED = 12  # ... counting its latest members up to this many
CROWDED_KEY = 64  # a term this frequent within the window is not a useful key
TITLE_WEIGHT = 2.0
# A character pair of Chinese text weighs this much of a word's weight: a Chinese sentence gives
# about two pairs per word, most of them no word at all, which would outweigh the names and
# amounts two reports of one event share.
CJK_PAIR_WEIGHT = 0.7
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
    corpus = _Corpus(
        [_text_terms(item.title, item.summary_text) for item in ordered],
        [_is_cjk_text(item.title) for item in ordered],
    )
    times = [_seconds(item.when) for item in ordered]
    linker = _Linker(corpus, groups, times, threshold, window_days)
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
    corpus = _Corpus(
        [_text_terms(it.title, it.summary_text) for it in both],
        [_is_cjk_text(it.title) for it in both],
    )
    return math.sqrt(max(0.0, corpus.alike(0, 1)))


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
    for run in _WORD.findall(simplified(chunk)):
        if CJK.match(run):
            terms.extend(_cjk_terms(run))
        elif run not in _STOPWORDS and (len(run) > 1 or run.isdigit()):
            terms.append(_stem(run.replace(",", "")))
    return tuple(terms)


def _cjk_terms(run: str) -> list[str]:
    """A run of CJK text as the names it gives (a name is one term, as in English) and the
    character bigrams of the text between them."""
    terms: list[str] = []
    pieces: list[str] = []
    start = 0
    for term, begin, end in _names().cjk_names(run):
        terms.append(term)
        pieces.append(run[start:begin])
        start = end
    pieces.append(run[start:])
    for piece in pieces:
        if len(piece) == 1 and len(pieces) == 1:
            terms.append(piece)
        terms.extend(piece[i : i + 2] for i in range(len(piece) - 1))
    return terms


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
    in_title = _terms(title)
    in_title |= _event_terms(title, in_title)
    terms = _terms(summary)
    terms |= in_title
    return terms, in_title


def _event_terms(title: str, in_title: set[str]) -> set[str]:
    """What a title says happened: the kinds of event it names (digest/data/events.yaml),
    and whether it says this happened before (a second raid, 再次被盗), each as a term."""
    kind_of = _names().kind_of
    found = {KIND_MARK + kind_of[t] for t in in_title & kind_of.keys()}
    lowered = title.lower()
    if any(hint in lowered for hint in _REPEAT_HINTS) and _REPEATED.search(lowered):
        found.add(REPEAT_TERM)
    return found


KIND_MARK = "~"
_REPEAT_HINTS = ("second", "third", "another", "again", "more", "再", "又", "二次", "三次")
REPEAT_TERM = KIND_MARK + "again"
_REPEATED = re.compile(
    r"\b(?:second|third|another|again|more(?! than))\b"
    r"|再次|再度|又一|又遭|又被|再遭|再被|第二次|第三次|二次|新一轮"
)


def _terms(text: str) -> set[str]:
    """The distinct terms of a text: its names (one term each, in any language), amounts
    and dates written one way, and the stems and character pairs of the rest."""
    names, rest = _names().split(simplified(text))
    return _tokens(rest) | names | quantity_terms(rest)


def _names() -> NameTable:
    return name_table(_stem)


def _is_cjk_text(title: str) -> bool:
    """Whether a report is written in Chinese, Japanese or Korean (judged by its title)."""
    return len(CJK.findall(title)) * 2 > len(_LATIN_LETTER.findall(title))


_LATIN_LETTER = re.compile("[a-zA-Z]")


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

    Each item also has an anchor vector: its terms that a report in another script can
    share (names, amounts, dates, numbers, and Latin words that Chinese reports use too).
    A Chinese and an English report are compared by their anchors alone.
    """

    def __init__(self, texts: Sequence[tuple[set[str], set[str]]], cjk: Sequence[bool]) -> None:
        df = Counter(chain.from_iterable(terms for terms, _ in texts))
        self.items = len(texts)
        self.cjk = list(cjk)
        self.events = [_event_signature(in_title) for _, in_title in texts]
        kinds = _names().kind_of.keys()
        common = max(COMMON_LEAST, int(self.items * COMMON_SHARE))
        shared = sorted((t for t, c in df.items() if 2 <= c <= common), key=lambda t: (df[t], t))
        ids = {term: i for i, term in enumerate(shared)}
        self.counts = [df[t] for t in shared]
        concepts = _names().concept_terms
        pair_weight = {True: CJK_PAIR_WEIGHT, False: 1.0}
        idf = {
            t: _idf_of_count(self.items, c) * pair_weight[_is_cjk_pair(t, concepts)]
            for t, c in df.items()
        }
        # A term in a good share of all items is too common to tell stories apart: it is no
        # part of any match, but it still adds to the length of a vector, so that two items
        # sharing a place name and little else stay apart.
        findable = set(ids)
        anchors = self._anchor_terms(texts, cjk) if any(cjk) and not all(cjk) else set()
        # Squares as integers in units of 2**-32: their sums are exact whatever order a set
        # gives them in, and summing integers is quicker than math.fsum.
        square = {t: round(v * v * _UNIT) for t, v in idf.items()}
        self.vectors: list[dict[int, float]] = []
        self.anchors: list[dict[int, float]] = []
        # The names in each title that some other item gives too (event kinds aside).
        self.names: list[frozenset[int]] = []
        no_names: frozenset[int] = frozenset()
        for (terms, in_title), events in zip(texts, self.events, strict=True):
            self.vectors.append(_vector(terms, in_title, findable, ids, idf, square))
            named = in_title & findable & concepts if events & ~_REPEAT_BIT else None
            self.names.append(frozenset(ids[t] for t in named - kinds) if named else no_names)
            if anchors:
                anchored = terms & anchors
                self.anchors.append(
                    _vector(anchored, in_title & anchored, findable, ids, idf, square)
                )
            else:
                self.anchors.append({})

    @staticmethod
    def _anchor_terms(texts: Sequence[tuple[set[str], set[str]]], cjk: Sequence[bool]) -> set[str]:
        latin_in_cjk = {
            t for (terms, _), is_cjk in zip(texts, cjk, strict=True) if is_cjk for t in terms
        }
        concepts = _names().concept_terms
        return {
            t
            for t in chain.from_iterable(terms for terms, _ in texts)
            if t in concepts or t[0] in _QUANTITY_START or (t in latin_in_cjk and t.isascii())
        }

    def same_event_kind(self, a: int, b: int) -> bool:
        """Whether two titles name one kind of event and one name beside it (Upbit, hacked):
        within days of each other, that is one event even in few shared words."""
        kinds = self.events[a] & self.events[b] & ~_REPEAT_BIT
        return bool(kinds) and not self.names[a].isdisjoint(self.names[b])

    def first_id_in_more_than(self, count: int) -> int:
        """The first id of a term found in more than count items (ids run rarest first)."""
        return bisect_right(self.counts, count)

    def same_script(self, a: int, b: int) -> bool:
        return self.cjk[a] == self.cjk[b]

    def alike(self, a: int, b: int) -> float:
        """The cosine of two items: of their whole vectors, or of their anchors when one is
        written in Chinese (Japanese, Korean) and the other not. A single shared anchor, one
        name, is not enough: another event about the same company shares it too. Titles
        that tell of different events (see _event_signature) bring the cosine down."""
        if self.cjk[a] == self.cjk[b]:
            cosine = _cosine(self.vectors[a], self.vectors[b])
        else:
            first, second = self.anchors[a], self.anchors[b]
            if len(first.keys() & second.keys()) < CROSS_SHARED:
                return 0.0
            cosine = _cosine(first, second)
        signature_a, signature_b = self.events[a], self.events[b]
        if signature_a != signature_b:
            cosine *= _event_agreement(signature_a, signature_b)
        return cosine


def _is_cjk_pair(term: str, concepts: frozenset[str]) -> bool:
    """Whether a term is a pair of CJK characters (or a lone one), not a name."""
    return len(term) <= 2 and CJK.match(term) is not None and term not in concepts


_QUANTITY_START = frozenset("0123456789#@" + KIND_MARK)
KIND_CONFLICT = 0.25  # the cosine kept by titles naming different kinds of event, none shared
REPEAT_CONFLICT = 0.35  # ... and by a title that says it happened again beside one that does not
_REPEAT_BIT = 1


def _event_signature(in_title: set[str]) -> int:
    """A title's kinds of event, a bit each, and a bit for "again" (bit 0)."""
    signature = 0
    for term in in_title:
        if term[0] == KIND_MARK:
            signature |= _REPEAT_BIT if term == REPEAT_TERM else _kind_bit(term)
    return signature


@cache
def _kind_bit(term: str) -> int:
    kinds = sorted({KIND_MARK + kind for kind in _names().kind_of.values()})
    return 2 << kinds.index(term)


def _event_agreement(a: int, b: int) -> float:
    """How much of the cosine two titles' event signatures (which differ) let stand: titles
    that each name kinds of event but none in common report different events (a warning,
    then arrests), and so do one that says "again" and one that does not."""
    agreement = 1.0
    kinds_a, kinds_b = a & ~_REPEAT_BIT, b & ~_REPEAT_BIT
    if kinds_a and kinds_b and not kinds_a & kinds_b:
        agreement *= KIND_CONFLICT
    if (a ^ b) & _REPEAT_BIT:
        agreement *= REPEAT_CONFLICT
    return agreement


def _vector(
    terms: set[str],
    in_title: set[str],
    findable: set[str],
    ids: dict[str, int],
    idf: dict[str, float],
    square: dict[str, int],
) -> dict[int, float]:
    """The unit TF-IDF vector of a text over the terms it shares with some other item."""
    kept, kept_in_title = terms & findable, in_title & findable
    whole = sum(map(square.__getitem__, terms))
    title = sum(map(square.__getitem__, in_title))
    length = math.sqrt((whole + _TITLE_EXTRA * title) / _UNIT)
    scale = 1.0 / (length or 1.0)
    vector = {ids[t]: idf[t] * scale for t in kept}
    for term in kept_in_title:
        vector[ids[term]] *= TITLE_WEIGHT
    return vector


_TITLE_EXTRA = TITLE_WEIGHT * TITLE_WEIGHT - 1.0


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


class _Linker:
    """Puts items, in date order, into the stories of the earlier items near them in time.

    Candidates come from an inverted index over each item's rarest terms (and rarest
    anchors), limited to the time window. An item that reads like a candidate (cosine at
    least threshold squared) joins the candidate's story only if it is alike, on average,
    to the story's members near it in time: one shared place name with one member does not
    chain two events into one story. Two stories that the item links both are merged on the
    same condition, story against story.
    """

    def __init__(
        self,
        corpus: _Corpus,
        groups: UnionFind[int],
        times: Sequence[float],
        threshold: float,
        window_days: float,
    ) -> None:
        self.corpus, self.groups, self.times = corpus, groups, times
        self.window = window_days * 86400.0
        self.late_window = max(self.window, LATE_DAYS * 86400.0)
        self.least = threshold * threshold
        self.least_late = max(self.least, LATE_THRESHOLD * LATE_THRESHOLD)
        self.least_average = threshold * GROUP_SHARE
        self.event_window = min(self.window, EVENT_DAYS * 86400.0)
        self.least_event = (threshold * EVENT_SHARE) ** 2
        # A term in more items than this is crowded in any window: no one looks it up.
        self.findable = corpus.first_id_in_more_than(max(CROWDED_KEY, corpus.items // 100))
        self.recent: dict[int, deque[tuple[float, int]]] = {}
        self.members: dict[int, list[int]] = {}  # root -> its items added so far, date order
        self.comparisons = 0

    def add(self, index: int) -> None:
        corpus = self.corpus
        cosines: dict[int, float] = {}
        linked: set[int] = set()
        own = self.groups.find(index)
        for other in self._candidates(index):
            root = self.groups.find(other)
            if root == own:
                continue
            cosine = cosines[other] = self._alike(index, other)
            if self.times[index] - self.times[other] <= self.event_window:
                least = self.least_event if corpus.same_event_kind(index, other) else self.least
            elif self.times[index] - self.times[other] <= self.window:
                least = self.least
            else:  # a late report; in another script its few anchors are too little to tell
                least = self.least_late if self.corpus.same_script(index, other) else 2.0
            if cosine >= least:
                linked.add(root)
        if linked:
            self._join(index, linked, cosines)
        self.members.setdefault(self.groups.find(index), []).append(index)
        self._post(index)

    def _candidates(self, index: int) -> set[int]:
        """Earlier items that share a rare term with this one within the window, and those
        that share one of its rarest few within the late window."""
        now = self.times[index]
        corpus = self.corpus
        keys = sorted(corpus.vectors[index])[:KEYS_PER_ITEM]
        keys += sorted(corpus.anchors[index])[:ANCHOR_KEYS]
        candidates: set[int] = set()
        for rank, key in enumerate(keys):
            queue = self.recent.get(key)
            if not queue:
                continue
            while queue and now - queue[0][0] > self.late_window:
                queue.popleft()
            if len(queue) > CROWDED_KEY:
                continue
            if rank < LATE_KEYS or rank == KEYS_PER_ITEM:
                candidates.update(map(_second, queue))
            else:
                start = now - self.window
                candidates.update(i for when, i in queue if when >= start)
        return candidates

    def _post(self, index: int) -> None:
        entry = (self.times[index], index)
        for term in sorted(self.corpus.vectors[index].keys() | self.corpus.anchors[index].keys()):
            if term >= self.findable:
                break
            self.recent.setdefault(term, deque()).append(entry)

    def _alike(self, a: int, b: int) -> float:
        self.comparisons += 1
        return self.corpus.alike(a, b)

    def _join(self, index: int, linked: set[int], cosines: dict[int, float]) -> None:
        scored = sorted(
            ((self._average([index], root, cosines), root) for root in linked),
            key=lambda pair: (-pair[0], pair[1]),
        )
        best_score, best = scored[0]
        if best_score < self.least_average:
            return
        joined = self._merge(self.groups.find(index), best)
        for score, root in scored[1:]:
            if score < self.least_average:
                break
            near = self._near(joined, self.times[index])
            if self._average(near, root, {}) >= self.least_average:
                joined = self._merge(joined, root)

    def _average(self, items: Sequence[int], root: int, known: dict[int, float]) -> float:
        """The mean similarity (square root of the cosine) of items and a story's members
        near them in time."""
        members = self._near(root, self.times[items[0]])
        if not members:
            return 0.0
        total = 0.0
        for item in items:
            for member in members:
                cosine = known.get(member) if len(items) == 1 else None
                if cosine is None:
                    cosine = self._alike(item, member)
                total += math.sqrt(max(0.0, cosine))
        return total / (len(items) * len(members))

    def _near(self, root: int, now: float) -> list[int]:
        members = self.members.get(root, [])
        near = [
            m for m in members[-MEMBERS_COMPARED:] if abs(now - self.times[m]) <= self.late_window
        ]
        return near or members[-1:]

    def _merge(self, a: int, b: int) -> int:
        root_a, root_b = self.groups.find(a), self.groups.find(b)
        if root_a == root_b:
            return root_a
        self.groups.union(root_a, root_b)
        root = self.groups.find(root_a)
        merged = sorted(
            [*self.members.pop(root_a, []), *self.members.pop(root_b, [])],
            key=lambda i: (self.times[i], i),
        )
        self.members[root] = merged
        return root


_second = itemgetter(1)


def _seconds(when: dt.datetime) -> float:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()
