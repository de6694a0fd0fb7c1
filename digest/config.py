"""feeds.yaml: the newsletter's settings, read and checked in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from digest.errors import ConfigError, UserError
from digest.models import (
    Config,
    Country,
    EmailSettings,
    FeedConfig,
    FetchSettings,
    Newsletter,
    Taxonomy,
    Topic,
)
from digest.taxonomy import builtin_taxonomy, merge_taxonomy
from digest.yamlfile import FieldReader, KeyPath, YamlDoc, describe, load_yaml

CONFIG_NAME = "feeds.yaml"

_TOP_KEYS = {
    "newsletter", "fetch", "email", "feeds", "countries", "topics", "relevance", "stories",
}  # fmt: skip
_SECURITY = ("starttls", "ssl", "none")
_PAGE_SIZES = ("A4", "Letter")
_GROUP_BY = ("country", "topic")


def find_root(start: Path | None = None) -> Path:
    """The newsletter folder: start itself, or the nearest parent holding feeds.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise UserError(
        f"no {CONFIG_NAME} in {here} or any folder above it",
        hint="Run digest in a newsletter folder, pass --root DIR, or make one with 'digest init'.",
    )


def load_config(root: Path) -> Config:
    path = root / CONFIG_NAME
    doc = load_yaml(path, ConfigError)
    data = doc.data if doc.data is not None else {}
    check = _Checker(doc)
    check.mapping(data, ())
    for key in data:
        if key not in _TOP_KEYS:
            check.fail(
                (key,), f"unknown key '{key}'", f"Known keys: {', '.join(sorted(_TOP_KEYS))}."
            )
    relevance = check.mapping(data.get("relevance") or {}, ("relevance",))
    check.known_keys(relevance, ("relevance",), {"terms", "ignore"})
    taxonomy = merge_taxonomy(
        builtin_taxonomy(),
        _countries(check, data.get("countries") or {}),
        _topics(check, data.get("topics") or {}),
        relevance=check.words(relevance, ("relevance", "terms")),
        ignore=check.words(relevance, ("relevance", "ignore")),
    )
    stories = check.mapping(data.get("stories") or {}, ("stories",))
    return Config(
        root=root,
        newsletter=_newsletter(check, data.get("newsletter") or {}),
        fetch=_fetch(check, data.get("fetch") or {}),
        email=_email(check, data.get("email") or {}),
        feeds=_feeds(check, data.get("feeds") or [], taxonomy),
        taxonomy=taxonomy,
        story_threshold=check.number(stories, ("stories", "threshold"), 0.5, low=0.0, high=1.0),
        path=path,
    )


class _Checker(FieldReader):
    """Reads the settings out of feeds.yaml, failing with file, line and field path."""

    def __init__(self, doc: YamlDoc) -> None:
        super().__init__(doc, ConfigError)

    def text(self, value: dict[str, Any], keypath: KeyPath, default: str = "") -> str:
        got = value.get(str(keypath[-1]), default)
        if got is None:
            return default
        if isinstance(got, bool) or not isinstance(got, str | int | float):
            self.fail(keypath, f"expected text, got {describe(got)}")
        return str(got)

    def choice(self, value: dict[str, Any], keypath: KeyPath, options: tuple[str, ...]) -> str:
        got = self.text(value, keypath, options[0])
        if got not in options:
            self.fail(keypath, f"'{got}' is not one of: {', '.join(options)}")
        return got

    def number(
        self,
        value: dict[str, Any],
        keypath: KeyPath,
        default: float,
        *,
        low: float | None = None,
        high: float | None = None,
    ) -> float:
        got = value.get(str(keypath[-1]), default)
        if isinstance(got, bool) or not isinstance(got, int | float):
            self.fail(keypath, f"expected a number, got {describe(got)}")
        if (low is not None and got < low) or (high is not None and got > high):
            self.fail(keypath, f"{got} is out of range ({low} to {high})")
        return float(got)

    def whole(self, value: dict[str, Any], keypath: KeyPath, default: int, low: int = 1) -> int:
        got = value.get(str(keypath[-1]), default)
        if isinstance(got, bool) or not isinstance(got, int):
            self.fail(keypath, f"expected a whole number, got {describe(got)}")
        if got < low:
            self.fail(keypath, f"must be at least {low}")
        return int(got)

    def flag(self, value: dict[str, Any], keypath: KeyPath, default: bool) -> bool:
        got = value.get(str(keypath[-1]), default)
        if not isinstance(got, bool):
            self.fail(keypath, f"expected true or false, got {describe(got)}")
        return bool(got)

    def words(self, value: dict[str, Any], keypath: KeyPath) -> tuple[str, ...]:
        got = value.get(str(keypath[-1])) or []
        if isinstance(got, str):
            got = [got]
        if not isinstance(got, list) or not all(isinstance(w, str | int) for w in got):
            self.fail(keypath, "expected a list of words")
        return tuple(str(w) for w in got)


