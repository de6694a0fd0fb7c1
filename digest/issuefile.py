"""issues/N.yaml <-> Issue: the one owner of the issue format.

Reading checks the editor's file field by field: every schema error names the file, the line,
the field path and what is expected, so the editor can fix it without reading code. Writing
(`write_issue_text`, for drafts) and the plain mapping (`issue_to_data` / `issue_from_data`,
for caches) follow the same keys, so a new key is added here and in models.Issue only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest.errors import DigestError, IssueFileError, UserError
from digest.models import (
    Config,
    FollowUp,
    Issue,
    IssueItem,
    Link,
    Section,
    Taxonomy,
    TimelineEntry,
)
from digest.names import derive_subtitle
from digest.yamlfile import (
    FieldReader,
    FlowList,
    KeyPath,
    YamlDoc,
    describe,
    dump_yaml,
    load_yaml,
    shorten,
)

ISSUE_KEYS = {
    "number", "draft", "date", "title", "subtitle", "greeting", "intro", "summary", "quick_take",
    "sections", "outro", "sign_off",
}  # fmt: skip
SECTION_KEYS = {"heading", "intro", "items", "timeline", "lang"}
ITEM_KEYS = {
    "title", "url", "source", "date", "countries", "topics", "body", "also", "lang",
    "previously", "id", "follow_up",
}  # fmt: skip
FOLLOW_UP_KEYS = {"issue", "anchor"}
LINK_KEYS = {"source", "url"}
TIMELINE_KEYS = {"date", "text"}

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_ANCHOR = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def item_anchor(index: int) -> str:
    """How the index-th entry of an issue (1-based, in reading order) is addressed: its id on
    the issue's page, and the anchor a follow-up or a "Previously" link points at."""
    return f"item-{index}"


def issue_path(config: Config, number: int) -> Path:
    """The file of issue number: the one there is (issues/22.yaml, or issues/022.yaml), else
    where a new one goes (issues/22.yaml)."""
    return issue_files(config).get(number, config.issues_dir / f"{number}.yaml")


def issue_numbers(config: Config) -> list[int]:
    """The numbers of the issue files in issues/, lowest first."""
    return sorted(issue_files(config))


def issue_files(config: Config) -> dict[int, Path]:
    """Each issue's file by number: issues/N.yaml, leading zeros allowed (01.yaml is issue 1).
    Two files for one number are an error naming both."""
    found: dict[int, Path] = {}
    for path in _yaml_files(config.issues_dir):
        number = _number_in_name(path)
        if number is None:
            continue
        if number in found:
            first, second = sorted((found[number], path))
            raise UserError(
                f"{first} and {second} are both issue {number}",
                hint=f"Keep one: merge them into {number}.yaml and remove the other.",
            )
        found[number] = path
    return found


def misnamed_issue_files(config: Config) -> list[tuple[Path, str]]:
    """The files in issues/ that look like issues but are not read as one, each with the name
    it should have ("N.yaml" when no number can be told)."""
    misnamed = []
    for path in _yaml_files(config.issues_dir, suffixes=(".yaml", ".yml")):
        if path.suffix == ".yaml" and _number_in_name(path) is not None:
            continue
        number = _number_inside(path) or _only_number(path.stem)
        misnamed.append((path, f"{number}.yaml" if number else "N.yaml"))
    return misnamed


def _yaml_files(folder: Path, suffixes: tuple[str, ...] = (".yaml",)) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in suffixes and p.is_file())


def _number_in_name(path: Path) -> int | None:
    """1 for 1.yaml and 01.yaml; None for 0.yaml, 22-draft.yaml or notes.yaml."""
    stem = path.stem
    if not (stem.isascii() and stem.isdigit()) or int(stem) < 1:
        return None
    return int(stem)


