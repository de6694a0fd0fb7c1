"""Items, in date order, into the stories of the earlier items near them in time."""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import islice
from operator import itemgetter
from typing import Generic, TypeVar

from digest.stories.corpus import Corpus, LazyCorpus

WINDOW_DAYS = 4.0
LATE_DAYS = 31.0  # a report this far from the others (a late write-up) joins them if ...
LATE_THRESHOLD = 0.6  # ... it is this alike to them (less, the less late it is)
LATE_KEYS = 3  # a late report is looked for by an item's rarest terms only
EVENT_DAYS = 2.0  # reports this close whose titles name one kind of event and one name ...
EVENT_SHARE = 0.8  # ... are one story at this share of the threshold
KEYS_PER_ITEM = 8  # the rarest terms of an item that look for partners
# ... and its weightiest anchors, which look for reports in another script: the names in its
# title before the rarest numbers of its summary, which a report in another script seldom gives
ANCHOR_KEYS = 4
GROUP_SHARE = 0.7  # a story's members near an item must be this alike to it on average
MEMBERS_COMPARED = 12  # ... counting its latest members up to this many
CROWDED_KEY = 64  # a term this frequent within the window is not a useful key
# The ranks of the keys (rarest first, then anchors) that look within the late window: the
# rarest few, and the weightiest anchor.
LATE_RANKS = frozenset({*range(LATE_KEYS), KEYS_PER_ITEM})

T = TypeVar("T")


class UnionFind(Generic[T]):
    """Connected groups: members joined directly or through others share one root."""

    def __init__(self, members: Iterable[T] = ()) -> None:
        self.parent: dict[T, T] = {member: member for member in members}

    @classmethod
    def of_roots(cls, roots: Iterable[tuple[T, T]]) -> UnionFind[T]:
        """Groups given as (member, its group's root) pairs, each root paired with itself."""
        groups = cls()
        groups.parent.update(roots)
        return groups

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


def join_same_urls(urls: Sequence[str | None], groups: UnionFind[int]) -> None:
    """Items with one canonical URL (urls: each item's, None for none) are one story."""
    first_with_url: dict[str, int] = {}
    for index, url in enumerate(urls):
        if url is not None:
            groups.union(first_with_url.setdefault(url, index), index)


