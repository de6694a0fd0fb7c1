"""One module per command; each is a thin click layer over the library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from digest.config import CONFIG_NAME, find_root, load_config
from digest.errors import UserError
from digest.models import Config


@dataclass
class State:
    root: Path | None
    debug: bool
    _config: Config | None = None

    def newsletter_root(self) -> Path:
        if self.root is not None:
            if not (self.root / CONFIG_NAME).is_file():
                raise UserError(
                    f"{self.root / CONFIG_NAME}: file not found",
                    hint="--root must name a newsletter folder; make one with 'digest init DIR'.",
                )
            return self.root.resolve()
        return find_root()

    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.newsletter_root())
        return self._config


pass_state = click.make_pass_decorator(State)


def warn(message: object) -> None:
    """A problem the command went on despite, on stderr."""
    click.echo(f"digest: warning: {message}", err=True)


class DateParam(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"'{value}' is not a date like 2021-07-15", param, ctx)


DATE = DateParam()


def warn_misnamed_issues(config: Config) -> None:
    """Say which files in issues/ are left out because of their names, and the right name."""
    from digest.issuefile import misnamed_issue_files

    for path, name in misnamed_issue_files(config):
        number = "" if name[0].isdigit() else " (N: its number)"
        warn(f"{path} is not read as an issue: issue files are named N.yaml; rename it {name}"
             f"{number}")  # fmt: skip


def check_range(since: dt.date | None, until: dt.date | None) -> None:
    """--since after --until would match nothing: a slip of the keyboard, said as one."""
    if since is not None and until is not None and since > until:
        raise UserError(
            f"--since {since.isoformat()} is after --until {until.isoformat()}",
            hint="Give the earlier day as --since and the later one as --until.",
        )


def spelled(kind: str, given: str | None, known: Collection[str], where: str) -> str | None:
    """given as `known` spells it, matched without regard to case; an unknown name is a
    typo, not a filter that matches nothing, so it is refused with the names there are."""
    if given is None:
        return None
    wanted = given.strip().casefold()
    for name in known:
        if name.casefold() == wanted:
            return name
    listed = ", ".join(sorted(known)) or "none"
    raise UserError(f"no {kind} '{given}' {where}", hint=f"Known: {listed}.")
