"""A post's HTML -> plain blocks: heading, paragraph, list, image, quote.

The HTML is hostile: it is sanitized with the project's allowlist first, then read into blocks
whose text is escaped Markdown, so no tag of the post survives as markup. Nothing the post
names is fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from digest.markdown import bare_destination, escape_line_start, escape_text
from digest.sanitize import clean_html, safe_url


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
