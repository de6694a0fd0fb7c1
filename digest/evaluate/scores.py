"""Scoring a labelled set: relevance accuracy, micro and per-label figures for countries and
topics, and pairwise story figures with the share of cross-language same-story pairs found."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from digest.classify import classify_text
from digest.configschema import default_of
from digest.evaluate.harness import stories_after_fetch, stories_in_memory
from digest.evaluate.sets import EvalSet, Labelled
from digest.models import Classification, Taxonomy

DEFAULT_THRESHOLD: float = default_of("stories.threshold")


@dataclass(frozen=True)
class Score:
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_pos + self.false_neg
        return self.true_pos / expected if expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: Score) -> Score:
        return Score(
            self.true_pos + other.true_pos,
            self.false_pos + other.false_pos,
            self.false_neg + other.false_neg,
        )


@dataclass(frozen=True)
class StoryScore:
    """Pairwise story figures, and how many of the expected cross-language pairs were found."""

    pairs: Score
    cross_found: int
    cross_expected: int

    @property
    def cross_share(self) -> float:
        return self.cross_found / self.cross_expected if self.cross_expected else 1.0


@dataclass(frozen=True)
class Miss:
    id: str
    what: str  # "countries", "topics", "relevant"
    expected: str
    got: str
    title: str


@dataclass(frozen=True)
class Report:
    items: int
    countries: dict[str, Score]
    topics: dict[str, Score]
    relevance_accuracy: float
    stories: Score
    misses: tuple[Miss, ...] = field(default=())
    story_detail: StoryScore | None = None
    after_fetch: StoryScore | None = None
    languages: dict[str, int] = field(default_factory=dict)
    # Topics the set labels no item with: its labellers did not use them (the real headlines
    # know nine topics), so a tag of one can be neither right nor wrong.
    unlabelled_topics: frozenset[str] = frozenset()

    @property
    def country_micro(self) -> Score:
        return sum(self.countries.values(), Score())

    @property
    def topic_micro(self) -> Score:
        """Over the topics the set labels."""
        return sum(
            (s for slug, s in self.topics.items() if slug not in self.unlabelled_topics), Score()
        )


def evaluate(
    eval_set: EvalSet,
    taxonomy: Taxonomy,
    threshold: float = DEFAULT_THRESHOLD,
    after_fetch: bool = False,
    now: dt.datetime | None = None,
) -> Report:
    """Score the set; with `after_fetch`, also the stories a real `digest fetch` stores.
    `now` dates the undated items in memory (default: the clock, as the fetch does)."""
    countries: dict[str, Score] = defaultdict(Score)
    topics: dict[str, Score] = defaultdict(Score)
    misses: list[Miss] = []
    correct_relevance = 0
    for item in eval_set.items:
        got = classify_text(item.title, item.summary, eval_set.feeds.get(item.feed), taxonomy)
        _score_labels(countries, item.countries, frozenset(got.countries))
        _score_labels(topics, item.topics, frozenset(got.topics))
        correct_relevance += got.relevant == item.relevant
        misses.extend(_misses(item, got))
    for slug in taxonomy.topics:  # every topic gets a row, those the set never uses too
        topics.setdefault(slug, Score())
    grouped = stories_in_memory(eval_set.items, threshold, now)
    in_memory = score_stories(eval_set.items, grouped)
    fetched = None
    if after_fetch:
        fetched = score_stories(eval_set.items, stories_after_fetch(eval_set, threshold))
    languages: dict[str, int] = defaultdict(int)
    for item in eval_set.items:
        languages[item.language] += 1
    return Report(
        items=len(eval_set.items),
        countries=dict(countries),
        topics=dict(topics),
        relevance_accuracy=correct_relevance / max(1, len(eval_set.items)),
        stories=in_memory.pairs,
        misses=tuple(misses),
        story_detail=in_memory,
        after_fetch=fetched,
        languages=dict(languages),
        unlabelled_topics=frozenset(topics) - {t for item in eval_set.items for t in item.topics},
    )


def _score_labels(scores: dict[str, Score], expected: frozenset[str], got: frozenset[str]) -> None:
    for label in expected | got:
        scores[label] += Score(
            true_pos=int(label in expected and label in got),
            false_pos=int(label in got and label not in expected),
            false_neg=int(label in expected and label not in got),
        )


def _misses(item: Labelled, got: Classification) -> Iterable[Miss]:
    pairs = (
        ("countries", _show(item.countries), _show(got.countries)),
        ("topics", _show(item.topics), _show(got.topics)),
        ("relevant", str(item.relevant), str(got.relevant)),
    )
    for what, expected, found in pairs:
        if expected != found:
            yield Miss(item.id, what, expected, found, item.title)


def _show(labels: Iterable[str]) -> str:
    return ",".join(sorted(labels)) or "-"


def story_score(items: Sequence[Labelled], threshold: float) -> Score:
    """Pairwise: every pair of items put in one story, against the pairs that are one story."""
    return score_stories(items, stories_in_memory(items, threshold)).pairs


def score_stories(items: Sequence[Labelled], predicted: Mapping[str, str]) -> StoryScore:
    """Pairwise figures of a grouping (item id -> story id) against the labels."""
    got_pairs = _pairs({it.id: predicted.get(it.id, it.id) for it in items})
    expected_pairs = _pairs({it.id: it.story or f"single:{it.id}" for it in items})
    language = {it.id: it.language for it in items}
    cross = {(a, b) for a, b in expected_pairs if language[a] != language[b]}
    return StoryScore(
        pairs=Score(
            true_pos=len(got_pairs & expected_pairs),
            false_pos=len(got_pairs - expected_pairs),
            false_neg=len(expected_pairs - got_pairs),
        ),
        cross_found=len(cross & got_pairs),
        cross_expected=len(cross),
    )


def _pairs(story_of: Mapping[str, str]) -> set[tuple[str, str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for item_id, story in story_of.items():
        members[story].append(item_id)
    return {(a, b) for ids in members.values() for a, b in combinations(sorted(ids), 2)}
