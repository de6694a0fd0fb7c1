"""`digest draft N`: the store turned into a ready-to-edit issues/N.yaml.

The middle is pure: from the items of a date range, what earlier issues used and covered, and
the newsletter's settings, `build_draft` makes an Issue (one entry per story, grouped and
ranked) and `draft_yaml` its text. `make_draft` and `write_draft` are the I/O around it: they
read the store and the issue files, and write the draft without ever losing an editor's file.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from digest.errors import UserError, WorkFailed
from digest.fsutil import atomic_write, write_new
from digest.issuefile import issue_numbers, issue_path, load_issue
from digest.models import (
    Config,
    Issue,
    IssueItem,
    Item,
    ItemSketch,
    Link,
    Section,
    Taxonomy,
    TimelineEntry,
)
from digest.sanitize import safe_url
from digest.urls import canonical_url
from digest.yamlfile import FlowList, dump_yaml

DEFAULT_DAYS = 30  # the range of a first issue
DEFAULT_MAX_ITEMS = 25
BODY_LIMIT = 700  # characters of summary kept as the starting body
WRAP_WIDTH = 88
TIMELINE_LIMIT = 12  # stories in a seeded timeline
QUICK_TAKE_POINTS = 5
SUBTITLE_NAMES = 6
PREVIOUSLY_LIMIT = 3  # earlier issues named in one entry's "Previously"
ELSEWHERE = "Elsewhere"
OTHER_TOPICS = "More from Asia"
TITLE_PLACEHOLDER = "TODO: title of issue {number}"

# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class DraftSettings:
    group_by: str = "country"  # country or topic
    section_order: tuple[str, ...] = ()
    max_items: int | None = DEFAULT_MAX_ITEMS
    timeline_topic: str | None = None  # a topic slug
    language: str = "en"


@dataclass(frozen=True)
class DraftRange:
    since: dt.datetime  # inclusive
    until: dt.datetime  # exclusive
    previous: int | None = None  # the issue the range follows, if any

    @property
    def first_day(self) -> dt.date:
        return self.since.date()

    @property
    def last_day(self) -> dt.date:
        return (self.until - dt.timedelta(microseconds=1)).date()

    def describe(self) -> str:
        days = f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"
        return f"{days} (after issue {self.previous})" if self.previous else days


@dataclass(frozen=True)
class Memory:
    """What existing issues used (never drafted again) and covered (named in "Previously")."""

    ids: frozenset[str] = frozenset()
    urls: frozenset[str] = frozenset()  # canonical
    stories: frozenset[str] = frozenset()
    names: dict[str, tuple[int, ...]] = field(default_factory=dict)  # name -> earlier issues

    def used(self, item: Item | ItemSketch) -> bool:
        story = item.story if isinstance(item, ItemSketch) else (item.story or item.id)
        return (
            item.id in self.ids
            or (item.url is not None and item.url in self.urls)  # stored URLs are canonical
            or story in self.stories
        )


@dataclass(frozen=True)
class Story:
    """The items of one story in the range: the most informative leads."""

    lead: Item
    others: tuple[Item, ...]
    outlets: int  # distinct feeds that carried it
    first: dt.datetime
    latest: dt.datetime

    @property
    def items(self) -> tuple[Item, ...]:
        return (self.lead, *self.others)


@dataclass(frozen=True)
class Pick:
    """A story chosen by the first pass, before its items are read: their ids, the most
    informative first."""

    ids: tuple[str, ...]
    outlets: int


@dataclass(frozen=True)
class DraftStats:
    seen: int = 0
    off_topic: int = 0
    used: int = 0
    stories: int = 0
    left_out: int = 0  # stories beyond --max-items

    def describe(self) -> str:
        text = (
            f"{self.seen} items seen, {self.off_topic} off-topic, {self.used} already used, "
            f"{self.stories} stories"
        )
        return text + (f", {self.left_out} left out by --max-items" if self.left_out else "")


@dataclass(frozen=True)
class DraftPlan:
    """What the first pass chose: the stories kept (ranked) and those of the timeline."""

    stories: tuple[Pick, ...]
    timeline: tuple[Pick, ...]
    stats: DraftStats

    def item_ids(self) -> set[str]:
        return {item_id for pick in (*self.stories, *self.timeline) for item_id in pick.ids}


@dataclass(frozen=True)
class Draft:
    issue: Issue
    range: DraftRange
    stats: DraftStats


# ---------------------------------------------------------------- the range


def draft_range(
    previous: Issue | None,
    since: dt.date | None,
    until: dt.date | None,
    now: dt.datetime,
) -> DraftRange:
    """After the previous issue's date (or from --since), up to the end of --until (or now)."""
    end = _midnight(until + dt.timedelta(days=1)) if until else now
    if since is not None:
        start = _midnight(since)
    elif previous is not None:
        start = _midnight(previous.date + dt.timedelta(days=1))
    else:
        start = end - dt.timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise UserError(
            f"the draft range is empty: it starts {start.date().isoformat()} and ends "
            f"{end.date().isoformat()}",
            hint="Give --since and --until so that --since comes first.",
        )
    followed = previous.number if previous is not None and since is None else None
    return DraftRange(since=start, until=end, previous=followed)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


# ---------------------------------------------------------------- memory across issues


