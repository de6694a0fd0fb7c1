"""The email's HTML and text parts: the theme's email.html with its CSS inlined, kept under
Gmail's clipping limit by showing as many whole items as fit; the text part read off the HTML
(digest.mailtext)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from email import policy
from email.message import EmailMessage
from typing import Any

import css_inline

from digest import theme
from digest.mailtext import html_to_text
from digest.models import Issue, Section

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail cuts off HTML parts larger than this
EMAIL_HTML = "email.html"
# CRLF line ends, RFC 2047 for non-ASCII header text, bodies 7-bit (quoted-printable or
# base64, whichever is shorter): no server is asked for 8BITMIME.
MAIL_POLICY = policy.SMTP.clone(cte_type="7bit")


_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)


@dataclass(frozen=True)
class Body:
    html: str  # CSS inlined, as sent
    text: str  # the whole issue as plain text
    html_bytes: int
    full_html_bytes: int
    items_shown: int


def email_body(env: Any, context: dict[str, Any], issue: Issue) -> Body:
    """The HTML and text parts. When the HTML would pass Gmail's clipping limit it shows as
    many whole items as fit and links to the whole issue; the text part is always whole."""
    total = len(issue.items)
    page = _email_page(env, context, issue, total)
    html = _INLINER.inline(page)
    size = full_size = encoded_size(html)
    shown = total
    if size > GMAIL_CLIP_BYTES and total:
        shown, html, size = _fitting_page(env, context, issue)
    return Body(html, html_to_text(page), size, full_size, shown)


def _email_page(env: Any, context: dict[str, Any], issue: Issue, shown: int) -> str:
    total = len(issue.items)
    return theme.render_template(
        env,
        EMAIL_HTML,
        **context,
        issue=first_items(issue, shown),
        shortened=shown < total,
        items_shown=shown,
        items_total=total,
    )


def _fitting_page(env: Any, context: dict[str, Any], issue: Issue) -> tuple[int, str, int]:
    """The most whole items whose page fits under the limit (found by bisection)."""

    def attempt(count: int) -> tuple[int, str, int]:
        html = _INLINER.inline(_email_page(env, context, issue, count))
        return count, html, encoded_size(html)

    best = attempt(0)
    low, high = 1, len(issue.items) - 1
    while low <= high:
        middle = (low + high) // 2
        tried = attempt(middle)
        if tried[2] <= GMAIL_CLIP_BYTES:
            best, low = tried, middle + 1
        else:
            high = middle - 1
    return best


def first_items(issue: Issue, count: int) -> Issue:
    """The issue cut after its first `count` items in reading order; later sections go."""
    if count >= len(issue.items):
        return issue
    sections: list[Section] = []
    left = count
    for section in issue.sections:
        if left <= 0:
            break
        sections.append(replace(section, items=section.items[:left]))
        left -= len(section.items)
    return replace(issue, sections=tuple(sections))


def encoded_size(html: str) -> int:
    """Bytes the HTML part takes in the message, transfer encoding included."""
    part = EmailMessage(policy=MAIL_POLICY)
    part.set_content(html, subtype="html", charset="utf-8")
    payload = part.get_payload()
    assert isinstance(payload, str)
    return len(payload.encode("utf-8", "surrogateescape"))
