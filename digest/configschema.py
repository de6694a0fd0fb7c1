"""Every key of feeds.yaml in one place: its type, its default, its check and a line of help.

config.py reads feeds.yaml through SCHEMA; `digest init` writes its commented feeds.yaml from
it. A new key is one entry here plus a field on its dataclass in models.py.

Defaults are written as YAML values and pass through the same check as the editor's values, so
an absent key and the value `digest init` writes for it cannot mean different things.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from digest.errors import ConfigError
from digest.models import (
    Country,
    DirDeploy,
    EmailSettings,
    FeedConfig,
    FetchSettings,
    GitDeploy,
    Newsletter,
    Topic,
)
from digest.sanitize import strip_bidi
from digest.yamlfile import FieldReader, KeyPath, YamlDoc, describe

CONFIG_NAME = "feeds.yaml"

Values = dict[str, Any]  # the checked values of one mapping, by key, in schema order
# A default: a YAML value, or a function of the values read before it in the same mapping.
Default = Any


class Reader(FieldReader):
    """Fails with feeds.yaml's name, the line and the key path."""

    def __init__(self, doc: YamlDoc) -> None:
        super().__init__(doc, ConfigError)


class Option:
    """One key: what its value must be (check), what it is when absent (default), and help."""

    # A key written with no value (`key:`) takes its default, except where noted.
    blank_is_default = True

    def __init__(self, key: str, help: str, default: Default = None, *, attr: str = "") -> None:
        self.key = key
        self.help = help
        self.default = default
        self.attr = attr or key  # the dataclass field, when it differs from the key

    def default_value(self, before: Values) -> Any:
        return self.default(before) if callable(self.default) else self.default

    def is_blank(self, value: Any) -> bool:
        return self.blank_is_default and value is None

    def read(
        self, reader: Reader, data: Mapping[str, Any], keypath: KeyPath, before: Values
    ) -> Any:
        value = data.get(self.key)
        if self.key not in data or self.is_blank(value):
            value = self.default_value(before)
        return self.check(reader, value, (*keypath, self.key))

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        raise NotImplementedError


class Text(Option):
    """Text (a number is taken as its digits), optionally one of a few choices."""

    def __init__(
        self,
        key: str,
        help: str,
        default: Default = "",
        *,
        choices: tuple[str, ...] = (),
        convert: Callable[[str], Any] | None = None,
        required: str = "",  # the message when it is empty
        attr: str = "",
    ) -> None:
        super().__init__(key, help, choices[0] if choices else default, attr=attr)
        self.choices = choices
        self.convert = convert
        self.required = required

    def is_blank(self, value: Any) -> bool:
        # An empty value takes a default worked out from other keys (email.list_unsubscribe).
        return super().is_blank(value) or (value == "" and callable(self.default))

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            reader.fail(keypath, f"expected text, got {describe(value)}")
        text = str(value)
        if self.choices and text not in self.choices:
            reader.fail(keypath, f"'{text}' is not one of: {', '.join(self.choices)}")
        if self.required and not text.strip():
            reader.fail(keypath, self.required)
        return self.convert(text) if self.convert else text


class Url(Text):
    """An absolute URL with one of the given schemes, or empty."""

    def __init__(
        self,
        key: str,
        help: str,
        *,
        schemes: tuple[str, ...] = ("http", "https"),
        convert: Callable[[str], Any] | None = None,
    ) -> None:
        super().__init__(key, help, convert=convert)
        self.prefixes = tuple(f"{scheme}://" for scheme in schemes)

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        url = super().check(reader, value, keypath)
        if url and not url.startswith(self.prefixes):
            reader.fail(keypath, f"must start with {' or '.join(self.prefixes)}")
        return url


class Number(Option):
    blank_is_default = False

    def __init__(self, key: str, help: str, default: float, *, low: float, high: float) -> None:
        super().__init__(key, help, default)
        self.low = low
        self.high = high

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            reader.fail(keypath, f"expected a number, got {describe(value)}")
        if not self.low <= value <= self.high:
            reader.fail(keypath, f"{value} is out of range ({self.low} to {self.high})")
        return float(value)


