"""Building the small test newsletter's site and reading back what a build left on disk."""

from __future__ import annotations

from pathlib import Path

from digest.config import load_config
from digest.models import Config
from digest.site import SiteResult, build_site
from support.newsletter import small_pdf


def build(root: Path, out: Path | None = None) -> tuple[Config, Path]:
    """The whole site of the newsletter at root, with stand-in PDFs; (its config, the site)."""
    config = load_config(root)
    result = build_site(config, out or root / "site", pdf_writer=small_pdf)
    return config, result.out


def rebuild(root: Path, out: Path) -> SiteResult:
    """Another build of the site at out, from the newsletter's files as they are now."""
    return build_site(load_config(root), out, pdf_writer=small_pdf)


def site_files(out: Path) -> dict[str, bytes]:
    """Every file of the site, by path relative to it."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def written(result: SiteResult) -> set[str]:
    """What a build wrote, relative to its site."""
    return {p.relative_to(result.out).as_posix() for p in result.written}


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first old in the file at path (which must contain it) with new."""
    text = path.read_text("utf-8")
    assert old in text, f"{path.name} has no {old!r}"
    path.write_text(text.replace(old, new, 1), "utf-8")
