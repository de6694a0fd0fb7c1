"""The command line: parse arguments, call the library, turn our errors into clean messages.

Each command lives in digest/commands/<name>.py and is imported only when it runs, so
`digest --help` and a mistyped command stay fast.
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback
from typing import Any

import click

from digest import __version__
from digest.errors import DigestError

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "init": "digest.commands.init:init",
    "fetch": "digest.commands.fetch:fetch",
    "feeds": "digest.commands.feeds:feeds",
    "items": "digest.commands.items:items",
    "tag": "digest.commands.tag:tag",
    "taxonomy": "digest.commands.taxonomy:taxonomy",
    "draft": "digest.commands.draft:draft",
    "build": "digest.commands.build:build",
    "serve": "digest.commands.serve:serve",
    "send": "digest.commands.send:send",
    "sent": "digest.commands.send:sent",
    "import": "digest.commands.importing:import_group",
    "subscribers": "digest.commands.subscribers:subscribers",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                return None
            raise
        command: click.Command = getattr(module, attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="The newsletter folder (default: this folder or the nearest one above with feeds.yaml).",
)
@click.option("--debug", is_flag=True, help="Show the full traceback when something fails.")
@click.version_option(__version__, prog_name="digest")
@click.pass_context
def cli(ctx: click.Context, root: str | None, debug: bool) -> None:
    """digest turns news feeds into a curated newsletter.

    The editor's week: fetch, look around with items, draft an issue, edit issues/N.yaml,
    build it, serve it to check, send it.
    """
    from pathlib import Path

    from digest.commands import State

    ctx.obj = State(root=Path(root) if root else None, debug=debug)


def main(argv: list[str] | None = None) -> None:
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    _show_warnings()
    try:
        cli.main(args=argv, prog_name="digest", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except DigestError as exc:
        if debug:
            traceback.print_exc()
        _report(exc)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(0)


def _show_warnings() -> None:
    """Warnings the library logs reach stderr as 'digest: warning: ...', like the commands'
    own; a program that set up logging itself keeps its handlers."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_WarningFormat())
    root.addHandler(handler)


class _WarningFormat(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"digest: {record.levelname.lower()}: {record.getMessage()}"


def _report(exc: Any) -> None:
    lines = str(exc).splitlines() or ["failed"]
    click.secho(f"digest: error: {lines[0]}", err=True, fg="red")
    for line in lines[1:]:
        click.echo(line, err=True)
