"""How well classification and story grouping do on a labelled set of items.

    python -m digest.evaluate [PATH] [--threshold 0.5] [--misses]

PATH is a YAML file with `feeds:` (name, country, topics: the priors a newsletter would set)
and `items:` (id, feed, date, title, summary and the expected countries, topics, relevant and
story). Prints per-label precision, recall and F1, country and topic micro-F1, relevance
accuracy and pairwise story precision, recall and F1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml

from digest.classify import classify_text
from digest.configschema import default_of
from digest.errors import FileError, UserError
from digest.models import Classification, FeedConfig, Item, Taxonomy
from digest.stories import group_stories
from digest.taxonomy import builtin_taxonomy

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "eval" / "items.yaml"
DEFAULT_THRESHOLD: float = default_of("stories.threshold")


@dataclass(frozen=True)
class Labelled:
    id: str
    feed: str
    date: dt.date
    title: str
    summary: str
    countries: frozenset[str]
    topics: frozenset[str]
    relevant: bool
    story: str | None


@dataclass(frozen=True)
class EvalSet:
    feeds: dict[str, FeedConfig]
    items: tuple[Labelled, ...]


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

    @property
    def country_micro(self) -> Score:
        return sum(self.countries.values(), Score())

    @property
    def topic_micro(self) -> Score:
        return sum(self.topics.values(), Score())


# ---------------------------------------------------------------- reading the set


def load_eval_set(path: Path) -> EvalSet:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read the evaluation set ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FileError(path, "not valid YAML", line=line) from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FileError(path, "expected a mapping with an items: list")
    feeds = {f["name"]: _feed(f) for f in data.get("feeds") or []}
    items = tuple(_labelled(path, raw) for raw in data["items"])
    return EvalSet(feeds=feeds, items=items)


def _feed(raw: dict[str, Any]) -> FeedConfig:
    return FeedConfig(
        name=str(raw["name"]),
        url="",
        country=raw.get("country"),
        topics=tuple(raw.get("topics") or ()),
        language=raw.get("language"),
    )


def _labelled(path: Path, raw: Any) -> Labelled:
    try:
        date = raw["date"]
        return Labelled(
            id=str(raw["id"]),
            feed=str(raw["feed"]),
            date=date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date)),
            title=str(raw["title"]),
            summary=str(raw.get("summary") or ""),
            countries=frozenset(raw.get("countries") or ()),
            topics=frozenset(raw.get("topics") or ()),
            relevant=bool(raw["relevant"]),
            story=raw.get("story"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FileError(path, f"item {raw!r:.60}: missing or bad field ({exc})") from exc


# ---------------------------------------------------------------- scoring


def evaluate(eval_set: EvalSet, taxonomy: Taxonomy, threshold: float = DEFAULT_THRESHOLD) -> Report:
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
    stories = story_score(eval_set.items, threshold)
    return Report(
        items=len(eval_set.items),
        countries=dict(countries),
        topics=dict(topics),
        relevance_accuracy=correct_relevance / max(1, len(eval_set.items)),
        stories=stories,
        misses=tuple(misses),
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
    predicted = group_stories([_as_item(it) for it in items], threshold)
    got_pairs = _pairs(predicted)
    expected_pairs = _pairs({it.id: it.story or f"single:{it.id}" for it in items})
    return Score(
        true_pos=len(got_pairs & expected_pairs),
        false_pos=len(got_pairs - expected_pairs),
        false_neg=len(expected_pairs - got_pairs),
    )


def _pairs(story_of: dict[str, str]) -> set[tuple[str, str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for item_id, story in story_of.items():
        members[story].append(item_id)
    return {(a, b) for ids in members.values() for a, b in combinations(sorted(ids), 2)}


def _as_item(it: Labelled) -> Item:
    when = dt.datetime.combine(it.date, dt.time(12), tzinfo=dt.UTC)
    return Item(
        id=it.id,
        feed=it.feed,
        guid=None,
        url=None,
        title=it.title,
        summary_html="",
        summary_text=it.summary,
        published=when,
        first_seen=when,
    )


# ---------------------------------------------------------------- printing


def format_report(report: Report, show_misses: bool = False) -> list[str]:
    lines = [f"{report.items} items", "", f"{'label':<14} {'prec':>6} {'recall':>6} {'F1':>6}  n"]
    for kind, scores in (("country", report.countries), ("topic", report.topics)):
        for label in sorted(scores, key=lambda k: -(scores[k].true_pos + scores[k].false_neg)):
            s = scores[label]
            lines.append(
                f"{kind[0]}:{label:<12} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  "
                f"{s.true_pos + s.false_neg}"
            )
    cm, tm, st = report.country_micro, report.topic_micro, report.stories
    lines += [
        "",
        f"country micro-F1     {cm.f1:.3f}  (precision {cm.precision:.3f}, recall {cm.recall:.3f})",
        f"topic micro-F1       {tm.f1:.3f}  (precision {tm.precision:.3f}, recall {tm.recall:.3f})",
        f"relevance accuracy   {report.relevance_accuracy:.3f}",
        f"story pairwise F1    {st.f1:.3f}  (precision {st.precision:.3f}, recall {st.recall:.3f}, "
        f"{st.true_pos + st.false_neg} pairs)",
    ]
    if show_misses and report.misses:
        lines += ["", "misses:"]
        lines += [
            f"  {m.id:<6} {m.what:<9} expected {m.expected:<22} got {m.got:<22} {m.title[:50]}"
            for m in report.misses
        ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m digest.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="story similarity threshold (feeds.yaml stories.threshold)",
    )
    parser.add_argument("--misses", action="store_true", help="list every wrong label")
    args = parser.parse_args(argv)
    try:
        report = evaluate(load_eval_set(args.path), builtin_taxonomy(), args.threshold)
    except UserError as exc:
        print(f"digest: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print("\n".join(format_report(report, args.misses)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