def issue_memory(
    used_by: Iterable[Issue], earlier: Iterable[Issue], taxonomy: Taxonomy, stories: Iterable[str]
) -> Memory:
    """What the issues in used_by used (with the stories they belong to, from the store), and
    the names each earlier issue covered."""
    ids, urls = used_keys(used_by)
    return Memory(
        ids=frozenset(ids),
        urls=frozenset(urls),
        stories=frozenset(stories),
        names=covered_names(earlier, taxonomy),
    )


def used_keys(issues: Iterable[Issue]) -> tuple[set[str], set[str]]:
    """The store ids and canonical URLs the issues' entries name."""
    ids: set[str] = set()
    urls: set[str] = set()
    for issue in issues:
        for entry in issue.items:
            ids.update([entry.id] if entry.id else [])
            urls.update(canonical_url(u) for u in (entry.url, *(a.url for a in entry.also)) if u)
    return ids, urls


def covered_names(issues: Iterable[Issue], taxonomy: Taxonomy) -> dict[str, tuple[int, ...]]:
    """name -> the issues that covered it."""
    issues = list(issues)
    common = lowercase_words(text for issue in issues for text in issue_texts(issue))
    names: dict[str, set[int]] = {}
    for issue in issues:
        for name in issue_names(issue, taxonomy, common):
            names.setdefault(name, set()).add(issue.number)
    return {name: tuple(sorted(numbers)) for name, numbers in names.items()}


def issue_texts(issue: Issue) -> list[str]:
    """The texts of an issue that name things: headlines, bodies, timeline lines."""
    texts = [text for entry in issue.items for text in (entry.title, entry.body)]
    return texts + [m.text for section in issue.sections for m in section.timeline]


def issue_names(issue: Issue, taxonomy: Taxonomy, common: frozenset[str] = frozenset()) -> set[str]:
    """The companies, projects, regulators, people and places an issue's items are about.
    A name made only of words written in lower case elsewhere (`common`), like "Difficulty"
    or "Series B", says nothing about which company it is and is left out."""
    given = {part.strip() for part in issue.subtitle.split("/") if part.strip()}
    generic = generic_names(taxonomy)
    places = _place_aliases(taxonomy)  # Sichuan, Inner Mongolia: names whatever their words
    named: set[str] = set()
    for text in issue_texts(issue):
        # In a Title Case Headline every word looks like a name: only the unmistakable count.
        known = None if _title_case(text) else common
        named.update(n for n in names_in(text, taxonomy) if n in places or _proper(n, known))
    chosen = {n for n in given if len(n.split()) > 1 or n in places or _proper(n, common)}
    return {name for name in named | chosen if _distinctive(name, generic)}


def _place_aliases(taxonomy: Taxonomy) -> frozenset[str]:
    return frozenset(alias for c in taxonomy.countries.values() for alias in c.aliases)


_LOWER_WORD = re.compile(r"(?<![\w.@/-])[a-z]{2,}(?:['’-][a-z]+)*(?![\w@/]|[.-]\w)")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+")
_COMMON_WORDS = frozenset(
    """series round seed difficulty hashrate price prices market markets report reports
    financial stability development committee council state national international global
    industrial savings postal bank banks group holdings technologies technology network
    project projects act law rules bill policy forum festival week summit conference
    communications nature science daily times news post review journal""".split()  # noqa: SIM905
)


def lowercase_words(texts: Iterable[str]) -> frozenset[str]:
    """Words written in lower case somewhere in the texts (links left out: binance.com does
    not make Binance a common word), with a few words of every business story."""
    found: set[str] = set(_COMMON_WORDS)
    for text in texts:
        found.update(_LOWER_WORD.findall(_LINK_TARGET.sub(" ", text)))
    return frozenset(found)


def _proper(name: str, common: frozenset[str] | None) -> bool:
    """Some word of the name is a proper noun: an acronym or mixed case (PBoC, e-CNY, The9),
    a script without case, or a capitalised word never written in lower case (not asked
    when common is None)."""
    for word in name.split():
        if len(word) < 2 or word in _CONNECTORS:
            continue
        if word.isupper() or not word.isascii() or any(ch.isdigit() for ch in word):
            return True
        if any(ch.isupper() for ch in word[1:]):
            return True
        if common is not None and word.casefold() not in common:
            return True
    return False


def _title_case(text: str) -> bool:
    """Most longer words capitalised, as in "Hashrate Recovers as Difficulty Drops"."""
    words = [w for w in re.findall(r"[A-Za-z]{4,}", text)]
    capitalised = sum(1 for w in words if w[0].isupper())
    return len(words) >= 3 and capitalised >= 0.8 * len(words)


