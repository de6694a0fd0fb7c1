"""The command line: parse arguments, call the library, turn our errors into clean messages.

Each command lives in digest/commands/<name>.py and is imported only when it runs, so
`digest --help` and a mistyped command stay fast.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

import click

from digest import __version__
from digest.errors import DigestError, UserError

# command name -> "module:attribute"
COMMANDS: dict[str, str] = {
    "init": "digest.commands.init:init",
    "fetch": "digest.commands.fetch:fetch",
    "feeds": "digest.commands.feeds:feeds",
    "items": "digest.commands.items:items",
    "tag": "digest.commands.tag:tag",
    "story": "digest.commands.story:story",
    "taxonomy": "digest.commands.taxonomy:taxonomy",
    "draft": "digest.commands.draft:draft",
    "build": "digest.commands.build:build",
    "deploy": "digest.commands.deploy:deploy_command",
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
    except OSError as exc:
        problem = file_system_problem(exc)
        if problem is None:
            raise
        if debug:
            traceback.print_exc()
        _report(problem)
        sys.exit(problem.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    sys.exit(0)


# The file system refusing a write: the editor's to fix (permissions, a full disk, a file where
# a folder belongs), not a bug in digest.
_REFUSALS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR,
             errno.EEXIST, errno.EISDIR}  # fmt: skip


def file_system_problem(exc: OSError) -> UserError | None:
    """A file-system refusal as a short message naming the path; None for anything else."""
    if exc.errno not in _REFUSALS or not exc.filename:
        return None
    path = Path(os.fsdecode(exc.filename))
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return not_writable(path, exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return UserError(f"{path}: no space left to write", hint="Free some disk space.")
    if exc.errno == errno.EISDIR:
        return UserError(f"{path}: is a folder, but digest needs a file there")
    file = next((p for p in (path, *path.parents) if p.is_file()), None)
    if file is None:
        return None
    return UserError(
        f"{file}: is a file, but digest needs a folder there",
        hint="Move that file away, or point digest at another folder (--root, --out).",
    )


def not_writable(path: Path, exc: OSError) -> UserError:
    """Which path refused, and why: the nearest one that exists (a temporary file's folder)."""
    there = next((p for p in (path, *path.parents) if p.exists()), path)
    kind = "folder" if there.is_dir() else "file"
    if exc.errno == errno.EROFS:
        why = "is on a read-only file system"
    elif not os.access(there, os.W_OK):
        why = "is not writable"
    elif not os.access(there, os.R_OK):
        why = "is not readable"
    else:
        why = f"refused: {exc.strerror}"
    return UserError(
        f"{there}: this {kind} {why}",
        hint="Give your user write access to it (ls -ld shows its owner), or use a folder "
        "you can write (--root, --out).",
    )


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
