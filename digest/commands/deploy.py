"""digest deploy [--dry-run] [--message M] [--out DIR]"""

from __future__ import annotations

from pathlib import Path

import click

from digest.commands import State, pass_state
from digest.deploy import DeployResult, deploy, describe


@click.command("deploy")
@click.option("--dry-run", is_flag=True, help="List what would change online; change nothing.")
@click.option("--message", "-m", default=None, help="The commit message (a git branch target).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The built site to publish (default: site/ in the newsletter folder).",
)
@pass_state
def deploy_command(state: State, dry_run: bool, message: str | None, out: Path | None) -> None:
    """Put the built site online: the branch or folder `deploy:` names in feeds.yaml."""
    result = deploy(state.config(), out, dry_run=dry_run, message=message)
    _report(result, dry_run)


def _report(result: DeployResult, dry_run: bool) -> None:
    where = describe(result.target)
    changes = result.changes
    if not changes:
        click.echo(f"nothing changed: {where} already has this site")
        return
    verb = "would " if dry_run else ""
    for label, paths in (("add", changes.added), ("change", changes.changed),
                         ("remove", changes.removed)):  # fmt: skip
        for path in paths:
            click.echo(f"{verb}{label} {path}")
    counts = f"{len(changes.added)} added, {len(changes.changed)} changed, "
    counts += f"{len(changes.removed)} removed"
    if dry_run:
        click.echo(f"{counts}; dry run: nothing was changed at {where}")
    else:
        commit = f" (commit {result.commit[:12]})" if result.commit else ""
        click.echo(f"{counts}; deployed to {where}{commit}")