class Whole(Option):
    blank_is_default = False

    def __init__(self, key: str, help: str, default: Default, *, low: int = 1) -> None:
        super().__init__(key, help, default)
        self.low = low

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            reader.fail(keypath, f"expected a whole number, got {describe(value)}")
        if value < self.low:
            reader.fail(keypath, f"must be at least {self.low}")
        return value


class Flag(Option):
    blank_is_default = False

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> bool:
        if not isinstance(value, bool):
            reader.fail(keypath, f"expected true or false, got {describe(value)}")
        return value


class Words(Option):
    """A list of words or phrases; a single one may be written without the brackets."""

    def __init__(self, key: str, help: str) -> None:
        super().__init__(key, help, [])

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> tuple[str, ...]:
        words = [value] if isinstance(value, str) else value or []
        if not isinstance(words, list) or not all(isinstance(w, str | int) for w in words):
            reader.fail(keypath, "expected a list of words")
        return tuple(str(w) for w in words)


Finish = Callable[[Reader, Values, KeyPath], None]


class Section(Option):
    """A mapping of known keys; builds `build` from their values (or returns the values)."""

    def __init__(
        self,
        key: str,
        help: str,
        options: tuple[Option, ...],
        *,
        build: Callable[..., Any] | None = None,
        finish: Finish | None = None,  # checks that look at several keys at once
    ) -> None:
        super().__init__(key, help, {})
        self.options = options
        self.build = build
        self.finish = finish

    @property
    def keys(self) -> set[str]:
        return {option.key for option in self.options}

    def values(self, reader: Reader, value: Any, keypath: KeyPath) -> Values:
        data = reader.mapping(value or {}, keypath)
        reader.known_keys(data, keypath, self.keys)
        values: Values = {}
        for option in self.options:
            values[option.key] = option.read(reader, data, keypath, values)
        if self.finish:
            self.finish(reader, values, keypath)
        return values

    def fields(self, values: Values) -> dict[str, Any]:
        return {option.attr: values[option.key] for option in self.options}

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        values = self.values(reader, value, keypath)
        return self.build(**self.fields(values)) if self.build else values


class ListOf(Option):
    """A list of mappings of one shape."""

    def __init__(
        self,
        key: str,
        help: str,
        entry: Section,
        *,
        finish: Callable[[Reader, list[Values], KeyPath], None] | None = None,
    ) -> None:
        super().__init__(key, help, [])
        self.entry = entry
        self.finish = finish

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> tuple[Any, ...]:
        entries = reader.each(
            value or [], keypath, lambda data, k: self.entry.values(reader, data, k)
        )
        if self.finish:
            self.finish(reader, entries, keypath)
        build = self.entry.build or dict
        return tuple(build(**self.entry.fields(values)) for values in entries)


class MapOf(Option):
    """A mapping from names the editor chooses (country codes, topic slugs) to entries."""

    def __init__(
        self,
        key: str,
        help: str,
        entry: Section,
        *,
        name_field: str,  # the entry's field that holds its name
        name_check: Callable[[str], bool],
        name_problem: str,  # the message for a bad name, with {} for the name
        example: str,
    ) -> None:
        super().__init__(key, help, {})
        self.entry = entry
        self.name_field = name_field
        self.name_check = name_check
        self.name_problem = name_problem
        self.example = example  # one entry, for the commented template

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> dict[str, Any]:
        data = reader.mapping(value or {}, keypath)
        out: dict[str, Any] = {}
        build = self.entry.build or dict
        for name, raw in data.items():
            k = (*keypath, name)
            if not self.name_check(name):
                reader.fail(k, self.name_problem.format(name))
            values = self.entry.values(reader, raw, k)
            out[name] = build(**{self.name_field: name}, **self.entry.fields(values))
        return out


