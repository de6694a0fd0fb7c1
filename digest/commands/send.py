"""`digest send N` emails an issue; `digest sent N` lists who got it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from digest import mail
from digest.addresses import RecipientList, gather_recipients
from digest.commands import State, pass_state
from digest.errors import UserError, WorkFailed
from digest.issuefile import issue_numbers
from digest.models import Config
from digest.store import open_store


@click.command()
@click.argument("number", type=click.IntRange(min=1))
@click.option("--to", "to", multiple=True, metavar="ADDR", help="A recipient (repeatable).")
@click.option(
    "--list",
    "list_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="A file of recipients: one address a line, # comments allowed "
    "(default: the active subscribers of 'digest subscribers').",
)
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write one .eml file per recipient into DIR; send nothing.",
)
@click.option("--resend", is_flag=True, help="Send again to recipients already served.")
@click.option(
    "--test",
    "test",
    multiple=True,
    metavar="ADDR",
    help="Send a copy marked [Test] to ADDR (repeatable) only; not logged, drafts allowed.",
)
@pass_state
def send(
    state: State,
    number: int,
    to: tuple[str, ...],
    list_file: Path | None,
    dry_run: Path | None,
    resend: bool,
    test: tuple[str, ...],
) -> None:
    """Email issue NUMBER once to each recipient (the PDF attached or linked, per email.pdf).

    Without --to or --list it mails the active subscribers; anyone recorded as unsubscribed
    or disabled is never mailed. Running it again reaches only those not yet served (a run
    that stopped halfway resumes); --resend sends to everyone again. A draft is refused,
    except with --dry-run or --test. SMTP login comes from DIGEST_SMTP_USER and
    DIGEST_SMTP_PASSWORD.
    """
    config = state.config()
    if test:
        if to or list_file or dry_run or resend:
            raise UserError(
                "--test sends only to its own addresses",
                hint="Leave out --to, --list, --dry-run and --resend with --test.",
            )
        _send_test(config, number, test)
        return
    recipients = _recipients(config, to, list_file)
    if dry_run is not None:
        if not config.newsletter.url:
            _warn(
                "newsletter.url is not set: these messages have no links to the site, and "
                "a real send is refused until it is"
            )
        letter, written = mail.dry_run(config, number, recipients.recipients, dry_run)
        for warning in letter.warnings():
            _warn(warning)
        click.echo(f"wrote {len(written)} message(s) to {dry_run} (nothing sent)")
        return
    report = mail.send_issue(
        config, number, recipients.recipients, resend=resend, on_delivery=_show_problem
    )
    if report.letter is not None:
        for warning in report.letter.warnings():
            _warn(warning)
    _summarize(number, report)
    if report.failed:
        raise WorkFailed(
            f"issue #{number} did not reach everyone",
            hint="Run the same command again later to retry those not yet served.",
        )


def _recipients(config: Config, to: tuple[str, ...], list_file: Path | None) -> RecipientList:
    """--to and --list, else the subscriber list; never anyone recorded as having left."""
    with open_store(config) as store:
        if to or list_file is not None:
            given = gather_recipients(to, list_file)
        else:
            given = gather_recipients(store.active_subscribers(), None)
            if not given.recipients:
                raise UserError(
                    "no recipients: the subscriber list is empty",
                    hint="Import them ('digest import substack EXPORT'), add them "
                    "('digest subscribers add ADDR'), or give --to / --list.",
                )
        out = store.subscribers_who_left()
    for problem in given.problems:
        _warn(problem)
    kept = tuple(r for r in given.recipients if r.key not in out)
    if len(kept) < len(given.recipients):
        click.echo(
            f"skipped {len(given.recipients) - len(kept)} recorded as unsubscribed or disabled",
            err=True,
        )
    if not kept:
        raise UserError("every recipient given is recorded as unsubscribed or disabled")
    return RecipientList(kept, given.problems, given.duplicates)


def _send_test(config: Config, number: int, addresses: tuple[str, ...]) -> None:
    recipients = gather_recipients(addresses, None).recipients
    report = mail.send_test(config, number, recipients, on_delivery=_show_problem)
    if report.letter is not None:
        for warning in report.letter.warnings():
            _warn(warning)
    sent = [d.recipient.address for d in report.deliveries if d.answer.result == "sent"]
    if sent:
        click.echo(f"issue #{number}: test copy sent to {', '.join(sent)} (not logged)")
    if report.failed:
        raise WorkFailed(f"the test copy of issue #{number} did not reach everyone")


def _warn(message: str) -> None:
    click.echo(f"digest: warning: {message}", err=True)


def _show_problem(delivery: mail.Delivery) -> None:
    answer = delivery.answer
    if answer.result == "sent":
        return
    code = f"{answer.code} " if answer.code else ""
    kind = "refused (permanent)" if answer.result == "refused" else "not sent (will retry)"
    click.echo(f"{delivery.recipient.address}: {kind}: {code}{answer.reason}", err=True)


def _summarize(number: int, report: mail.SendReport) -> None:
    plan = report.plan
    for recipient, entry in plan.refused_before:
        click.echo(
            f"{recipient.address}: refused earlier ({entry.code} {entry.reason}); "
            "not retried (use --resend)",
            err=True,
        )
    if not plan.to_send:
        served = f"{len(plan.already_sent)} sent earlier"
        if plan.refused_before:
            served += f", {len(plan.refused_before)} refused for good earlier"
        click.echo(f"issue #{number}: everyone already served ({served}); nothing to do")
        return
    parts = [f"{report.count('sent')} sent"]
    if plan.already_sent:
        parts.append(f"{len(plan.already_sent)} already sent earlier")
    if report.count("refused"):
        parts.append(f"{report.count('refused')} refused")
    if report.count("failed"):
        parts.append(f"{report.count('failed')} failed")
    if report.not_tried:
        parts.append(f"{len(report.not_tried)} not tried")
    click.echo(f"issue #{number}: " + ", ".join(parts))
    if report.stopped:
        click.echo(f"stopped early: {report.stopped}", err=True)


@click.command()
@click.argument("number", type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_state
def sent(state: State, number: int, as_json: bool) -> None:
    """List the send log of issue NUMBER: every attempt, oldest first."""
    config = state.config()
    existing = issue_numbers(config)
    if number not in existing:
        listed = ", ".join(map(str, existing)) or "none yet"
        raise UserError(f"no issue {number}: issues here: {listed}")
    with open_store(config) as store:
        log = store.send_log(number)
    if as_json:
        click.echo(json.dumps([entry.as_json() for entry in log], ensure_ascii=False, indent=2))
        return
    if not log:
        click.echo(f"issue #{number} has not been sent to anyone yet")
        return
    for entry in log:
        code = f" {entry.code}" if entry.code and entry.result != "sent" else ""
        reason = f" {entry.reason}" if entry.reason else ""
        click.echo(
            f"{entry.time:%Y-%m-%d %H:%M:%S}  {entry.result:<7}  {entry.recipient}  "
            f"{entry.message_id}{code}{reason}"
        )
