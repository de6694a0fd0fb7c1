"""Items as TF-IDF vectors over the terms they share, and how alike two of them are."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from itertools import chain
from operator import mul
from typing import Protocol, TypeVar

from digest.crosslang import names_file_keys
from digest.names import CJK
from digest.stories.terms import AHEAD_TERM, KIND_MARK, OVERVIEW_TERM, REPEAT_TERM, story_names
from digest.taxonomy import builtin_taxonomy, gazetteer

CROSS_SHARED = 2  # anchors a Chinese and an English report of one event share at least, ...
# ... one of them a name, an amount or a date (_telling_anchors)
TITLE_WEIGHT = 2.0
# A character pair of Chinese text weighs this much of a word's weight: a Chinese sentence gives
# about two pairs per word, most of them no word at all, which would outweigh the names and
# amounts two reports of one event share.
CJK_PAIR_WEIGHT = 0.7
COMMON_SHARE = 0.02  # a term in more than this share of the items tells no story apart
COMMON_LEAST = 200  # ... once it is in more items than this (small sets keep every term)

_UNIT = float(1 << 32)
_NO_NAMES: frozenset[int] = frozenset()
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class _PerItem(Protocol[T_co]):
    """Something per item, by its index: a list, or a LazyCorpus's dict filled on demand."""

    def __getitem__(self, index: int, /) -> T_co: ...


def _idf_of_count(items: int, count: int) -> float:
    return math.log((items + 1) / (count + 1)) + 1.0


class TermSource(Protocol):
    """Items' terms kept elsewhere (a store's rows), read by a LazyCorpus as it needs them."""

    @property
    def cjk(self) -> Sequence[bool]:
        """Each item's: whether it is written in Chinese, Japanese or Korean."""

    @property
    def urls(self) -> Sequence[str | None]:
        """Each item's canonical URL (None for none)."""

    def counts(self) -> Counter[str]:
        """How many items give each term."""

    def cjk_terms(self) -> set[str]:
        """Every term of the items written in Chinese, Japanese or Korean."""

    def text(self, index: int) -> tuple[set[str], set[str]]:
        """An item's terms and its title's."""

    def holders(self, terms: set[str]) -> dict[str, list[int]]:
        """Each of these terms -> the items that give it, in increasing order."""


