"""site/feed.xml: the newest issues as an Atom feed."""

from __future__ import annotations

import datetime as dt

import jinja2
from markupsafe import Markup, escape

from digest import theme
from digest.models import Config, Issue
from digest.render import absolute_issue_url, markdown_html, slugify
from digest.sanitize import safe_url

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
