"""The I/O at the edges of a draft: read the store and the issue files, write the draft
without ever losing an editor's file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from digest.draft.choice import DEFAULT_MAX_ITEMS
from digest.draft.compose import Draft, compose_draft, draft_yaml, plan_draft
from digest.draft.layout import DraftSettings, resolve_topic
from digest.draft.memory import Memory, covered_stories, issue_memory, used_keys
from digest.draft.range import draft_range
from digest.errors import IssueFileError, UserError, WorkFailed
from digest.fsutil import atomic_write, write_new
from digest.issuefile import issue_numbers, issue_path, load_issue_file
from digest.models import Config, FollowUp, Issue, Item


@dataclass(frozen=True)
class DraftOptions:
    since: dt.date | None = None
    until: dt.date | None = None
    group_by: str | None = None
    max_items: int | None = DEFAULT_MAX_ITEMS
    timeline: str | None = None
    force: bool = False


@dataclass(frozen=True)
class DraftOutcome:
    path: Path
    draft: Draft
    backup: Path | None = None


def make_draft(
    config: Config,
    number: int,
    options: DraftOptions,
    now: dt.datetime | None = None,
    warn: Callable[[str], None] | None = None,
) -> DraftOutcome:
    """Draft issues/<number>.yaml from the store; refuse to replace an editor's file unless
    forced (and then keep a .bak first). Raises WorkFailed when nothing qualifies. warn hears
    of each other issue file that is broken (read as last built, see issues_besides)."""
    from digest.store import open_store

    path = issue_path(config, number)
    if path.exists() and not options.force:
        raise UserError(
            f"{path}: already exists; a draft never overwrites an issue file",
            hint=f"Edit it, or run 'digest draft {number} --force' to replace it "
            f"(the old file is kept as {path.name}.bak).",
        )
    settings = _settings(config, options)
    others, warnings = issues_besides(config, number)
    for message in warnings:
        (warn or _ignore)(message)
    earlier = [issue for issue in others if issue.number < number]
    previous = earlier[-1] if earlier else None
    span = draft_range(previous, options.since, options.until, now or dt.datetime.now(dt.UTC))
    used_ids, used_urls = used_keys(others)
    with open_store(config) as store, store.snapshot():
        sketches, off_topic = store.sketches_in_range(span.since, span.until)
        memory = issue_memory(
            others, earlier, config.taxonomy, store.stories_by_key(used_ids, used_urls)
        )
        plan = plan_draft(sketches, memory, settings, off_topic=off_topic)
        items = store.items_with_ids(plan.item_ids())
    draft = compose_draft(number, plan, items, memory, settings, config.taxonomy, span, previous)
    if not draft.issue.sections:
        raise WorkFailed(
            f"nothing to draft for issue {number}: no relevant, unused item dated "
            f"{span.describe()}",
            hint=f"{draft.stats.describe()}. Nothing was written; widen the range with "
            "--since, or run 'digest fetch'.",
        )
    backup = write_draft(path, draft_yaml(draft), force=options.force)
    return DraftOutcome(path=path, draft=draft, backup=backup)


def _ignore(message: str) -> None:
    pass


def issues_besides(config: Config, number: int | None = None) -> tuple[list[Issue], list[str]]:
    """Every issue file but number's, lowest first, drafts included. A file that does not
    load is one bad file: its issue as last built (in the preview, else the site) stands in,
    or nothing when it never was, and a warning says so."""
    from digest.build import preview_dir, problem_warnings
    from digest.site.cache import remembered_issues

    issues: list[Issue] = []
    problems: list[IssueFileError] = []
    kept: list[int] = []
    remembered: dict[int, Issue] | None = None
    for n in issue_numbers(config):
        if n == number:
            continue
        try:
            issues.append(load_issue_file(issue_path(config, n), config.taxonomy))
        except IssueFileError as problem:
            problems.append(problem)
            if remembered is None:
                remembered = remembered_issues(config.site_dir)
                remembered |= remembered_issues(preview_dir(config))
            if n in remembered:
                issues.append(remembered[n])
                kept.append(n)
    return issues, problem_warnings(problems, kept)


def _settings(config: Config, options: DraftOptions) -> DraftSettings:
    group_by = options.group_by or config.newsletter.group_by
    if group_by not in ("country", "topic"):
        raise UserError(f"cannot group a draft by '{group_by}'", hint="Use country or topic.")
    topic = resolve_topic(options.timeline, config.taxonomy) if options.timeline else None
    return DraftSettings(
        group_by=group_by,
        section_order=config.newsletter.section_order,
        max_items=options.max_items,
        timeline_topic=topic,
        language=config.newsletter.language,
    )


@dataclass(frozen=True)
class Unused:
    """The items no issue file names, the follow-ups among them, and a warning for each
    issue file that is broken (read as last built, see issues_besides)."""

    items: list[Item]
    follow_ups: dict[str, FollowUp]  # item id -> the entry that covered its story
    warnings: list[str]


def unused_items(config: Config, items: Iterable[Item]) -> Unused:
    """The items no issue file names by id or canonical URL; those whose story an issue
    covered are follow-ups."""
    from digest.store import open_store

    issues, warnings = issues_besides(config)
    ids, urls = used_keys(issues)
    with open_store(config) as store:
        story_of = store.stories_by_key(ids, urls)
    covered = covered_stories(issues, story_of)
    memory = Memory(ids=frozenset(ids), urls=frozenset(urls), stories=covered)
    unused = [item for item in items if not memory.used(item)]
    follow_ups = {item.id: f for item in unused if (f := memory.follow_up(item))}
    return Unused(items=unused, follow_ups=follow_ups, warnings=warnings)


def write_draft(path: Path, text: str, *, force: bool) -> Path | None:
    """Write the draft atomically. An existing file is replaced only when forced, and only
    after a copy is kept as <name>.bak (or .bak.1, .bak.2 ...: an older copy is never
    replaced). Returns the copy's path, if one was made."""
    if not force:
        if not write_new(path, text):
            raise UserError(
                f"{path}: already exists; a draft never overwrites an issue file",
                hint="Use --force to replace it (the old file is kept as a .bak).",
            )
        return None
    backup = None
    if path.exists():
        backup = keep_backup(path)
    atomic_write(path, text)
    return backup


def keep_backup(path: Path) -> Path:
    data = path.read_bytes()
    candidate = path.with_name(path.name + ".bak")
    counter = 0
    while not write_new(candidate, data):
        counter += 1
        candidate = path.with_name(f"{path.name}.bak.{counter}")
    return candidate
