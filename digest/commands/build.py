"""digest build N | --all [--out DIR]"""

from __future__ import annotations

import os
from pathlib import Path

import click

from digest.build import BuildResult, build_all, build_issue, problem_warnings
from digest.commands import State, pass_state, warn, warn_misnamed_issues
from digest.errors import UserError
from digest.site.pdfprocess import early_pdf_process


@click.command()
@click.argument("number", type=int, required=False)
@click.option("--all", "everything", is_flag=True, help="Rebuild every issue and the whole site.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The site root to write (default: site/ in the newsletter folder).",
)
@click.option("--no-pdf", is_flag=True, help="Skip the PDFs (a quick look at the pages).")
@pass_state
def build(
    state: State, number: int | None, everything: bool, out: Path | None, no_pdf: bool
) -> None:
    """Render issue NUMBER (issues/NUMBER.yaml) to Markdown, HTML and PDF, and update the site.

    A draft (draft: true) is built into the preview, .digest/preview/, never into the site;
    delete the draft line to publish it. --all leaves drafts out."""
    if (number is None) == (not everything):
        raise UserError(
            "give an issue number or --all, not both"
            if everything
            else "which issue? give N or --all",
            hint="For example: digest build 22, or digest build --all.",
        )
    with early_pdf_process(not no_pdf):
        config = state.config()
        warn_misnamed_issues(config)
        if everything:
            result = build_all(config, out, pdfs=not no_pdf)
        else:
            assert number is not None
            result = build_issue(config, number, out, pdf=not no_pdf)
    _report(result)


def _report(result: BuildResult) -> None:
    for message in problem_warnings(result.problems, result.kept):
        warn(message)
    for number in result.drafts:
        click.echo(f"skipped draft {number} (preview it with 'digest build {number}')")
    for path in result.written:
        click.echo(f"wrote {_shown(path)}")
    for path in result.removed:
        click.echo(f"removed {_shown(path)}")
    if result.search.note:
        click.echo(result.search.note)
    summary = f"{len(result.written)} written, {result.unchanged} unchanged"
    target = result.html_path if result.number is not None else result.out / "index.html"
    click.echo(f"{summary}; open {_shown(target) if target else _shown(result.out)}")
    if result.preview:
        click.echo(
            f"issue {result.number} is a draft: built into the preview {_shown(result.out)}, "
            "not the site; delete its 'draft: true' line to publish it"
        )


def _shown(path: Path) -> str:
    """A path as the editor would type it: relative to here when it is below here."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)
