"""An Issue -> its Markdown file and its HTML page, through the theme's templates.

Editor text is Markdown, and digest.markdown does everything to it: for HTML it goes through
Python-Markdown and then the sanitizer, because an issue file may carry HTML pasted from a
hostile page; for the Markdown output it is rewritten so that CommonMark finds no raw HTML and
no link other than http(s) or mailto. Headlines and outlet names are plain text, escaped
wherever they are output.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from digest import theme
from digest.errors import DigestError
from digest.issuefile import item_anchor, load_issue
from digest.markdown import (
    angle_destination,
    markdown_inline,
    markdown_link,
    markdown_text,
    safe_markdown,
)
from digest.markdown import (
    markdown_html as markdown_html,  # the site imports it from here
)
from digest.models import Config, FollowUp, Issue, IssueItem, Newsletter, Taxonomy
from digest.names import shared_entry
from digest.sanitize import safe_url

ISSUE_HTML = "issue.html"
ISSUE_MARKDOWN = "issue.md"

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


def absolute_issue_url(newsletter: Newsletter, number: int) -> str | None:
    return f"{newsletter.url}/issues/{number}/" if newsletter.url else None


# (position of an entry, an issue its "Previously" names, the anchor of that issue's entry)
Anchors = tuple[tuple[int, int, str], ...]


def previously_anchors(issue: Issue, earlier: Mapping[int, Issue], taxonomy: Taxonomy) -> Anchors:
    """Where each "Previously" of the issue points: the entry of the earlier issue that shares
    the most distinctive names with the citing entry (left out when none does, and the link
    goes to the top of that issue)."""
    found: list[tuple[int, int, str]] = []
    for position, item in enumerate(issue.items, 1):
        for number in item.previously:
            cited = earlier.get(number)
            entry = shared_entry(f"{item.title}\n{item.body}", cited, taxonomy) if cited else None
            if entry is not None:
                found.append((position, number, item_anchor(entry)))
    return tuple(found)


def cited_numbers(issue: Issue) -> list[int]:
    """The earlier issues the issue's entries cite: in a "Previously" or as a follow-up."""
    numbers = {n for item in issue.items for n in item.previously}
    numbers |= {item.follow_up.issue for item in issue.items if item.follow_up}
    return sorted(numbers)


def cited_issues(config: Config, issue: Issue) -> dict[int, Issue]:
    """The earlier issues the issue's entries cite, read from their files; one that is
    missing or broken is left out (its links then go to the top of its page)."""
    cited: dict[int, Issue] = {}
    for number in cited_numbers(issue):
        try:
            cited[number] = load_issue(config, number)
        except DigestError:
            continue
    return cited


def current_follow_ups(issue: Issue, earlier: Mapping[int, Issue]) -> Issue:
    """The issue with each follow-up's anchor where the entry it follows now stands: found in
    the earlier issue by its id, so reordering that issue's entries does not break the link."""
    if not any(item.follow_up and item.follow_up.entry for item in issue.items):
        return issue
    sections = tuple(
        replace(
            section,
            items=tuple(
                replace(item, follow_up=_followed(item.follow_up, earlier))
                for item in section.items
            ),
        )
        for section in issue.sections
    )
    return replace(issue, sections=sections)


def _followed(follow_up: FollowUp | None, earlier: Mapping[int, Issue]) -> FollowUp | None:
    cited = earlier.get(follow_up.issue) if follow_up and follow_up.entry else None
    if follow_up is None or cited is None:
        return follow_up
    for position, entry in enumerate(cited.items, start=1):
        if entry.id == follow_up.entry:
            return replace(follow_up, anchor=item_anchor(position))
    return follow_up


def links_into(
    issue: Issue, earlier: Mapping[int, Issue], taxonomy: Taxonomy
) -> tuple[Issue, Anchors]:
    """The issue with its follow-ups current, and where its "Previously" links point."""
    return current_follow_ups(issue, earlier), previously_anchors(issue, earlier, taxonomy)


def linked_issue(config: Config, issue: Issue) -> tuple[Issue, Anchors]:
    """links_into, from the cited issues' files."""
    return links_into(issue, cited_issues(config, issue), config.taxonomy)


def anchor_of(anchors: Anchors, position: int | None, number: int) -> str | None:
    return next((a for p, n, a in anchors if p == position and n == number), None)


@dataclass(frozen=True)
class PageLinks:
    """Where an issue's page is and what it can link to. Every href is relative to the page."""

    root: str = "../../"  # from the page to the site root
    pdf: str | None = None
    markdown: str | None = None
    previous: tuple[int, str] | None = None  # (number, title) of the issue before
    next: tuple[int, str] | None = None
    existing: frozenset[int] = field(default_factory=frozenset)  # issues the site has
    anchors: Anchors = ()  # see previously_anchors

    def issue(self, number: int) -> str | None:
        return f"{self.root}issues/{number}/index.html" if number in self.existing else None

    def previously(self, position: int, number: int) -> str | None:
        """The entry of issue `number` that the entry at `position` points back to."""
        page = self.issue(number)
        anchor = anchor_of(self.anchors, position, number)
        return f"{page}#{anchor}" if page and anchor else page

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


def render_markdown(
    issue: Issue, config: Config, *, env: Any = None, anchors: Anchors | None = None
) -> str:
    """The issue as CommonMark without raw HTML (site/issues/N/N.md). "Previously" links
    point at the cited entries: anchors from previously_anchors (the issue's follow-ups
    current already), else worked out from the cited issues' files."""
    env = env or theme.environment(config)
    newsletter = config.newsletter
    if anchors is None:
        issue, anchors = linked_issue(config, issue)

    def entry_link(number: int, anchor: str | None = None) -> str:
        # Absolute from newsletter.url; relative to this file's folder when that is unset.
        url = absolute_issue_url(newsletter, number) or f"../{number}/index.html"
        url = f"{url}#{anchor}" if anchor else url
        return f"[{markdown_text(f'#{number}')}](<{angle_destination(url)}>)"

    def issue_link(number: int, position: int | None = None) -> str:
        return entry_link(number, anchor_of(anchors, position, number))

    text = theme.render_template(
        env,
        ISSUE_MARKDOWN,
        issue=issue,
        numbered=numbered_items(issue),
        text=markdown_text,
        md=safe_markdown,
        link=markdown_link,
        issue_link=issue_link,
        entry_link=entry_link,
        long_date=long_date,
        newsletter=newsletter,
        contact_url=contact_url(newsletter.contact),
    )
    return _tidy_markdown(text)


def _tidy_markdown(text: str) -> str:
    """At most one blank line in a row, one newline at the end."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
