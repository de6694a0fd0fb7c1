"""The plain-text part of an email, read off the rendered HTML part.

Walking the HTML an email client would show (rather than rewriting the Markdown) means the
text says exactly what the HTML says, with nothing of Markdown left in it: links become
numbered footnotes gathered under "Links" at the end, headings are underlined, lists keep
their bullets and numbers, and paragraphs are wrapped at 72 columns by display width, so a
line of Chinese is as wide as a line of English and breaks only between characters where
a line may break.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser

WIDTH = 72
LINKS_HEADING = "Links"
SKIPPED_TAGS = frozenset({"head", "style", "script", "title", "template"})
SKIPPED_CLASSES = frozenset({"preheader"})  # hidden text meant for the inbox preview only
VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "wbr", "col", "source"})
BLOCK_TAGS = frozenset(
    {"p", "div", "section", "article", "header", "footer", "table", "tr", "dl", "dt", "dd",
     "figure", "figcaption", "caption", "h4", "h5", "h6"}
)  # fmt: skip
UNDERLINES = {"h1": "=", "h2": "-"}
# Kinsoku: characters a line may not start with, and characters it may not end with.
NO_LINE_START = frozenset("、。，．・：；？！）」』】〕〉》’”…‥ー々ゝゞ〜%,.;:!?)]}")
NO_LINE_END = frozenset("（「『【〔〈《‘“([{")
NO_BREAK_SPACE = "\u00a0"
_SPACES = " \t\n\r\f\v"
_SOURCE_BREAKS = re.compile(r"[\n\r\f\v]")


def html_to_text(html: str, width: int = WIDTH) -> str:
    """The text an email's HTML part shows, wrapped at `width` columns, links as footnotes."""
    walker = _Walker(width)
    walker.feed(html)
    walker.close()
    return walker.text()


