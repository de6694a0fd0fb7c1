"""The message: every header checked, text and HTML parts and the PDF, built and serialized
once; each recipient's copy is those bytes behind its own To and Message-ID headers."""

from __future__ import annotations

import datetime as dt
import functools
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from digest import theme
from digest.addresses import Recipient, check_header_text, parse_recipient
from digest.errors import ConfigError, UserError
from digest.mail.body import GMAIL_CLIP_BYTES, MAIL_POLICY, email_body
from digest.markdown import markdown_html, markdown_inline
from digest.models import Config, Issue
from digest.render import (
    Anchors,
    absolute_issue_url,
    anchor_of,
    linked_issue,
    numbered_items,
    pdf_name,
    template_helpers,
)
from digest.sanitize import safe_url
from digest.smtplink import dot_stuff

TEST_PREFIX = "[Test] "
SUBJECT_FIELDS = ("name", "number", "title", "subtitle", "date")
MAX_LINE = 998  # an SMTP line holds at most 998 characters
MAX_UNSUBSCRIBE_LENGTH = 900
UTF8_POLICY = policy.SMTPUTF8  # raw UTF-8 headers, for a message sent with SMTPUTF8


@dataclass(frozen=True)
class Letter:
    """One issue's message, ready to be addressed to any number of recipients."""

    issue: int
    sender: Recipient
    subject: str
    pdf_name: str
    html_bytes: int  # the HTML part as encoded for the wire (Gmail clips beyond the limit)
    full_html_bytes: int  # what it would have been with every item of the issue
    items_shown: int  # items in the HTML part; fewer than items_total when it was shortened
    items_total: int
    shared: bytes = field(repr=False)  # every header but To and Message-ID, and the body
    shared_wire: bytes = field(repr=False, default=b"")  # the same, dot-stuffed for DATA

    @property
    def shortened(self) -> bool:
        return self.items_shown < self.items_total

    def warnings(self) -> list[str]:
        """What the editor should know about this message before it goes out."""
        if self.shortened:
            return [
                f"issue #{self.issue}'s HTML part would be {kilobytes(self.full_html_bytes)}, "
                f"over Gmail's {kilobytes(GMAIL_CLIP_BYTES)} clipping limit: the email shows "
                f"the first {self.items_shown} of {self.items_total} items "
                f"({kilobytes(self.html_bytes)}) and links to the whole issue"
            ]
        if self.html_bytes > GMAIL_CLIP_BYTES:
            return [
                f"issue #{self.issue}'s HTML part is {kilobytes(self.html_bytes)}, over Gmail's "
                f"{kilobytes(GMAIL_CLIP_BYTES)} clipping limit even without its items; "
                "Gmail will cut it short (shorten the intro or the outro)"
            ]
        return []

    def new_message_id(self) -> str:
        return make_msgid(idstring=f"digest{self.issue}", domain=self.sender.domain)

    def copy_for(self, recipient: Recipient, message_id: str) -> bytes:
        """One recipient's copy as a file (.eml): only To and Message-ID differ."""
        return self.head_for(recipient, message_id) + self.shared

    def wire_parts_for(self, recipient: Recipient, message_id: str) -> tuple[bytes, bytes]:
        """One recipient's copy ready for SMTP DATA, in two parts so the body is never copied."""
        return self.head_for(recipient, message_id), self.shared_wire

    def head_for(self, recipient: Recipient, message_id: str) -> bytes:
        return _to_header(recipient) + _message_id_header(message_id)


def kilobytes(size: int) -> str:
    return f"{size / 1024:.0f} KB"


def _to_header(recipient: Recipient) -> bytes:
    if recipient.needs_smtputf8:  # only ever sent over SMTPUTF8, which carries UTF-8 headers
        header = UTF8_POLICY.header_factory("To", recipient.header_value())
        folded: str = header.fold(policy=UTF8_POLICY)
        return folded.encode("utf-8")
    if not recipient.name and recipient.address.isascii():  # nothing to encode or fold
        return f"To: {recipient.address}\r\n".encode("ascii")
    return _fold("To", recipient.header_value())


def _message_id_header(message_id: str) -> bytes:
    check_header_text("Message-ID", message_id)
    if message_id.isascii() and len(message_id) < 200 and " " not in message_id:
        return f"Message-ID: {message_id}\r\n".encode("ascii")
    return _fold("Message-ID", message_id)