_NAME_WORD = re.compile(r"[A-Z][A-Za-z0-9]*(?:[.&'’-][A-Za-z0-9]+)*|[a-z]{1,2}-[A-Z][A-Za-z0-9]*")
_SUFFIX = re.compile(r"-(?:based|listed|led|backed|owned|run|born)$")
_CONNECTORS = frozenset({"of", "&", "de"})
_TOKEN = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?:;\"“”]$")
_TRIM = ".,:;!?\"'()[]{}*_`’‘“”"
_STOPWORDS = frozenset(
    """A About After Again All Also An And Any As At Before But By Can Could Did Do Does Each
    Even Every Expect For From Further Had Has Have He Her Here His How I If In Into Is It Its
    Just Last Like May More Most New Next No Not Now Of Off On Once One Only Or Other Our Out
    Over Read See She So Some Such Than That The Their Them Then There These They This Those
    Three Through To Too Two Under Until Up Very Was We Were What When Where Which While Who
    Why Will With Would Yet You Your Mr Mrs Ms Dr TODO
    January February March April May June July August September October November December
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split()  # noqa: SIM905
)
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_GENERIC_WORDS = frozenset(
    [
        *"""Bitcoin BTC Ether Ethereum ETH Crypto Cryptocurrency Blockchain CBDC CBDCs NFT NFTs
        DeFi Web3 ICO ICOs IEO VASP VASPs Stablecoin Stablecoins Token Tokens Satoshi Altcoin
        Mining Asia Asian Europe European America American Africa African Americas Western
        Eastern U.S U.S. US USA UK EU UN IMF Bank Government Ministry Minister Payment Payments
        Series Fintech FinTech Sciences Company Group Exchange Exchanges Association Committee
        Authority Commission Council Court Police Act Law Market Markets Fund Capital Lab Labs
        CEO CFO CTO Chairman President Twitter WeChat Telegram Reddit""".split(),  # noqa: SIM905
        "Central Bank", "Prime Minister", "Southeast Asia", "South Asia", "East Asia",
        "Central Asia", "North America", "Latin America", "Middle East",
    ]
)  # fmt: skip


def names_in(text: str, taxonomy: Taxonomy) -> list[str]:
    """Names in a text, in order: runs of capitalised words (not a plain word opening a
    sentence), acronyms and CamelCase (PBoC, MicroBT, e-CNY), and the taxonomy's aliases and
    keywords written with a capital or in CJK script."""
    found: list[str] = []
    run: list[str] = []
    pending: list[str] = []  # "of" in "Bank of Japan", kept if a name follows
    tentative = False  # the run is one plain word opening a sentence ("Miners", "El")

    def close_run() -> None:
        if run and not (tentative and len(run) == 1):
            found.append(" ".join(run))
        run.clear()
        pending.clear()

    sentence_start = True
    for raw in _TOKEN.findall(text):
        word = _SUFFIX.sub("", raw.strip(_TRIM))
        possessive = word.endswith(("'s", "’s"))
        word = word[:-2] if possessive else word
        if _NAME_WORD.fullmatch(word) and word not in _STOPWORDS and len(word) > 1:
            if not run:
                tentative = sentence_start and _plain_capitalised(word)
            run.extend([*pending, word])
            pending.clear()
        elif run and word in _CONNECTORS and not pending and raw == word:
            pending.append(word)
        else:
            close_run()
        if run and (possessive or len(run) >= 4 or raw[-1] in ",;:)" or _SENTENCE_END.search(raw)):
            close_run()
        sentence_start = bool(_SENTENCE_END.search(raw))
    close_run()
    found.extend(_taxonomy_terms(text, taxonomy))
    return list(dict.fromkeys(found))


def _plain_capitalised(word: str) -> bool:
    return word[:1].isupper() and word[1:].islower()


def _taxonomy_terms(text: str, taxonomy: Taxonomy) -> list[str]:
    """Country aliases and topic keywords in the text that name something: written with a
    capital (PBoC, Bitmain, e-CNY), or a place's name in CJK script."""
    found = []
    for term in _name_terms(taxonomy):
        if term in text:
            start = text.find(term)
            end = start + len(term)
            before = text[start - 1 : start]
            after = text[end : end + 1]
            if not (_ascii_word(before) and _ascii_word(term[0])) and not (
                _ascii_word(after) and _ascii_word(term[-1])
            ):
                found.append(term)
    return found


def _ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


_terms_cache: dict[int, tuple[Taxonomy, tuple[str, ...]]] = {}


def _name_terms(taxonomy: Taxonomy) -> tuple[str, ...]:
    cached = _terms_cache.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    terms: list[str] = []
    for country in taxonomy.countries.values():
        terms += [a for a in country.aliases if any(ch.isupper() for ch in a) or _CJK.search(a)]
    for topic in taxonomy.topics.values():
        terms += [k for k in topic.keywords if any(ch.isupper() for ch in k)]
    found = tuple(dict.fromkeys(terms))
    _terms_cache.clear()
    _terms_cache[id(taxonomy)] = (taxonomy, found)
    return found


def generic_names(taxonomy: Taxonomy) -> frozenset[str]:
    """Names too broad to link issues: countries and their people, regions, topics, crypto
    itself, and words that name an institution without saying which."""
    out: set[str] = set(_GENERIC_WORDS)
    for country in taxonomy.countries.values():
        out.update([country.code, country.name])
        stems = tuple(word[:4].casefold() for word in country.name.split())
        for alias in country.aliases:
            folded = alias.casefold()
            demonym = folded == country.name.casefold() or (
                folded.startswith(stems) and len(alias.split()) <= len(country.name.split())
            )  # Chinese, Korean, South Korean, Thai
            short_native = bool(_CJK.search(alias)) and len(alias) <= 2  # 中国, 日本, 한국
            if demonym or short_native:
                out.add(alias)
    for topic in taxonomy.topics.values():
        out.update([topic.slug, topic.name])
    return frozenset(n.casefold() for n in out)


def _distinctive(name: str, generic: frozenset[str]) -> bool:
    if name.casefold() in generic:
        return False
    return len(name) > 1 and (len(name) > 2 or not name.isascii() or name.isupper())


def previously(item: Item, memory: Memory, taxonomy: Taxonomy) -> tuple[int, ...]:
    """The latest earlier issues that covered a name this item names."""
    if not memory.names:
        return ()
    text = f"{item.title}\n{item.summary_text}"
    numbers: set[int] = set()
    for name in _names_mentioned(text, tuple(memory.names)):
        numbers.update(memory.names[name])
    return tuple(sorted(numbers, reverse=True)[:PREVIOUSLY_LIMIT])


def _names_mentioned(text: str, names: tuple[str, ...]) -> list[str]:
    pattern = _name_pattern(names)
    return [m.group(0) for m in pattern.finditer(text)] if pattern else []


_pattern_cache: dict[tuple[str, ...], re.Pattern[str] | None] = {}


def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if names not in _pattern_cache:
        if len(_pattern_cache) > 8:
            _pattern_cache.clear()
        parts = [_bounded(n) for n in sorted(names, key=len, reverse=True) if n]
        _pattern_cache[names] = re.compile("(?:" + "|".join(parts) + ")") if parts else None
    return _pattern_cache[names]


def _bounded(name: str) -> str:
    before = r"(?<![A-Za-z0-9])" if name[0].isascii() and name[0].isalnum() else ""
    after = r"(?![A-Za-z0-9])" if name[-1].isascii() and name[-1].isalnum() else ""
    return f"{before}{re.escape(name)}{after}"


# ---------------------------------------------------------------- stories


def sketch(item: Item, extra_feeds: Iterable[str] = ()) -> ItemSketch:
    """An item's light columns, as the store gives them for a range."""
    return ItemSketch(
        item.id, item.feed, item.url, item.story or item.id, item.when.timestamp(),
        len(item.summary_text.strip()), item.topics, tuple(extra_feeds), item.relevant,
    )  # fmt: skip


def choose_stories(
    sketches: Iterable[ItemSketch], memory: Memory, max_items: int | None
) -> tuple[list[Pick], DraftStats]:
    """Relevant, unused items of the range gathered into stories, ranked and cut to
    max_items; the counts say what was dropped and why."""
    seen = off_topic = used = 0
    members: dict[str, list[ItemSketch]] = {}
    ids, urls, stories = memory.ids, memory.urls, memory.stories
    for item in sketches:  # Memory.used, unrolled: this loop runs once per item in range
        seen += 1
        item_id, _, url, story, *_, relevant = item
        if not relevant:
            off_topic += 1
        elif item_id in ids or url in urls or story in stories:
            used += 1
        else:
            members.setdefault(story, []).append(item)
    kept = ranked_picks(members.values(), max_items)
    stats = DraftStats(
        seen=seen, off_topic=off_topic, used=used, stories=len(members),
        left_out=len(members) - len(kept),
    )  # fmt: skip
    return kept, stats


def timeline_picks(sketches: Iterable[ItemSketch], topic: str) -> list[Pick]:
    """The widest-carried stories with the topic, used or not."""
    members: dict[str, list[ItemSketch]] = {}
    for item in sketches:
        if item.relevant and topic in item.topics:
            members.setdefault(item.story, []).append(item)
    return ranked_picks(members.values(), TIMELINE_LIMIT)


_Ranked = tuple[tuple[int, float, str], tuple[str, ...], int]  # rank, ids, outlets


def ranked_picks(groups: Iterable[Sequence[ItemSketch]], limit: int | None) -> list[Pick]:
    """Each group as a story, the first `limit` in story_rank's order."""
    ranked: list[_Ranked] = []
    for group in groups:
        if len(group) == 1:  # most stories: one outlet, one item
            item_id, feed, _, _, when, _, _, extra_feeds, _ = group[0]
            outlets = len({feed, *extra_feeds}) if extra_feeds else 1
            ranked.append(((-outlets, -when, item_id), (item_id,), outlets))
        else:
            ranked.append(_ranked_story(group))
    best = sorted(ranked) if limit is None else heapq.nsmallest(limit, ranked)
    return [Pick(ids=ids, outlets=outlets) for _, ids, outlets in best]


def _ranked_story(group: Sequence[ItemSketch]) -> _Ranked:
    """A story's rank (as story_rank), its items' ids the most informative first, and how
    many distinct feeds carried it."""
    ranked = sorted(group, key=_informative)
    feeds = {item.feed for item in group}
    for item in group:
        feeds.update(item.extra_feeds)
    latest = max(item.when for item in group)
    return (-len(feeds), -latest, ranked[0].id), tuple(i.id for i in ranked), len(feeds)


def _informative(item: ItemSketch) -> tuple[int, float, str]:
    """Longest clean summary first, then the earliest report."""
    return (-item.summary_length, item.when, item.id)


def story_of(pick: Pick, items_by_id: dict[str, Item]) -> Story:
    """The chosen story with its items read."""
    items = [items_by_id[item_id] for item_id in pick.ids]
    dates = [item.when for item in items]
    return Story(
        lead=items[0],
        others=tuple(items[1:]),
        outlets=pick.outlets,
        first=min(dates),
        latest=max(dates),
    )


def story_rank(story: Story) -> tuple[int, float, str]:
    """More outlets first, then the most recent."""
    return (-story.outlets, -story.latest.timestamp(), story.lead.id)


# ---------------------------------------------------------------- sections


def group_stories(
    stories: Sequence[Story], settings: DraftSettings, taxonomy: Taxonomy
) -> list[tuple[str, list[Story]]]:
    """(heading, stories) in the configured order, each section ranked; Elsewhere last."""
    by_key: dict[str, list[Story]] = {}
    for story in sorted(stories, key=story_rank):
        by_key.setdefault(section_key(story.lead, settings.group_by, taxonomy), []).append(story)
    order = _configured_order(settings, taxonomy)
    named = [k for k in order if k in by_key]
    rest = sorted(
        (k for k in by_key if k not in order and k not in (ELSEWHERE, OTHER_TOPICS)),
        key=lambda k: (-len(by_key[k]), _heading(k, settings.group_by, taxonomy)),
    )
    tail = [k for k in (OTHER_TOPICS, ELSEWHERE) if k in by_key]
    return [(_heading(k, settings.group_by, taxonomy), by_key[k]) for k in named + rest + tail]


def section_key(item: Item, group_by: str, taxonomy: Taxonomy) -> str:
    asian = [c for c in item.countries if c in taxonomy.countries and taxonomy.countries[c].asian]
    if not asian:
        return ELSEWHERE
    if group_by == "topic":
        topics = [t for t in item.topics if t in taxonomy.topics]
        return topics[0] if topics else OTHER_TOPICS
    return asian[0]


def _configured_order(settings: DraftSettings, taxonomy: Taxonomy) -> list[str]:
    """newsletter.section_order as section keys (codes or slugs), names matched in any case."""
    if settings.group_by == "topic":
        lookup = {t.slug.casefold(): t.slug for t in taxonomy.topics.values()}
        lookup.update({t.name.casefold(): t.slug for t in taxonomy.topics.values()})
    else:
        lookup = {c.code.casefold(): c.code for c in taxonomy.countries.values()}
        lookup.update({c.name.casefold(): c.code for c in taxonomy.countries.values()})
    keys = [lookup.get(entry.strip().casefold()) for entry in settings.section_order]
    return list(dict.fromkeys(k for k in keys if k))


def _heading(key: str, group_by: str, taxonomy: Taxonomy) -> str:
    if key in (ELSEWHERE, OTHER_TOPICS):
        return key
    if group_by == "topic":
        return taxonomy.topics[key].name
    return taxonomy.countries[key].name


# ---------------------------------------------------------------- entries


def issue_entry(
    story: Story, memory: Memory, settings: DraftSettings, taxonomy: Taxonomy
) -> IssueItem:
    lead = story.lead
    also: dict[str, Link] = {}
    for other in story.others:
        if other.url and other.url != lead.url and other.url not in also:
            also[other.url] = Link(source=other.feed, url=other.url)
    return IssueItem(
        title=lead.title.strip() or "(untitled)",
        url=_http_url(lead.url),
        source=lead.feed,
        date=lead.published.date() if lead.published else None,
        countries=tuple(c for c in lead.countries if c in taxonomy.countries),
        topics=tuple(t for t in lead.topics if t in taxonomy.topics),
        body=summary_markdown(lead.summary_html),
        also=tuple(link for link in also.values() if _http_url(link.url)),
        lang=_item_lang(lead.language, settings.language),
        previously=previously(lead, memory, taxonomy),
        id=lead.id,
    )


def _http_url(url: str | None) -> str | None:
    return safe_url(url, schemes={"http", "https"})


_LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _item_lang(language: str | None, newsletter: str) -> str | None:
    if not language or not _LANG_TAG.match(language):
        return None
    same = language.split("-")[0].casefold() == newsletter.split("-")[0].casefold()
    return None if same else language


# ---------------------------------------------------------------- summary HTML -> Markdown

# Escaped the same way by Python-Markdown (the pages, the PDF) and CommonMark (the .md file):
# backslash escapes for these, character references for & < >.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LINE_START = re.compile(r"^(#{1,6}|[-+=]|\d+)([.)]?)(?=\s|$)")
_BOILERPLATE = re.compile(
    r"^(the post .{0,300} appeared first on|continue reading|read more|read the full)", re.I
)
_BLOCKS = frozenset(
    "p div br li ul ol h2 h3 h4 h5 h6 blockquote table tr figure figcaption pre hr dl dt dd".split()  # noqa: SIM905
)
_SKIPPED = frozenset({"figcaption", "pre", "table"})


class _MarkdownWriter(HTMLParser):
    """Sanitized summary HTML -> paragraphs of plain Markdown: text, http(s) links, bullets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.parts: list[str] = []
        self.link: str | None = None
        self.link_text: list[str] = []
        self.bullet = False
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "a":
            self._end_link()
            self.link = _http_url(dict(attrs).get("href"))
            self.link_text = []
        elif tag in _BLOCKS:
            self._end_paragraph()
            self.bullet = tag == "li"

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "a":
            self._end_link()
        elif tag in _BLOCKS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        escaped = escape_markdown(data)
        (self.link_text if self.link is not None else self.parts).append(escaped)

    def _end_link(self) -> None:
        if self.link is None:
            return
        text = " ".join("".join(self.link_text).split())
        self.parts.append(f"[{text}]({_link_destination(self.link)})" if text else "")
        self.link = None

    def _end_paragraph(self) -> None:
        self._end_link()
        text = " ".join("".join(self.parts).split())
        self.parts = []
        if text and not _BOILERPLATE.match(text):
            text = _LINE_START.sub(_escape_marker, text)
            self.paragraphs.append(("- " if self.bullet else "") + text)
        self.bullet = False

    def markdown(self) -> list[str]:
        self.close()
        self._end_paragraph()
        return self.paragraphs


def escape_markdown(text: str) -> str:
    """Text from a feed as Markdown that shows it as it is: nothing in it acts as markup."""
    escaped = _MD_SPECIAL.sub(r"\\\1", text)
    return "".join(_ENTITIES.get(ch, ch) for ch in escaped)


def plain_markdown(text: str) -> str:
    """A headline as one line of Markdown."""
    return _LINE_START.sub(_escape_marker, escape_markdown(" ".join(text.split())))


def _escape_marker(match: re.Match[str]) -> str:
    marker, dot = match.groups()
    if marker.isdigit():
        return f"{marker}\\{dot}" if dot else match.group(0)
    return f"\\{marker}{dot}"


def _link_destination(url: str) -> str:
    table = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C", '"': "%22"}
    return "".join(table.get(ch, ch) for ch in url)


def summary_markdown(summary_html: str, limit: int = BODY_LIMIT) -> str:
    """A feed's (sanitized) summary as plain Markdown, cut to about `limit` characters at a
    paragraph or sentence end. Text is escaped, so nothing in it acts as markup."""
    writer = _MarkdownWriter()
    writer.feed(summary_html or "")
    kept: list[str] = []
    size = 0
    for paragraph in writer.markdown():
        if size + len(paragraph) > limit:
            if not kept:
                kept.append(_shorten(paragraph, limit))
            break
        kept.append(paragraph)
        size += len(paragraph)
    text = "\n\n".join(_wrap(paragraph) for paragraph in kept)
    return text + "\n" if "\n" in text else text


def _wrap(paragraph: str) -> str:
    """Lines an editor can read; a wrapped line that would start a list or heading is escaped."""
    bullet = paragraph.startswith("- ")
    lines = textwrap.wrap(
        paragraph[2:] if bullet else paragraph,
        width=WRAP_WIDTH,
        break_long_words=False,
        break_on_hyphens=False,
    )
    lines = [lines[0], *(_LINE_START.sub(_escape_marker, line) for line in lines[1:])]
    if bullet:
        return "- " + "\n  ".join(lines)
    return "\n".join(lines)


_LINK_SPAN = re.compile(r"\[(?:[^\]\\]|\\.)*\]\([^)\s]*\)")


def _shorten(paragraph: str, limit: int) -> str:
    """The paragraph cut at the last sentence end (else word end) before limit; never inside
    a link."""
    cut = limit
    for span in _LINK_SPAN.finditer(paragraph):
        if span.start() < cut < span.end():
            cut = span.start()
    head = paragraph[:cut]
    sentence = max(head.rfind(". "), head.rfind("。"), head.rfind("! "), head.rfind("? "))
    if sentence > limit // 3:
        return head[: sentence + 1]
    space = head.rfind(" ")
    return (head[:space] if space > 0 else head).rstrip("\\") + " …"


# ---------------------------------------------------------------- timeline


def timeline_section(stories: Iterable[Story], topic: str, taxonomy: Taxonomy) -> Section:
    """One dated line per story, in date order."""
    chosen = sorted(stories, key=lambda s: (s.first, s.lead.title))
    return Section(
        heading=f"Timeline: {taxonomy.topics[topic].name}",
        timeline=tuple(TimelineEntry(date=s.first.date(), text=_timeline_text(s)) for s in chosen),
    )


def _timeline_text(story: Story) -> str:
    headline = plain_markdown(story.lead.title.strip() or "(untitled)")
    url = _http_url(story.lead.url)
    source = plain_markdown(story.lead.feed)
    return f"{headline} ([{source}]({_link_destination(url)}))" if url else headline


def resolve_topic(name: str, taxonomy: Taxonomy) -> str:
    """A topic slug from a slug or a topic name, any case."""
    wanted = name.strip().casefold()
    for topic in taxonomy.topics.values():
        if wanted in (topic.slug.casefold(), topic.name.casefold()):
            return topic.slug
    raise UserError(
        f"unknown topic '{name}' for --timeline",
        hint=f"Known topics: {', '.join(sorted(taxonomy.topics))}.",
    )


# ---------------------------------------------------------------- the draft


def build_draft(
    number: int,
    items: Sequence[Item],
    memory: Memory,
    settings: DraftSettings,
    taxonomy: Taxonomy,
    draft_range: DraftRange,
    *,
    feeds_by_item: dict[str, set[str]] | None = None,
    previous: Issue | None = None,
    off_topic: int = 0,
) -> Draft:
    """Issue `number` drafted from the items of the range. Pure. feeds_by_item names the
    feeds that delivered an item besides its own; off_topic counts the range's items that
    were judged not relevant and not passed in."""
    feeds = feeds_by_item or {}
    sketches = [sketch(item, sorted(feeds.get(item.id, ()))) for item in items]
    plan = plan_draft(sketches, memory, settings, off_topic=off_topic)
    by_id = {item.id: item for item in items}
    return compose_draft(number, plan, by_id, memory, settings, taxonomy, draft_range, previous)


def plan_draft(
    sketches: Sequence[ItemSketch], memory: Memory, settings: DraftSettings, *, off_topic: int = 0
) -> DraftPlan:
    """The first pass, over light columns only: which stories, in which rank, which items."""
    picks, stats = choose_stories(sketches, memory, settings.max_items)
    stats = replace(stats, seen=stats.seen + off_topic, off_topic=stats.off_topic + off_topic)
    topic = settings.timeline_topic
    timeline = timeline_picks(sketches, topic) if topic else []
    return DraftPlan(stories=tuple(picks), timeline=tuple(timeline), stats=stats)


def compose_draft(
    number: int,
    plan: DraftPlan,
    items_by_id: dict[str, Item],
    memory: Memory,
    settings: DraftSettings,
    taxonomy: Taxonomy,
    draft_range: DraftRange,
    previous: Issue | None = None,
) -> Draft:
    """The second pass: the issue written from the chosen stories' items."""
    kept = [story_of(pick, items_by_id) for pick in plan.stories]
    sections = [
        Section(
            heading=heading, items=tuple(issue_entry(s, memory, settings, taxonomy) for s in group)
        )
        for heading, group in group_stories(kept, settings, taxonomy)
    ]
    if settings.timeline_topic and plan.timeline:
        moments = [story_of(pick, items_by_id) for pick in plan.timeline]
        sections.insert(0, timeline_section(moments, settings.timeline_topic, taxonomy))
    issue = Issue(
        number=number,
        date=draft_range.last_day,
        title=TITLE_PLACEHOLDER.format(number=number),
        subtitle=draft_subtitle(sections, kept, taxonomy),
        quick_take=quick_take(sections),
        sections=tuple(sections),
        sign_off=previous.sign_off if previous else "",
    )
    return Draft(issue=issue, range=draft_range, stats=plan.stats)


def draft_subtitle(
    sections: Sequence[Section], stories: Sequence[Story], taxonomy: Taxonomy
) -> str:
    """Key names joined by slashes: each section's leading items' main names, else the
    section headings."""
    leads = {s.lead.id: s.lead for s in stories}
    generic = generic_names(taxonomy)
    names: list[str] = []
    depth = max((len(s.items) for s in sections), default=0)
    for position in range(depth):
        for section in sections:
            if position < len(section.items):
                entry = section.items[position]
                item = leads.get(entry.id or "")
                name = main_name(item, taxonomy, generic) if item else None
                if name and name.casefold() not in {n.casefold() for n in names}:
                    names.append(name)
    if len(names) < 2:
        names = [s.heading for s in sections if s.items and s.heading != ELSEWHERE]
    return "/".join(names[:SUBTITLE_NAMES])


def main_name(item: Item, taxonomy: Taxonomy, generic: frozenset[str]) -> str | None:
    """The name an item is most about: what tagged it (Sichuan, PBoC, Bitmain), else the
    first name in its headline."""
    tagged = [
        term
        for tag in (*item.countries, *item.topics)
        for term in item.reasons.get(tag, ())
        if (any(ch.isupper() for ch in term) or _CJK.search(term)) and term in item.title
    ]
    for term in sorted(tagged, key=item.title.find):
        if _distinctive(term, generic):
            return term
    for name in names_in(item.title, taxonomy):
        if _distinctive(name, generic):
            return name
    return None


def quick_take(sections: Sequence[Section]) -> tuple[str, ...]:
    """The lead headline of each section, then the next ones, as Markdown points."""
    points: list[str] = []
    depth = max((len(s.items) for s in sections), default=0)
    for position in range(depth):
        for section in sections:
            if position < len(section.items) and len(points) < QUICK_TAKE_POINTS:
                points.append(plain_markdown(section.items[position].title))
    return tuple(points)


# ---------------------------------------------------------------- the YAML text


def draft_yaml(draft: Draft) -> str:
    """The draft as issues/N.yaml: a comment on what was selected, then the keys in the
    schema's order."""
    issue = draft.issue
    entries = sum(len(s.items) for s in issue.sections)
    header = [
        f"# Draft of issue {issue.number}: {entries} entries from {draft.range.describe()}.",
        f"# Selected from the store: {draft.stats.describe()}.",
        "# Cut, reorder and rewrite freely; write the title, intro and sign-off, then",
        f"# 'digest build {issue.number}'. Unused items: 'digest items --unused'.",
    ]
    return "\n".join(header) + "\n" + dump_yaml(issue_data(issue))


def issue_data(issue: Issue) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": issue.number,
        "date": issue.date,
        "title": issue.title,
        "subtitle": issue.subtitle,
        "intro": issue.intro,
    }
    if issue.quick_take:
        data["quick_take"] = list(issue.quick_take)
    data["sections"] = [_section_data(s) for s in issue.sections]
    data["outro"] = issue.outro
    data["sign_off"] = issue.sign_off
    return data


