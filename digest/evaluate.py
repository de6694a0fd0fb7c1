"""How well classification and story grouping do on labelled sets of items.

    python -m digest.evaluate [--set PATH]... [--threshold 0.5] [--misses] [--no-fetch] [--json]

With no PATH it measures every labelled set it finds: the project's synthetic set
(tests/data/eval/items.yaml), the real headlines (tests/data/eval/real.json) and the shared
development set (../shared/corpora/real-headlines/dev.json beside the repository) when present.

Two formats are read. YAML (the synthetic set): `feeds:` (name, country, topics, language: the
priors a newsletter would set) and `items:` (id, feed, date, title, summary and the expected
countries, topics, relevant and story). JSON (real headlines): a list of items with id, title,
summary, url, published (a date, a month, a year or null), outlet, language and the same labels;
each outlet becomes a feed without priors.

For each set: relevance accuracy, country and topic micro-F1 with per-label precision, recall
and F1, and pairwise story precision, recall and F1 with the share of cross-language same-story
pairs found. Stories are measured twice: grouped in memory on the items' own dates, and as the
editor sees them after one `digest fetch`: every outlet is written as a local RSS file in a
throwaway newsletter, the real fetch reads them into a real store, and each item's story is read
back from it. Grouping goes by each item's own date, not the clock, so the feed files carry the
items' real dates (noon UTC of the day). A feed always gives a whole date, but a set may know only
the month or the year. Such an item is dated the middle of that period (2021-06 -> June 15th, 2025
-> July 1st): its real day is unknown, and the middle is never more than half the period from it,
where the first day can be a whole month off and so put the item past the reach of the reports
it goes with, measuring the missing day rather than the grouping. An item without a date gets no
pubDate, so the fetch dates it when it first sees it, as it does any such item; the in-memory
grouping dates it at that moment too, so both see the same dates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import json
import re
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import yaml

from digest.classify import classify_text
from digest.config import load_config
from digest.configschema import default_of
from digest.errors import FileError, UserError
from digest.models import Classification, FeedConfig, Item, Taxonomy
from digest.refresh import run_fetch
from digest.store import open_store
from digest.stories import group_stories
from digest.taxonomy import builtin_taxonomy

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SET = REPO / "tests" / "data" / "eval" / "items.yaml"
REAL_SET = REPO / "tests" / "data" / "eval" / "real.json"
DEV_SET = REPO.parent / "shared" / "corpora" / "real-headlines" / "dev.json"
DEFAULT_THRESHOLD: float = default_of("stories.threshold")
MID_MONTH = 15  # the day given to an item known only by its month ...
MID_YEAR = (7, 1)  # ... and the month and day to one known only by its year


@dataclass(frozen=True)
class Labelled:
    id: str
    feed: str
    date: dt.date | None  # None: the item gives no date (a fetch dates it when first seen)
    title: str
    summary: str
    countries: frozenset[str]
    topics: frozenset[str]
    relevant: bool
    story: str | None
    language: str = "en"
    url: str | None = None


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

    @property
    def country_micro(self) -> Score:
        return sum(self.countries.values(), Score())

    @property
    def topic_micro(self) -> Score:
        return sum(self.topics.values(), Score())


# ---------------------------------------------------------------- reading a set


def load_eval_set(path: Path) -> EvalSet:
    """A labelled set: the YAML format of the synthetic set, or a JSON list of real items."""
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot read the evaluation set ({exc.strerror})") from exc
    if path.suffix.lower() == ".json":
        return _load_json_set(path, text)
    return _load_yaml_set(path, text)


def default_sets() -> list[Path]:
    """The labelled sets this checkout can see, in the order they are reported."""
    return [p for p in (DEFAULT_SET, REAL_SET, DEV_SET) if p.is_file()]


def _load_yaml_set(path: Path, text: str) -> EvalSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise FileError(path, "not valid YAML", line=line) from exc
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise FileError(path, "expected a mapping with an items: list")
    feeds = {f["name"]: _feed(f) for f in data.get("feeds") or []}
    items = tuple(_labelled(path, raw, feeds) for raw in data["items"])
    return EvalSet(feeds=feeds, items=items)


def _feed(raw: dict[str, Any]) -> FeedConfig:
    return FeedConfig(
        name=str(raw["name"]),
        url="",
        country=raw.get("country"),
        topics=tuple(raw.get("topics") or ()),
        language=raw.get("language"),
    )


def _labelled(path: Path, raw: Any, feeds: Mapping[str, FeedConfig]) -> Labelled:
    try:
        date = raw["date"]
        feed = feeds.get(str(raw["feed"]))
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
            language=_base_language(feed.language if feed else None),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FileError(path, f"item {raw!r:.60}: missing or bad field ({exc})") from exc


def _load_json_set(path: Path, text: str) -> EvalSet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileError(path, f"not valid JSON ({exc.msg})", line=exc.lineno) from exc
    if not isinstance(data, list):
        raise FileError(path, "expected a JSON list of items")
    items = tuple(_real_item(path, raw) for raw in data)
    feeds = {it.feed: FeedConfig(name=it.feed, url="", language=it.language) for it in items}
    return EvalSet(feeds=feeds, items=items)


def _real_item(path: Path, raw: Any) -> Labelled:
    try:
        return Labelled(
            id=str(raw["id"]),
            feed=_slug(str(raw.get("outlet") or "unknown")),
            date=_published_date(raw.get("published")),
            title=str(raw["title"]),
            summary=str(raw.get("summary") or ""),
            countries=frozenset(raw.get("countries") or ()),
            topics=frozenset(raw.get("topics") or ()),
            relevant=bool(raw["relevant"]),
            story=raw.get("story") or None,
            language=_base_language(raw.get("language")),
            url=raw.get("url") or None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FileError(path, f"item {raw!r:.60}: missing or bad field ({exc})") from exc


def _published_date(value: Any) -> dt.date | None:
    """A date from '2021-09-24', a month ('2021-09': its 15th), a year ('2021': July 1st);
    None when there is none."""
    if value is None or value == "":
        return None
    text = str(value)[:10]
    if re.fullmatch(r"\d{4}", text):
        return dt.date(int(text), MID_YEAR[0], MID_YEAR[1])
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return dt.date(int(text[:4]), int(text[5:]), MID_MONTH)
    return dt.date.fromisoformat(text)


def _base_language(code: str | None) -> str:
    """'zh-Hant' -> 'zh'; no code -> 'en'."""
    return (code or "en").split("-")[0].lower()


def _slug(name: str) -> str:
    """A feed name for an outlet: ASCII letters and digits, else a hash of the name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or f"outlet-{sum(map(ord, name)) % 100000}"


