"""`digest draft N`: write issues/N.yaml from the store, ready for the editor."""

from __future__ import annotations

import datetime as dt

import click

from digest.commands import DATE, State, check_range, pass_state, warn, warn_misnamed_issues
from digest.draft import DEFAULT_MAX_ITEMS, DraftOptions, make_draft


@click.command()
@click.argument("number", type=click.IntRange(min=1), metavar="N")
@click.option("--since", type=DATE, help="Items dated on or after this day (default: the day "
              "after the previous issue; with none, the last 30 days).")  # fmt: skip
@click.option("--until", type=DATE, help="Items dated on or before this day (default: now); "
              "also the issue's date.")  # fmt: skip
@click.option("--group-by", type=click.Choice(["country", "topic"], case_sensitive=False),
              help="Sections by country or by topic (default: newsletter.group_by).")  # fmt: skip
@click.option("--max-items", type=click.IntRange(min=1), default=DEFAULT_MAX_ITEMS,
              show_default=True, metavar="K",
              help="At most K entries, the widest-carried first.")  # fmt: skip
@click.option("--timeline", metavar="TOPIC",
              help="Open with a dated timeline of this topic's stories in the range.")  # fmt: skip
@click.option("--force", is_flag=True,
              help="Replace an existing issues/N.yaml (kept first as N.yaml.bak).")  # fmt: skip
@pass_state
def draft(
    state: State,
    number: int,
    since: dt.date | None,
    until: dt.date | None,
    group_by: str | None,
    max_items: int,
    timeline: str | None,
    force: bool,
) -> None:
    """Draft issues/N.yaml: relevant, unused items since the previous issue, one per story,
    grouped and ranked. An existing issue file is never overwritten without --force. The
    draft has 'draft: true': 'digest build N' previews it; delete the line to publish."""
    options = DraftOptions(
        since=since,
        until=until,
        group_by=group_by,
        max_items=max_items,
        timeline=timeline,
        force=force,
    )
    check_range(since, until)
    config = state.config()
    warn_misnamed_issues(config)
    outcome = make_draft(config, number, options, warn=warn)
    if outcome.backup is not None:
        click.echo(f"Kept the previous file as {outcome.backup}.")
    entries = len(outcome.draft.issue.items)
    sections = len(outcome.draft.issue.sections)
    click.echo(
        f"Wrote {outcome.path}: {entries} entries in {sections} sections from "
        f"{outcome.draft.range.describe()}."
    )
    click.echo(f"  {outcome.draft.stats.describe()}.")
