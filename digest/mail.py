"""`digest send`: the issue emailed to each subscriber, with its PDF attached, exactly once.

The message is built once (text and HTML versions of the issue, the PDF, every shared
header) and serialized once; each recipient's copy is those bytes behind its own To and
Message-ID headers. Every header value is checked for line breaks and control characters
before the email package sees it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import re
import string
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import css_inline

from digest import theme
from digest.addresses import Recipient, check_header_text, parse_recipient
from digest.config import smtp_login
from digest.errors import ConfigError, MailError, UserError
from digest.fsutil import atomic_write
from digest.issuefile import load_issue
from digest.models import Config, Issue
from digest.render import absolute_issue_url, pdf_name, render_markdown, template_helpers
from digest.sendlog import LogEntry
from digest.smtplink import Answer, ServerGone, SmtpLink, dot_stuff
from digest.store import open_store

GMAIL_CLIP_BYTES = 102 * 1024  # Gmail cuts off HTML bodies larger than this
EMAIL_HTML = "email.html"
EMAIL_TEXT = "email.txt"
SUBJECT_FIELDS = ("name", "number", "title", "subtitle", "date")
MAX_UNSUBSCRIBE_LENGTH = 900  # an SMTP line holds at most 998 characters
MAIL_POLICY = policy.SMTP  # CRLF line ends, RFC 2047 for non-ASCII header text

_INLINER = css_inline.CSSInliner(load_remote_stylesheets=False)


# ---------------------------------------------------------------- the message


@dataclass(frozen=True)
class Letter:
    """One issue's message, ready to be addressed to any number of recipients."""

    issue: int
    sender: Recipient
    subject: str
    pdf_name: str
    html_bytes: int  # size of the HTML part, to compare with Gmail's clipping limit
    compact: bool  # the HTML shows headlines only, because the full text would be clipped
    shared: bytes = field(repr=False)  # every header but To and Message-ID, and the body
    shared_wire: bytes = field(repr=False, default=b"")  # the same, dot-stuffed for DATA

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


def _to_header(recipient: Recipient) -> bytes:
    if not recipient.name:  # a checked plain ASCII address: nothing to encode or fold
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
    unsubscribe: str
    web_url: str | None
    pdf_name: str


def message_parts(config: Config, issue: Issue) -> Parts:
    """Every header value, checked: a line break anywhere is an error, not a new header."""
    where = str(config.path or "feeds.yaml")
    email = config.email
    if not email.from_addr:
        raise ConfigError(
            where, "email.from is not set", hint="Add the sender, e.g. from: Ann <ann@example.org>."
        )
    sender = parse_recipient(email.from_addr, f"{where}: email.from")
    reply_to = (
        parse_recipient(email.reply_to, f"{where}: email.reply_to") if email.reply_to else None
    )
    check_header_text(f"{where}: newsletter.name", config.newsletter.name)
    issue_file = str(issue.path or f"issues/{issue.number}.yaml")
    check_header_text(f"{issue_file}: title", issue.title)
    check_header_text(f"{issue_file}: subtitle", issue.subtitle)
    subject = format_subject(email.subject, config, issue)
    unsubscribe = email.list_unsubscribe or f"mailto:{sender.address}?subject=unsubscribe"
    return Parts(
        sender=sender,
        reply_to=reply_to,
        subject=check_header_text(f"the subject made from {where}: email.subject", subject),
        unsubscribe=checked_unsubscribe(unsubscribe, where),
        web_url=absolute_issue_url(config.newsletter, issue.number),
        pdf_name=pdf_name(config.newsletter, issue.number),
    )


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


def checked_unsubscribe(value: str, where: str) -> str:
    check_header_text(f"{where}: email.list_unsubscribe", value)
    url = value.strip().removeprefix("<").removesuffix(">")
    scheme = urlsplit(url).scheme.lower()
    plain = url.isascii() and len(url) <= MAX_UNSUBSCRIBE_LENGTH
    if scheme not in ("mailto", "https", "http") or not plain or re.search(r"[\s<>,\"]", url):
        raise ConfigError(
            where,
            f"email.list_unsubscribe: '{value}' is not a mailto: or https:// address",
            hint="Give one address, e.g. mailto:editor@example.org?subject=unsubscribe.",
        )
    return url


