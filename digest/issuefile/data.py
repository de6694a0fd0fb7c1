"""Issue -> the file's text and the plain mapping caches keep, and back; entries' anchors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from digest.models import (
    FollowUp,
    Issue,
    IssueItem,
    Link,
    Section,
    TimelineEntry,
)
from digest.yamlfile import (
    FlowList,
    dump_yaml,
)


def item_anchor(index: int) -> str:
    """How the index-th entry of an issue (1-based, in reading order) is addressed: its id on
    the issue's page, and the anchor a follow-up or a "Previously" link points at."""
    return f"item-{index}"


# ------------------------------------------------------------ Issue -> the file


def write_issue_text(issue: Issue, header: Sequence[str] = ()) -> str:
    """The issue as the text of issues/N.yaml, after `header` as comment lines."""
    comments = "".join(f"# {line}\n" if line else "#\n" for line in header)
    return comments + dump_yaml(issue_to_data(issue))


def issue_to_data(issue: Issue, *, dates_as_text: bool = False) -> dict[str, Any]:
    """The issue as the mapping its file holds, keys in the schema's order. The fields an
    editor fills in (subtitle, intro, outro, sign-off) are always there, empty or not; other
    empty fields are left out, as reading gives them back as their defaults. With
    dates_as_text, dates are ISO text (for JSON)."""

    def day(value: dt.date) -> dt.date | str:
        return value.isoformat() if dates_as_text else value

    data: dict[str, Any] = {"number": issue.number}
    _put(data, "draft", issue.draft)
    data |= {
        "date": day(issue.date),
        "title": issue.title,
        "subtitle": issue.subtitle,
    }
    _put(data, "greeting", issue.greeting)
    data["intro"] = issue.intro
    _put(data, "summary", list(issue.summary))
    _put(data, "quick_take", list(issue.quick_take))
    data["sections"] = [_section_data(s, day) for s in issue.sections]
    data["outro"] = issue.outro
    data["sign_off"] = issue.sign_off
    return data


_Day = Callable[[dt.date], dt.date | str]


def _section_data(section: Section, day: _Day) -> dict[str, Any]:
    data: dict[str, Any] = {"heading": section.heading}
    _put(data, "intro", section.intro)
    _put(data, "lang", section.lang)
    _put(data, "timeline", [{"date": day(e.date), "text": e.text} for e in section.timeline])
    _put(data, "items", [_item_data(item, day) for item in section.items])
    return data


def _item_data(item: IssueItem, day: _Day) -> dict[str, Any]:
    data: dict[str, Any] = {"title": item.title}
    _put(data, "url", item.url)
    data["source"] = item.source
    _put(data, "date", day(item.date) if item.date else None)
    data["countries"] = FlowList(item.countries)
    data["topics"] = FlowList(item.topics)
    data["body"] = item.body
    _put(data, "also", [{"source": link.source, "url": link.url} for link in item.also])
    _put(data, "lang", item.lang)
    _put(data, "previously", FlowList(item.previously))
    _put(data, "id", item.id)
    _put(data, "follow_up", _follow_up_data(item.follow_up))
    return data


def _follow_up_data(follow_up: FollowUp | None) -> int | dict[str, Any] | None:
    if follow_up is None:
        return None
    if not follow_up.anchor:
        return follow_up.issue
    data: dict[str, Any] = {"issue": follow_up.issue, "anchor": follow_up.anchor}
    if follow_up.entry:
        data["entry"] = follow_up.entry
    return data


def _put(data: dict[str, Any], key: str, value: Any) -> None:
    if value:
        data[key] = value


def issue_from_data(data: dict[str, Any], path: Path | None = None) -> Issue:
    """The Issue that issue_to_data gave `data` for (dates as dates or ISO text). The data is
    trusted: an editor's file is read with load_issue_file, which checks it."""
    return Issue(
        number=int(data["number"]),
        date=_day(data["date"]),
        title=data["title"],
        subtitle=data.get("subtitle", ""),
        greeting=data.get("greeting", ""),
        intro=data.get("intro", ""),
        summary=tuple(data.get("summary", ())),
        quick_take=tuple(data.get("quick_take", ())),
        sections=tuple(_section_from(s) for s in data.get("sections", ())),
        outro=data.get("outro", ""),
        sign_off=data.get("sign_off", ""),
        draft=bool(data.get("draft", False)),
        path=path,
    )


def _section_from(data: dict[str, Any]) -> Section:
    return Section(
        heading=data["heading"],
        items=tuple(_item_from(item) for item in data.get("items", ())),
        intro=data.get("intro", ""),
        timeline=tuple(
            TimelineEntry(date=_day(e["date"]), text=e["text"]) for e in data.get("timeline", ())
        ),
        lang=data.get("lang"),
    )


def _item_from(data: dict[str, Any]) -> IssueItem:
    return IssueItem(
        title=data["title"],
        url=data.get("url"),
        source=data.get("source", ""),
        date=_day(data["date"]) if data.get("date") else None,
        countries=tuple(data.get("countries", ())),
        topics=tuple(data.get("topics", ())),
        body=data.get("body", ""),
        also=tuple(Link(source=a["source"], url=a["url"]) for a in data.get("also", ())),
        lang=data.get("lang"),
        previously=tuple(data.get("previously", ())),
        id=data.get("id"),
        follow_up=_follow_up_from(data.get("follow_up")),
    )


def _follow_up_from(value: int | dict[str, Any] | None) -> FollowUp | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return FollowUp(
            issue=int(value["issue"]),
            anchor=value.get("anchor", ""),
            entry=value.get("entry", ""),
        )
    return FollowUp(issue=int(value))


def _day(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
