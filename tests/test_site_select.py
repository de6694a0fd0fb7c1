"""Which issues reach the site, through the command line: drafts never do, an unfinished issue
is refused, and one broken issue file does not stop a build about another issue."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from support.cli import run_digest
from support.newsletter import copy_newsletter, small_pdf

from digest.build import build_issue, preview_dir
from digest.config import load_config

DRAFT_TITLE = "TODO: title of issue 3"
DRAFT = f"""\
number: 3
draft: true
date: 2021-07-01
title: "{DRAFT_TITLE}"
subtitle: Zebra-Quokka Special
intro: ""
sections:
  - heading: Korea
    items:
      - title: Upbit lists the Quokkacoin
        url: https://example.com/quokka
        countries: [KR]
        topics: [exchanges]
"""
FINISHED = """\
number: 3
date: 2021-07-01
title: Third Time Lucky
intro: The editor's words.
sections:
  - heading: Korea
    items:
      - title: Upbit lists the Quokkacoin
        url: https://example.com/quokka
        countries: [KR]
        topics: [exchanges]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


def write(root: Path, number: int, text: str) -> Path:
    path = root / "issues" / f"{number}.yaml"
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def site_files(root: Path) -> list[Path]:
    return [p for p in (root / "site").rglob("*") if p.is_file()]


def assert_nothing_of_the_draft_in(files: list[Path]) -> None:
    assert files
    for path in files:
        data = path.read_bytes()
        for mark in (b"Quokka", b"Zebra", DRAFT_TITLE.encode(), b"issues/3/", b"3.yaml"):
            assert mark not in data, f"{mark!r} is in {path}"
        if path.suffix != ".css":  # colours like #333
            assert not re.search(rb"#3(?!\d)|/3\b", data), f"issue 3 is named in {path}"


# ---------------------------------------------------------------- drafts


def test_no_byte_of_a_draft_reaches_the_site(root: Path) -> None:
    write(root, 3, DRAFT)
    for args in (("build", "2", "--no-pdf"), ("build", "--all", "--no-pdf")):
        done = run_digest(*args, root=root)
        assert done.returncode == 0, done
    assert not (root / "site" / "issues" / "3").exists()
    assert_nothing_of_the_draft_in(site_files(root))
    assert "skipped draft 3 (preview it with 'digest build 3')" in done.stdout


def test_building_a_draft_builds_the_preview_and_says_where(root: Path) -> None:
    write(root, 3, DRAFT)
    done = run_digest("build", "3", "--no-pdf", root=root)
    assert done.returncode == 0, done
    assert "issue 3 is a draft" in done.stdout and ".digest/preview" in done.stdout
    assert not (root / "site").exists()
    preview = root / ".digest" / "preview"
    page = (preview / "issues" / "3" / "index.html").read_text("utf-8")
    assert 'class="draft-banner"' in page and DRAFT_TITLE in page
    assert DRAFT_TITLE in (preview / "index.html").read_text("utf-8")  # the whole site, drafts in
    assert DRAFT_TITLE in (preview / "feed.xml").read_text("utf-8")
    published = (preview / "issues" / "2" / "index.html").read_text("utf-8")
    assert "draft-banner" not in published


def test_deleting_the_draft_line_publishes_the_issue(root: Path) -> None:
    write(root, 3, FINISHED.replace("number: 3\n", "number: 3\ndraft: true\n"))
    assert run_digest("build", "3", "--no-pdf", root=root).returncode == 0
    assert not (root / "site" / "issues" / "3").exists()
    write(root, 3, FINISHED)
    done = run_digest("build", "3", "--no-pdf", root=root)
    assert done.returncode == 0, done
    page = (root / "site" / "issues" / "3" / "index.html").read_text("utf-8")
    assert "Third Time Lucky" in page and "draft-banner" not in page
    assert "Third Time Lucky" in (root / "site" / "feed.xml").read_text("utf-8")


# ---------------------------------------------------------------- unfinished


def test_an_unfinished_issue_is_refused_naming_file_and_line(root: Path) -> None:
    write(root, 3, DRAFT.replace("draft: true\n", ""))
    done = run_digest("build", "3", "--no-pdf", root=root)
    assert done.returncode == 2
    first, *rest = done.stderr.strip().splitlines()
    assert first.startswith("digest: error: ")
    assert "issues/3.yaml:3: title: 'TODO: title of issue 3' is a placeholder" in first
    assert "1 more unfinished place (line 5)" in rest[0]  # the empty intro
    assert "draft: true" in rest[0]
    assert not (root / "site").exists()


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("intro: The editor's words.", 'intro: ""', "4: intro: the intro is empty"),
        ("intro: The editor's words.", "intro: |\n  Fine.\n\n  TODO: the rest",
         "4: intro: 'TODO: the rest' is a placeholder"),
        ("        url: https://example.com/quokka\n", "",
         "8: sections[0].items[0].url: the entry 'Upbit lists the Quokkacoin' has no url"),
    ],
)  # fmt: skip
def test_each_unfinished_place_is_named(root: Path, old: str, new: str, expected: str) -> None:
    write(root, 3, FINISHED.replace(old, new))
    done = run_digest("build", "3", "--no-pdf", root=root)
    assert done.returncode == 2
    assert f"issues/3.yaml:{expected}" in done.stderr


