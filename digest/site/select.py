"""Which issues a build shows, and from what.

The published site shows every issue file that loads and is finished, drafts left out; the
preview shows drafts too. A file that does not load (or, on the site, is unfinished) is one
bad file: unless the build is about it, the issue is shown as the last build had it, from the
manifest's record, and the problem comes back as a warning. An issue never drops off the site
because its file is being edited.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from digest import theme
from digest.errors import IssueFileError
from digest.issuefile import issue_files
from digest.models import Config, Issue
from digest.publishable import check_publishable
from digest.site.cache import read_issue, remembered_issue


@dataclass(frozen=True)
class Selection:
    issues: dict[int, Issue] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # for the manifest
    problems: tuple[IssueFileError, ...] = ()  # files left as their last good build had them
    kept: tuple[int, ...] = ()  # the issues shown from their last good build
    drafts: tuple[int, ...] = ()  # drafts left out of the published site


@dataclass(frozen=True)
class Audience:
    """Who the build is for: the public site (drafts out, unfinished refused) or the preview."""

    drafts: bool = False  # True: the preview, drafts included, nothing refused as unfinished
    required: Collection[int] | None = None  # issues whose problems fail the build; None: all
    intro_shown: bool | None = None  # an empty intro is unfinished; None: if the theme shows it

    def fails_on(self, number: int) -> bool:
        return self.required is None or number in self.required


def select_issues(config: Config, old: dict[str, Any], base: str, audience: Audience) -> Selection:
    cached: dict[str, Any] = old.get("issues", {}) if old.get("base") == base else {}
    intro_shown = audience.intro_shown
    if intro_shown is None:
        intro_shown = theme.shows_intro(config)
    issues: dict[int, Issue] = {}
    records: dict[str, dict[str, Any]] = {}
    problems: list[IssueFileError] = []
    kept: list[int] = []
    drafts: list[int] = []
    for number, path in sorted(issue_files(config).items()):
        try:
            issue, record = read_issue(config, number, path, cached)
            if issue.draft and not audience.drafts:
                drafts.append(number)
                continue
            if not audience.drafts:
                check_publishable(issue, intro_shown=intro_shown)
        except IssueFileError as problem:
            if audience.fails_on(number):
                raise
            problems.append(problem)
            last = remembered_issue(old, number, path)
            if last is not None and (audience.drafts or not last[0].draft):
                issues[number], records[str(number)] = last
                kept.append(number)
            continue
        issues[number] = issue
        records[str(number)] = record
    return Selection(issues, records, tuple(problems), tuple(kept), tuple(drafts))
