"""A post's HTML -> an Issue: headings become sections, headlines with their paragraphs and
links become items, the text before the first section the intro, bullets there the summary.

The HTML is hostile: it is sanitized with the project's allowlist first, then read into plain
blocks (heading, paragraph, list, image, quote) whose text is escaped Markdown, so no tag of
the post survives as markup. Whatever does not fit the structure is kept as Markdown in the
nearest intro or body, never dropped. Nothing the post names is fetched.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from digest.classify import classify_text
from digest.markdown import bare_destination, escape_line_start, escape_text
from digest.models import Config, FeedConfig, IssueItem, Link, Section, Taxonomy
from digest.sanitize import clean_html, safe_url

WRAP_WIDTH = 88
TITLE_CHARS = 140  # a headline taken from a paragraph's first sentence is cut here
DEFAULT_HEADING = "In this issue"  # the section of items that come before any heading

# ---------------------------------------------------------------- blocks of the body


@dataclass
class Block:
    kind: str  # heading, para, bullets, image, quote
    markdown: str = ""  # escaped Markdown of the block (for bullets: one line each, joined)
    text: str = ""  # plain text
    level: int = 0  # heading level
    links: list[str] = field(default_factory=list)  # http(s) links, in order
    lead: str = ""  # plain text of a bold run the paragraph opens with
    lead_markdown: str = ""  # the paragraph's Markdown after that run
    bullets: list[str] = field(default_factory=list)
    image: str = ""  # an image's URL
    alt: str = ""


_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_PARAGRAPHS = {"p", "div", "figcaption", "tr", "dt", "dd", "pre", "figure", "table"}
_BOLD = {"strong", "b"}
_ITALIC = {"em", "i"}


def sanitized(post_html: str) -> str:
    """The post's HTML through the allowlist. <h1> is not on it: it becomes <h2> first, so a
    post's top headings still read as headings."""
    html = re.sub(r"<(/?)h1(?=[\s>])", r"<\1h2", post_html, flags=re.I)
    return clean_html(html, images=True)


def body_blocks(post_html: str) -> list[Block]:
    reader = _BlockReader()
    reader.feed(sanitized(post_html))
    reader.close()
    reader.end_block()
    return reader.blocks


