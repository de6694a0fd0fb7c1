"""Sending: the PDF, who gets the issue (the plan), each delivery logged as it is answered,
one send of an issue at a time; the test copy and the dry run (.eml files)."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from digest import theme
from digest.addresses import Recipient
from digest.config import smtp_login
from digest.errors import MailError, UserError
from digest.fsutil import atomic_write
from digest.issuefile import load_issue
from digest.mail.letter import (
    TEST_PREFIX,
    Letter,
    compose,
    message_parts,
    refuse_draft,
    require_site_url,
)
from digest.models import Config, Issue
from digest.publishable import check_publishable
from digest.render import pdf_name
from digest.sendlog import LogEntry
from digest.smtplink import Answer, ServerGone, SmtpLink
from digest.store import open_store


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


def prepare(
    config: Config, issue: Issue, *, now: dt.datetime | None = None, subject_prefix: str = ""
) -> Letter:
    message_parts(config, issue)  # refuse unsafe headers before spending time on a PDF
    pdf = issue_pdf(config, issue) if config.email.pdf == "attach" else None
    return compose(
        config, issue, pdf, now=now or dt.datetime.now(dt.UTC), subject_prefix=subject_prefix
    )


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
    letter: Letter | None = None  # what was sent, when anything was

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
                letter.sender.envelope,
                recipient.envelope,
                letter.wire_parts_for(recipient, message_id),
                smtputf8=recipient.needs_smtputf8,
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
    issue = load_issue(config, number)
    refuse_draft(issue)
    check_publishable(issue, intro_shown=theme.shows_intro(config))
    require_site_url(config)
    with send_lock(config, number), open_store(config) as store:
        todo = plan(recipients, store.send_standing(number), resend)
        if not todo.to_send:
            return SendReport(todo)
        letter = prepare(config, issue, now=now())

        def log(delivery: Delivery) -> None:
            store.record_send(log_entry(number, delivery, now()))
            if on_delivery:
                on_delivery(delivery)

        with SmtpLink(config.email, smtp_login()) as link:
            link.open()
            done, left, stopped = deliver_all(letter, todo.to_send, link, log)
    return SendReport(todo, tuple(done), left, stopped, letter)


def send_test(
    config: Config,
    number: int,
    recipients: Sequence[Recipient],
    *,
    on_delivery: Callable[[Delivery], None] | None = None,
) -> SendReport:
    """A copy of issue `number` for the editor, subject marked [Test]: drafts too, and not
    logged, so the real send still reaches everyone."""
    if not recipients:
        raise UserError("no recipients", hint="Give --test ADDRESS (repeatable).")
    issue = load_issue(config, number)
    require_site_url(config)
    letter = prepare(config, issue, subject_prefix=TEST_PREFIX)
    with SmtpLink(config.email, smtp_login()) as link:
        link.open()
        done, left, stopped = deliver_all(
            letter, recipients, link, on_delivery or (lambda delivery: None)
        )
    return SendReport(Plan(tuple(recipients)), tuple(done), left, stopped, letter)


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


def dry_run(
    config: Config, number: int, recipients: Sequence[Recipient], out: Path
) -> tuple[Letter, list[Path]]:
    """One .eml file per recipient in `out`; nothing is sent and nothing is logged.

    Drafts and a newsletter without newsletter.url are allowed here (see the warnings)."""
    if not recipients:
        raise UserError("no recipients", hint="Give --to ADDRESS (repeatable) or --list FILE.")
    letter = prepare(config, load_issue(config, number))
    written: list[Path] = []
    for recipient in recipients:
        path = out / f"{eml_name(recipient)}"
        atomic_write(path, letter.copy_for(recipient, letter.new_message_id()))
        written.append(path)
    return letter, written


def eml_name(recipient: Recipient) -> str:
    """A file name for the address: letters of any script kept, anything else '_'."""
    return re.sub(r"[^\w@.+-]", "_", recipient.key) + ".eml"