# ---------------------------------------------------------------- scoring


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


def stories_in_memory(
    items: Sequence[Labelled], threshold: float, now: dt.datetime | None = None
) -> dict[str, str]:
    """The stories module's grouping of the items, on their own dates (an undated item on
    `now`, the moment a fetch would first see it)."""
    when = item_times(items, now or dt.datetime.now(dt.UTC))
    return dict(group_stories([_as_item(it, when[it.id]) for it in items], threshold))


def _as_item(it: Labelled, when: dt.datetime) -> Item:
    return Item(
        id=it.id,
        feed=it.feed,
        guid=None,
        url=it.url,
        title=it.title,
        summary_html="",
        summary_text=it.summary,
        published=when,
        first_seen=when,
    )


def item_times(items: Sequence[Labelled], now: dt.datetime) -> dict[str, dt.datetime]:
    """When each item happened as grouping sees it: noon UTC of its date, or `now` for an
    item without one."""
    dated = feed_dates(items)
    return {it.id: dated.get(it.id, now) for it in items}


def feed_dates(items: Sequence[Labelled]) -> dict[str, dt.datetime]:
    """The pubDate each dated item carries in its feed file: noon UTC of its date (items
    without a date carry none)."""
    noon = dt.time(12)
    return {
        it.id: dt.datetime.combine(it.date, noon, tzinfo=dt.UTC)
        for it in items
        if it.date is not None
    }