class OneOf(Option):
    """A mapping in one of several shapes, told apart by its keys; nothing when absent."""

    def __init__(self, key: str, help: str, shapes: tuple[Section, ...], *, example: str) -> None:
        super().__init__(key, help, None)
        self.shapes = shapes
        self.example = example  # for the commented template

    def check(self, reader: Reader, value: Any, keypath: KeyPath) -> Any:
        if value is None:
            return None
        data = reader.mapping(value, keypath)
        reader.known_keys(data, keypath, set().union(*(shape.keys for shape in self.shapes)))
        for shape in self.shapes:
            if data and set(data) <= shape.keys:
                return shape.check(reader, data, keypath)
        either = " or ".join("{" + ", ".join(o.key for o in s.options) + "}" for s in self.shapes)
        reader.fail(keypath, f"expected {either}", f"For example: {self.example}.")


# ---------------------------------------------------------------- checks across keys


def _default_port(before: Values) -> int:
    return {"starttls": 587, "ssl": 465, "none": 25}[before["security"]]


def _default_unsubscribe(before: Values) -> str:
    sender: str = before["from"]
    return f"mailto:{address_of(sender)}?subject=unsubscribe" if sender else ""


def address_of(sender: str) -> str:
    """'Coco <coco@example.org>' -> 'coco@example.org'."""
    if "<" in sender and sender.endswith(">"):
        return sender[sender.rindex("<") + 1 : -1].strip()
    return sender.strip()


def _check_feed(reader: Reader, feed: Values, keypath: KeyPath) -> None:
    url = feed["url"]
    if not url:
        reader.fail((*keypath, "url"), f"feed '{feed['name']}' has no url")
    scheme = urlsplit(url).scheme.lower()
    if len(scheme) > 1 and scheme not in {"http", "https", "file"}:
        reader.fail((*keypath, "url"), f"'{url}' is neither an http(s) URL nor a local path")


def _check_feed_names(reader: Reader, feeds: list[Values], keypath: KeyPath) -> None:
    seen: set[str] = set()
    for i, feed in enumerate(feeds):
        if feed["name"] in seen:
            reader.fail((*keypath, i, "name"), f"two feeds are named '{feed['name']}'",
                        "Give each feed its own name.")  # fmt: skip
        seen.add(feed["name"])


def _is_country_code(code: str) -> bool:
    return len(code) == 2 and code.isalpha() and code.isupper()


def _is_topic_slug(slug: str) -> bool:
    return slug.replace("-", "").isalnum() and slug == slug.lower()


# ---------------------------------------------------------------- the schema

NEWSLETTER = Section("newsletter", "The newsletter itself.", (
    Text("name", "its identity: it keys the Atom ids of the site's feed, so set it once",
         "My Newsletter"),
    Text("author", "who writes it"),
    Text("tagline", "one line under the name"),
    Url("url", "where the site is published, e.g. https://example.org/newsletter/ "
        "(absolute links in feed.xml and email start here)", convert=lambda url: url.rstrip("/")),
    Text("contact", "an email address or a URL, in every issue's footer"),
    Text("language", "the language issues are written in", "en"),
    Text("page_size", "the PDF's paper", choices=("A4", "Letter")),
    Text("group_by", "how drafts group items", choices=("country", "topic")),
    Text("about", "Markdown for the footer of every issue"),
    Words("section_order", "section headings, country codes or topic slugs, in the order "
          "issues show them; the others follow"),
    Words("remote_image_hosts", "hosts the pages and PDFs may load images from"),
), build=Newsletter)  # fmt: skip

FETCH = Section("fetch", "How `digest fetch` reads the feeds.", (
    Number("timeout", "seconds per feed, covering connect, slow servers and the whole body",
           20, low=0.1, high=600),
    Whole("workers", "feeds fetched at once", 16),
    Whole("max_bytes", "the largest feed accepted, also after decompression", 15_000_000,
          low=1024),
    Whole("max_redirects", "redirects followed for one feed", 5, low=0),
    Flag("allow_private", "true to follow feeds on your own network (intranet, loopback)", False),
), build=FetchSettings)  # fmt: skip

