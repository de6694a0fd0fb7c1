"""The Atom feeds: site/feed.xml (the newest issues) and one per country and topic."""

from __future__ import annotations

import datetime as dt

import jinja2
from markupsafe import Markup, escape

from digest import theme
from digest.models import Config, Issue
from digest.render import absolute_issue_url, markdown_html, slugify
from digest.sanitize import safe_url
from digest.site.pages import TagEntry

FEED_ENTRIES = 20


def render_feed(config: Config, env: jinja2.Environment, newest_first: list[Issue]) -> str:
    """site/feed.xml: the newest issues as Atom entries with stable ids."""
    newsletter = config.newsletter
    site_url = f"{newsletter.url}/" if newsletter.url else ""
    feed_id = site_url or f"urn:digest:{slugify(newsletter.name)}"
    entries = []
    for issue in newest_first[:FEED_ENTRIES]:
        url = absolute_issue_url(newsletter, issue.number) or f"issues/{issue.number}/"
        entries.append(
            {
                "issue": issue,
                "id": url if site_url else f"{feed_id}:issue:{issue.number}",
                "url": url,
                "updated": _atom_date(issue.date),
                "content": feed_content(issue),
            }
        )
    updated = _atom_date(newest_first[0].date) if newest_first else "1970-01-01T00:00:00Z"
    return theme.render_template(
        env,
        "feed.xml",
        newsletter=newsletter,
        site_url=site_url,
        feed_id=feed_id,
        updated=updated,
        entries=entries,
    )


def feed_content(issue: Issue) -> str:
    """The HTML of a feed entry, as plain text for the template to escape: intro + headlines."""
    parts: list[str] = [markdown_html(issue.greeting), markdown_html(issue.intro)]
    headlines = []
    for item in issue.items:
        url = safe_url(item.url)
        line = '<li><a href="{}">{}</a></li>' if url else "<li>{1}</li>"
        headlines.append(Markup(line).format(url, item.title))
    if headlines:
        parts.append(Markup("<ul>") + Markup("").join(headlines) + Markup("</ul>"))
    return "".join(str(escape(part)) for part in parts if part)


def _atom_date(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def render_tag_feed(
    config: Config, env: jinja2.Environment, folder: str, name: str, entries: list[TagEntry]
) -> str:
    """countries/CC/feed.xml or topics/SLUG/feed.xml (folder): the newest items with the tag.

    Links are absolute from newsletter.url; without it they are relative to the feed, which
    sits beside the tag page whose hrefs the entries carry.
    """
    newsletter = config.newsletter
    site_url = f"{newsletter.url}/" if newsletter.url else ""
    feed_id = (
        f"{site_url}{folder}/" if site_url else f"urn:digest:{slugify(newsletter.name)}:{folder}"
    )
    shown = entries[:FEED_ENTRIES]
    items = []
    for entry in shown:
        page, _, anchor = entry.href.removeprefix("../../").partition("#")
        url = f"{site_url}{page.removesuffix('index.html')}#{anchor}"
        urn = f"urn:digest:{slugify(newsletter.name)}:issue:{entry.number}:{anchor}"
        items.append(
            {
                "entry": entry,
                "id": url if site_url else urn,
                "url": url if site_url else entry.href,
                "updated": _atom_date(entry.date),
            }
        )
    updated = max((_atom_date(e.date) for e in shown), default="1970-01-01T00:00:00Z")
    return theme.render_template(
        env,
        "tag_feed.xml",
        newsletter=newsletter,
        name=name,
        feed_id=feed_id,
        feed_url=f"{site_url}{folder}/feed.xml" if site_url else "feed.xml",
        page_url=f"{site_url}{folder}/" if site_url else "index.html",
        updated=updated,
        entries=items,
    )
