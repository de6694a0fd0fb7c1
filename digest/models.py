"""The frozen values that flow between the stages of the pipeline.

feeds.yaml -> Config; a feed's bytes -> Entry; Entry + classification -> Item (the store);
issues/N.yaml -> Issue. Stages in the middle are pure functions over these.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

# ---------------------------------------------------------------- settings (feeds.yaml)
# Defaults, checks and help for every key live in digest/configschema.py, not here.


@dataclass(frozen=True)
class Newsletter:
    name: str
    author: str
    tagline: str
    url: str  # where the site is published; absolute links in feed.xml and email
    contact: str  # an email address or URL
    language: str
    page_size: str  # A4 or Letter
    group_by: str  # country or topic
    about: str  # Markdown for the footer of every issue
    section_order: tuple[str, ...]  # headings, country codes or topic slugs, in order
    remote_image_hosts: tuple[str, ...]  # hosts whose images pages and PDFs may load


@dataclass(frozen=True)
class FetchSettings:
    timeout: float
    workers: int
    max_bytes: int
    max_redirects: int
    allow_private: bool  # feeds on loopback or private networks (intranets, tests)


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int
    security: str  # starttls, ssl or none
    from_addr: str  # `from` in feeds.yaml
    reply_to: str
    list_unsubscribe: str
    unsubscribe_url: str  # an https page for unsubscribing, or ""
    pdf: str  # attach, link or none
    subject: str
    timeout: float


@dataclass(frozen=True)
class GitDeploy:
    """Publish the site by committing it to a branch and pushing it to a remote."""

    branch: str
    remote: str


@dataclass(frozen=True)
class DirDeploy:
    """Publish the site by copying it into a folder."""

    dir: Path


@dataclass(frozen=True)
class FeedConfig:
    name: str
    url: str  # http(s) URL, file: URL or a path relative to the newsletter folder
    country: str | None = None  # a prior for classification, not a verdict
    topics: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    aliases: tuple[str, ...] = ()  # names, cities, regulators, currencies; any language
    asian: bool = True
    # False where the name alone is mostly something else (Georgia, a US state; Jordan, a
    # first name): the country is then found by its aliases only.
    name_tags: bool = True


@dataclass(frozen=True)
class Topic:
    slug: str
    name: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    countries: dict[str, Country] = field(default_factory=dict)
    topics: dict[str, Topic] = field(default_factory=dict)
    # Words that make an entry about crypto, blockchain, digital assets or CBDCs ("bitcoin").
    relevance: tuple[str, ...] = ()
    # Phrases that hold such a word or a keyword but mean something else ("exchange rate").
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class Incidents:
    """What makes a title the report of an incident, and what such an item's summary can
    still make: its backdrop (the users of a hacked exchange) is not what it reports."""

    topics: tuple[str, ...] = ()  # a title making one on its own reports a crime (a hack)
    terms: tuple[str, ...] = ()  # one naming one of these reports a closure or a giveaway
    title_only: tuple[str, ...] = ()  # topics such an item takes from its title's words alone
    title_named: tuple[str, ...] = ()  # topics it takes only when its title names them


@dataclass(frozen=True)
class Config:
    root: Path
    newsletter: Newsletter
    fetch: FetchSettings
    email: EmailSettings
    feeds: tuple[FeedConfig, ...]
    taxonomy: Taxonomy
    story_threshold: float
    deploy: GitDeploy | DirDeploy | None
    path: Path | None = None  # the feeds.yaml it came from

    @property
    def issues_dir(self) -> Path:
        return self.root / "issues"

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def site_dir(self) -> Path:
        return self.root / "site"

    @property
    def state_dir(self) -> Path:
        return self.root / ".digest"

    @property
    def store_path(self) -> Path:
        return self.state_dir / "store.sqlite"

    def feed(self, name: str) -> FeedConfig | None:
        return next((f for f in self.feeds if f.name == name), None)


# ---------------------------------------------------------------- feed items


@dataclass(frozen=True)
class Entry:
    """One entry as a feed gave it, cleaned: plain-text title, sanitized summary."""

    feed: str
    guid: str | None
    url: str | None  # canonical http(s) URL, or None when the feed gave none usable
    title: str
    summary_html: str
    summary_text: str
    published: dt.datetime | None  # UTC; None when the feed gave no date
    updated: dt.datetime | None = None
    author: str = ""
    language: str | None = None


@dataclass(frozen=True)
class Classification:
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    relevant: bool = False
    # Why each tag was given: tag -> the matched terms (e.g. {"CN": ("Sichuan",)}).
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Item:
    """An entry as the store keeps it."""

    id: str
    feed: str
    guid: str | None
    url: str | None
    title: str
    summary_html: str
    summary_text: str
    published: dt.datetime | None
    first_seen: dt.datetime
    updated: dt.datetime | None = None
    author: str = ""
    language: str | None = None
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    relevant: bool = False
    story: str | None = None
    reasons: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def when(self) -> dt.datetime:
        """The date that counts for ranges: published, else when first seen."""
        return self.published or self.first_seen


class ItemSketch(NamedTuple):
    """The light columns of a stored item: enough to choose and rank stories over a large range
    without reading titles and summaries (a tuple: built by the tens of thousands)."""

    id: str
    feed: str
    url: str | None
    story: str  # the story id, else the item's own id
    when: float  # published, else first seen: seconds since the epoch
    summary_length: int  # characters in the plain-text summary, stripped
    topics: tuple[str, ...]
    extra_feeds: tuple[str, ...]  # other feeds that delivered the same item
    relevant: bool


# ---------------------------------------------------------------- a feed's fetch


@dataclass(frozen=True)
class FeedState:
    """What the store remembers about a feed between fetches."""

    etag: str | None = None
    last_modified: str | None = None
    retry_after: dt.datetime | None = None


# An item's story-grouping terms as the store keeps them: canonical URL, CJK, title terms and
# the other terms, each joined by a separator (digest/store/grouping.py).
GroupingTermsRow = tuple[str | None, int, str, str]


@dataclass(frozen=True)
class FeedOutcome:
    """One feed's fetch: status is ok, warning, error, gone, not_modified or skipped."""

    feed: FeedConfig
    status: str
    entries: tuple[Entry, ...] = ()
    # The rules' verdict on each entry, in order, when the fetch classified them (no overrides).
    classifications: tuple[Classification, ...] = ()
    # Each entry's story-grouping terms as the store keeps them, in order, when the fetch
    # worked them out beside the parsing, and the version of the term rules they follow.
    grouping_terms: tuple[GroupingTermsRow | None, ...] = ()
    terms_version: str = ""
    warning: str | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    retry_after: dt.datetime | None = None
    seconds: float = 0.0

    @property
    def worked(self) -> bool:
        return self.status in {"ok", "warning", "not_modified"}

    @property
    def failed(self) -> bool:
        return self.status in {"error", "gone"}


