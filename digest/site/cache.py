"""What the site remembers between builds: the manifest, the keys outputs are built from, and
the issues themselves (so an unchanged issue file is not parsed again).

The manifest (site/.digest-build.json) keeps, per output, the key of the inputs it was built
from and the sha256 of its bytes; and, per issue, the sha256 of its file and the issue as data.
Every key starts from the base key: the code, the settings and the theme.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from digest import __version__, theme
from digest.fsutil import atomic_write
from digest.issuefile import issue_numbers, issue_path, load_issue_file
from digest.models import Config, Issue, IssueItem, Link, Section, TimelineEntry

MANIFEST = ".digest-build.json"
MANIFEST_FORMAT = 1
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


def load_issues(
    config: Config, old: dict[str, Any], base: str
) -> tuple[dict[int, Issue], dict[str, dict[str, Any]]]:
    """Every issue, read from its file only when the file changed since the last build; and
    the manifest's record of each (the sha256 of its file under "key", the issue as data)."""
    cached: dict[str, Any] = old.get("issues", {}) if old.get("base") == base else {}
    issues: dict[int, Issue] = {}
    records: dict[str, dict[str, Any]] = {}
    for number in issue_numbers(config):
        path = issue_path(config, number)
        key = file_sha(path)
        hit = cached.get(str(number))
        issue: Issue | None = None
        if hit and hit.get("key") == key:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                issue = issue_from_record(hit["record"], path)
        if issue is None:
            issue = load_issue_file(path, config.taxonomy)
        issues[number] = issue
        records[str(number)] = {"key": key, "record": issue_record(issue)}
    return issues, records


# ---------------------------------------------------------------- the issue cache


def issue_record(issue: Issue) -> dict[str, Any]:
    """An Issue as JSON-ready data (the manifest keeps it so unchanged files are not re-read)."""
    return {
        "number": issue.number,
        "date": issue.date.isoformat(),
        "title": issue.title,
        "subtitle": issue.subtitle,
        "greeting": issue.greeting,
        "intro": issue.intro,
        "summary": list(issue.summary),
        "quick_take": list(issue.quick_take),
        "outro": issue.outro,
        "sign_off": issue.sign_off,
        "sections": [
            {
                "heading": s.heading,
                "intro": s.intro,
                "lang": s.lang,
                "timeline": [[e.date.isoformat(), e.text] for e in s.timeline],
                "items": [_item_record(item) for item in s.items],
            }
            for s in issue.sections
        ],
    }


def _item_record(item: IssueItem) -> dict[str, Any]:
    return {
        "title": item.title,
        "url": item.url,
        "source": item.source,
        "date": item.date.isoformat() if item.date else None,
        "countries": list(item.countries),
        "topics": list(item.topics),
        "body": item.body,
        "also": [[link.source, link.url] for link in item.also],
        "lang": item.lang,
        "previously": list(item.previously),
        "id": item.id,
    }


def issue_from_record(data: dict[str, Any], path: Path | None = None) -> Issue:
    return Issue(
        number=int(data["number"]),
        date=dt.date.fromisoformat(data["date"]),
        title=data["title"],
        subtitle=data["subtitle"],
        greeting=data["greeting"],
        intro=data["intro"],
        summary=tuple(data["summary"]),
        quick_take=tuple(data["quick_take"]),
        outro=data["outro"],
        sign_off=data["sign_off"],
        path=path,
        sections=tuple(
            Section(
                heading=s["heading"],
                intro=s["intro"],
                lang=s["lang"],
                timeline=tuple(
                    TimelineEntry(date=dt.date.fromisoformat(d), text=t) for d, t in s["timeline"]
                ),
                items=tuple(_item_from_record(item) for item in s["items"]),
            )
            for s in data["sections"]
        ),
    )


def _item_from_record(data: dict[str, Any]) -> IssueItem:
    return IssueItem(
        title=data["title"],
        url=data["url"],
        source=data["source"],
        date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
        countries=tuple(data["countries"]),
        topics=tuple(data["topics"]),
        body=data["body"],
        also=tuple(Link(source=s, url=u) for s, u in data["also"]),
        lang=data["lang"],
        previously=tuple(data["previously"]),
        id=data["id"],
    )