class _BlockReader(HTMLParser):
    """Sanitized HTML -> blocks. Inline markup kept: links, bold, italics; the rest is text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.parts: list[str] = []  # Markdown pieces of the block being read
        self.plain: list[str] = []
        self.links: list[str] = []
        self.spans: list[tuple[str, int, str | None]] = []  # open inline markup: tag, start
        self.lead_end: int | None = None  # where a bold run opening the block ended
        self.lead_text = ""
        self.heading = 0
        self.quote = 0
        self.lists = 0
        self.bullets: list[str] = []
        self.list_links: list[str] = []

    # -- tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in _HEADINGS:
            self.end_block()
            self.heading = _HEADINGS[tag]
        elif tag in {"ul", "ol"}:
            self.end_block()
            self.lists += 1
        elif tag == "li":
            self.end_block()
        elif tag == "blockquote":
            self.end_block()
            self.quote += 1
        elif tag == "img":
            self.add_image(values.get("src"), values.get("alt") or "")
        elif tag == "br":
            self.parts.append(" ")
            self.plain.append(" ")
        elif tag == "hr" or tag in _PARAGRAPHS:
            self.end_block()
        elif tag == "a":
            self.spans.append(("a", len(self.parts), safe_url(values.get("href"))))
        elif tag in _BOLD or tag in _ITALIC:
            opens = not "".join(self.plain).strip() and not self.heading
            self.spans.append((tag if opens else f"{tag}-", len(self.parts), None))

    def handle_endtag(self, tag: str) -> None:
        if tag in _HEADINGS or tag in _PARAGRAPHS or tag == "li":
            self.end_block()
        elif tag in {"ul", "ol"}:
            self.end_block()
            self.lists = max(0, self.lists - 1)
            if not self.lists:
                self.end_list()
        elif tag == "blockquote":
            self.end_block()
            self.quote = max(0, self.quote - 1)
        elif tag in {"a", *_BOLD, *_ITALIC}:
            self.close_span(tag)

    def handle_data(self, data: str) -> None:
        self.parts.append(escape_text(data))
        self.plain.append(data)

    # -- inline markup

    def close_span(self, tag: str) -> None:
        for index in range(len(self.spans) - 1, -1, -1):
            name, start, href = self.spans[index]
            if name.rstrip("-") == tag:
                del self.spans[index:]
                self.wrap(tag, start, href, opens_block=not name.endswith("-"))
                return

    def wrap(self, tag: str, start: int, href: str | None, *, opens_block: bool) -> None:
        inner = "".join(self.parts[start:])
        words = " ".join(inner.split())
        if tag == "a":
            if href and href.startswith(("http://", "https://")):
                self.links.append(href)
            wrapped = f"[{words}]({bare_destination(href)})" if href and words else words
        else:
            mark = "**" if tag in _BOLD else "*"
            wrapped = f"{mark}{words}{mark}" if words else ""
        space_before = " " if inner[:1].isspace() else ""
        space_after = " " if inner[-1:].isspace() else ""
        self.parts[start:] = [space_before + wrapped + space_after]
        if tag in _BOLD and opens_block and start == 0 and self.lead_end is None and words:
            self.lead_end = len(self.parts)
            self.lead_text = " ".join("".join(self.plain).split())

    # -- blocks

    def add_image(self, src: str | None, alt: str) -> None:
        url = safe_url(src, schemes={"http", "https"})
        if url:
            self.end_block()
            self.blocks.append(Block("image", image=url, alt=" ".join(alt.split())))

    def end_block(self) -> None:
        for name, start, href in reversed(self.spans):
            self.wrap(name.rstrip("-"), start, href, opens_block=False)
        self.spans = []
        markdown = " ".join("".join(self.parts).split())
        text = " ".join("".join(self.plain).split())
        lead_rest = " ".join("".join(self.parts[self.lead_end :]).split()) if self.lead_end else ""
        lead = self.lead_text if self.lead_end else ""
        links, self.links = self.links, []
        self.parts, self.plain, self.lead_end, self.lead_text = [], [], None, ""
        if not markdown:
            self.heading = 0
            return
        if self.heading:
            self.blocks.append(Block("heading", text=text, level=self.heading, links=links))
        elif self.lists:
            self.bullets.append(markdown)
            self.list_links.extend(links)
        elif self.quote:
            self.blocks.append(Block("quote", markdown="> " + markdown, text=text, links=links))
        else:
            self.blocks.append(
                Block(
                    "para",
                    markdown=escape_line_start(markdown),
                    text=text,
                    links=links,
                    lead=lead.rstrip(" :.–—-"),
                    lead_markdown=escape_line_start(lead_rest.lstrip(" :.–—-")),
                )
            )
        self.heading = 0

    def end_list(self) -> None:
        if self.bullets:
            text = " ".join(self.bullets)
            self.blocks.append(
                Block("bullets", bullets=self.bullets, text=text, links=self.list_links)
            )
        self.bullets = []
        self.list_links = []


# ---------------------------------------------------------------- blocks -> the issue's parts


@dataclass(frozen=True)
class ImportContext:
    """What structuring a post needs from the newsletter's settings."""

    taxonomy: Taxonomy
    image_hosts: tuple[str, ...]
    language: str
    outlets: dict[str, str]  # host -> outlet name (the feeds' own names first)

    @classmethod
    def of(cls, config: Config) -> ImportContext:
        return cls(
            taxonomy=config.taxonomy,
            image_hosts=tuple(h.lower() for h in config.newsletter.remote_image_hosts),
            language=config.newsletter.language,
            outlets=outlet_names(config.feeds),
        )


@dataclass(frozen=True)
class Structure:
    intro: str
    summary: tuple[str, ...]
    sections: tuple[Section, ...]
    outro: str = ""


@dataclass
class _Entry:
    title: str
    body: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)


@dataclass
class _Part:
    heading: str
    intro: list[str] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)


def structure(blocks: Sequence[Block], context: ImportContext) -> Structure:
    """Blocks -> intro, summary and sections (see the module's docstring)."""
    levels = sorted({b.level for b in blocks if b.kind == "heading"})
    sections = _Sections(section_level=levels[0] if levels else 0, deep=len(levels) > 1)
    for block in blocks:
        sections.add(block, context)
    return Structure(
        intro=paragraphs(sections.intro),
        summary=tuple(sections.summary),
        sections=tuple(_section(part, context) for part in sections.parts),
        outro=paragraphs(sections.outro),
    )