# ---------------------------------------------------------------- after one fetch


def stories_after_fetch(eval_set: EvalSet, threshold: float) -> dict[str, str]:
    """Item id -> the story id the store gives it after one `digest fetch` of the items,
    written as one local RSS file per feed in a throwaway newsletter folder."""
    with tempfile.TemporaryDirectory(prefix="digest-eval-") as tmp:
        root = Path(tmp)
        write_newsletter(root, eval_set, threshold, feed_dates(eval_set.items))
        config = load_config(root)
        run_fetch(config)
        with open_store(config) as store:
            stored = list(store.iter_items())
    by_guid = {item.guid: item for item in stored if item.guid}
    by_url = {item.url: item for item in stored if item.url}
    story: dict[str, str] = {}
    for labelled in eval_set.items:
        # An item the store merged into another (same link) is in that item's story.
        found = by_guid.get(labelled.id) or by_url.get(labelled.url or "")
        story[labelled.id] = (found.story or found.id) if found else f"absent:{labelled.id}"
    return story


def write_newsletter(
    root: Path, eval_set: EvalSet, threshold: float, dates: Mapping[str, dt.datetime]
) -> None:
    """feeds.yaml and one RSS file per feed (local paths) holding the set's items."""
    by_feed: dict[str, list[Labelled]] = defaultdict(list)
    for item in eval_set.items:
        by_feed[item.feed].append(item)
    feeds_dir = root / "eval-feeds"
    feeds_dir.mkdir(parents=True)
    feeds = []
    for name, items in by_feed.items():
        path = feeds_dir / f"{name}.xml"
        path.write_text(rss_document(name, items, dates), encoding="utf-8")
        prior = eval_set.feeds.get(name)
        entry: dict[str, Any] = {"name": name, "url": str(path)}
        if prior is not None:
            entry.update(
                {k: v for k, v in _priors(prior).items() if v},
            )
        feeds.append(entry)
    config = {
        "newsletter": {"name": "Evaluation", "url": "https://eval.example.org/"},
        "fetch": {"workers": 2, "timeout": 10},
        "stories": {"threshold": threshold},
        "feeds": feeds,
    }
    (root / "feeds.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")


def _priors(feed: FeedConfig) -> dict[str, Any]:
    return {"country": feed.country, "topics": list(feed.topics), "language": feed.language}


def rss_document(title: str, items: Sequence[Labelled], dates: Mapping[str, dt.datetime]) -> str:
    """An RSS 2.0 document with the items: guid = item id, link = its URL when it has one,
    pubDate = its date in `dates` when it has one."""
    entries = []
    for it in items:
        parts = [
            f"<title>{escape(it.title)}</title>",
            f"<guid isPermaLink={quoteattr('false')}>{escape(it.id)}</guid>",
            f"<description>{escape(it.summary)}</description>",
        ]
        if it.id in dates:
            parts.append(
                f"<pubDate>{email.utils.format_datetime(dates[it.id], usegmt=True)}</pubDate>"
            )
        if it.url:
            parts.append(f"<link>{escape(it.url)}</link>")
        entries.append("<item>" + "".join(parts) + "</item>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://eval.example.org/</link>\n"
        + "\n".join(entries)
        + "\n</channel></rss>\n"
    )


# ---------------------------------------------------------------- printing


