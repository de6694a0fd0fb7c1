"""What the site remembers between builds: the manifest, the keys outputs are built from, and
the issues themselves (so an unchanged issue file is not parsed again).

The manifest (site/.digest-build.json) keeps, per output, the key of the inputs it was built
from and the sha256 of its bytes; and, per issue, the sha256 of its file and the issue as data.
Every key starts from the base key: the code, the settings and the theme.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from digest import __version__, theme
from digest.fsutil import atomic_write
from digest.issuefile import (
    issue_from_data,
    issue_to_data,
    load_issue_file,
)
from digest.models import Config, Issue

MANIFEST = ".digest-build.json"
MANIFEST_FORMAT = 2
PACKAGE_DIR = Path(__file__).resolve().parent.parent  # digest/


def read_manifest(out: Path) -> dict[str, Any]:
    """The last build's manifest, or {} when there is none or it is of another format."""
    try:
        data = json.loads((out / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == MANIFEST_FORMAT else {}


def write_manifest(
    out: Path, base: str, records: dict[str, dict[str, Any]], outputs: dict[str, Any]
) -> None:
    manifest = {
        "format": MANIFEST_FORMAT,
        "base": base,
        "issues": records,
        "outputs": dict(sorted(outputs.items())),
    }
    atomic_write(out / MANIFEST, json.dumps(manifest, sort_keys=True, separators=(",", ":")) + "\n")


def base_key(config: Config) -> str:
    """What every output depends on: the code, the settings and the theme."""
    digest = hashlib.sha256(f"{MANIFEST_FORMAT}\0{__version__}\0".encode())
    digest.update(package_code_hash().encode())
    settings = config.path if config.path is not None else config.root / "feeds.yaml"
    digest.update(settings.read_bytes() if settings.is_file() else repr(config).encode())
    digest.update(theme.theme_hash(config).encode())
    return digest.hexdigest()


@functools.cache
def package_code_hash() -> str:
    """code_hash of the running digest package; its files do not change under a running build."""
    return code_hash(PACKAGE_DIR)


def code_hash(package: Path) -> str:
    """Changes whenever a module of the package or its data (the taxonomy) changes."""
    files = [p for p in package.rglob("*.py") if "__pycache__" not in p.parts]
    files += [p for p in (package / "data").rglob("*") if p.is_file()]
    digest = hashlib.sha256()
    for path in sorted(files):
        name = path.relative_to(package).as_posix()
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def hash_parts(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_issue(
    config: Config, number: int, path: Path, cached: dict[str, Any]
) -> tuple[Issue, dict[str, Any]]:
    """Issue number from its file at path, with its record for the manifest; parsed (and
    recorded) again only when the file changed since the build whose (same-base) records are
    `cached`. Raises IssueFileError for a broken file."""
    key = file_sha(path)
    hit = cached.get(str(number))
    if hit and hit.get("key") == key:
        with contextlib.suppress(KeyError, TypeError, ValueError):
            return issue_from_data(hit["record"], path), hit
    issue = load_issue_file(path, config.taxonomy)
    return issue, record_of(issue, key)


def record_of(issue: Issue, key: str) -> dict[str, Any]:
    """The manifest's record of an issue: its file's sha256 and the issue as data."""
    return {"key": key, "record": issue_to_data(issue, dates_as_text=True)}


def remembered_issue(
    old: dict[str, Any], number: int, path: Path | None = None
) -> tuple[Issue, dict[str, Any]] | None:
    """The issue as the last build that showed it had it (whatever the code or theme then),
    with its record; None when no build did."""
    record = old.get("issues", {}).get(str(number))
    if not isinstance(record, dict):
        return None
    try:
        return issue_from_data(record["record"], path), record
    except (KeyError, TypeError, ValueError):
        return None


def remembered_issues(out: Path) -> dict[int, Issue]:
    """Every issue the manifest of the site at out remembers."""
    old = read_manifest(out)
    found = {}
    for name in old.get("issues", {}):
        if name.isdigit() and (hit := remembered_issue(old, int(name))) is not None:
            found[int(name)] = hit[0]
    return found
