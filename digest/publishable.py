"""What an issue must have before it is published or sent: nothing left unfinished.

A draft (`draft: true`) may be anything; an issue without the key is refused by the site and
by sending while it still has the draft writer's placeholders (a title or paragraph starting
with TODO), an empty intro where the theme shows one, or an entry without a URL. Each problem
names the file and the line of the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from digest.errors import FileError, UnfinishedIssue
from digest.models import Issue
from digest.yamlfile import KeyPath, YamlDoc, format_keypath, load_yaml, shorten

_PLACEHOLDER = re.compile(r"^\s*TODO\b")
_KEEP_DRAFT = "Finish it, or add 'draft: true' back to keep it a preview."


def publishable_problems(issue: Issue, *, intro_shown: bool = True) -> list[UnfinishedIssue]:
    """Every unfinished place of the issue, in file order; empty when it may be published."""
    found = list(_unfinished(issue, intro_shown=intro_shown))
    doc = _doc(issue) if found else None  # read only to name the lines
    return [_problem(issue, doc, keypath, message) for keypath, message in found]


def check_publishable(issue: Issue, *, intro_shown: bool = True) -> None:
    """Raise UnfinishedIssue for the first unfinished place, counting the others."""
    problems = publishable_problems(issue, intro_shown=intro_shown)
    if not problems:
        return
    first, rest = problems[0], problems[1:]
    more = ""
    if rest:
        lines = [str(p.line) for p in rest[:5] if p.line is not None]
        where = f" ({'lines' if len(lines) > 1 else 'line'} {', '.join(lines)})" if lines else ""
        more = f"{len(rest)} more unfinished place{'s' if len(rest) > 1 else ''}{where}. "
    raise UnfinishedIssue(
        first.path,
        first.detail,
        line=first.line,
        hint=more + _KEEP_DRAFT,
    )


def _unfinished(issue: Issue, *, intro_shown: bool) -> Iterator[tuple[KeyPath, str]]:
    yield from _placeholder(("title",), issue.title)
    yield from _placeholder(("subtitle",), issue.subtitle)
    yield from _placeholder(("greeting",), issue.greeting)
    if intro_shown and not issue.intro.strip():
        yield ("intro",), "the intro is empty; the theme shows one"
    yield from _placeholder(("intro",), issue.intro)
    for key, points in (("summary", issue.summary), ("quick_take", issue.quick_take)):
        for i, point in enumerate(points):
            yield from _placeholder((key, i), point)
    for s, section in enumerate(issue.sections):
        yield from _placeholder(("sections", s, "heading"), section.heading)
        yield from _placeholder(("sections", s, "intro"), section.intro)
        for t, entry in enumerate(section.timeline):
            yield from _placeholder(("sections", s, "timeline", t, "text"), entry.text)
        for i, item in enumerate(section.items):
            at: KeyPath = ("sections", s, "items", i)
            yield from _placeholder((*at, "title"), item.title)
            if not item.url:
                yield (*at, "url"), f"the entry '{shorten(item.title)}' has no url"
            yield from _placeholder((*at, "body"), item.body)
    yield from _placeholder(("outro",), issue.outro)
    yield from _placeholder(("sign_off",), issue.sign_off)


def _placeholder(keypath: KeyPath, text: str) -> Iterator[tuple[KeyPath, str]]:
    for paragraph in re.split(r"\n\s*\n", text):
        if _PLACEHOLDER.match(paragraph):
            yield keypath, f"'{shorten(paragraph)}' is a placeholder to replace"
            return


def _doc(issue: Issue) -> YamlDoc | None:
    if issue.path is None:
        return None
    try:
        return load_yaml(issue.path)
    except FileError:
        return None


def _problem(issue: Issue, doc: YamlDoc | None, keypath: KeyPath, message: str) -> UnfinishedIssue:
    line = doc.where(keypath)[0] if doc is not None else None
    path = issue.path if issue.path is not None else f"issue {issue.number}"
    return UnfinishedIssue(path, f"{format_keypath(keypath)}: {message}", line=line)
