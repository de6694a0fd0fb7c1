"""Rows and values as the store writes them: an item's columns, times, tags as JSON."""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Sequence
from typing import Any

from digest.models import Classification, Item

ITEM_COLUMNS = (
    "id, feed, guid, url, title, summary_html, summary_text, published, first_seen, updated, "
    "author, language, countries, topics, relevant, story, reasons"
)
# What story grouping reads of an item: all but its HTML and the reasons behind its tags,
# which are most of a row's bytes and, decoded, most of an Item's memory.
GROUPING_COLUMNS = (
    "id, feed, guid, url, title, summary_text, published, first_seen, updated, author, "
    "language, countries, topics, relevant, story"
)
NEWEST_FIRST = "ORDER BY coalesce(published, first_seen) DESC, seq DESC"


def item_of_row(row: Sequence[Any]) -> Item:
    """An Item from the ITEM_COLUMNS of one row."""
    reasons = {tag: tuple(terms) for tag, terms in json.loads(row[16]).items()}
    first_seen = parse_time(row[8])
    assert first_seen is not None
    return Item(
        id=row[0],
        feed=row[1],
        guid=row[2],
        url=row[3],
        title=row[4],
        summary_html=row[5],
        summary_text=row[6],
        published=parse_time(row[7]),
        first_seen=first_seen,
        updated=parse_time(row[9]),
        author=row[10] or "",
        language=row[11],
        countries=tags_of(row[12]),
        topics=tags_of(row[13]),
        relevant=bool(row[14]),
        story=row[15],
        reasons=reasons,
    )


def grouping_item_of_row(row: Sequence[Any]) -> Item:
    """An Item from the GROUPING_COLUMNS of one row: no summary_html, no reasons."""
    return item_of_row((*row[:5], "", *row[5:], "{}"))


@functools.lru_cache(maxsize=4096)
def tags_of(text: str) -> tuple[str, ...]:
    """A tag list as stored, decoded (the same few lists recur on thousands of items)."""
    return tuple(json.loads(text))


def classification_columns(c: Classification) -> tuple[str, str, int, str]:
    """countries, topics, relevant, reasons as stored."""
    return tag_list(c.countries), tag_list(c.topics), int(c.relevant), _reasons_json(c.reasons)


_reasons_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # tuples as lists


@functools.lru_cache(maxsize=4096)
def tag_list(tags: tuple[str, ...]) -> str:
    return json.dumps(list(tags))


def time_text(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    v = value if value.tzinfo is dt.UTC else value.astimezone(dt.UTC)
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}T{v.hour:02d}:{v.minute:02d}:{v.second:02d}Z"


def day_text(value: dt.date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}T00:00:00Z"


def parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    if len(value) == 20 and value[-1] == "Z":  # as time_text writes it: 40x quicker than strptime
        return dt.datetime.fromisoformat(value)
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