def _newsletter(check: _Checker, raw: Any) -> Newsletter:
    k: KeyPath = ("newsletter",)
    data = check.mapping(raw, k)
    known = {
        "name", "author", "tagline", "url", "contact", "language", "page_size", "group_by",
        "about", "section_order", "remote_image_hosts",
    }  # fmt: skip
    check.known_keys(data, k, known)
    url = check.text(data, (*k, "url")).rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        check.fail((*k, "url"), "must start with http:// or https://")
    return Newsletter(
        name=check.text(data, (*k, "name"), "My Newsletter"),
        author=check.text(data, (*k, "author")),
        tagline=check.text(data, (*k, "tagline")),
        url=url,
        contact=check.text(data, (*k, "contact")),
        language=check.text(data, (*k, "language"), "en"),
        page_size=check.choice(data, (*k, "page_size"), _PAGE_SIZES),
        group_by=check.choice(data, (*k, "group_by"), _GROUP_BY),
        about=check.text(data, (*k, "about")),
        section_order=check.words(data, (*k, "section_order")),
        remote_image_hosts=check.words(data, (*k, "remote_image_hosts")),
    )


def _fetch(check: _Checker, raw: Any) -> FetchSettings:
    k: KeyPath = ("fetch",)
    data = check.mapping(raw, k)
    check.known_keys(data, k, {"timeout", "workers", "max_bytes", "max_redirects", "allow_private"})
    return FetchSettings(
        timeout=check.number(data, (*k, "timeout"), 20.0, low=0.1, high=600),
        workers=check.whole(data, (*k, "workers"), 16),
        max_bytes=check.whole(data, (*k, "max_bytes"), 15_000_000, low=1024),
        max_redirects=check.whole(data, (*k, "max_redirects"), 5, low=0),
        allow_private=check.flag(data, (*k, "allow_private"), False),
    )


def _email(check: _Checker, raw: Any) -> EmailSettings:
    k: KeyPath = ("email",)
    data = check.mapping(raw, k)
    known = {
        "host",
        "port",
        "security",
        "from",
        "reply_to",
        "list_unsubscribe",
        "subject",
        "timeout",
    }
    check.known_keys(data, k, known)
    security = check.choice(data, (*k, "security"), _SECURITY)
    default_port = {"starttls": 587, "ssl": 465, "none": 25}[security]
    sender = check.text(data, (*k, "from"))
    unsubscribe = check.text(data, (*k, "list_unsubscribe"))
    if not unsubscribe and sender:
        unsubscribe = f"mailto:{_address_of(sender)}?subject=unsubscribe"
    return EmailSettings(
        host=check.text(data, (*k, "host"), "localhost"),
        port=check.whole(data, (*k, "port"), default_port),
        security=security,
        from_addr=sender,
        reply_to=check.text(data, (*k, "reply_to")),
        list_unsubscribe=unsubscribe,
        subject=check.text(data, (*k, "subject"), "{name} #{number}: {title}"),
        timeout=check.number(data, (*k, "timeout"), 30.0, low=1, high=600),
    )