def compose(config: Config, issue: Issue, pdf: bytes, *, now: dt.datetime) -> Letter:
    """The message for an issue, built once: text, HTML and the PDF, with shared headers."""
    parts = message_parts(config, issue)
    env = theme.environment(config)
    context: dict[str, Any] = {
        **template_helpers(config),
        "issue": issue,
        "subject": parts.subject,
        "web_url": parts.web_url,
        "pdf_name": parts.pdf_name,
        "unsubscribe_url": parts.unsubscribe,
    }
    text = theme.render_template(
        env, EMAIL_TEXT, **context, markdown_text=render_markdown(issue, config, env=env)
    )
    html, compact = email_html(env, context)

    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = parts.subject
    message["From"] = parts.sender.header_value()
    if parts.reply_to:
        message["Reply-To"] = parts.reply_to.header_value()
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message.set_content(text, subtype="plain", charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=parts.pdf_name)
    shared = _list_headers(parts.unsubscribe) + message.as_bytes(policy=MAIL_POLICY)
    return Letter(
        issue=issue.number,
        sender=parts.sender,
        subject=parts.subject,
        pdf_name=parts.pdf_name,
        html_bytes=len(html.encode("utf-8")),
        compact=compact,
        shared=shared,
        shared_wire=dot_stuff(shared),
    )


def _list_headers(unsubscribe: str) -> bytes:
    """List-Unsubscribe (RFC 2369) and, for https, one-click (RFC 8058) on unfolded lines.

    Written by hand so the URL is never folded onto a continuation line, which some
    receivers misread; checked_unsubscribe guarantees plain ASCII without spaces or breaks.
    """
    lines = f"List-Unsubscribe: <{unsubscribe}>\r\n"
    if unsubscribe.lower().startswith("https://"):
        lines += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    return lines.encode("ascii")


def email_html(env: Any, context: dict[str, Any]) -> tuple[str, bool]:
    """The HTML part with its CSS inlined; headlines only when the full text would be clipped."""
    html = ""
    for compact in (False, True):
        page = theme.render_template(env, EMAIL_HTML, **context, compact=compact)
        html = _INLINER.inline(page)
        if len(html.encode("utf-8")) <= GMAIL_CLIP_BYTES:
            return html, compact
    return html, True


# ---------------------------------------------------------------- the PDF


def issue_pdf(config: Config, issue: Issue) -> bytes:
    """The issue's built PDF, built first when it is missing or older than the issue file."""
    from digest.build import build_issue, issue_folder

    path: Path | None = issue_folder(config.site_dir, issue.number) / pdf_name(
        config.newsletter, issue.number
    )
    if path is None or not _is_fresh(path, issue.path):
        path = build_issue(config, issue.number).pdf_path
    if path is None or not path.is_file():
        raise MailError(f"building issue #{issue.number} made no PDF to attach")
    return path.read_bytes()


def _is_fresh(output: Path, source: Path | None) -> bool:
    if not output.is_file():
        return False
    return source is None or output.stat().st_mtime >= source.stat().st_mtime


def prepare(config: Config, number: int, *, now: dt.datetime | None = None) -> Letter:
    issue = load_issue(config, number)
    message_parts(config, issue)  # refuse unsafe headers before spending time on a PDF
    pdf = issue_pdf(config, issue)
    return compose(config, issue, pdf, now=now or dt.datetime.now(dt.UTC))


# ---------------------------------------------------------------- who gets it


@dataclass(frozen=True)
class Plan:
    to_send: tuple[Recipient, ...]
    already_sent: tuple[Recipient, ...] = ()
    refused_before: tuple[tuple[Recipient, LogEntry], ...] = ()  # permanent refusals


def plan(recipients: Sequence[Recipient], standing: dict[str, LogEntry], resend: bool) -> Plan:
    """Who to send to now: everyone not yet served, or everyone with resend."""
    if resend:
        return Plan(tuple(recipients))
    to_send: list[Recipient] = []
    sent: list[Recipient] = []
    refused: list[tuple[Recipient, LogEntry]] = []
    for recipient in recipients:
        last = standing.get(recipient.key)
        if last is None or last.result == "failed":
            to_send.append(recipient)
        elif last.result == "sent":
            sent.append(recipient)
        else:
            refused.append((recipient, last))
    return Plan(tuple(to_send), tuple(sent), tuple(refused))