class Corpus:
    """Document frequencies and each item's unit TF-IDF vector over the terms it shares with
    some other item (a term found once adds to the length of a vector but can match nothing).

    Shared terms get integer ids, rarest first: an item's best partner-finders are its
    smallest ids, and "too common to look up" is an id past a bound. A term in more than
    COMMON_SHARE of a large store is left out altogether, as "the" is. Sums are exact,
    so the result does not depend on the order sets happen to iterate in.

    Each item also has an anchor vector: its terms that a report in another script can
    share (names, amounts, dates, numbers, and Latin words that Chinese reports use too).
    A Chinese and an English report are compared by their anchors alone, and only when they
    share a name, an amount or a date: the words of the trade (bitcoin, ETF, hacked) are in
    reports of many events.
    """

    vectors: _PerItem[dict[int, float]]
    anchors: _PerItem[dict[int, float]]
    events: _PerItem[int]  # the kinds of event each title names (_event_signature)
    # The names in each title that some other item gives too (event kinds aside).
    names: _PerItem[frozenset[int]]
    # The provinces, states and cities each title names (two titles naming different ones
    # report events in different places).
    places: _PerItem[frozenset[str]]

    def __init__(self, texts: Sequence[tuple[set[str], set[str]]], cjk: Sequence[bool]) -> None:
        df = Counter(chain.from_iterable(terms for terms, _ in texts))
        in_cjk = [terms for (terms, _), is_cjk in zip(texts, cjk, strict=True) if is_cjk]
        self._weigh(df, len(texts), cjk, set().union(*in_cjk))
        vectors: list[dict[int, float]] = []
        anchors: list[dict[int, float]] = []
        events: list[int] = []
        names: list[frozenset[int]] = []
        places: list[frozenset[str]] = []
        self.vectors, self.anchors, self.events = vectors, anchors, events
        self.names, self.places = names, places
        item = self._item
        for terms, in_title in texts:
            vector, anchored, signature, named, placed = item(terms, in_title)
            vectors.append(vector)
            anchors.append(anchored)
            events.append(signature)
            names.append(named)
            places.append(placed)

    def _weigh(
        self, df: Counter[str], items: int, cjk: Sequence[bool], cjk_terms: set[str]
    ) -> None:
        """Each term's id and weight, from how many of the items give it."""
        self.items = items
        self.cjk = list(cjk)
        self.kinds = story_names().kind_of.keys()
        common = max(COMMON_LEAST, int(self.items * COMMON_SHARE))
        shared = sorted((t for t, c in df.items() if 2 <= c <= common), key=lambda t: (df[t], t))
        self.ids = {term: i for i, term in enumerate(shared)}
        self.shared = shared
        self.counts = [df[t] for t in shared]
        self.concepts = story_names().concept_terms
        idf_of_count = {c: _idf_of_count(self.items, c) for c in set(df.values())}
        idf = {t: idf_of_count[c] for t, c in df.items()}
        for t in idf:
            if len(t) <= 2 and _is_cjk_pair(t, self.concepts):
                idf[t] *= CJK_PAIR_WEIGHT
        # A term in a good share of all items is too common to tell stories apart: it is no
        # part of any match, but it still adds to the length of a vector, so that two items
        # sharing a place name and little else stay apart.
        self.findable = set(self.ids)
        mixed = any(cjk) and not all(cjk)
        self.anchor_terms = _anchor_terms(df, cjk_terms) if mixed else set()
        self.telling = _telling_anchors(self.anchor_terms, self.ids)
        # Squares as integers in units of 2**-32: their sums are exact whatever order a set
        # gives them in, and summing integers is quicker than math.fsum.
        square = {t: round(v * v * _UNIT) for t, v in idf.items()}
        self.weights = _Weights(shared, self.ids, self.findable, idf, square)
        self.local = local_places()

    def _item(
        self, terms: set[str], in_title: set[str]
    ) -> tuple[dict[int, float], dict[int, float], int, frozenset[int], frozenset[str]]:
        """An item's vector, anchor vector, event signature, names and places."""
        vector_of = self.weights.vector
        events = _event_signature(in_title)
        named = in_title & self.findable & self.concepts if events & ~_MARK_BITS else None
        ids = self.ids
        names = frozenset(ids[t] for t in named - self.kinds) if named else _NO_NAMES
        if self.anchor_terms:
            anchored = terms & self.anchor_terms
            anchors = vector_of(anchored, in_title & anchored)
        else:
            anchors = {}
        return vector_of(terms, in_title), anchors, events, names, self.local.intersection(in_title)

    def alike_to(self, a: int, others: Sequence[int]) -> list[float]:
        """alike(a, b) for each b of others, worked out in one loop."""
        cjk, vectors, events, places = self.cjk, self.vectors, self.events, self.places
        own_cjk, own_events, own_places = cjk[a], events[a], places[a]
        own = vectors[a]
        own_keys, weight_of = own.keys(), own.__getitem__
        cosines: list[float] = []
        for b in others:
            if cjk[b] != own_cjk:
                cosines.append(self.alike(a, b))
                continue
            other = vectors[b]
            common = own_keys & other.keys()
            if len(common) == 1:  # most candidates share one rare term, a place or a name
                (term,) = common
                cosine = own[term] * other[term]
            else:
                cosine = math.fsum(map(mul, map(weight_of, common), map(other.__getitem__, common)))
            if events[b] != own_events:
                cosine *= _event_agreement(own_events, events[b])
            if own_places and places[b] and own_places.isdisjoint(places[b]):
                cosine *= PLACE_CONFLICT
            cosines.append(cosine)
        return cosines

    def same_event_kind(self, a: int, b: int) -> bool:
        """Whether two titles name one kind of event and one name beside it (Upbit, hacked):
        within days of each other, that is one event even in few shared words, unless one
        tells of it as still to come."""
        first, second = self.events[a], self.events[b]
        if (first ^ second) & _AHEAD_BIT:  # what is to come and what came are two events
            return False
        return bool(first & second & ~_MARK_BITS) and not self.names[a].isdisjoint(self.names[b])

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
            first, second = self.vectors[a], self.vectors[b]
            cosine = _dot(first, second, first.keys() & second.keys())
        else:
            first, second = self.anchors[a], self.anchors[b]
            common = first.keys() & second.keys()
            if len(common) < CROSS_SHARED or self.telling.isdisjoint(common):
                return 0.0
            cosine = _dot(first, second, common)
        signature_a, signature_b = self.events[a], self.events[b]
        if signature_a != signature_b:
            cosine *= _event_agreement(signature_a, signature_b)
        places_a, places_b = self.places[a], self.places[b]
        if places_a and places_b and places_a.isdisjoint(places_b):
            cosine *= PLACE_CONFLICT
        return cosine