def _address_of(sender: str) -> str:
    """'Coco <coco@example.org>' -> 'coco@example.org'."""
    if "<" in sender and sender.endswith(">"):
        return sender[sender.rindex("<") + 1 : -1].strip()
    return sender.strip()


def _feeds(check: _Checker, raw: Any, taxonomy: Taxonomy) -> tuple[FeedConfig, ...]:
    seen: set[str] = set()

    def read(data: dict[str, Any], k: KeyPath) -> FeedConfig:
        check.known_keys(data, k, {"name", "url", "country", "topics", "language"})
        name = check.text(data, (*k, "name")).strip()
        url = check.text(data, (*k, "url")).strip()
        if not name:
            check.fail((*k, "name"), "every feed needs a name")
        if name in seen:
            check.fail(
                (*k, "name"), f"two feeds are named '{name}'", "Give each feed its own name."
            )
        seen.add(name)
        if not url:
            check.fail((*k, "url"), f"feed '{name}' has no url")
        scheme = urlsplit(url).scheme.lower()
        if len(scheme) > 1 and scheme not in {"http", "https", "file"}:
            check.fail((*k, "url"), f"'{url}' is neither an http(s) URL nor a local path")
        country = check.text(data, (*k, "country")).upper() or None
        if country and country not in taxonomy.countries:
            check.fail((*k, "country"), f"unknown country code '{country}'",
                       "Use an ISO 3166-1 alpha-2 code, or add it under countries:.")  # fmt: skip
        topics = check.words(data, (*k, "topics"))
        for topic in topics:
            if topic not in taxonomy.topics:
                check.fail((*k, "topics"), f"unknown topic '{topic}'",
                           f"Known topics: {', '.join(sorted(taxonomy.topics))}.")  # fmt: skip
        return FeedConfig(
            name=name,
            url=url,
            country=country,
            topics=topics,
            language=check.text(data, (*k, "language")) or None,
        )

    return tuple(check.each(raw, ("feeds",), read))


def _countries(check: _Checker, raw: Any) -> dict[str, Country]:
    data = check.mapping(raw, ("countries",))
    out: dict[str, Country] = {}
    for code, value in data.items():
        k: KeyPath = ("countries", code)
        if not (len(code) == 2 and code.isalpha() and code.isupper()):
            check.fail(k, f"'{code}' is not a two-letter country code like CN")
        entry = check.mapping(value or {}, k)
        check.known_keys(entry, k, {"name", "aliases", "asian"})
        out[code] = Country(
            code=code,
            name=check.text(entry, (*k, "name")),
            aliases=check.words(entry, (*k, "aliases")),
            asian=check.flag(entry, (*k, "asian"), True),
        )
    return out


def _topics(check: _Checker, raw: Any) -> dict[str, Topic]:
    data = check.mapping(raw, ("topics",))
    out: dict[str, Topic] = {}
    for slug, value in data.items():
        k: KeyPath = ("topics", slug)
        if not slug.replace("-", "").isalnum() or slug != slug.lower():
            check.fail(k, f"'{slug}' is not a topic slug (lowercase letters, digits, -)")
        entry = check.mapping(value or {}, k)
        check.known_keys(entry, k, {"name", "keywords"})
        out[slug] = Topic(
            slug=slug,
            name=check.text(entry, (*k, "name")),
            keywords=check.words(entry, (*k, "keywords")),
        )
    return out


def smtp_login() -> tuple[str, str] | None:
    """SMTP user and password, only ever from the environment."""
    user = os.environ.get("DIGEST_SMTP_USER", "")
    password = os.environ.get("DIGEST_SMTP_PASSWORD", "")
    return (user, password) if user else None
