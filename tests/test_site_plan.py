"""Planning a build: which outputs are made, and which are kept as they are."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.newsletter import copy_newsletter, small_pdf
from support.sitebuild import build, edit, written

from digest.config import load_config
from digest.site import build_site


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


def test_pdfs_are_made_only_for_the_issues_asked(root: Path) -> None:
    out = root / "site"
    build_site(load_config(root), out, pdf_for={2}, pdf_writer=small_pdf)
    assert (out / "issues" / "2" / "test-asia-weekly-2.pdf").is_file()
    assert not (out / "issues" / "1" / "test-asia-weekly-1.pdf").exists()
    assert "test-asia-weekly-1.pdf" not in (out / "issues" / "1" / "index.html").read_text()


def test_a_pdf_not_asked_for_is_kept_and_still_linked(root: Path) -> None:
    _, out = build(root)
    pdf = out / "issues" / "1" / "test-asia-weekly-1.pdf"
    before = pdf.read_bytes()
    edit(root / "issues" / "1.yaml", "title: First Light", "title: First Light Again")
    result = build_site(load_config(root), out, pdf_for={2}, pdf_writer=small_pdf)
    assert written(result) == {
        "issues/1/index.html", "issues/1/1.md",
        "issues/2/index.html",  # its link back names issue 1
        "index.html", "feed.xml",
    }  # fmt: skip
    assert pdf.read_bytes() == before
    assert 'href="test-asia-weekly-1.pdf"' in (out / "issues" / "1" / "index.html").read_text()


def test_issue_pages_link_their_neighbours(root: Path) -> None:
    _, out = build(root)
    first = (out / "issues" / "1" / "index.html").read_text()
    second = (out / "issues" / "2" / "index.html").read_text()
    assert 'href="../../issues/2/index.html"' in first
    assert 'href="../../issues/1/index.html"' in second
