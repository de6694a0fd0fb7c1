"""A small newsletter folder for build, render and serve tests, and helpers to check output."""

from __future__ import annotations

import difflib
import hashlib
import os
import shutil
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from digest.models import Config, Issue

DATA = Path(__file__).resolve().parent.parent / "data"
FIXTURE = DATA / "newsletter"
GOLDEN = Path(__file__).resolve().parent.parent / "golden"
EXAMPLE = Path(__file__).resolve().parents[2]  # this repository: the example newsletter


def copy_newsletter(tmp_path: Path) -> Path:
    """A fresh copy of tests/data/newsletter (feeds.yaml + issues 1 and 2) to build from."""
    root = tmp_path / "newsletter"
    shutil.copytree(FIXTURE, root)
    return root


def copy_example(folder: Path) -> Path:
    """A copy of the example newsletter this repository is (Blockchain Asia) in folder."""
    root = folder / "newsletter"
    root.mkdir()
    shutil.copy(EXAMPLE / "feeds.yaml", root / "feeds.yaml")
    shutil.copytree(EXAMPLE / "issues", root / "issues")
    shutil.copytree(EXAMPLE / "templates", root / "templates")
    return root


def small_pdf(issue: Issue, config: Config, path: Path) -> None:
    """A stand-in PDF writer for site tests that are about pages, not PDF layout: its bytes
    depend only on the issue, like the real one."""
    fingerprint = hashlib.sha256(repr(replace(issue, path=None)).encode()).hexdigest()
    text = f"%PDF-1.4\n% {config.newsletter.name} #{issue.number} {fingerprint}\n"
    path.write_bytes(text.encode())


def assert_golden(name: str, actual: str) -> None:
    """Compare with tests/golden/<name>; DIGEST_UPDATE_GOLDEN=1 rewrites the expected file."""
    expected_path = GOLDEN / name
    if os.environ.get("DIGEST_UPDATE_GOLDEN") == "1":
        expected_path.parent.mkdir(parents=True, exist_ok=True)
        expected_path.write_text(actual, "utf-8")
        return
    if not expected_path.is_file():
        pytest.fail(f"no golden file {expected_path}; make it with DIGEST_UPDATE_GOLDEN=1 pytest")
    expected = expected_path.read_text("utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                fromfile=f"golden/{name}",
                tofile="rendered",
            )
        )
        hint = "DIGEST_UPDATE_GOLDEN=1 to accept"
        pytest.fail(f"output differs from golden/{name} ({hint}):\n{diff}")


class PageParser(HTMLParser):
    """Collects what link and structure checks need from one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.headings: list[int] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        for name in ("href", "src"):
            value = attributes.get(name)
            if value is not None:
                self.links.append(value)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))


def parse_page(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text("utf-8"))
    return parser