# ---------------------------------------------------------------- one bad file


def test_a_broken_issue_does_not_stop_building_another(root: Path) -> None:
    write(root, 3, FINISHED)
    assert run_digest("build", "--all", "--no-pdf", root=root).returncode == 0
    page = root / "site" / "issues" / "3" / "index.html"
    write(root, 3, FINISHED.replace("title: Third Time Lucky", "title: Broken\noops: ["))
    (root / "issues" / "2.yaml").write_text(
        (root / "issues" / "2.yaml").read_text("utf-8").replace("Second <Wind>", "Second Gust")
    )
    done = run_digest("build", "2", "--no-pdf", root=root)
    assert done.returncode == 0, done
    assert "digest: warning: " in done.stderr and "issues/3.yaml:" in done.stderr
    assert "issue 3 stays as it was last built" in done.stderr
    assert "Second Gust" in (root / "site" / "issues" / "2" / "index.html").read_text("utf-8")
    kept = page.read_text("utf-8")  # the last good page of 3, its links to 2 up to date
    assert "Third Time Lucky" in kept and "Broken" not in kept and "Second Gust" in kept
    index = (root / "site" / "index.html").read_text("utf-8")
    assert "Third Time Lucky" in index and "Second Gust" in index
    assert "Third Time Lucky" in (root / "site" / "feed.xml").read_text("utf-8")
    assert "Quokkacoin" in (root / "site" / "countries" / "KR" / "index.html").read_text("utf-8")


def test_the_last_good_issue_survives_a_rebuild_with_new_settings(root: Path) -> None:
    """Even when the theme or settings change, the broken issue is rendered from its record."""
    write(root, 3, FINISHED)
    assert run_digest("build", "--all", "--no-pdf", root=root).returncode == 0
    write(root, 3, "number: 3\ndate: 2026-02-30\ntitle: Bad Date\n")
    feeds = root / "feeds.yaml"
    feeds.write_text(feeds.read_text("utf-8") + "\n# a changed setting\n", "utf-8")
    done = run_digest("build", "1", "--no-pdf", root=root)
    assert done.returncode == 0, done
    assert "issues/3.yaml:2:7: date: 2026-02-30 is not a date on the calendar" in done.stderr
    assert "Third Time Lucky" in (root / "site" / "issues" / "3" / "index.html").read_text()


def test_build_all_and_the_broken_issue_itself_fail_with_the_error(root: Path) -> None:
    write(root, 3, "number: 3\ndate: 2021-07-01\ntitle: x\noops: [\n")
    for args in (("build", "--all", "--no-pdf"), ("build", "3", "--no-pdf")):
        done = run_digest(*args, root=root)
        assert done.returncode == 2, done
        assert "digest: error: " in done.stderr and "issues/3.yaml:5:" in done.stderr
        assert "Traceback" not in done.stderr


def test_an_impossible_date_is_an_error_not_a_traceback(root: Path) -> None:
    write(root, 3, FINISHED.replace("2021-07-01", "2026-02-30"))
    done = run_digest("build", "3", "--no-pdf", root=root)
    assert done.returncode == 2
    assert "issues/3.yaml:2:7: date: 2026-02-30 is not a date on the calendar" in done.stderr


def test_a_broken_issue_never_built_is_left_out_with_a_warning(root: Path) -> None:
    write(root, 3, "number: 3\noops: [\n")
    done = run_digest("build", "2", "--no-pdf", root=root)
    assert done.returncode == 0, done
    assert "it is left out until the file is fixed" in done.stderr
    assert not (root / "site" / "issues" / "3").exists()


def test_a_draft_last_built_in_the_preview_never_reaches_the_site(root: Path) -> None:
    write(root, 3, DRAFT)
    config = load_config(root)
    build_issue(config, 3, pdf_writer=small_pdf)  # the preview remembers the draft
    write(root, 3, DRAFT + "oops: [\n")
    assert run_digest("build", "2", "--no-pdf", root=root).returncode == 0
    assert_nothing_of_the_draft_in(site_files(root))
    assert (preview_dir(config) / "issues" / "3" / "index.html").is_file()


@pytest.mark.slow
def test_send_works_while_another_issue_file_is_broken(root: Path, tmp_path: Path) -> None:
    feeds = root / "feeds.yaml"
    feeds.write_text(feeds.read_text("utf-8") + "email:\n  from: Ada <ada@example.org>\n")
    write(root, 3, "number: 3\noops: [\n")
    out = tmp_path / "letters"
    done = run_digest("send", "2", "--to", "ada@example.com", "--dry-run", str(out), root=root)
    assert done.returncode == 0, done
    assert len(list(out.glob("*.eml"))) == 1
