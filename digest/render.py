"""An Issue -> its Markdown file and its HTML page, through the theme's templates.

Editor text is Markdown. For HTML it goes through Python-Markdown and then the sanitizer,
because an issue file may carry HTML pasted from a hostile page. For the Markdown output it is
rewritten so that CommonMark finds no raw HTML and no link other than http(s) or mailto.
Headlines and outlet names are plain text, escaped wherever they are output.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import markdown
from markupsafe import Markup

from digest import theme
from digest.models import Config, Issue, IssueItem, Newsletter
from digest.sanitize import IMAGE_SCHEMES, LINK_SCHEMES, clean_html, safe_url

ISSUE_HTML = "issue.html"
ISSUE_MARKDOWN = "issue.md"

# ---------------------------------------------------------------- editor Markdown -> HTML


def markdown_html(text: str, *, images: bool = False) -> Markup:
    """Editor Markdown as sanitized HTML, ready to put in a page."""
    return Markup(_markdown_html(text or "", images))


def markdown_inline(text: str) -> Markup:
    """Like markdown_html for one line (a bullet, a timeline entry): no wrapping <p>."""
    html = _markdown_html(text or "", False)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)


@lru_cache(maxsize=8192)
def _markdown_html(text: str, images: bool) -> str:
    converted = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return clean_html(converted, images=images).strip()


# ---------------------------------------------------------------- editor Markdown -> CommonMark

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK = re.compile(r"(!?)\[((?:[^\[\]\\]|\\.)*)\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
                   r"(\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)")  # fmt: skip
_REFERENCE = re.compile(r"^( {0,3}\[(?:[^\[\]\\]|\\.)+\]:)[ \t]*(<[^>\n]*>|\S+)(.*)$", re.M)
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>]+)>", re.I)
_BACKSLASH_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#!|~&])")
_LINE_START = re.compile(r"^(\s*)([-+=>]|\d+)([.)]?)(?=\s|$)")


def markdown_text(text: str) -> str:
    """Plain text (a headline, an outlet's name) escaped so CommonMark shows it as it is."""
    escaped = _escape_special(" ".join(text.split()))
    return _LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    """'- x' and '1. x' would start a list: escape the marker ('\\- x', '1\\. x')."""
    indent, marker, dot = match.groups()
    if marker.isdigit():
        return f"{indent}{marker}\\{dot}" if dot else match.group(0)
    return f"{indent}\\{marker}"


def markdown_link(text: str, url: str | None) -> str:
    """[text](url) when url is http(s) or mailto, else just the escaped text."""
    target = safe_url(url)
    label = markdown_text(text)
    if not target:
        return label
    return f"[{label}](<{_escape_destination(target)}>)"


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
    return f"{bang}[{_escape_angles(label)}](<{_escape_destination(target)}>{title or ''})"


def _safe_reference(match: re.Match[str]) -> str:
    head, destination, rest = match.groups()
    target = _destination_url(destination, LINK_SCHEMES)
    if target is None:
        return _escape_special(match.group(0).strip())
    return f"{head} <{_escape_destination(target)}>{rest}"


def _destination_url(destination: str, schemes: set[str]) -> str | None:
    raw = destination[1:-1] if destination.startswith("<") else destination
    return safe_url(_BACKSLASH_ESCAPE.sub(r"\1", raw), schemes=schemes)


def _escape_destination(url: str) -> str:
    return url.replace("\\", "%5C").replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")


def _escape_angles(text: str) -> str:
    """Every < shown as text, except a safe autolink like <https://...>."""
    pieces: list[str] = []
    last = 0
    for link in _AUTOLINK.finditer(text):
        pieces.append(_escape_lt(text[last : link.start()]))
        url = safe_url(link.group(1))
        pieces.append(f"<{_escape_destination(url)}>" if url else _escape_lt(link.group(0)))
        last = link.end()
    pieces.append(_escape_lt(text[last:]))
    return "".join(pieces)


def _escape_lt(text: str) -> str:
    # &lt;, not \<: Python-Markdown (MkDocs, Pelican) has no \< escape and would pass the
    # tag through as raw HTML; an entity shows "<" in every Markdown dialect.
    return re.sub(r"\\?<", "&lt;", text)


def _escape_special(text: str) -> str:
    """Backslash before every Markdown punctuation character; "<" becomes &lt; (see above)."""
    return _MD_SPECIAL.sub(lambda m: "&lt;" if m.group(1) == "<" else "\\" + m.group(1), text)


# ---------------------------------------------------------------- helpers for the templates


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def display_url(url: str) -> str:
    """The address as a reader would say it: no scheme, no www, no trailing slash."""
    parts = urlsplit(url)
    return parts.netloc.removeprefix("www.") + parts.path.rstrip("/")


def contact_url(contact: str) -> str | None:
    if not contact:
        return None
    if "@" in contact and not contact.startswith(("http://", "https://", "mailto:")):
        return f"mailto:{contact}"
    return safe_url(contact)


def slugify(text: str) -> str:
    """'Blockchain Asia' -> 'blockchain-asia' (ASCII letters and digits; 'newsletter' if none)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "newsletter"


def pdf_name(newsletter: Newsletter, number: int) -> str:
    return f"{slugify(newsletter.name)}-{number}.pdf"


def markdown_name(number: int) -> str:
    return f"{number}.md"


def item_anchor(index: int) -> str:
    """The id of the index-th item (1-based, in reading order) on its issue page."""
    return f"item-{index}"


def absolute_issue_url(newsletter: Newsletter, number: int) -> str | None:
    return f"{newsletter.url}/issues/{number}/" if newsletter.url else None


@dataclass(frozen=True)
class PageLinks:
    """Where an issue's page is and what it can link to. Every href is relative to the page."""

    root: str = "../../"  # from the page to the site root
    pdf: str | None = None
    markdown: str | None = None
    previous: tuple[int, str] | None = None  # (number, title) of the issue before
    next: tuple[int, str] | None = None
    existing: frozenset[int] = field(default_factory=frozenset)  # issues the site has

    def issue(self, number: int) -> str | None:
        return f"{self.root}issues/{number}/index.html" if number in self.existing else None

    def country(self, code: str) -> str:
        return f"{self.root}countries/{code}/index.html"

    def topic(self, slug: str) -> str:
        return f"{self.root}topics/{slug}/index.html"


def template_helpers(config: Config) -> dict[str, Any]:
    """Functions every page template may call."""
    taxonomy = config.taxonomy

    def country_name(code: str) -> str:
        entry = taxonomy.countries.get(code)
        return entry.name if entry else code

    def topic_name(slug: str) -> str:
        entry = taxonomy.topics.get(slug)
        return entry.name if entry else slug

    return {
        "markdown": markdown_html,
        "inline": markdown_inline,
        "long_date": long_date,
        "display_url": display_url,
        "safe_url": safe_url,
        "country_name": country_name,
        "topic_name": topic_name,
        "item_anchor": item_anchor,
        "contact_url": contact_url(config.newsletter.contact),
        "newsletter": config.newsletter,
    }


def numbered_items(issue: Issue) -> list[list[tuple[int, IssueItem]]]:
    """Each section's items with their 1-based position in the issue (for anchors)."""
    out: list[list[tuple[int, IssueItem]]] = []
    counter = 0
    for section in issue.sections:
        numbered = []
        for item in section.items:
            counter += 1
            numbered.append((counter, item))
        out.append(numbered)
    return out


# ---------------------------------------------------------------- whole outputs


def render_html(
    issue: Issue, config: Config, links: PageLinks | None = None, *, env: Any = None
) -> str:
    """The issue's page (site/issues/N/index.html)."""
    links = links or PageLinks()
    env = env or theme.environment(config)
    return theme.render_template(
        env,
        ISSUE_HTML,
        issue=issue,
        links=links,
        numbered=numbered_items(issue),
        root=links.root,
        page_title=f"{issue.title} – {config.newsletter.name} #{issue.number}",
        **template_helpers(config),
    )


def render_markdown(issue: Issue, config: Config, *, env: Any = None) -> str:
    """The issue as CommonMark without raw HTML (site/issues/N/N.md)."""
    env = env or theme.environment(config)
    newsletter = config.newsletter

    def issue_link(number: int) -> str:
        # Absolute from newsletter.url; relative to this file's folder when that is unset.
        url = absolute_issue_url(newsletter, number) or f"../{number}/index.html"
        return f"[{markdown_text(f'#{number}')}](<{_escape_destination(url)}>)"

    text = theme.render_template(
        env,
        ISSUE_MARKDOWN,
        issue=issue,
        text=markdown_text,
        md=safe_markdown,
        link=markdown_link,
        issue_link=issue_link,
        long_date=long_date,
        newsletter=newsletter,
        contact_url=contact_url(newsletter.contact),
    )
    return _tidy_markdown(text)


def _tidy_markdown(text: str) -> str:
    """At most one blank line in a row, one newline at the end."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
