"""The labelled sets: reading them, and the dates their items carry.

Two formats are read. YAML (the synthetic set): `feeds:` (name, country, topics, language: the
priors a newsletter would set) and `items:` (id, feed, date, title, summary and the expected
countries, topics, relevant and story). JSON (real headlines): a list of items with id, title,
summary, url, published (a date, a month, a year or null), outlet, language and the same labels;
each outlet becomes a feed without priors.

Grouping goes by each item's own date, not the clock, so an item is dated noon UTC of its day. A
feed always gives a whole date, but a set may know only the month or the year. Such an item is
dated the middle of that period (2021-06 -> June 15th, 2025 -> July 1st): its real day is
unknown, and the middle is never more than half the period from it, where the first day can be a
whole month off and so put the item past the reach of the reports it goes with, measuring the
missing day rather than the grouping. An item without a date gets none: a fetch dates it when it
first sees it, as it does any such item, and the in-memory grouping dates it at that moment too,
so both see the same dates.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from digest.errors import FileError, UserError
from digest.models import FeedConfig

REPO = Path(__file__).resolve().parent.parent.parent
DEFAULT_SET = REPO / "tests" / "data" / "eval" / "items.yaml"
REAL_SET = REPO / "tests" / "data" / "eval" / "real.json"
BLIND_SET = REPO / "tests" / "data" / "eval" / "blind.json"
DEV_SET = REPO.parent / "shared" / "corpora" / "real-headlines" / "dev.json"
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
    return [p for p in (DEFAULT_SET, REAL_SET, BLIND_SET, DEV_SET) if p.is_file()]


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
