"""Which issue files a newsletter has: issues/N.yaml, zero-padded names, misnamed files."""

from __future__ import annotations

import re
from pathlib import Path

from digest.errors import DigestError, IssueFileError, UserError
from digest.issuefile.reader import load_issue_file, number_in_name
from digest.models import (
    Config,
    Issue,
)
from digest.yamlfile import (
    load_yaml,
)


def issue_path(config: Config, number: int) -> Path:
    """The file of issue number: the one there is (issues/22.yaml, or issues/022.yaml), else
    where a new one goes (issues/22.yaml)."""
    return issue_files(config).get(number, config.issues_dir / f"{number}.yaml")


def issue_numbers(config: Config) -> list[int]:
    """The numbers of the issue files in issues/, lowest first."""
    return sorted(issue_files(config))


def issue_files(config: Config) -> dict[int, Path]:
    """Each issue's file by number: issues/N.yaml, leading zeros allowed (01.yaml is issue 1).
    Two files for one number are an error naming both."""
    found: dict[int, Path] = {}
    for path in _yaml_files(config.issues_dir):
        number = number_in_name(path)
        if number is None:
            continue
        if number in found:
            first, second = sorted((found[number], path))
            raise UserError(
                f"{first} and {second} are both issue {number}",
                hint=f"Keep one: merge them into {number}.yaml and remove the other.",
            )
        found[number] = path
    return found


def misnamed_issue_files(config: Config) -> list[tuple[Path, str]]:
    """The files in issues/ that look like issues but are not read as one, each with the name
    it should have ("N.yaml" when no number can be told)."""
    misnamed = []
    for path in _yaml_files(config.issues_dir, suffixes=(".yaml", ".yml")):
        if path.suffix == ".yaml" and number_in_name(path) is not None:
            continue
        number = _number_inside(path) or _only_number(path.stem)
        misnamed.append((path, f"{number}.yaml" if number else "N.yaml"))
    return misnamed


def _yaml_files(folder: Path, suffixes: tuple[str, ...] = (".yaml",)) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in suffixes and p.is_file())


def _number_inside(path: Path) -> int | None:
    """The number: a misnamed file gives itself, when it can be read."""
    try:
        data = load_yaml(path, IssueFileError).data
    except DigestError:
        return None
    number = data.get("number") if isinstance(data, dict) else None
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _only_number(text: str) -> int | None:
    """22 for '22-draft' or 'Issue 22'; None when there is no number or more than one."""
    numbers = re.findall(r"[0-9]+", text)
    return int(numbers[0]) if len(numbers) == 1 and int(numbers[0]) >= 1 else None


def load_issue(config: Config, number: int) -> Issue:
    """issues/<number>.yaml of the newsletter; a missing file names the issues that exist."""
    path = issue_path(config, number)
    if not path.is_file():
        raise IssueFileError(path, "file not found", hint=_existing_hint(config))
    return load_issue_file(path, config.taxonomy)


def _existing_hint(config: Config) -> str:
    numbers = issue_numbers(config)
    if not numbers:
        return "There are no issues yet; write one with 'digest draft N'."
    listed = ", ".join(str(n) for n in numbers)
    return f"Issues here: {listed}."
