"""`digest build`: an issue (or all of them) rendered into the site, for the CLI and others."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from digest.issuefile import issue_numbers, load_issue
from digest.models import Config
from digest.render import markdown_name, pdf_name
from digest.site import UNCHANGED, PdfWriter, SearchIndex, SiteResult, build_site


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
    """Issue number's page, Markdown and PDF, plus the rest of the site kept up to date."""
    load_issue(config, number)  # a missing or broken file fails here, naming the file
    result = build_site(config, out, pdf_for={number} if pdf else (), pdf_writer=pdf_writer)
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
    )


def build_all(
    config: Config,
    out: Path | None = None,
    *,
    pdfs: bool = True,
    pdf_writer: PdfWriter | None = None,
) -> BuildResult:
    """Every issue's outputs and the whole site; PDFs only where stale (or not at all)."""
    numbers = issue_numbers(config)
    wanted: Collection[int] = numbers if pdfs else ()
    result = build_site(config, out, pdf_for=wanted, pdf_writer=pdf_writer)
    return _all_result(result)


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
    )