class LazyCorpus(Corpus):
    """A Corpus over items whose terms a TermSource keeps: the weights come from every
    item's terms, but an item's vectors are worked out only when first looked at (grouping
    a few new items among many stored ones compares few of them)."""

    def __init__(self, source: TermSource) -> None:
        self._weigh(source.counts(), len(source.cjk), source.cjk, source.cjk_terms())
        self.source = source
        fill = self._fill
        self.vectors = self._vectors = _Filled[dict[int, float]](fill)
        self.anchors = self._anchors = _Filled[dict[int, float]](fill)
        self.events = self._events = _Filled[int](fill)
        self.names = self._names = _Filled[frozenset[int]](fill)
        self.places = self._places = _Filled[frozenset[str]](fill)

    def _fill(self, index: int) -> None:
        vector, anchors, events, names, places = self._item(*self.source.text(index))
        self._vectors[index], self._anchors[index], self._events[index] = vector, anchors, events
        self._names[index], self._places[index] = names, places

    def holders(self, term_ids: Iterable[int]) -> dict[int, list[int]]:
        """Each of these term ids -> the items that give the term, in increasing order."""
        shared = self.shared
        found = self.source.holders({shared[t] for t in term_ids})
        ids = self.ids
        return {ids[term]: items for term, items in found.items()}


class _Filled(dict[int, T]):
    """An item's value, by its index, worked out (fill) the first time it is asked for."""

    def __init__(self, fill: Callable[[int], None]) -> None:
        super().__init__()
        self.fill = fill

    def __missing__(self, index: int) -> T:
        self.fill(index)
        return self[index]


@cache
def local_places() -> frozenset[str]:
    """The names file's provinces, states and cities, as concept terms: its names that the
    gazetteer knows as a place below a country, by their English name."""
    table = story_names()
    countries = {country.name.lower() for country in builtin_taxonomy().countries.values()}
    places = {name.lower() for name, _, _ in gazetteer()} - countries
    of = dict(zip((a.lower() for a in table.aliases), table.terms, strict=True))
    return frozenset(of[key.lower()] for key in names_file_keys() if key.lower() in places)


def _anchor_terms(distinct: Iterable[str], latin_in_cjk: set[str]) -> set[str]:
    """Of distinct (every term of the items, once), those a report in another script can
    share; latin_in_cjk: every term of the items written in Chinese."""
    concepts = story_names().concept_terms
    return {
        t
        for t in distinct
        if t in concepts or t[0] in _QUANTITY_START or (t in latin_in_cjk and t.isascii())
    }


def _telling_anchors(anchor_terms: set[str], ids: dict[str, int]) -> frozenset[int]:
    """The ids of the anchors that tell one event from another: names, amounts and dates, not
    the words of the trade (bitcoin, exchange, hacked), counts or the kinds of event. A
    Chinese and an English report of one event share at least one of them."""
    trade = story_names().trade_terms
    return frozenset(
        ids[t]
        for t in anchor_terms
        if t in ids and t not in trade and not t[0].isdigit() and not t.startswith(KIND_MARK)
    )


def _is_cjk_pair(term: str, concepts: frozenset[str]) -> bool:
    """Whether a term is a pair of CJK characters (or a lone one), not a name."""
    return len(term) <= 2 and CJK.match(term) is not None and term not in concepts


_QUANTITY_START = frozenset("0123456789#@" + KIND_MARK)
PLACE_CONFLICT = 0.25  # the cosine kept by titles naming different provinces or cities, none shared
KIND_CONFLICT = 0.25  # the cosine kept by titles naming different kinds of event, none shared
REPEAT_CONFLICT = 0.35  # ... and by a title that says it happened again beside one that does not
OVERVIEW_CONFLICT = 0.35  # ... and by an overview of a running affair beside a report of one event
AHEAD_CONFLICT = 0.35  # ... and by a title telling of an event to come beside one that does not
_REPEAT_BIT = 1
_OVERVIEW_BIT = 2
_AHEAD_BIT = 4
_MARK_BITS = _REPEAT_BIT | _OVERVIEW_BIT | _AHEAD_BIT
_MARK_BIT_OF = {REPEAT_TERM: _REPEAT_BIT, OVERVIEW_TERM: _OVERVIEW_BIT, AHEAD_TERM: _AHEAD_BIT}


