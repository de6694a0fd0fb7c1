"""`digest fetch [--feed NAME]`: pull feeds into the store."""

from __future__ import annotations

import sys

import click

from digest.commands import State, pass_state, spelled
from digest.errors import WorkFailed
from digest.models import FeedOutcome
from digest.refresh import FetchReport, run_fetch


@click.command()
@click.option("--feed", "only", metavar="NAME", help="Fetch only the feed with this name.")
@pass_state
def fetch(state: State, only: str | None) -> None:
    """Pull every feed in feeds.yaml (or one) into the local store."""
    config = state.config()
    only = spelled("feed named", only, [feed.name for feed in config.feeds], "in feeds.yaml")
    total = 1 if only else len(config.feeds)
    if total == 0:
        click.echo("No feeds in feeds.yaml: add some under feeds:.")
        return
    if sys.stderr.isatty():
        with click.progressbar(length=total, label="Fetching", file=sys.stderr) as bar:
            report = run_fetch(config, only, on_feed=lambda _: bar.update(1))
    else:
        report = run_fetch(config, only)
    for outcome in report.outcomes:
        if outcome.failed:
            click.echo(f"  {outcome.feed.name}: {outcome.error}", err=True)
    click.echo(closing_line(report))
    if report.all_failed:
        raise WorkFailed("every feed failed; see 'digest feeds' for the reasons")


def closing_line(report: FetchReport) -> str:
    feeds = f"{report.ok} feed{'s' if report.ok != 1 else ''} ok, {report.failed} failed"
    if report.skipped:
        feeds += f", {report.skipped} waiting (Retry-After)"
    return (
        f"{feeds}; {report.new} new item{'s' if report.new != 1 else ''}, "
        f"{report.updated} updated; {report.seconds:.1f} s"
    )


def describe(outcome: FeedOutcome) -> str:
    return outcome.error or outcome.warning or outcome.status
