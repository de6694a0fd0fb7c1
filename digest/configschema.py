"""Every key of feeds.yaml in one place: its type, its default, its check and a line of help.

config.py reads feeds.yaml through SCHEMA; `digest init` writes its commented feeds.yaml from
it. A new key is one entry here plus a field on its dataclass in models.py; the kinds of key
(text, number, section, list ...) are digest/configkeys.py's.

Defaults are written as YAML values and pass through the same check as the editor's values, so
an absent key and the value `digest init` writes for it cannot mean different things.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from digest.configkeys import (
    Flag,
    ListOf,
    MapOf,
    Number,
    OneOf,
    Reader,
    Section,
    Text,
    Url,
    Values,
    Whole,
    Words,
)
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
from digest.yamlfile import KeyPath, YamlDoc

CONFIG_NAME = "feeds.yaml"


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
    Number("threshold", "how alike two items must be (0 to 1) to count as one story", 0.45,
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