def _fold(name: str, value: object) -> bytes:
    header = MAIL_POLICY.header_factory(name, value)
    folded: str = header.fold(policy=MAIL_POLICY)
    return folded.encode("ascii")


@dataclass(frozen=True)
class Parts:
    """What goes into a message, worked out from the settings and the issue."""

    sender: Recipient
    reply_to: Recipient | None
    subject: str
    unsubscribe: tuple[str, ...]  # for List-Unsubscribe, https first
    unsubscribe_page: str  # where the footer's Unsubscribe link goes
    web_url: str | None  # the issue's page; every relative link resolves against it
    pdf_name: str
    pdf_mode: str  # attach, link or none
    pdf_url: str | None  # the PDF on the site, for pdf: link


def message_parts(config: Config, issue: Issue, *, subject_prefix: str = "") -> Parts:
    """Every header value, checked: a line break anywhere is an error, not a new header."""
    where = str(config.path or "feeds.yaml")
    email = config.email
    if not email.from_addr:
        raise ConfigError(
            where, "email.from is not set", hint="Add the sender, e.g. from: Ann <ann@example.org>."
        )
    sender = parse_recipient(email.from_addr, f"{where}: email.from")
    if sender.needs_smtputf8:
        raise ConfigError(
            where,
            f"email.from: '{sender.address}' has a local part that is not ASCII, which only "
            "servers offering SMTPUTF8 accept, so part of the list could never get the issue",
            hint="Send from an ASCII address (the domain may be internationalised).",
        )
    reply_to = (
        parse_recipient(email.reply_to, f"{where}: email.reply_to") if email.reply_to else None
    )
    check_header_text(f"{where}: newsletter.name", config.newsletter.name)
    issue_file = str(issue.path or f"issues/{issue.number}.yaml")
    check_header_text(f"{issue_file}: title", issue.title)
    check_header_text(f"{issue_file}: subtitle", issue.subtitle)
    subject = subject_prefix + format_subject(email.subject, config, issue)
    mailto = email.list_unsubscribe or f"mailto:{sender.envelope}?subject=unsubscribe"
    unsubscribe = unsubscribe_links(
        checked_unsubscribe(mailto, where),
        checked_unsubscribe(email.unsubscribe_url, where, "email.unsubscribe_url")
        if email.unsubscribe_url
        else "",
    )
    web_url = absolute_issue_url(config.newsletter, issue.number)
    name = pdf_name(config.newsletter, issue.number)
    return Parts(
        sender=sender,
        reply_to=reply_to,
        subject=check_header_text(f"the subject made from {where}: email.subject", subject),
        unsubscribe=unsubscribe,
        unsubscribe_page=email.unsubscribe_url or unsubscribe[-1],
        web_url=web_url,
        pdf_name=name,
        pdf_mode=email.pdf,
        pdf_url=f"{web_url}{name}" if web_url and email.pdf == "link" else None,
    )


def unsubscribe_links(list_unsubscribe: str, page: str) -> tuple[str, ...]:
    """List-Unsubscribe's addresses: the https page (one-click, RFC 8058) first, when set."""
    if not page or page == list_unsubscribe:
        return (list_unsubscribe,)
    return (page, list_unsubscribe)


def format_subject(template: str, config: Config, issue: Issue) -> str:
    """email.subject filled in; only the documented fields, no attribute or index lookups."""
    values: dict[str, Any] = {
        "name": config.newsletter.name,
        "number": issue.number,
        "title": issue.title,
        "subtitle": issue.subtitle,
        "date": issue.date.isoformat(),
    }
    where = str(config.path or "feeds.yaml")
    hint = "Use " + ", ".join("{" + name + "}" for name in SUBJECT_FIELDS) + "."
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
        for name in fields:
            if name not in values:
                raise ConfigError(where, f"email.subject: unknown field {{{name}}}", hint=hint)
        return template.format(**values)
    except (ValueError, IndexError) as exc:
        raise ConfigError(where, f"email.subject: {exc}", hint=hint) from None


