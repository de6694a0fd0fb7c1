"""`digest import substack`: the export's posts written as issue files, its readers recorded.

Nothing is written unless everything can be: every issue file the import would write is
checked first, and one that exists and differs (an editor's file, or an imported one since
edited) stops the import before any file or subscriber is touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from digest import subscribers
from digest.addresses import is_plain_address
from digest.errors import UserError
from digest.fsutil import write_new
from digest.importer.export import Reader, read_export
from digest.importer.plan import Planned, Skipped, origin_line, origin_of, plan_import
from digest.importer.structure import ImportContext
from digest.issuefile import issue_numbers, issue_path, issue_to_data
from digest.models import Config
from digest.yamlfile import dump_yaml

# What an export says of one reader: address, status, subscribed since.
Statement = tuple[str, subscribers.Status, dt.datetime | None]


@dataclass(frozen=True)
class ImportReport:
    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]
    skipped: tuple[Skipped, ...]
    problems: tuple[str, ...]
    readers: subscribers.Tally
    statuses: dict[str, int]  # what the export said: active, unsubscribed, disabled -> count


def import_substack(
    config: Config,
    export_path: Path,
    *,
    include_drafts: bool = False,
    now: dt.datetime | None = None,
) -> ImportReport:
    export = read_export(export_path)
    origins = imported_posts(config)
    plan = plan_import(
        export.posts,
        origins,
        issue_numbers(config),
        ImportContext.of(config),
        include_drafts=include_drafts,
    )
    files = [(issue_path(config, p.issue.number), issue_text(p)) for p in plan.planned]
    _refuse_conflicts(files, {number: post for post, number in origins.items()})
    statements, problems = reader_statements(export.readers)
    written = tuple(path for path, text in files if _write(path, text))
    unchanged = tuple(path for path, _ in files if path not in written)
    tally = _record_readers(config, statements, now or dt.datetime.now(dt.UTC))
    return ImportReport(
        written=written,
        unchanged=unchanged,
        skipped=plan.skipped,
        problems=(*export.problems, *problems),
        readers=tally,
        statuses=_statuses(statements),
    )


def issue_text(planned: Planned) -> str:
    """The issue file of an imported post: a comment naming the post, then the issue."""
    data = issue_to_data(planned.issue)
    if planned.draft:
        data = {"number": data.pop("number"), "draft": True, **data}
    header = [
        f"# {origin_line(planned.post)}",
        "# Edit freely: importing again never overwrites a file that differs from the post.",
    ]
    return "\n".join(header) + "\n" + dump_yaml(data)


def imported_posts(config: Config) -> dict[str, int]:
    """post id -> the issue an earlier import wrote it to, from the files' opening comment."""
    found: dict[str, int] = {}
    for number in issue_numbers(config):
        path = issue_path(config, number)
        try:
            with path.open(encoding="utf-8") as handle:
                head = "".join(handle.readline() for _ in range(5))
        except (OSError, UnicodeDecodeError):
            continue
        post = origin_of(head)
        if post:
            found[post] = number
    return found


def _refuse_conflicts(files: Iterable[tuple[Path, str]], origin: dict[int, str]) -> None:
    for path, text in files:
        if not path.exists():
            continue
        try:
            same = path.read_text(encoding="utf-8") == text
        except (OSError, UnicodeDecodeError):
            same = False
        if same:
            continue
        came_from = origin.get(int(path.stem)) if path.stem.isdigit() else None
        why = "it was imported from this post and edited since" if came_from else "it is there"
        raise UserError(
            f"{path}: already exists ({why}); an import never overwrites an issue file",
            hint="Nothing was imported. Move the file away (or keep it and leave the post "
            "out of the export), then run the import again.",
        )


def _write(path: Path, text: str) -> bool:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_new(path, text)


def reader_statements(
    readers: Iterable[Reader],
) -> tuple[list[Statement], list[str]]:
    """What the export says of each address; rows that are not one plain address are
    reported. An address listed twice counts by its most final word (left beats active)."""
    said: dict[str, Statement] = {}
    problems = []
    for reader in readers:
        address = reader.email.strip()
        if not is_plain_address(address):
            problems.append(f"'{address[:80]}' is not an email address; skipped")
            continue
        status: subscribers.Status = (
            "unsubscribed" if not reader.subscribed else "disabled" if reader.disabled else "active"
        )
        key = address.lower()
        earlier = said.get(key)
        merged = subscribers.merged_status(earlier[1] if earlier else None, status)
        said[key] = (earlier[0] if earlier else address, merged, reader.since)
    return list(said.values()), problems


def _record_readers(
    config: Config,
    statements: list[Statement],
    now: dt.datetime,
) -> subscribers.Tally:
    from digest.store import open_store

    if not statements:
        return subscribers.Tally()
    with open_store(config) as store:
        return store.merge_subscribers(statements, "substack", now)


def _statuses(statements: Iterable[tuple[str, str, object]]) -> dict[str, int]:
    counts: dict[str, int] = {status: 0 for status in subscribers.STATUSES}
    for _, status, _ in statements:
        counts[status] += 1
    return counts