EMAIL = Section("email", "How `digest send` mails an issue. The SMTP login comes only from the "
                "environment: DIGEST_SMTP_USER and DIGEST_SMTP_PASSWORD.", (
    Text("host", "the SMTP server, e.g. smtp.example.org", "localhost"),
    Text("security", "how the connection to it is encrypted",
         choices=("starttls", "ssl", "none")),
    Whole("port", "the SMTP port; unless set 587 for starttls, 465 for ssl, 25 for none",
          _default_port),
    Text("from", "the sender, e.g. Editor <editor@example.org>", attr="from_addr"),
    Text("reply_to", "where replies go, when not to the sender"),
    Text("list_unsubscribe", "the List-Unsubscribe header; unless set, a mailto: link "
         "to the sender with the subject unsubscribe", _default_unsubscribe),
    Url("unsubscribe_url", "an https page where a reader unsubscribes: listed in "
        "List-Unsubscribe with one-click unsubscribing, and the footer's link",
        schemes=("https",)),
    Text("pdf", "whether an email attaches the issue's PDF, links to it on the site, or neither",
         choices=("attach", "link", "none")),
    Text("subject", "the subject line; {name}, {number} and {title} are filled in",
         "{name} #{number}: {title}"),
    Number("timeout", "seconds to wait for the SMTP server", 30, low=1, high=600),
), build=EmailSettings)  # fmt: skip

DEPLOY = OneOf("deploy", "Where `digest deploy` puts the built site: a git branch or a folder; "
               "nowhere unless set.", (
    Section("deploy", "either a git branch", (
        Text("branch", "the branch the site is committed to", "gh-pages"),
        Text("remote", "the remote the branch is pushed to", "origin"),
    ), build=GitDeploy),
    Section("deploy", "or a folder", (
        Text("dir", "the folder the site is copied to, absolute or relative to this one",
             required="needs a folder", convert=Path),
    ), build=DirDeploy),
), example="{branch: gh-pages, remote: origin}")  # fmt: skip

FEEDS = ListOf("feeds", "The feeds the newsletter is made from.", Section("feed", "one feed", (
    Text("name", "what digest calls the feed; each feed has its own",
         convert=lambda name: strip_bidi(name.strip()), required="every feed needs a name"),
    Text("url", "an http(s) URL, or a local path or file: URL relative to this folder",
         convert=str.strip),
    Text("country", "optional country code: a prior for classification, not a verdict",
         convert=lambda code: code.upper() or None),
    Words("topics", "optional topic slugs, a prior too"),
    Text("language", "optional language of its entries, e.g. zh",
         convert=lambda language: language or None),
), build=FeedConfig, finish=_check_feed), finish=_check_feed_names)  # fmt: skip

COUNTRIES = MapOf("countries", "Additions to the built-in countries (`digest taxonomy` lists "
                  "them), by ISO 3166-1 alpha-2 code; a known code gets more aliases.",
    Section("country", "one country", (
        Text("name", "its name; for a new code, the code unless set"),
        Words("aliases", "names, cities, regulators, currencies that mean it, in any language"),
        Flag("asian", "false for a country outside Asia", True),
    ), build=Country),
    name_field="code", name_check=_is_country_code,
    name_problem="'{}' is not a two-letter country code like CN",
    example="MN: {name: Mongolia, aliases: [Mongolia, Ulaanbaatar]}",
)  # fmt: skip

TOPICS = MapOf("topics", "Additions to the built-in topics, by slug (lowercase letters, digits, "
               "-); a known slug gets more keywords.",
    Section("topic", "one topic", (
        Text("name", "its name; for a new slug, the slug unless set"),
        Words("keywords", "words and phrases that put an item under it"),
    ), build=Topic),
    name_field="slug", name_check=_is_topic_slug,
    name_problem="'{}' is not a topic slug (lowercase letters, digits, -)",
    example="nft: {name: NFTs, keywords: [NFT, non-fungible]}",
)  # fmt: skip

RELEVANCE = Section("relevance", "What makes an item belong in the newsletter, on top of the "
                    "built-in lists.", (
    Words("terms", "words that make an item about crypto (only words with no everyday sense), "
          "e.g. [Kaspa, zkSync]"),
    Words("ignore", "phrases that hold such a word but mean something else, e.g. [bitcoin bowl]"),
))  # fmt: skip