def _section_data(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"heading": section.heading}
    if section.timeline:
        data["timeline"] = [{"date": e.date, "text": e.text} for e in section.timeline]
    if section.items:
        data["items"] = [_item_data(item) for item in section.items]
    return data


def _item_data(item: IssueItem) -> dict[str, Any]:
    data: dict[str, Any] = {"title": item.title}
    if item.url:
        data["url"] = item.url
    data["source"] = item.source
    if item.date:
        data["date"] = item.date
    data["countries"] = FlowList(item.countries)
    data["topics"] = FlowList(item.topics)
    data["body"] = item.body
    if item.also:
        data["also"] = [{"source": link.source, "url": link.url} for link in item.also]
    if item.lang:
        data["lang"] = item.lang
    if item.previously:
        data["previously"] = FlowList(item.previously)
    if item.id:
        data["id"] = item.id
    return data


# ---------------------------------------------------------------- I/O at the edges


@dataclass(frozen=True)
class DraftOptions:
    since: dt.date | None = None
    until: dt.date | None = None
    group_by: str | None = None
    max_items: int | None = DEFAULT_MAX_ITEMS
    timeline: str | None = None
    force: bool = False


@dataclass(frozen=True)
class DraftOutcome:
    path: Path
    draft: Draft
    backup: Path | None = None


