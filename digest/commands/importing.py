"""`digest import substack EXPORT`: move in from Substack in one step."""

from __future__ import annotations

from pathlib import Path

import click

from digest.commands import State, pass_state


@click.group("import")
def import_group() -> None:
    """Move in from another newsletter service: its archive and its subscribers."""


@import_group.command()
@click.argument("export", type=click.Path(path_type=Path), metavar="EXPORT")
@click.option("--include-drafts", is_flag=True,
              help="Also write unpublished posts, as issues marked draft: true.")  # fmt: skip
@pass_state
def substack(state: State, export: Path, include_drafts: bool) -> None:
    """Import a Substack export (the .zip or its folder): every published newsletter post
    becomes issues/N.yaml, the readers the subscriber list. Never overwrites an issue file;
    running it again changes nothing; a reader who left is never subscribed again."""
    from digest.importer.run import import_substack

    report = import_substack(state.config(), export, include_drafts=include_drafts)
    for path in report.written:
        click.echo(f"wrote {path}")
    if report.unchanged:
        click.echo(f"{len(report.unchanged)} issue file(s) already imported, unchanged")
    for skipped in report.skipped:
        click.echo(f"skipped post {skipped.post.post_id} ({skipped.post.title!r}): "
                   f"{skipped.reason}")  # fmt: skip
    for problem in report.problems:
        click.echo(f"digest: warning: {problem}", err=True)
    said = report.statuses
    if any(said.values()):
        click.echo(
            f"subscribers: {said['active']} active, {said['unsubscribed']} unsubscribed, "
            f"{said['disabled']} disabled in the export; recorded: {report.readers.describe()}"
        )