class Linker:
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
        corpus: Corpus,
        groups: UnionFind[int],
        times: Sequence[float],
        threshold: float,
        window_days: float,
    ) -> None:
        self.corpus, self.groups, self.times = corpus, groups, times
        self.window = window_days * 86400.0
        self.late_window = max(self.window, LATE_DAYS * 86400.0)
        self.least = threshold * threshold
        self.threshold = threshold
        self.least_late = max(self.least, LATE_THRESHOLD * LATE_THRESHOLD)
        self.late_span = max(1.0, self.late_window - self.window)
        self.least_average = threshold * GROUP_SHARE
        self.event_window = min(self.window, EVENT_DAYS * 86400.0)
        self.least_event = (threshold * EVENT_SHARE) ** 2
        # A term in more items than this is crowded in any window: no one looks it up.
        self.findable = corpus.first_id_in_more_than(max(CROWDED_KEY, corpus.items // 100))
        self.recent: dict[int, deque[tuple[float, int]]] = {}
        self.members: dict[int, list[int]] = {}  # root -> its items added so far, date order
        self.comparisons = 0

    def add(self, index: int) -> None:
        corpus, times = self.corpus, self.times
        own = self.groups.find(index)
        others, roots = self._others(index, own)
        self.comparisons += len(others)
        cosines = dict(zip(others, corpus.alike_to(index, others), strict=True))
        now = times[index]
        # No candidate is linked below the least of the cosines asked for (a late report
        # asks for more than self.least): most are far below it, and need no more thought.
        floor = min(self.least, self.least_event)
        linked: set[int] = set()
        for other, root in zip(others, roots, strict=True):
            cosine = cosines[other]
            if cosine < floor:
                continue
            apart = abs(now - times[other])  # a stored item may be the later one
            if apart <= self.event_window:
                least = self.least_event if corpus.same_event_kind(index, other) else self.least
            elif apart <= self.window:
                least = self.least
            else:  # a late report; in another script its few anchors are too little to tell
                same_script = corpus.same_script(index, other)
                least = self._least_late(index, other) if same_script else 2.0
            if cosine >= least:
                linked.add(root)
        if linked:
            self._join(index, linked, cosines)
        insort(self.members.setdefault(self.groups.find(index), []), index)
        self._post(index)

    def _others(self, index: int, own: int) -> tuple[list[int], list[int]]:
        """The candidates of an item in other stories than its own, and their stories' roots."""
        find, parent = self.groups.find, self.groups.parent
        others: list[int] = []
        roots: list[int] = []
        for other in self._candidates(index):
            root = parent.get(other, other)
            if root != other:  # not a root itself: find its root the long way
                root = find(other)
            if root != own:
                others.append(other)
                roots.append(root)
        return others, roots

    def add_undated(self, undated: Sequence[int], seeking: Sequence[int] | None = None) -> None:
        """Items whose feed gave no date: each was grouped on the day it was first seen, and
        one that found no story then is looked for at any date, among the items that share
        one of its rarest terms and read like it as a late report must (same script).
        seeking: those of them to look for (all, unless given)."""
        undated_set = set(undated)
        alone = [
            i
            for i in (undated if seeking is None else seeking)
            if self._all_undated(self.groups.find(i), undated_set)
        ]
        keys_of = {i: list(islice(self.corpus.vectors[i], LATE_KEYS)) for i in alone}
        holders = self._holders({key for keys in keys_of.values() for key in keys})
        for index in alone:
            if not self._all_undated(self.groups.find(index), undated_set):
                continue  # its story has joined a dated one already
            candidates = {c for key in keys_of[index] for c in holders[key] if c != index}
            cosines = {
                c: self._alike(index, c) for c in candidates if self.corpus.same_script(index, c)
            }
            least = self.least_late
            linked = {self.groups.find(c) for c, cosine in cosines.items() if cosine >= least}
            linked.discard(self.groups.find(index))
            if not linked:
                continue
            best = max(linked, key=lambda root: (self._mean_alike(index, root, cosines), -root))
            if self._mean_alike(index, best, cosines) >= self.least_average:
                self._merge(index, best)

    def _holders(self, wanted: set[int]) -> dict[int, list[int]]:
        """Each wanted term id -> the items that give it, in increasing order."""
        holders: dict[int, list[int]] = {key: [] for key in wanted}
        for index in range(self.corpus.items):
            for key in wanted.intersection(self.corpus.vectors[index]):
                holders[key].append(index)
        return holders

    def _all_undated(self, root: int, undated: set[int]) -> bool:
        return all(m in undated for m in self.members.get(root, ()))

    def _mean_alike(self, index: int, root: int, known: dict[int, float]) -> float:
        """The mean similarity of an item and a story's latest members, whatever their dates."""
        members = self.members.get(root, [])[-MEMBERS_COMPARED:]
        total = sum(
            math.sqrt(max(0.0, known[m] if m in known else self._alike(index, m))) for m in members
        )
        return total / len(members) if members else 0.0

    def _least_late(self, index: int, other: int) -> float:
        """The cosine a late report must reach: from the threshold at the window's edge up
        to LATE_THRESHOLD at LATE_DAYS, in proportion to how late it is."""
        late = (abs(self.times[index] - self.times[other]) - self.window) / self.late_span
        root = self.threshold + (LATE_THRESHOLD - self.threshold) * min(1.0, max(0.0, late))
        return max(self.least, root * root)

    def _keys(self, index: int) -> list[int]:
        """The terms an item looks for partners by: its rarest ones, then its weightiest
        anchors. Those at a rank in LATE_RANKS look within the late window, the others within
        the window."""
        keys = list(islice(self.corpus.vectors[index], KEYS_PER_ITEM))  # keys run rarest first
        anchors = self.corpus.anchors[index]  # sorted is stable: among equal weights, rarest first
        keys += sorted(anchors, key=anchors.__getitem__, reverse=True)[:ANCHOR_KEYS]
        return keys

    def _candidates(self, index: int) -> set[int]:
        """Earlier items that share a rare term with this one within the window, and those
        that share one of its rarest few within the late window."""
        now = self.times[index]
        candidates: set[int] = set()
        for rank, key in enumerate(self._keys(index)):
            queue = self.recent.get(key)
            if not queue:
                continue
            while queue and now - queue[0][0] > self.late_window:
                queue.popleft()
            if len(queue) > CROWDED_KEY:
                continue
            if rank in LATE_RANKS:
                candidates.update(map(_second, queue))
            else:  # the queue runs in date order: those within the window are its end
                start = bisect_left(queue, now - self.window, key=_first)
                candidates.update(map(_second, islice(queue, start, None)))
        return candidates

    def _post(self, index: int) -> None:
        entry = (self.times[index], index)
        vector, anchors = self.corpus.vectors[index], self.corpus.anchors[index]
        for term in sorted(vector.keys() | anchors.keys()) if anchors else vector:
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


class StoredLinker(Linker):
    """A Linker over stored items that are in their stories already (groups holds them) and
    a few new or changed ones, added in date order, that look for theirs: only a link with
    a changed item can change a story. A changed item's candidates are the items before it,
    as Linker's, and the unchanged items after it, within the same windows. The items' terms
    are read only as far as that needs (LazyCorpus).
    """

    def __init__(
        self,
        corpus: LazyCorpus,
        groups: UnionFind[int],
        times: Sequence[float],
        threshold: float,
        window_days: float,
        changed: Sequence[int],
    ) -> None:
        super().__init__(corpus, groups, times, threshold, window_days)
        self.lazy = corpus
        self.changed = set(changed)
        for index in range(len(times)):
            if index not in self.changed:
                self.members.setdefault(groups.find(index), []).append(index)
        keys = {key for index in changed for key in self._keys(index) if key < self.findable}
        self.postings = corpus.holders(keys)

    def _candidates(self, index: int) -> set[int]:
        now, when, changed = self.times[index], self.times.__getitem__, self.changed
        candidates: set[int] = set()
        for rank, key in enumerate(self._keys(index)):
            held = self.postings.get(key)
            if not held:
                continue
            reach = self.late_window if rank in LATE_RANKS else self.window
            at = bisect_left(held, index)
            first = bisect_left(held, now - self.late_window, 0, at, key=when)
            if at - first <= CROWDED_KEY:
                start = bisect_left(held, now - reach, first, at, key=when)
                candidates.update(held[start:at])
            after = at + 1 if at < len(held) and held[at] == index else at
            last = bisect_right(held, now + self.late_window, after, key=when)
            if last - after <= CROWDED_KEY:
                end = bisect_right(held, now + reach, after, last, key=when)
                candidates.update(i for i in held[after:end] if i not in changed)
        return candidates

    def _post(self, index: int) -> None:
        pass  # every item is in self.postings from the start

    def _holders(self, wanted: set[int]) -> dict[int, list[int]]:
        return self.lazy.holders(wanted)


_first = itemgetter(0)
_second = itemgetter(1)


def seconds(when: dt.datetime) -> float:
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.timestamp()