@dataclass
class _Sections:
    section_level: int  # the level of the headings that open sections (0: there are none)
    deep: bool  # sub-headings below them: the items' headlines
    intro: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    parts: list[_Part] = field(default_factory=list)
    outro: list[str] = field(default_factory=list)

    def add(self, block: Block, context: ImportContext) -> None:
        part = self.parts[-1] if self.parts else None
        entry = part.entries[-1] if part and part.entries else None
        if block.kind == "heading" and block.level == self.section_level:
            self.parts.append(_Part(heading=section_heading(block.text, context.taxonomy)))
        elif block.kind == "heading":
            self.open_part(part).entries.append(_Entry(title=block.text, links=list(block.links)))
        elif block.kind == "bullets" and part is None:
            self.summary.extend(block.bullets)
        elif _is_widget(block):
            (self.outro if part is not None else self.intro).append(block.markdown)
        elif block.kind == "para" and self.starts_entry(block, part, entry):
            self.open_part(part).entries.append(_entry_from(block))
        else:
            self.keep(_block_markdown(block, context), block, part, entry)

    def starts_entry(self, block: Block, part: _Part | None, entry: _Entry | None) -> bool:
        if part is None and (self.section_level or not self.intro):
            return False  # before the first section (or the opening paragraph): the intro
        return _starts_entry(block, entry, self.deep)

    def open_part(self, part: _Part | None) -> _Part:
        if part is None:
            part = _Part(heading=DEFAULT_HEADING)
            self.parts.append(part)
        return part

    def keep(self, markdown: str, block: Block, part: _Part | None, entry: _Entry | None) -> None:
        """What is no headline goes to the nearest text: the item's body, else an intro."""
        if not markdown:
            return
        if entry is not None:
            entry.body.append(markdown)
            entry.text.append(block.text)
            entry.links.extend(block.links)
        elif part is not None:
            part.intro.append(markdown)
        else:
            self.intro.append(markdown)


def paragraphs(blocks: Iterable[str]) -> str:
    """Markdown blocks as one text, plain paragraphs wrapped into lines an editor can read."""
    return "\n\n".join(_wrap(block) for block in blocks)


def _wrap(block: str) -> str:
    if "\n" in block or block.startswith(("> ", "![", "- ")):
        return block
    lines = textwrap.wrap(block, width=WRAP_WIDTH, break_long_words=False, break_on_hyphens=False)
    return "\n".join([lines[0], *(escape_line_start(line) for line in lines[1:])])


def _is_widget(block: Block) -> bool:
    """Substack's own buttons ('Subscribe now', 'Share'): links only to its subscribe or share
    pages. Kept as text, never taken for an item."""
    return bool(block.links) and all(_widget_link(url) for url in block.links)


