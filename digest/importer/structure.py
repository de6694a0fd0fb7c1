"""A post's HTML -> an Issue: headings become sections, headlines with their paragraphs and
links become items, the text before the first section the intro, bullets there the summary.

The HTML is hostile: it is sanitized with the project's allowlist first, then read into plain
blocks (heading, paragraph, list, image, quote; blocks.py) whose text is escaped Markdown, so
no tag of the post survives as markup. Whatever does not fit the structure is kept as Markdown
in the nearest intro or body, never dropped. Nothing the post names is fetched.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from digest.classify import classify_text
from digest.importer.blocks import Block
from digest.importer.naming import (
    heading_tag,
    host_of,
    outlet_name,
    outlet_names,
    section_heading,
    text_language,
)
from digest.markdown import bare_destination, escape_line_start, escape_text
from digest.models import Config, IssueItem, Link, Section, Taxonomy

WRAP_WIDTH = 88
TITLE_CHARS = 140  # a headline taken from a paragraph's first sentence is cut here
DEFAULT_HEADING = "In this issue"  # the section of items that come before any heading


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
    seen = {host_of(first)} if first else set()
    out = []
    for url in links:
        if host_of(url) not in seen:
            seen.add(host_of(url))
            out.append(Link(source=outlet_name(url, context.outlets), url=url))
    return tuple(out)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
