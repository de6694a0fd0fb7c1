"""The pages that show more than one issue: the front page and the country and topic pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import jinja2

from digest import theme
from digest.issuefile import item_anchor
from digest.models import Config, Issue
from digest.render import PageLinks, display_url, markdown_name, numbered_items
from digest.sanitize import safe_url

Tags = dict[str, list["TagEntry"]]  # tag (country code or topic slug) -> its items


@dataclass(frozen=True)
class TagEntry:
    """One item as a country or topic page lists it; hrefs relative to that page."""

    number: int  # the issue
    href: str  # the item on its issue's page
    title: str
    lang: str | None
    date: dt.date  # the item's date, else its issue's
    source: str
    source_url: str | None


def collect_tags(newest_first: list[Issue]) -> tuple[Tags, Tags]:
    """Items by country code and by topic slug, newest issue first, in reading order."""
    countries: Tags = {}
    topics: Tags = {}
    for issue in newest_first:
        for section_items in numbered_items(issue):
            for position, item in section_items:
                url = safe_url(item.url)
                entry = TagEntry(
                    number=issue.number,
                    href=f"../../issues/{issue.number}/index.html#{item_anchor(position)}",
                    title=item.title,
                    lang=item.lang,
                    date=item.date or issue.date,
                    source=item.source or (display_url(url) if url else ""),
                    source_url=url,
                )
                for code in item.countries:
                    countries.setdefault(code, []).append(entry)
                for slug in item.topics:
                    topics.setdefault(slug, []).append(entry)
    return dict(sorted(countries.items())), dict(sorted(topics.items()))


def front_page(
    env: jinja2.Environment,
    helpers: dict[str, Any],
    config: Config,
    newest_first: list[Issue],
    tags: tuple[Tags, Tags],
    latest_pdf: str | None,
) -> bytes:
    """site/index.html: the latest issue in full, the archive, and the tags with their counts."""
    countries, topics = tags
    latest = newest_first[0] if newest_first else None
    links = PageLinks(root="", existing=frozenset(issue.number for issue in newest_first))
    if latest is not None:
        folder = f"issues/{latest.number}"
        links = PageLinks(
            root="",
            pdf=latest_pdf,
            markdown=f"{folder}/{markdown_name(latest.number)}",
            existing=links.existing,
        )
    html = theme.render_template(
        env,
        "index.html",
        latest=latest,
        issue=latest,
        numbered=numbered_items(latest) if latest else [],
        links=links,
        root="",
        archive=newest_first,
        countries=[(code, helpers["country_name"](code), len(e)) for code, e in countries.items()],
        topics=[(slug, helpers["topic_name"](slug), len(e)) for slug, e in topics.items()],
        page_title=config.newsletter.name,
        **helpers,
    )
    return html.encode()


def tag_page(
    env: jinja2.Environment,
    helpers: dict[str, Any],
    kind: str,
    name: str,
    entries: list[TagEntry],
    config: Config,
) -> bytes:
    """site/countries/CC/index.html or site/topics/SLUG/index.html: every item with the tag."""
    html = theme.render_template(
        env,
        "tag.html",
        kind=kind,
        name=name,
        entries=entries,
        root="../../",
        page_title=f"{name} – {config.newsletter.name}",
        **helpers,
    )
    return html.encode()