# ---------------------------------------------------------------- sending


@dataclass(frozen=True)
class Delivery:
    recipient: Recipient
    message_id: str
    answer: Answer


@dataclass(frozen=True)
class SendReport:
    plan: Plan
    deliveries: tuple[Delivery, ...] = ()
    not_tried: tuple[Recipient, ...] = ()  # left for the next run when the server went away
    stopped: str = ""  # why the run stopped early, if it did

    def count(self, result: str) -> int:
        return sum(1 for d in self.deliveries if d.answer.result == result)

    @property
    def failed(self) -> bool:
        return bool(self.not_tried) or any(d.answer.result != "sent" for d in self.deliveries)


def deliver_all(
    letter: Letter,
    recipients: Sequence[Recipient],
    link: SmtpLink,
    on_delivery: Callable[[Delivery], None],
) -> tuple[list[Delivery], tuple[Recipient, ...], str]:
    """Offer the letter to each recipient in turn; stop when the server cannot be reached."""
    done: list[Delivery] = []
    for index, recipient in enumerate(recipients):
        message_id = letter.new_message_id()
        try:
            answer = link.deliver(
                letter.sender.address,
                recipient.address,
                letter.wire_parts_for(recipient, message_id),
            )
        except ServerGone as exc:
            delivery = Delivery(recipient, message_id, Answer("failed", None, exc.message))
            on_delivery(delivery)
            done.append(delivery)
            return done, tuple(recipients[index + 1 :]), exc.message
        delivery = Delivery(recipient, message_id, answer)
        on_delivery(delivery)
        done.append(delivery)
    return done, (), ""


def send_issue(
    config: Config,
    number: int,
    recipients: Sequence[Recipient],
    *,
    resend: bool = False,
    on_delivery: Callable[[Delivery], None] | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> SendReport:
    """Send issue `number` to everyone not yet served, logging each answer as it comes."""
    if not recipients:
        raise UserError("no recipients", hint="Give --to ADDRESS (repeatable) or --list FILE.")
    with send_lock(config, number), open_store(config) as store:
        todo = plan(recipients, store.send_standing(number), resend)
        if not todo.to_send:
            return SendReport(todo)
        letter = prepare(config, number, now=now())

        def log(delivery: Delivery) -> None:
            store.record_send(log_entry(number, delivery, now()))
            if on_delivery:
                on_delivery(delivery)

        with SmtpLink(config.email, smtp_login()) as link:
            link.open()
            done, left, stopped = deliver_all(letter, todo.to_send, link, log)
    return SendReport(todo, tuple(done), left, stopped)


def log_entry(issue: int, delivery: Delivery, when: dt.datetime) -> LogEntry:
    return LogEntry(
        issue=issue,
        recipient=delivery.recipient.address,
        message_id=delivery.message_id,
        result=delivery.answer.result,
        code=delivery.answer.code,
        reason=delivery.answer.reason,
        time=when,
    )


@contextlib.contextmanager
def send_lock(config: Config, number: int) -> Iterator[None]:
    """One `digest send N` at a time, so two runs cannot both send to the same person."""
    config.state_dir.mkdir(parents=True, exist_ok=True)
    with open(config.state_dir / f"send-{number}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise MailError(
                f"another 'digest send {number}' is running in {config.root}",
                hint="Wait for it to finish; then run again to reach anyone it missed.",
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def dry_run(config: Config, number: int, recipients: Sequence[Recipient], out: Path) -> list[Path]:
    """One .eml file per recipient in `out`; nothing is sent and nothing is logged."""
    if not recipients:
        raise UserError("no recipients", hint="Give --to ADDRESS (repeatable) or --list FILE.")
    letter = prepare(config, number)
    written: list[Path] = []
    for recipient in recipients:
        path = out / f"{eml_name(recipient)}"
        atomic_write(path, letter.copy_for(recipient, letter.new_message_id()))
        written.append(path)
    return written


def eml_name(recipient: Recipient) -> str:
    return re.sub(r"[^a-z0-9@._+-]", "_", recipient.key) + ".eml"
