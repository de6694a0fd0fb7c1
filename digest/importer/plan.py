"""Which posts become which issues: numbers from titles or by date, what is skipped and why.

Pure: given the export's posts and what issues/ holds, decide; run.py does the writing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from digest.importer.blocks import body_blocks
from digest.importer.export import Post
from digest.importer.structure import ImportContext, structure
from digest.models import Issue

# "#21", "Issue 21", "No. 21", "Nr 21", "Vol. 21", "第21期"
_NUMBER = re.compile(
    r"(?:#\s*|\b(?:issue|no|nr|number|vol|edition)\.?\s*#?\s*)(\d{1,5})\b|第\s*(\d{1,5})\s*[期号號]",
    re.I,
)
_SEPARATORS = " \t:|–—-·,.()[]：，（）　"
ORIGIN_PREFIX = "Imported from Substack: post "


@dataclass(frozen=True)
class Skipped:
    post: Post
    reason: str


@dataclass(frozen=True)
class Planned:
    post: Post
    issue: Issue
    draft: bool = False


@dataclass(frozen=True)
class ImportPlan:
    planned: tuple[Planned, ...]
    skipped: tuple[Skipped, ...]


def title_number(title: str) -> tuple[int | None, str]:
    """The issue number a post's title gives, and the title without it:
    'Blockchain Asia #21: End of an Era' -> (21, 'End of an Era')."""
    match = _NUMBER.search(title)
    if match is None:
        return None, title.strip()
    number = int(match.group(1) or match.group(2))
    after = title[match.end() :].strip(_SEPARATORS)
    before = title[: match.start()].strip(_SEPARATORS)
    if after:
        return number, after
    return number, before or title.strip()


def skip_reason(post: Post, include_drafts: bool) -> str | None:
    """Why a post does not become an issue, or None when it does."""
    if not post.is_newsletter:
        return f"a {post.type} post"
    if not post.is_public:
        return f"for {post.audience.replace('_', ' ')} readers"
    if not post.published and not include_drafts:
        return "a draft (--include-drafts writes it with draft: true)"
    if not post.html.strip():
        return "no body in the export"
    return None


def plan_import(
    posts: Iterable[Post],
    origins: Mapping[str, int],
    existing: Iterable[int],
    context: ImportContext,
    *,
    include_drafts: bool = False,
) -> ImportPlan:
    """Each post's fate. `origins` maps post ids to the issues an earlier import made of them
    (so a post without a number in its title keeps the one it was given); `existing` are the
    issue numbers in issues/."""
    skipped: list[Skipped] = []
    chosen: list[Post] = []
    for post in sorted(posts, key=_date_order):
        reason = skip_reason(post, include_drafts)
        if reason:
            skipped.append(Skipped(post, reason))
        else:
            chosen.append(post)
    numbers = assign_numbers(chosen, origins, existing)
    planned = tuple(
        Planned(post, post_issue(post, numbers[post.post_id], context), draft=not post.published)
        for post in chosen
    )
    return ImportPlan(planned=planned, skipped=tuple(skipped))


def _date_order(post: Post) -> tuple[dt.datetime, str]:
    return (post.date or dt.datetime.max.replace(tzinfo=dt.UTC), post.post_id)


def assign_numbers(
    posts: list[Post], origins: Mapping[str, int], existing: Iterable[int]
) -> dict[str, int]:
    """post id -> issue number: the one an earlier import gave it, else the title's, else the
    next after the highest number there is, in date order. A number two posts claim goes to the
    earlier one; the later is numbered like an untitled one."""
    numbers: dict[str, int] = {}
    taken = set(existing)
    for post in posts:
        if post.post_id in origins:
            numbers[post.post_id] = origins[post.post_id]
    claimed = set(numbers.values())
    for post in posts:
        number, _ = title_number(post.title)
        if post.post_id not in numbers and number is not None and number not in claimed:
            numbers[post.post_id] = number
            claimed.add(number)
    taken |= claimed
    for post in posts:
        if post.post_id not in numbers:
            number = max(taken, default=0) + 1
            numbers[post.post_id] = number
            taken.add(number)
    return numbers


def post_issue(post: Post, number: int, context: ImportContext) -> Issue:
    """The post as issue `number`: title, subtitle and date kept, the body structured."""
    parts = structure(body_blocks(post.html), context)
    _, title = title_number(post.title)
    return Issue(
        number=number,
        date=(post.date or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).date(),
        title=title or f"Issue {number}",
        subtitle=post.subtitle,
        intro=parts.intro,
        summary=parts.summary,
        sections=parts.sections,
        outro=parts.outro,
    )


def origin_line(post: Post) -> str:
    """The comment an imported issue file opens with: which post it came from."""
    return f"{ORIGIN_PREFIX}{post.post_id}"


def origin_of(text: str) -> str | None:
    """The post id an issue file's opening comments name, if an import wrote it."""
    for line in text.splitlines():
        if not line.startswith("#"):
            return None
        comment = line.lstrip("#").strip()
        if comment.startswith(ORIGIN_PREFIX):
            return comment[len(ORIGIN_PREFIX) :].strip()
    return None
