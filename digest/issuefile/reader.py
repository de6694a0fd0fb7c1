"""Reading issues/N.yaml: every field checked, every error naming the file, line and field."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest.errors import IssueFileError
from digest.models import (
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
    KeyPath,
    YamlDoc,
    describe,
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
FOLLOW_UP_KEYS = {"issue", "anchor", "entry"}
LINK_KEYS = {"source", "url"}
TIMELINE_KEYS = {"date", "text"}

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_ANCHOR = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def number_in_name(path: Path) -> int | None:
    """1 for 1.yaml and 01.yaml; None for 0.yaml, 22-draft.yaml or notes.yaml."""
    stem = path.stem
    if not (stem.isascii() and stem.isdigit()) or int(stem) < 1:
        return None
    return int(stem)


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
        named = number_in_name(self.doc.path)
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
            entry = self.text(got, (*k, "entry"))
            where = (*k, "issue")
        else:
            number, anchor, entry, where = got, "", "", k
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            self.fail(where, f"expected an issue number, got {describe(number)}",
                      "Write follow_up: 21, or {issue: 21, anchor: item-3}.")  # fmt: skip
        if anchor and not _ANCHOR.match(anchor):
            self.fail((*k, "anchor"), f"'{shorten(anchor)}' is not an anchor like item-3")
        return FollowUp(issue=int(number), anchor=anchor, entry=entry)

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