# ---------------------------------------------------------------- issue files


@dataclass(frozen=True)
class Link:
    source: str
    url: str


@dataclass(frozen=True)
class FollowUp:
    """The earlier issue's entry a follow-up continues: its number and the entry's anchor on
    that issue's page (issuefile.item_anchor), when known, and the entry's id when it had
    one, by which the anchor follows the entry if that issue's entries are reordered."""

    issue: int
    anchor: str = ""
    entry: str = ""


@dataclass(frozen=True)
class IssueItem:
    title: str
    url: str | None = None
    source: str = ""
    date: dt.date | None = None
    countries: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    body: str = ""  # Markdown, the editor's words
    also: tuple[Link, ...] = ()  # other outlets with the same story
    lang: str | None = None  # language of the title and body when not the newsletter's
    previously: tuple[int, ...] = ()  # earlier issues that covered the same names
    id: str | None = None  # the store item it was drafted from, if any
    follow_up: FollowUp | None = None  # a later development of a story an earlier issue covered


@dataclass(frozen=True)
class TimelineEntry:
    date: dt.date
    text: str  # Markdown


@dataclass(frozen=True)
class Section:
    heading: str
    items: tuple[IssueItem, ...] = ()
    intro: str = ""  # Markdown shown under the heading
    timeline: tuple[TimelineEntry, ...] = ()  # kept in date order
    lang: str | None = None


@dataclass(frozen=True)
class Issue:
    number: int
    date: dt.date
    title: str
    subtitle: str = ""
    greeting: str = ""  # one line opening the issue (Markdown)
    intro: str = ""  # Markdown
    summary: tuple[str, ...] = ()  # bullet points (Markdown)
    quick_take: tuple[str, ...] = ()  # numbered points (Markdown)
    sections: tuple[Section, ...] = ()
    outro: str = ""  # Markdown
    sign_off: str = ""  # Markdown
    draft: bool = False  # `draft: true`: never published or sent; previewed in .digest/preview/
    path: Path | None = None

    @property
    def items(self) -> tuple[IssueItem, ...]:
        return tuple(item for section in self.sections for item in section.items)