def format_report(report: Report, show_misses: bool = False) -> list[str]:
    languages = ", ".join(f"{n} {lang}" for lang, n in sorted(report.languages.items()))
    lines = [f"{report.items} items" + (f" ({languages})" if languages else "")]
    cm, tm, st = report.country_micro, report.topic_micro, report.stories
    lines += [
        "",
        f"relevance accuracy   {report.relevance_accuracy:.3f}",
        f"country micro-F1     {cm.f1:.3f}  (precision {cm.precision:.3f}, recall {cm.recall:.3f})",
        f"topic micro-F1       {tm.f1:.3f}  (precision {tm.precision:.3f}, recall {tm.recall:.3f})",
        f"story pairwise F1    {st.f1:.3f}  (precision {st.precision:.3f}, recall {st.recall:.3f}, "
        f"{st.true_pos + st.false_neg} pairs)",
        "",
        f"{'stories':<22} {'prec':>6} {'recall':>6} {'F1':>6}  cross-language found",
    ]
    for name, score in (
        ("in memory", report.story_detail),
        ("after digest fetch", report.after_fetch),
    ):
        if score is not None:
            p = score.pairs
            lines.append(
                f"{name:<22} {p.precision:6.3f} {p.recall:6.3f} {p.f1:6.3f}  "
                f"{score.cross_found}/{score.cross_expected} ({score.cross_share:.3f})"
            )
    lines += ["", f"{'label':<14} {'prec':>6} {'recall':>6} {'F1':>6}  n"]
    for kind, scores in (("country", report.countries), ("topic", report.topics)):
        for label in sorted(scores, key=lambda k: (-(scores[k].true_pos + scores[k].false_neg), k)):
            s = scores[label]
            lines.append(
                f"{kind[0]}:{label:<12} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  "
                f"{s.true_pos + s.false_neg}"
            )
    if show_misses and report.misses:
        lines += ["", "misses:"]
        lines += [
            f"  {m.id:<8} {m.what:<9} expected {m.expected:<22} got {m.got:<22} {m.title[:50]}"
            for m in report.misses
        ]
    return lines


def report_json(report: Report) -> dict[str, Any]:
    """The figures as plain data, for `--json`."""

    def score(s: Score) -> dict[str, Any]:
        return {
            "precision": round(s.precision, 4),
            "recall": round(s.recall, 4),
            "f1": round(s.f1, 4),
            "true_pos": s.true_pos,
            "false_pos": s.false_pos,
            "false_neg": s.false_neg,
        }

    def stories(s: StoryScore | None) -> dict[str, Any] | None:
        if s is None:
            return None
        return {
            **score(s.pairs),
            "cross_language_found": s.cross_found,
            "cross_language_expected": s.cross_expected,
            "cross_language_share": round(s.cross_share, 4),
        }

    return {
        "items": report.items,
        "languages": report.languages,
        "relevance_accuracy": round(report.relevance_accuracy, 4),
        "country_micro": score(report.country_micro),
        "topic_micro": score(report.topic_micro),
        "countries": {k: score(v) for k, v in sorted(report.countries.items())},
        "topics": {k: score(v) for k, v in sorted(report.topics.items())},
        "stories_in_memory": stories(report.story_detail),
        "stories_after_fetch": stories(report.after_fetch),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m digest.evaluate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="a labelled set")
    parser.add_argument(
        "--set", dest="sets", action="append", type=Path, default=[], metavar="PATH",
        help="a labelled set (YAML or JSON); repeatable; default: every set found",
    )  # fmt: skip
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="story similarity threshold (feeds.yaml stories.threshold)",
    )
    parser.add_argument("--misses", action="store_true", help="list every wrong label")
    parser.add_argument(
        "--no-fetch", action="store_true", help="skip the stories measured after a real fetch"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    paths = [*args.paths, *args.sets] or default_sets()
    reports: dict[str, Report] = {}
    try:
        for path in paths:
            eval_set = load_eval_set(path)
            reports[str(path)] = evaluate(
                eval_set, builtin_taxonomy(), args.threshold, after_fetch=not args.no_fetch
            )
    except UserError as exc:
        print(f"digest: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps({p: report_json(r) for p, r in reports.items()}, indent=2))
        return 0
    for number, (path, report) in enumerate(reports.items()):
        if number:
            print()
        print(f"== {_display(Path(path))}")
        print("\n".join(format_report(report, args.misses)))
    return 0


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO.parent))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
