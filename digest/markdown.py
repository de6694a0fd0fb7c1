"""Markdown, the one place it is escaped, made safe, rendered and written.

Two kinds of Markdown pass through digest. Editor Markdown (an issue file's bodies, intros,
quick take) is read by Python-Markdown for the pages and the PDF, and rewritten by
`safe_markdown` for the CommonMark file. Plain text (a headline, an outlet's name, a feed's
summary) is escaped so that neither dialect finds markup in it:

- `escape_text` / `text_line` write it INTO editor Markdown (a draft's bodies): backslash
  escapes only where both dialects have them (\\ ` * _ [ ]), character references for & < >.
- `markdown_text` writes it into the CommonMark output (issues/N/N.md): backslash escapes for
  every punctuation mark CommonMark or GFM may read as markup, "&lt;" for "<" (see _escape_lt).

Both share one rule for a line that would open a list, a heading or a quote (`escape_line_start`).
"""

from __future__ import annotations

import re
import textwrap
from functools import lru_cache
from html.parser import HTMLParser

import markdown
from markupsafe import Markup

from digest.sanitize import IMAGE_SCHEMES, LINK_SCHEMES, clean_html, safe_url

BODY_LIMIT = 700  # characters of a feed's summary kept as a draft's starting body
WRAP_WIDTH = 88

# ---------------------------------------------------------------- escaping plain text

# Punctuation that both Python-Markdown and CommonMark honour a backslash before.
_SOURCE_SPECIAL = re.compile(r"([\\`*_\[\]])")
_SOURCE_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# Punctuation CommonMark (with GFM tables and strikethrough) may read as markup.
_COMMONMARK_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#!|~&])")
# A line opening with "- ", "+ ", "= ", "> ", "1. " or "1) " would be a block, not text; so
# would one opening with "#" (Python-Markdown needs no space after it).
_LINE_START = re.compile(r"^(\s*)(#|[-+=>](?=\s|$)|\d+[.)](?=\s|$))")


def escape_text(text: str) -> str:
    """Text from a feed as editor Markdown that shows it as it is: nothing in it acts as
    markup (line starts aside: see text_line)."""
    escaped = _SOURCE_SPECIAL.sub(r"\\\1", text)
    return "".join(_SOURCE_ENTITIES.get(ch, ch) for ch in escaped)


def text_line(text: str) -> str:
    """A headline as one line of editor Markdown."""
    return escape_line_start(escape_text(" ".join(text.split())))


def markdown_text(text: str) -> str:
    """Plain text (a headline, an outlet's name) escaped so CommonMark shows it as it is."""
    return escape_line_start(_escape_commonmark(" ".join(text.split())))


def escape_line_start(line: str) -> str:
    """'- x', '# x' and '1. x' would start a list or heading: escape the marker ('\\- x',
    '\\# x', '1\\. x')."""
    return _LINE_START.sub(_escape_marker, line)


def _escape_marker(match: re.Match[str]) -> str:
    indent, marker = match.groups()
    if marker[0].isdigit():
        return f"{indent}{marker[:-1]}\\{marker[-1]}"
    if marker == "=":  # Python-Markdown has no \= escape; a reference works in both dialects
        return f"{indent}&#61;"
    return f"{indent}\\{marker}"


def _escape_commonmark(text: str) -> str:
    """Backslash before every Markdown punctuation character; "<" becomes &lt; (see _escape_lt)."""
    return _COMMONMARK_SPECIAL.sub(
        lambda m: "&lt;" if m.group(1) == "<" else "\\" + m.group(1), text
    )


def _escape_lt(text: str) -> str:
    # &lt;, not \<: Python-Markdown (MkDocs, Pelican) has no \< escape and would pass the
    # tag through as raw HTML; an entity shows "<" in every Markdown dialect.
    return re.sub(r"\\?<", "&lt;", text)


def angle_destination(url: str) -> str:
    """A URL for a link written as [text](<url>)."""
    return url.replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


_BARE_DESTINATION = {" ": "%20", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E", "\\": "%5C",
                     '"': "%22"}  # fmt: skip


def bare_destination(url: str) -> str:
    """A URL for a link written as [text](url), which both dialects read alike."""
    return "".join(_BARE_DESTINATION.get(ch, ch) for ch in url)


def http_url(url: str | None) -> str | None:
    return safe_url(url, schemes={"http", "https"})


# ---------------------------------------------------------------- editor Markdown -> HTML


def markdown_html(text: str, *, images: bool = False, base: str | None = None) -> Markup:
    """Editor Markdown as sanitized HTML, ready to put in a page.

    Relative links are resolved against `base` (an email's links must be absolute); without
    a base they are dropped.
    """
    return Markup(_markdown_html(text or "", images, base))