def make_draft(
    config: Config, number: int, options: DraftOptions, now: dt.datetime | None = None
) -> DraftOutcome:
    """Draft issues/<number>.yaml from the store; refuse to replace an editor's file unless
    forced (and then keep a .bak first). Raises WorkFailed when nothing qualifies."""
    from digest.store import open_store

    path = issue_path(config, number)
    if path.exists() and not options.force:
        raise UserError(
            f"{path}: already exists; a draft never overwrites an issue file",
            hint=f"Edit it, or run 'digest draft {number} --force' to replace it "
            f"(the old file is kept as {path.name}.bak).",
        )
    settings = _settings(config, options)
    others = [load_issue(config, n) for n in issue_numbers(config) if n != number]
    earlier = [issue for issue in others if issue.number < number]
    previous = earlier[-1] if earlier else None
    span = draft_range(previous, options.since, options.until, now or dt.datetime.now(dt.UTC))
    used_ids, used_urls = used_keys(others)
    with open_store(config) as store, store.snapshot():
        sketches, off_topic = store.sketches_in_range(span.since, span.until)
        memory = issue_memory(
            others, earlier, config.taxonomy, store.stories_of(used_ids, used_urls)
        )
        plan = plan_draft(sketches, memory, settings, off_topic=off_topic)
        items = store.items_with_ids(plan.item_ids())
    draft = compose_draft(number, plan, items, memory, settings, config.taxonomy, span, previous)
    if not draft.issue.sections:
        raise WorkFailed(
            f"nothing to draft for issue {number}: no relevant, unused item dated "
            f"{span.describe()}",
            hint=f"{draft.stats.describe()}. Nothing was written; widen the range with "
            "--since, or run 'digest fetch'.",
        )
    backup = write_draft(path, draft_yaml(draft), force=options.force)
    return DraftOutcome(path=path, draft=draft, backup=backup)