def _number_inside(path: Path) -> int | None:
    """The number: a misnamed file gives itself, when it can be read."""
    try:
        data = load_yaml(path, IssueFileError).data
    except DigestError:
        return None
    number = data.get("number") if isinstance(data, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _only_number(text: str) -> int | None:
    """22 for '22-draft' or 'Issue 22'; None when there is no number or more than one."""
    numbers = re.findall(r"[0-9]+", text)
    return int(numbers[0]) if len(numbers) == 1 and int(numbers[0]) >= 1 else None


def load_issue(config: Config, number: int) -> Issue:
    """issues/<number>.yaml of the newsletter; a missing file names the issues that exist."""
    path = issue_path(config, number)
    if not path.is_file():
        raise IssueFileError(path, "file not found", hint=_existing_hint(config))
    return load_issue_file(path, config.taxonomy)


def _existing_hint(config: Config) -> str:
    numbers = issue_numbers(config)
    if not numbers:
        return "There are no issues yet; write one with 'digest draft N'."
    listed = ", ".join(str(n) for n in numbers)
    return f"Issues here: {listed}."


def load_issue_file(path: Path, taxonomy: Taxonomy) -> Issue:
    doc = load_yaml(path, IssueFileError)
    return _IssueReader(doc, taxonomy).issue()


def is_language_tag(text: str) -> bool:
    """'zh', 'zh-Hans', 'en-US': what a lang: key accepts."""
    return bool(_LANG.match(text))


class _IssueReader(FieldReader):
    """Reads the issue schema out of the YAML, failing with file, line and field path."""

    def __init__(self, doc: YamlDoc, taxonomy: Taxonomy) -> None:
        super().__init__(doc, IssueFileError)
        self.taxonomy = taxonomy

    # ------------------------------------------------------------ the schema

    def issue(self) -> Issue:
        data = self.mapping(self.doc.data if self.doc.data is not None else {}, ())
        self.known_keys(data, (), ISSUE_KEYS)
        number = self.number_of(data)
        sections = tuple(self.each(data.get("sections") or [], ("sections",), self.section))
        subtitle = self.text(data, ("subtitle",))
        return Issue(
            number=number,
            date=self.date(data, ("date",), required=True) or dt.date.min,
            title=self.required_text(data, ("title",)),
            subtitle=subtitle or derive_subtitle(sections, self.taxonomy),
            greeting=self.text(data, ("greeting",)),
            intro=self.text(data, ("intro",)),
            summary=self.texts(data, ("summary",)),
            quick_take=self.texts(data, ("quick_take",)),
            sections=sections,
            outro=self.text(data, ("outro",)),
            sign_off=self.text(data, ("sign_off",)),
            draft=self.flag(data, ("draft",)),
            path=self.doc.path,
        )

    def number_of(self, data: dict[str, Any]) -> int:
        if "number" not in data:
            self.fail(("number",), "missing: every issue file needs its number")
        number = data["number"]
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            self.fail(("number",), f"expected a whole number of 1 or more, got {describe(number)}")
        named = _number_in_name(self.doc.path)
        if named is not None and named != number:
            self.fail(
                ("number",),
                f"number is {number} but the file is {self.doc.path.name}",
                f"Make them agree: number: {named}, or rename the file to {number}.yaml.",
            )
        return int(number)

    def section(self, data: dict[str, Any], k: KeyPath) -> Section:
        self.known_keys(data, k, SECTION_KEYS)
        timeline = self.each(data.get("timeline") or [], (*k, "timeline"), self.timeline_entry)
        return Section(
            heading=self.required_text(data, (*k, "heading")),
            items=tuple(self.each(data.get("items") or [], (*k, "items"), self.item)),
            intro=self.text(data, (*k, "intro")),
            timeline=tuple(sorted(timeline, key=lambda entry: entry.date)),
            lang=self.lang(data, (*k, "lang")),
        )

    def timeline_entry(self, data: dict[str, Any], k: KeyPath) -> TimelineEntry:
        self.known_keys(data, k, TIMELINE_KEYS)
        return TimelineEntry(
            date=self.date(data, (*k, "date"), required=True) or dt.date.min,
            text=self.required_text(data, (*k, "text")),
        )

    def item(self, data: dict[str, Any], k: KeyPath) -> IssueItem:
        self.known_keys(data, k, ITEM_KEYS)
        return IssueItem(
            title=self.required_text(data, (*k, "title")),
            url=self.url(data, (*k, "url")),
            source=self.text(data, (*k, "source")),
            date=self.date(data, (*k, "date")),
            countries=self.countries(data, (*k, "countries")),
            topics=self.topics(data, (*k, "topics")),
            body=self.text(data, (*k, "body")),
            also=tuple(self.each(data.get("also") or [], (*k, "also"), self.link)),
            lang=self.lang(data, (*k, "lang")),
            previously=self.previously(data, (*k, "previously")),
            id=self.text(data, (*k, "id")) or None,
            follow_up=self.follow_up(data, (*k, "follow_up")),
        )

    def link(self, data: dict[str, Any], k: KeyPath) -> Link:
        self.known_keys(data, k, LINK_KEYS)
        url = self.url(data, (*k, "url"))
        if url is None:
            self.fail((*k, "url"), "missing: every link in also: needs a url")
        return Link(source=self.text(data, (*k, "source")), url=url)

    def countries(self, data: dict[str, Any], k: KeyPath) -> tuple[str, ...]:
        codes = tuple(code.upper() for code in self.words(data, k))
        for i, code in enumerate(codes):
            if code not in self.taxonomy.countries:
                self.fail(
                    (*k, i),
                    f"unknown country code '{code}'",
                    "Use an ISO 3166-1 alpha-2 code the taxonomy knows (CN, JP, KR, ...), "
                    "or add it under countries: in feeds.yaml.",
                )
        return codes

    def topics(self, data: dict[str, Any], k: KeyPath) -> tuple[str, ...]:
        slugs = self.words(data, k)
        for i, slug in enumerate(slugs):
            if slug not in self.taxonomy.topics:
                self.fail(
                    (*k, i),
                    f"unknown topic '{slug}'",
                    f"Known topics: {', '.join(sorted(self.taxonomy.topics))}.",
                )
        return slugs

    def previously(self, data: dict[str, Any], k: KeyPath) -> tuple[int, ...]:
        got = data.get(str(k[-1]))
        if got is None:
            return ()
        values = got if isinstance(got, list) else [got]
        for i, value in enumerate(values):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.fail((*k, i) if isinstance(got, list) else k,
                          f"expected issue numbers, got {describe(value)}")  # fmt: skip
        return tuple(int(v) for v in values)

    def follow_up(self, data: dict[str, Any], k: KeyPath) -> FollowUp | None:
        """follow_up: 21, or {issue: 21, anchor: item-3}."""
        got = data.get(str(k[-1]))
        if got is None:
            return None
        if isinstance(got, dict):
            self.known_keys(got, k, FOLLOW_UP_KEYS)
            number, anchor = got.get("issue"), self.text(got, (*k, "anchor"))
            where = (*k, "issue")
        else:
            number, anchor, where = got, "", k
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            self.fail(where, f"expected an issue number, got {describe(number)}",
                      "Write follow_up: 21, or {issue: 21, anchor: item-3}.")  # fmt: skip
        if anchor and not _ANCHOR.match(anchor):
            self.fail((*k, "anchor"), f"'{shorten(anchor)}' is not an anchor like item-3")
        return FollowUp(issue=int(number), anchor=anchor)

    # ------------------------------------------------------------ typed values

    def text(self, data: dict[str, Any], keypath: KeyPath) -> str:
        got = data.get(str(keypath[-1]))
        if got is None:
            return ""
        if isinstance(got, bool) or not isinstance(got, str | int | float):
            self.fail(keypath, f"expected text, got {describe(got)}")
        return str(got).strip()

    def flag(self, data: dict[str, Any], keypath: KeyPath) -> bool:
        got = data.get(str(keypath[-1]))
        if got is None:
            return False
        if not isinstance(got, bool):
            self.fail(keypath, f"expected true or false, got {describe(got)}")
        return got

    def required_text(self, data: dict[str, Any], keypath: KeyPath) -> str:
        got = self.text(data, keypath)
        if not got:
            self.fail(keypath, f"missing: {keypath[-1]} is required and must not be empty")
        return got

    def texts(self, data: dict[str, Any], keypath: KeyPath) -> tuple[str, ...]:
        got = data.get(str(keypath[-1]))
        if got is None:
            return ()
        if not isinstance(got, list):
            self.fail(keypath, f"expected a list of text lines, got {describe(got)}")
        out = []
        for i, value in enumerate(got):
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.fail((*keypath, i), f"expected text, got {describe(value)}")
            out.append(str(value).strip())
        return tuple(out)

    def words(self, data: dict[str, Any], keypath: KeyPath) -> tuple[str, ...]:
        got = data.get(str(keypath[-1]))
        if got is None:
            return ()
        if isinstance(got, str):
            got = [got]
        if not isinstance(got, list):
            self.fail(keypath, f"expected a list like [CN, JP], got {describe(got)}")
        for i, word in enumerate(got):
            if not isinstance(word, str):
                self.fail((*keypath, i), f"expected a word, got {describe(word)}")
        return tuple(word.strip() for word in got)

    def date(
        self, data: dict[str, Any], keypath: KeyPath, *, required: bool = False
    ) -> dt.date | None:
        got = data.get(str(keypath[-1]))
        if got is None:
            if required:
                self.fail(keypath, "missing: a date like 2021-07-15 is required")
            return None
        if isinstance(got, dt.datetime):
            return got.date()
        if isinstance(got, dt.date):
            return got
        if isinstance(got, str):
            try:
                return dt.date.fromisoformat(got.strip())
            except ValueError:
                pass
        self.fail(keypath, f"expected a date like 2021-07-15, got {describe(got)}")

    def url(self, data: dict[str, Any], keypath: KeyPath) -> str | None:
        got = self.text(data, keypath)
        if not got:
            return None
        parts = urlsplit(got)
        if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
            self.fail(
                keypath,
                f"'{shorten(got)}' is not an http(s) URL",
                "Links must start with https:// or http:// and name a host.",
            )
        return got

    def lang(self, data: dict[str, Any], keypath: KeyPath) -> str | None:
        got = self.text(data, keypath)
        if not got:
            return None
        if not is_language_tag(got):
            self.fail(keypath, f"'{shorten(got)}' is not a language tag like zh or zh-Hans")
        return got


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
    return {"issue": follow_up.issue, "anchor": follow_up.anchor}


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
        return FollowUp(issue=int(value["issue"]), anchor=value.get("anchor", ""))
    return FollowUp(issue=int(value))


def _day(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