def _widget_link(url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    action = parts.path.strip("/").split("/")[-1] if parts.path.strip("/") else ""
    return (host == "substack.com" or host.endswith(".substack.com")) and action in {
        "subscribe", "share", "comments", "",
    }  # fmt: skip


def _starts_entry(block: Block, entry: _Entry | None, sub_headings: bool) -> bool:
    """Sub-headings, when a post has them, start its items. Otherwise a paragraph opening with
    a bold headline does, and so does a paragraph with a link once the current item has one."""
    if sub_headings:
        return False
    if block.lead:
        return True
    return bool(block.links) and (entry is None or bool(entry.links))


def _entry_from(block: Block) -> _Entry:
    if block.lead:
        body = [block.lead_markdown] if block.lead_markdown else []
        return _Entry(title=block.lead, body=body, text=[block.text], links=list(block.links))
    return _Entry(
        title=first_sentence(block.text), body=[block.markdown], text=[block.text],
        links=list(block.links),
    )  # fmt: skip


def _block_markdown(block: Block, context: ImportContext) -> str:
    if block.kind == "bullets":
        return "\n".join(f"- {line}" for line in block.bullets)
    if block.kind == "image":
        host = (urlsplit(block.image).hostname or "").lower()
        if host in context.image_hosts:
            return f"![{escape_text(block.alt)}]({bare_destination(block.image)})"
        return escape_line_start(escape_text(block.alt)) if block.alt else ""
    if block.kind == "heading":
        return f"**{escape_text(block.text)}**"
    return block.markdown


def first_sentence(text: str) -> str:
    """A headline from a paragraph: its first sentence, cut at a word before TITLE_CHARS."""
    match = re.match(r"(.+?[.!?。！？])(\s|$)", text)
    sentence = (match.group(1) if match else text).strip()
    if len(sentence) <= TITLE_CHARS:
        return sentence
    head = sentence[:TITLE_CHARS]
    space = head.rfind(" ")
    return (head[:space] if space > TITLE_CHARS // 2 else head).rstrip(",;:") + " …"


def _section(part: _Part, context: ImportContext) -> Section:
    return Section(
        heading=part.heading,
        intro=paragraphs(part.intro),
        items=tuple(_item(entry, part.heading, context) for entry in part.entries),
    )


def _item(entry: _Entry, heading: str, context: ImportContext) -> IssueItem:
    links = _unique(entry.links)
    text = " ".join(entry.text)
    tags = classify_text(entry.title, text, None, context.taxonomy)
    countries, topics = list(tags.countries), list(tags.topics)
    named = heading_tag(heading, context.taxonomy)
    if named in context.taxonomy.countries and named not in countries:
        countries.insert(0, named)
    if named in context.taxonomy.topics and named not in topics:
        topics.insert(0, named)
    also = _also(links[1:], links[0] if links else None, context)
    return IssueItem(
        title=entry.title,
        url=links[0] if links else None,
        source=outlet_name(links[0], context.outlets) if links else "",
        countries=tuple(countries),
        topics=tuple(topics),
        body=paragraphs(entry.body),
        also=also,
        lang=text_language(f"{entry.title} {text}", context.language),
    )


def _also(links: Iterable[str], first: str | None, context: ImportContext) -> tuple[Link, ...]:
    seen = {_host(first)} if first else set()
    out = []
    for url in links:
        if _host(url) not in seen:
            seen.add(_host(url))
            out.append(Link(source=outlet_name(url, context.outlets), url=url))
    return tuple(out)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


# ---------------------------------------------------------------- names


_DECORATION = re.compile(r"^[^\w]+|[^\w]+$")


def heading_tag(heading: str, taxonomy: Taxonomy) -> str | None:
    """The country code or topic slug a heading names ('🇨🇳 China' -> 'CN'), if any."""
    key = _DECORATION.sub("", heading).casefold()
    for code, country in taxonomy.countries.items():
        if key in {country.name.casefold(), code.casefold()}:
            return code
    for slug, topic in taxonomy.topics.items():
        if key in {topic.name.casefold(), slug.casefold()}:
            return slug
    return None


def section_heading(heading: str, taxonomy: Taxonomy) -> str:
    """The taxonomy's own name for a heading that names a country or topic; else the heading."""
    tag = heading_tag(heading, taxonomy)
    if tag in taxonomy.countries:
        return taxonomy.countries[tag].name
    if tag in taxonomy.topics:
        return taxonomy.topics[tag].name
    return heading


# Outlets whose names are not their host's first word.
KNOWN_OUTLETS = {
    "coindesk.com": "CoinDesk", "theblock.co": "The Block", "scmp.com": "South China Morning Post",
    "reuters.com": "Reuters", "bloomberg.com": "Bloomberg", "caixinglobal.com": "Caixin Global",
    "caixin.com": "Caixin", "cointelegraph.com": "Cointelegraph", "decrypt.co": "Decrypt",
    "forkast.news": "Forkast News", "ft.com": "Financial Times",
    "wsj.com": "The Wall Street Journal",
    "nytimes.com": "The New York Times", "nikkei.com": "Nikkei", "asia.nikkei.com": "Nikkei Asia",
    "coindeskjapan.com": "CoinDesk Japan", "8btc.com": "8btc", "odaily.news": "Odaily",
    "chaincatcher.com": "ChainCatcher", "wublock.substack.com": "Wu Blockchain",
    "theguardian.com": "The Guardian", "cnbc.com": "CNBC", "yna.co.kr": "Yonhap",
    "koreaherald.com": "The Korea Herald", "straitstimes.com": "The Straits Times",
    "twitter.com": "Twitter", "x.com": "X", "sina.com.cn": "Sina", "qq.com": "Tencent News",
    "weibo.com": "Weibo", "gov.cn": "Chinese government", "pbc.gov.cn": "People's Bank of China",
    "mas.gov.sg": "Monetary Authority of Singapore", "fsa.go.jp": "Japan FSA",
}  # fmt: skip


def outlet_names(feeds: Iterable[FeedConfig]) -> dict[str, str]:
    """host -> name: the newsletter's own feeds, then the known outlets."""
    names = dict(KNOWN_OUTLETS)
    for feed in feeds:
        host = _host(feed.url)
        if host:
            names[host] = feed.name
    return names


def outlet_name(url: str, outlets: dict[str, str]) -> str:
    """A readable outlet name for a link: 'https://www.coindesk.com/x' -> 'CoinDesk'."""
    host = _host(url)
    labels = host.split(".")
    for start in range(len(labels) - 1):
        known = outlets.get(".".join(labels[start:]))
        if known:
            return known
    if not host:
        return ""
    # the label before the suffix: 'decrypt.co' -> decrypt, 'yna.co.kr' -> yna
    short_suffix = len(labels) >= 3 and len(labels[-2]) <= 3
    core = labels[-3] if short_suffix else labels[-2] if len(labels) > 1 else labels[0]
    return core[:1].upper() + core[1:]


def _host(url: str | None) -> str:
    try:
        host = (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


_KANA = re.compile(r"[\u3040-\u30ff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u9fff]")


def text_language(text: str, newsletter: str) -> str | None:
    """'zh', 'ja' or 'ko' when a text is mostly in that script and the newsletter is not."""
    letters = sum(ch.isalpha() for ch in text)
    kana, hangul, han = (len(p.findall(text)) for p in (_KANA, _HANGUL, _HAN))
    if not letters or (kana + hangul + han) * 2 < letters:
        return None
    tag = "ja" if kana else "ko" if hangul > han else "zh"
    return None if newsletter.split("-")[0].lower() == tag else tag