STORIES = Section("stories", "How items are grouped into stories.", (
    Number("threshold", "how alike two items must be (0 to 1) to count as one story", 0.5,
           low=0.0, high=1.0),
))  # fmt: skip

SCHEMA = Section("", "feeds.yaml", (
    NEWSLETTER, FETCH, EMAIL, DEPLOY, FEEDS, COUNTRIES, TOPICS, RELEVANCE, STORIES,
))  # fmt: skip


def default_of(key: str) -> Any:
    """The value a key of a section takes when absent, e.g. default_of("stories.threshold")."""
    section_key, _, name = key.partition(".")
    section = next(o for o in SCHEMA.options if o.key == section_key)
    assert isinstance(section, Section), f"{section_key} is not a section of keys"
    return section.values(_empty_reader(), {}, (section_key,))[name]


def _empty_reader() -> Reader:
    return Reader(YamlDoc(path=Path(CONFIG_NAME), data=None))


# ---------------------------------------------------------------- the commented feeds.yaml

_COMMENT_COLUMN = 28  # where a key's help starts on its line


def config_template(feeds: list[dict[str, str]]) -> str:
    """feeds.yaml for a new newsletter: every key with its default and, as a comment, its help;
    `feeds` are the starting feeds. It loads to the same settings as a file with only them."""
    lines = [
        *_comment("The newsletter's settings and the feeds it is made from. Every key is shown "
                  "with its default and what it does; a key left out or left empty takes its "
                  "default."),
    ]  # fmt: skip
    for option in SCHEMA.options:
        lines += ["", *_comment(option.help)]
        if isinstance(option, Section):
            lines += [f"{option.key}:", *_section_lines(option)]
        elif isinstance(option, ListOf):
            lines += _entry_help(option.entry)
            lines += [f"{option.key}:", *_list_lines(feeds)]
        elif isinstance(option, MapOf):
            lines += _entry_help(option.entry)
            lines += [f"{option.key}:", f"  # {option.example}"]
        elif isinstance(option, OneOf):
            for shape in option.shapes:
                lines += [f"# {shape.help}:", *_entry_help(shape)]
            lines += [f"# {option.key}: {option.example}"]
    return "\n".join(lines) + "\n"


def _section_lines(section: Section) -> list[str]:
    reader = _empty_reader()
    before: Values = {}
    lines = []
    for option in section.options:
        raw = option.default_value(before)
        before[option.key] = option.check(reader, raw, (section.key, option.key))
        help = option.help
        if isinstance(option, Text) and option.choices:
            *some, last = option.choices
            help = f"{', '.join(some)} or {last}: {help}"
        key = f"  {option.key}: {yaml_value(raw)}".ljust(_COMMENT_COLUMN - 2)
        width = max(100 - max(len(key), _COMMENT_COLUMN) - 2, 40)
        for i, part in enumerate(textwrap.wrap(help, width)):
            lines.append(f"{key if i == 0 else ' ' * len(key)}  # {part}")
    return lines


def _entry_help(entry: Section) -> list[str]:
    lines = []
    for option in entry.options:
        default = option.default_value({})
        note = f" ({yaml_value(default)} unless set)" if default not in ("", [], None) else ""
        lines.append(f"#   {option.key}: {option.help}{note}")
    return lines


def _list_lines(entries: list[dict[str, str]]) -> list[str]:
    lines = []
    for entry in entries:
        for i, (key, value) in enumerate(entry.items()):
            lines.append(f"{'  - ' if i == 0 else '    '}{key}: {yaml_value(value)}")
    return lines


def yaml_value(value: Any) -> str:
    """A value as YAML writes it on one line: '' for empty text, [] for an empty list."""
    if value == "":
        return '""'
    text: str = yaml.safe_dump(value, default_flow_style=True, width=1_000, allow_unicode=True)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _comment(text: str) -> list[str]:
    return [f"# {line}" for line in textwrap.wrap(text, width=98)]
