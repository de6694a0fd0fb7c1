"""The print page an issue's PDF is laid out from: templates/print.html filled in for it.

Apart from digest.pdf so that a build can make it without loading WeasyPrint: the build
renders it while the PDF process is still loading WeasyPrint, and hands it over.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from pathlib import Path

from digest import theme
from digest.errors import TemplateError
from digest.models import Config, Issue
from digest.render import (
    absolute_issue_url,
    anchor_of,
    linked_issue,
    numbered_items,
    template_helpers,
)

PRINT_TEMPLATE = "print.html"
PRINT_STYLESHEET = "print.css"
_PAGE_SIZES = {"A4": "A4", "Letter": "letter"}


def print_html(issue: Issue, config: Config) -> str:
    """The print page WeasyPrint lays out: print.html filled in for this issue. A
    "Previously" links to the cited entry on the earlier issue's page."""
    helpers = template_helpers(config)
    issue, anchors = linked_issue(config, issue)

    def entry_url(number: int, position: int) -> str | None:
        page = absolute_issue_url(config.newsletter, number)
        anchor = anchor_of(anchors, position, number)
        return f"{page}#{anchor}" if page and anchor else page

    return theme.render_template(
        theme.environment(config),
        PRINT_TEMPLATE,
        issue=issue,
        stylesheet=print_stylesheet(config).as_uri(),
        page_size=_PAGE_SIZES.get(config.newsletter.page_size, "A4"),
        keywords=issue_keywords(issue, config),
        short_date=short_date,
        issue_url=functools.partial(absolute_issue_url, config.newsletter),
        entry_url=entry_url,
        numbered=numbered_items(issue),
        **helpers,
    )


def print_stylesheet(config: Config) -> Path:
    """print.css of the theme (the newsletter's own, else the built-in one)."""
    path = theme.theme_files(config).get(PRINT_STYLESHEET)
    if path is None:
        raise TemplateError(
            f"theme file {PRINT_STYLESHEET} not found in"
            f" {' or '.join(str(d) for d in theme.theme_dirs(config))}",
            hint="Restore it, or remove the newsletter's copy to use the built-in theme.",
        )
    return path.resolve()


def issue_keywords(issue: Issue, config: Config) -> list[str]:
    """Country names, then topic names, of the issue's items, each once, in order."""
    helpers = template_helpers(config)
    countries = _unique(code for item in issue.items for code in item.countries)
    topics = _unique(slug for item in issue.items for slug in item.topics)
    return [helpers["country_name"](c) for c in countries] + [
        helpers["topic_name"](t) for t in topics
    ]


def short_date(day: dt.date) -> str:
    """ "20 Jun": a timeline's dates, in the issue's year."""
    return f"{day.day} {day:%b}"


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