def _event_signature(in_title: set[str]) -> int:
    """A title's kinds of event, a bit each, and a bit each for "again" (bit 0), for an
    overview (bit 1) and for an event to come (bit 2)."""
    signature = 0
    for term in in_title & _event_terms():
        signature |= _MARK_BIT_OF.get(term) or _kind_bit(term)
    return signature


@cache
def _event_terms() -> frozenset[str]:
    """The terms of the kinds of event, of "again" and of an overview (the only terms
    starting KIND_MARK)."""
    kinds = {KIND_MARK + kind for kind in story_names().kind_of.values()}
    return frozenset(kinds | _MARK_BIT_OF.keys())


@cache
def _kind_bit(term: str) -> int:
    kinds = sorted({KIND_MARK + kind for kind in story_names().kind_of.values()})
    return (_MARK_BITS + 1) << kinds.index(term)


def _event_agreement(a: int, b: int) -> float:
    """How much of the cosine two titles' event signatures (which differ) let stand: titles
    that each name kinds of event but none in common report different events (a warning,
    then arrests), and so do one that says "again" and one that does not, an overview of a
    running affair and a report of one of its events, and the announcement of an event to
    come and a report of it."""
    agreement = 1.0
    kinds_a, kinds_b = a & ~_MARK_BITS, b & ~_MARK_BITS
    if kinds_a and kinds_b and not kinds_a & kinds_b:
        agreement *= KIND_CONFLICT
    if (a ^ b) & _REPEAT_BIT:
        agreement *= REPEAT_CONFLICT
    if (a ^ b) & _OVERVIEW_BIT:
        agreement *= OVERVIEW_CONFLICT
    if (a ^ b) & _AHEAD_BIT:
        agreement *= AHEAD_CONFLICT
    return agreement


class _Weights:
    """Each term's id and TF-IDF weight, by which texts become vectors."""

    def __init__(
        self,
        shared: list[str],  # the shared terms by id
        ids: dict[str, int],
        findable: set[str],
        idf: dict[str, float],
        square: dict[str, int],
    ) -> None:
        self.ids, self.findable, self.square = ids, findable, square
        self.idf = [idf[t] for t in shared]
        # Doubling is exact, so a title term's weight is the same however it is worked out.
        self.title_idf = [TITLE_WEIGHT * w for w in self.idf]

    def vector(self, terms: set[str], in_title: set[str]) -> dict[int, float]:
        """The unit TF-IDF vector of a text over the terms it shares with some other item,
        its keys in increasing order (rarest term first)."""
        ids, square, findable = self.ids, self.square, self.findable
        whole = sum(map(square.__getitem__, terms))
        title = sum(map(square.__getitem__, in_title))
        length = math.sqrt((whole + _TITLE_EXTRA * title) / _UNIT)
        scale = 1.0 / (length or 1.0)
        keys = sorted(map(ids.__getitem__, terms & findable))
        vector = dict(zip(keys, map(scale.__rmul__, map(self.idf.__getitem__, keys)), strict=True))
        title_keys = list(map(ids.__getitem__, in_title & findable))
        title_weights = map(scale.__rmul__, map(self.title_idf.__getitem__, title_keys))
        vector.update(zip(title_keys, title_weights, strict=True))
        return vector


_TITLE_EXTRA = TITLE_WEIGHT * TITLE_WEIGHT - 1.0


def _cosine(a: dict[int, float], b: dict[int, float]) -> float:
    return _dot(a, b, a.keys() & b.keys())


def _dot(a: dict[int, float], b: dict[int, float], common: set[int]) -> float:
    # fsum is exact, so the result does not depend on the order the shared terms come in
    # (it follows string hashing, which changes from run to run): a pair at the threshold
    # is one story or two the same way every time.
    if len(common) == 1:  # most candidates share one rare term, a place or a name
        (term,) = common
        return a[term] * b[term]
    return math.fsum(map(mul, map(a.__getitem__, common), map(b.__getitem__, common)))