def display_width(text: str) -> int:
    """Columns a monospaced mail reader gives the text: East Asian wide characters take two."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


# ---------------------------------------------------------------- wrapping


@dataclass
class _Token:
    text: str
    space_before: bool


def wrap(text: str, width: int = WIDTH) -> list[str]:
    """Lines of at most `width` columns where the words allow; a longer word (a URL) stands
    alone on its line. Between two CJK characters a line may break without a space, but never
    before closing punctuation or after opening punctuation."""
    lines: list[str] = []
    line = ""
    for token in _tokens(text):
        joined = f"{line} {token.text}" if line and token.space_before else line + token.text
        if not line or display_width(joined) <= width:
            line = joined
            continue
        lines.append(line)
        line = token.text
    if line:
        lines.append(line)
    return [line.replace(NO_BREAK_SPACE, " ") for line in lines]


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    space = False
    glue_next = False
    for char in text:
        if char in _SPACES:
            space, glue_next = True, False
            continue
        wide = _char_width(char) == 2
        previous = tokens[-1] if tokens else None
        glue = (
            previous is not None
            and not space
            and (
                glue_next
                or char in NO_LINE_START
                or char == NO_BREAK_SPACE
                or (not wide and _char_width(previous.text[-1]) != 2)
            )
        )
        if glue and previous is not None:
            previous.text += char
        else:
            tokens.append(_Token(char, space))
        glue_next = char in NO_LINE_END or char == NO_BREAK_SPACE
        space = False
    return tokens


# ---------------------------------------------------------------- the walker


@dataclass
class _Container:
    """A list, a list item or a quotation: what the lines inside it start with."""

    kind: str  # ul, ol, li or blockquote
    marker: str = ""  # a list item's bullet or number, written on its first line only
    count: int = 0  # an ordered list's items so far
    used: bool = False


@dataclass
class _Link:
    href: str
    start: int  # where the link's text starts in the paragraph


@dataclass
class _Walker(HTMLParser):
    width: int
    lines: list[str] = field(default_factory=list)
    footnotes: dict[str, int] = field(default_factory=dict)
    containers: list[_Container] = field(default_factory=list)
    paragraph: list[str] = field(default_factory=list)
    links: list[_Link] = field(default_factory=list)
    heading: str = ""  # the heading tag being read, if any
    pre: int = 0  # depth of <pre>
    skipping: list[str] = field(default_factory=list)  # open tags whose content is hidden
    gap: int = 0  # line breaks owed before the next text: 1 a new line, 2 a blank line

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    # ------------------------------------------------------------ parser events

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        classes = set((dict(attrs).get("class") or "").split())
        if tag in SKIPPED_TAGS or classes & SKIPPED_CLASSES:
            if tag not in VOID_TAGS:
                self.skipping.append(tag)
            return
        self._open(tag, dict(attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag in self.skipping:
                while self.skipping.pop() != tag:
                    pass
            return
        self._close(tag)

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        # Outside <pre> a line break in the source is a space, as a browser shows it; the
        # only "\n" in a paragraph is a <br>.
        self.paragraph.append(data if self.pre else _SOURCE_BREAKS.sub(" ", data))

    # ------------------------------------------------------------ elements

    def _open(self, tag: str, attrs: dict[str, str | None]) -> None:
        if tag in ("ul", "ol"):
            self._block(1 if self._in_list() else 2)
            self.containers.append(_Container(tag))
        elif tag == "li":
            self._block(1)
            self.containers.append(_Container("li", marker=self._next_marker()))
        elif tag == "blockquote":
            self._block(2)
            self.containers.append(_Container("blockquote"))
        elif tag in UNDERLINES or tag == "h3":
            self._block(2)
            self.heading = tag
        elif tag == "p":
            self._block(1 if self._in_list() else 2)
        elif tag == "pre":
            self._block(2)
            self.pre += 1
        elif tag in BLOCK_TAGS:
            self._block(1)
        elif tag == "br":
            self.paragraph.append("\n")
        elif tag == "hr":
            self._block(2)
            self._emit(["-" * min(self.width, 20)])
            self.gap = 2
        elif tag in ("td", "th"):
            self.paragraph.append(" ")
        elif tag == "a":
            self.links.append(_Link(attrs.get("href") or "", len(self.paragraph)))
        elif tag == "img" and attrs.get("alt"):
            self.paragraph.append(attrs["alt"] or "")

    def _close(self, tag: str) -> None:
        if tag in ("ul", "ol", "li", "blockquote"):
            self._block(1 if tag == "li" else 2)
            self._pop(tag)
        elif tag in UNDERLINES or tag == "h3":
            self._heading_done(tag)
        elif tag == "pre":
            self._block(2)
            self.pre = max(0, self.pre - 1)
        elif tag == "p":
            self._block(1 if self._in_list() else 2)
        elif tag in BLOCK_TAGS:
            self._block(1)
        elif tag == "a" and self.links:
            self._link_done(self.links.pop())

    def _in_list(self) -> bool:
        return bool(self.containers) and self.containers[-1].kind == "li"

    def _next_marker(self) -> str:
        lists = [c for c in self.containers if c.kind in ("ul", "ol")]
        if not lists:
            return "- "
        current = lists[-1]
        current.count += 1
        return f"{current.count}. " if current.kind == "ol" else "- "

    def _pop(self, kind: str) -> None:
        for index in range(len(self.containers) - 1, -1, -1):
            if self.containers[index].kind == kind:
                del self.containers[index:]
                return

    def _link_done(self, link: _Link) -> None:
        text = " ".join("".join(self.paragraph[link.start :]).split())
        href = link.href.strip()
        if not href.startswith(("http://", "https://", "mailto:")):
            return
        if text in (href, href.removeprefix("mailto:")) or not text:
            if not text:
                self.paragraph.append(href)
            return
        number = self.footnotes.setdefault(href, len(self.footnotes) + 1)
        self.paragraph.append(f"{NO_BREAK_SPACE}[{number}]")

    def _heading_done(self, tag: str) -> None:
        text = " ".join("".join(self.paragraph).split())
        self.paragraph.clear()
        self.heading = ""
        if not text:
            return
        lines = wrap(text, self.width)
        if tag in UNDERLINES:
            underline = UNDERLINES[tag] * min(self.width, max(map(display_width, lines)))
            lines.append(underline)
        self._emit(lines)
        self.gap = 2

    # ------------------------------------------------------------ output

    def _block(self, breaks: int) -> None:
        """End the paragraph being read; the next text starts on a new line or after a blank."""
        self._flush()
        self.gap = max(self.gap, breaks)

    def _flush(self) -> None:
        raw = "".join(self.paragraph)
        self.paragraph.clear()
        if self.pre:
            lines = raw.strip("\n").split("\n") if raw.strip() else []
        else:
            lines = [line for part in raw.split("\n") for line in self._wrap(part)]
        if lines:
            self._emit(lines)

    def _wrap(self, text: str) -> list[str]:
        indent = sum(len(c.marker) or (2 if c.kind == "blockquote" else 0) for c in self.containers)
        return wrap(text, max(20, self.width - indent))

    def _emit(self, lines: list[str]) -> None:
        if self.lines and self.gap:
            self.lines.extend([""] * (self.gap - 1))
        self.gap = 0
        for line in lines:
            self.lines.append((self._prefix() + line).rstrip())

    def _prefix(self) -> str:
        parts = []
        for container in self.containers:
            if container.kind == "blockquote":
                parts.append("> ")
            elif container.kind == "li":
                parts.append(" " * len(container.marker) if container.used else container.marker)
                container.used = True
        return "".join(parts)

    def text(self) -> str:
        self._flush()
        out = "\n".join(self.lines).strip("\n")
        if self.footnotes:
            listed = "\n".join(f"[{n}] {href}" for href, n in self.footnotes.items())
            out += f"\n\n{LINKS_HEADING}\n{'-' * len(LINKS_HEADING)}\n{listed}"
        return out + "\n"