def checked_unsubscribe(value: str, where: str, key: str = "email.list_unsubscribe") -> str:
    check_header_text(f"{where}: {key}", value)
    url = value.strip().removeprefix("<").removesuffix(">")
    scheme = urlsplit(url).scheme.lower()
    plain = url.isascii() and len(url) <= MAX_UNSUBSCRIBE_LENGTH
    if scheme not in ("mailto", "https", "http") or not plain or re.search(r"[\s<>,\"]", url):
        raise ConfigError(
            where,
            f"{key}: '{value}' is not a mailto: or https:// address",
            hint="Give one address, e.g. mailto:editor@example.org?subject=unsubscribe.",
        )
    return url


def require_site_url(config: Config) -> None:
    """A real send needs newsletter.url: every link in an email must be absolute."""
    if not config.newsletter.url:
        raise ConfigError(
            str(config.path or "feeds.yaml"),
            "newsletter.url is not set, so the email's links to the issue, its PDF and "
            "other issues would be relative, and a relative link is dead in a mailbox",
            hint="Set newsletter.url to where the site is published, e.g. "
            "url: https://example.org/newsletter/ (--dry-run works without it).",
        )


def refuse_draft(issue: Issue) -> None:
    if issue.draft:
        raise UserError(
            f"issue {issue.number} is a draft: delete the `draft: true` line to publish it",
            hint=f"To see it in a mailbox first: digest send {issue.number} --test ADDR.",
        )


def compose(
    config: Config, issue: Issue, pdf: bytes | None, *, now: dt.datetime, subject_prefix: str = ""
) -> Letter:
    """The message for an issue, built once: text, HTML and the PDF, with shared headers."""
    parts = message_parts(config, issue, subject_prefix=subject_prefix)
    issue, anchors = linked_issue(config, issue)
    body = email_body(theme.environment(config), email_context(config, parts, anchors), issue)

    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = parts.subject
    message["From"] = parts.sender.header_value()
    if parts.reply_to:
        message["Reply-To"] = parts.reply_to.header_value()
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message.set_content(body.text, subtype="plain", charset="utf-8")
    message.add_alternative(body.html, subtype="html", charset="utf-8")
    if parts.pdf_mode == "attach" and pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=parts.pdf_name)
    shared = _list_headers(parts.unsubscribe) + message.as_bytes(policy=MAIL_POLICY)
    return Letter(
        issue=issue.number,
        sender=parts.sender,
        subject=parts.subject,
        pdf_name=parts.pdf_name,
        html_bytes=body.html_bytes,
        full_html_bytes=body.full_html_bytes,
        items_shown=body.items_shown,
        items_total=len(issue.items),
        shared=shared,
        shared_wire=dot_stuff(shared),
    )


def email_context(config: Config, parts: Parts, anchors: Anchors) -> dict[str, Any]:
    """What email.html may use: the page helpers, with every link made absolute; anchors:
    where each "Previously" points (render.previously_anchors)."""
    base = parts.web_url

    def link(url: str | None) -> str | None:
        return safe_url(url, base)

    def entry_link(number: int, position: int) -> str | None:
        """The entry of issue `number` that the entry at `position` points back to."""
        anchor = anchor_of(anchors, position, number)
        return link(f"../{number}/" + (f"#{anchor}" if anchor else ""))

    return {
        **template_helpers(config),
        "markdown": functools.partial(markdown_html, base=base),
        "inline": functools.partial(markdown_inline, base=base),
        "link": link,
        "entry_link": entry_link,
        "numbered": numbered_items,
        "subject": parts.subject,
        "web_url": base,
        "pdf_name": parts.pdf_name,
        "pdf_mode": parts.pdf_mode,
        "pdf_url": parts.pdf_url,
        "unsubscribe_url": parts.unsubscribe_page,
    }


def _list_headers(unsubscribe: Sequence[str]) -> bytes:
    """List-Unsubscribe (RFC 2369) and, for https, one-click (RFC 8058).

    Written by hand so a URL is never folded onto a continuation line, which some receivers
    misread; checked_unsubscribe guarantees plain ASCII without spaces or breaks. Two
    addresses too long for one line are folded between them.
    """
    entries = [f"<{url}>" for url in unsubscribe]
    line = "List-Unsubscribe: " + ", ".join(entries)
    if len(line) > MAX_LINE:
        line = "List-Unsubscribe: " + ",\r\n ".join(entries)
    lines = line + "\r\n"
    if any(url.lower().startswith("https://") for url in unsubscribe):
        lines += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    return lines.encode("ascii")
