"""`digest build`: an issue (or all of them) rendered into the site, for the CLI and others.

A draft (`draft: true`) never enters the site: building it builds the preview instead, a
whole site under .digest/preview/ with the drafts in it, each page of a draft bannered.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from digest.errors import IssueFileError
from digest.issuefile import issue_numbers, load_issue
from digest.models import Config
from digest.render import markdown_name, pdf_name
from digest.site import UNCHANGED, Audience, PdfWriter, SearchIndex, SiteResult, build_site


@dataclass(frozen=True)
class BuildResult:
    number: int | None  # the issue asked for; None for --all
    out: Path  # the site root
    html_path: Path | None
    pdf_path: Path | None
    markdown_path: Path | None
    written: tuple[Path, ...]  # every file created or replaced
    unchanged: int
    removed: tuple[Path, ...] = ()
    search: SearchIndex = UNCHANGED
    preview: bool = False  # built into the preview (.digest/preview/), not the site
    problems: tuple[IssueFileError, ...] = ()  # other issue files, shown as last built
    kept: tuple[int, ...] = ()  # issues shown as their last good build had them
    drafts: tuple[int, ...] = ()  # drafts left out of the site


def preview_dir(config: Config) -> Path:
    """Where drafts are built and served: a whole site, drafts included, never published."""
    return config.state_dir / "preview"


def issue_folder(out: Path, number: int) -> Path:
    return out / "issues" / str(number)


def build_issue(
    config: Config,
    number: int,
    out: Path | None = None,
    *,
    pdf: bool = True,
    pdf_writer: PdfWriter | None = None,
) -> BuildResult:
    """Issue number's page, Markdown and PDF, plus the rest of the site kept up to date.

    Another issue's broken or unfinished file does not stop it: that issue stays as it was last
    built and the problem is in the result. A draft is built into the preview instead."""
    issue = load_issue(config, number)  # a missing or broken file fails here, naming the file
    draft = issue.draft
    result = build_site(
        config,
        preview_dir(config) if draft else out,
        pdf_for={number} if pdf else (),
        pdf_writer=pdf_writer,
        audience=Audience(drafts=draft, required={number}),
    )
    folder = issue_folder(result.out, number)
    pdf_path = folder / pdf_name(config.newsletter, number)
    return BuildResult(
        number=number,
        out=result.out,
        html_path=folder / "index.html",
        pdf_path=pdf_path if pdf_path.is_file() else None,
        markdown_path=folder / markdown_name(number),
        written=result.written,
        unchanged=result.unchanged,
        removed=result.removed,
        search=result.search,
        preview=draft,
        problems=result.problems,
        kept=result.kept,
    )


def build_all(
    config: Config,
    out: Path | None = None,
    *,
    pdfs: bool = True,
    pdf_writer: PdfWriter | None = None,
) -> BuildResult:
    """Every issue's outputs and the whole site; PDFs only where stale (or not at all). Any
    broken or unfinished issue file fails it; drafts are left out."""
    numbers = issue_numbers(config)
    wanted: Collection[int] = numbers if pdfs else ()
    result = build_site(config, out, pdf_for=wanted, pdf_writer=pdf_writer)
    return _all_result(result)


def build_preview(
    config: Config,
    out: Path | None = None,
    *,
    pdfs: bool = True,
    pdf_writer: PdfWriter | None = None,
) -> BuildResult:
    """The preview (default .digest/preview/): every issue, drafts included. A broken file
    fails nothing: it is shown as last built and its problem is in the result."""
    numbers = issue_numbers(config)
    result = build_site(
        config,
        out or preview_dir(config),
        pdf_for=numbers if pdfs else (),
        pdf_writer=pdf_writer,
        audience=Audience(drafts=True, required=()),
    )
    return replace(_all_result(result), preview=True)


def problem_warnings(problems: Sequence[IssueFileError], kept: Collection[int] = ()) -> list[str]:
    """One warning per issue file a command went on without, saying what stands in for it."""
    lines = []
    for problem in problems:
        stem = problem.path.stem
        number = int(stem) if stem.isdigit() else None
        if number in kept:
            then = f"issue {number} stays as it was last built until the file is fixed"
        else:
            then = "it is left out until the file is fixed"
        lines.append(f"{problem.message}\n  {then}")
    return lines


def _all_result(result: SiteResult) -> BuildResult:
    return BuildResult(
        number=None,
        out=result.out,
        html_path=result.out / "index.html",
        pdf_path=None,
        markdown_path=None,
        written=result.written,
        unchanged=result.unchanged,
        removed=result.removed,
        search=result.search,
        problems=result.problems,
        kept=result.kept,
        drafts=result.drafts,
    )