def _settings(config: Config, options: DraftOptions) -> DraftSettings:
    group_by = options.group_by or config.newsletter.group_by
    if group_by not in ("country", "topic"):
        raise UserError(f"cannot group a draft by '{group_by}'", hint="Use country or topic.")
    topic = resolve_topic(options.timeline, config.taxonomy) if options.timeline else None
    return DraftSettings(
        group_by=group_by,
        section_order=config.newsletter.section_order,
        max_items=options.max_items,
        timeline_topic=topic,
        language=config.newsletter.language,
    )


def unused_items(config: Config, items: Iterable[Item]) -> list[Item]:
    """The items no issue file uses: not by id, canonical URL or story."""
    from digest.store import open_store

    issues = [load_issue(config, n) for n in issue_numbers(config)]
    ids, urls = used_keys(issues)
    with open_store(config) as store:
        stories = store.stories_of(ids, urls)
    memory = Memory(ids=frozenset(ids), urls=frozenset(urls), stories=frozenset(stories))
    return [item for item in items if not memory.used(item)]


def write_draft(path: Path, text: str, *, force: bool) -> Path | None:
    """Write the draft atomically. An existing file is replaced only when forced, and only
    after a copy is kept as <name>.bak (or .bak.1, .bak.2 ...: an older copy is never
    replaced). Returns the copy's path, if one was made."""
    if not force:
        if not write_new(path, text):
            raise UserError(
                f"{path}: already exists; a draft never overwrites an issue file",
                hint="Use --force to replace it (the old file is kept as a .bak).",
            )
        return None
    backup = None
    if path.exists():
        backup = keep_backup(path)
    atomic_write(path, text)
    return backup


def keep_backup(path: Path) -> Path:
    data = path.read_bytes()
    candidate = path.with_name(path.name + ".bak")
    counter = 0
    while not write_new(candidate, data):
        counter += 1
        candidate = path.with_name(f"{path.name}.bak.{counter}")
    return candidate