def markdown_inline(text: str, *, base: str | None = None) -> Markup:
    """Like markdown_html for one line (a bullet, a timeline entry): no wrapping <p>."""
    html = _markdown_html(text or "", False, base)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


@lru_cache(maxsize=8192)
def _markdown_html(text: str, images: bool, base: str | None = None) -> str:
    converted = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return clean_html(converted, base, images=images).strip()


# ---------------------------------------------------------------- editor Markdown -> CommonMark

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK = re.compile(r"(!?)\[((?:[^\[\]\\]|\\.)*)\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
                   r"(\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")  # fmt: skip
_REFERENCE = re.compile(r"^( {0,3}\[(?:[^\[\]\\]|\\.)+\]:)[ \t]*(<[^>\n]*>|\S+)(.*)$", re.M)
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>]+)>", re.I)
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def markdown_link(text: str, url: str | None) -> str:
    """[text](url) when url is http(s) or mailto, else just the escaped text."""
    target = safe_url(url)
    label = markdown_text(text)
    if not target:
        return label
    return f"[{label}](<{angle_destination(target)}>)"


def safe_markdown(text: str) -> str:
    """Editor Markdown made safe for CommonMark: raw HTML shown as text, unsafe links dropped."""
    out: list[str] = []
    block: list[str] = []
    fence: str | None = None
    for line in (text or "").strip("\n").split("\n"):
        marker = _FENCE.match(line)
        if fence is None and marker:
            out.append(_safe_prose("\n".join(block)))
            block = []
            fence = marker.group(1)[0] * len(marker.group(1))
            out.append(line)
        elif fence is not None:
            out.append(line)
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
        else:
            block.append(line)
    if block:
        out.append(_safe_prose("\n".join(block)))
    return "\n".join(out).strip("\n")


def _safe_prose(text: str) -> str:
    """Prose outside fenced code: code spans kept, the rest neutralized."""
    pieces: list[str] = []
    last = 0
    for span in _CODE_SPAN.finditer(text):
        pieces.append(_neutralize(text[last : span.start()]))
        pieces.append(span.group(0))
        last = span.end()
    pieces.append(_neutralize(text[last:]))
    return "".join(pieces)


def _neutralize(text: str) -> str:
    text = _REFERENCE.sub(_safe_reference, text)
    text = _LINK.sub(_safe_inline_link, text)
    return _escape_angles(text)


def _safe_inline_link(match: re.Match[str]) -> str:
    bang, label, destination, title = match.groups()
    schemes = IMAGE_SCHEMES if bang else LINK_SCHEMES
    target = _destination_url(destination, schemes)
    if target is None:
        return _escape_angles(label)
    return f"{bang}[{_escape_angles(label)}](<{angle_destination(target)}>{title or ''})"


def _safe_reference(match: re.Match[str]) -> str:
    head, destination, rest = match.groups()
    target = _destination_url(destination, LINK_SCHEMES)
    if target is None:
        return _escape_commonmark(match.group(0).strip())
    return f"{head} <{angle_destination(target)}>{rest}"


def _destination_url(destination: str, schemes: set[str]) -> str | None:
    raw = destination[1:-1] if destination.startswith("<") else destination
    return safe_url(_BACKSLASH_ESCAPE.sub(r"\1", raw), schemes=schemes)


def _escape_angles(text: str) -> str:
    """Every < shown as text, except a safe autolink like <https://...>."""
    pieces: list[str] = []
    last = 0
    for link in _AUTOLINK.finditer(text):
        pieces.append(_escape_lt(text[last : link.start()]))
        url = safe_url(link.group(1))
        pieces.append(f"<{angle_destination(url)}>" if url else _escape_lt(link.group(0)))
        last = link.end()
    pieces.append(_escape_lt(text[last:]))
    return "".join(pieces)


# ---------------------------------------------------------------- summary HTML -> Markdown

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
            self.link = http_url(dict(attrs).get("href"))
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
        escaped = escape_text(data)
        (self.link_text if self.link is not None else self.parts).append(escaped)

    def _end_link(self) -> None:
        if self.link is None:
            return
        text = " ".join("".join(self.link_text).split())
        self.parts.append(f"[{text}]({bare_destination(self.link)})" if text else "")
        self.link = None

    def _end_paragraph(self) -> None:
        self._end_link()
        text = " ".join("".join(self.parts).split())
        self.parts = []
        if text and not _BOILERPLATE.match(text):
            self.paragraphs.append(("- " if self.bullet else "") + escape_line_start(text))
        self.bullet = False

    def markdown(self) -> list[str]:
        self.close()
        self._end_paragraph()
        return self.paragraphs


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
    lines = [lines[0], *(escape_line_start(line) for line in lines[1:])]
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
