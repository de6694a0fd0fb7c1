"""sitemap.xml and robots.txt: what a search engine is told about the site.

A sitemap may list only absolute URLs, so it is made only when newsletter.url says where the
site lives; robots.txt is always made and names the sitemap when there is one. Crawlers read
robots.txt only at a host's root: for a site under a sub-path it is there for the owner of
the host to copy from.
"""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from digest.models import Config, Issue
from digest.site.pages import Tags

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"


def render_sitemap(
    config: Config, newest_first: list[Issue], tags: tuple[Tags, Tags]
) -> str | None:
    """The front page, every issue and every tag page with the date it last changed; None
    when newsletter.url is unset."""
    if not config.newsletter.url:
        return None
    site_url = f"{config.newsletter.url}/"
    pages: list[tuple[str, dt.date | None]] = [("", newest_first[0].date if newest_first else None)]
    pages += [(f"issues/{issue.number}/", issue.date) for issue in newest_first]
    for folder, by_tag in zip(("countries", "topics"), tags, strict=True):
        pages += [
            (f"{folder}/{tag}/", max(e.date for e in entries)) for tag, entries in by_tag.items()
        ]
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
    ]
    for path, day in pages:
        lastmod = f"<lastmod>{day.isoformat()}</lastmod>" if day else ""
        lines.append(f"  <url><loc>{escape(site_url + path)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def render_robots(config: Config) -> str:
    """Every crawler welcome; the sitemap named when there is one."""
    lines = ["User-agent: *", "Allow: /"]
    if config.newsletter.url:
        lines.append(f"Sitemap: {config.newsletter.url}/{SITEMAP}")
    return "\n".join(lines) + "\n"
