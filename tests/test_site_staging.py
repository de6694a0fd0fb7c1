"""Writing the site: all or nothing. A build that fails leaves the previous site as it was,
and a killed build's leftovers are cleared by the next one."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest
from support.newsletter import copy_newsletter, small_pdf
from support.sitebuild import build, edit, rebuild, site_files

from digest.config import load_config
from digest.errors import IssueFileError, RenderError, TemplateError
from digest.models import Config, Issue
from digest.site import build_site
from digest.site.staging import staging_prefix
from digest.theme import builtin_theme_dir


def leftovers(out: Path) -> list[str]:
    """Staging folders beside the site and atomic_write temp files inside it."""
    staging = [p.name for p in out.parent.iterdir() if p.name.startswith(staging_prefix(out))]
    return sorted(staging + [p.name for p in out.rglob(".*.tmp")])


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


def test_a_deleted_issue_leaves_the_site(root: Path) -> None:
    _, out = build(root)
    (root / "issues" / "1.yaml").unlink()
    result = build_site(load_config(root), out, pdf_writer=small_pdf)
    assert not (out / "issues" / "1").exists()
    assert not (out / "topics" / "mining").exists()
    assert out / "issues" / "1" / "index.html" in result.removed


def test_a_schema_error_leaves_the_previous_site_intact(root: Path) -> None:
    _, out = build(root)
    before = site_files(out)
    issue = root / "issues" / "2.yaml"
    issue.write_text(issue.read_text().replace("countries: [JP]", "countries: [ZZ]"))
    with pytest.raises(IssueFileError, match="unknown country code 'ZZ'"):
        build_site(load_config(root), out, pdf_writer=small_pdf)
    assert site_files(out) == before
    assert [p.name for p in out.parent.iterdir() if "staging" in p.name] == []


def test_a_failure_midway_leaves_the_previous_site_intact(root: Path) -> None:
    _, out = build(root)
    before = site_files(out)
    for number in (1, 2):
        issue = root / "issues" / f"{number}.yaml"
        issue.write_text(issue.read_text().replace("title:", "title: New", 1))

    def failing_pdf(issue: Issue, config: Config, path: Path) -> None:
        if issue.number == 2:
            raise RenderError("no PDF today")
        small_pdf(issue, config, path)

    with pytest.raises(RenderError):
        build_site(load_config(root), out, pdf_writer=failing_pdf)
    assert site_files(out) == before
    assert [p.name for p in out.parent.iterdir() if "staging" in p.name] == []


def test_a_broken_theme_template_is_named_and_nothing_is_written(root: Path) -> None:
    _, out = build(root)
    before = site_files(out)
    (root / "templates").mkdir()
    (root / "templates" / "tag.html").write_text("{% extends 'base.html' %}{% block main %}{{ x }")
    with pytest.raises(TemplateError, match=r"tag\.html"):
        build_site(load_config(root), out, pdf_writer=small_pdf)
    assert site_files(out) == before


def test_a_template_that_fails_while_rendering_leaves_the_previous_site_intact(
    root: Path,
) -> None:
    _, out = build(root)
    before = site_files(out)
    edit(root / "issues" / "1.yaml", "title: First Light", "title: First Light Again")
    (root / "templates").mkdir()
    index = (builtin_theme_dir() / "index.html").read_text()
    broken = index.replace("{% block main %}", "{% block main %}{{ no_such_name }}", 1)
    (root / "templates" / "index.html").write_text(broken)
    with pytest.raises(TemplateError, match=r"index\.html.*no_such_name"):
        rebuild(root, out)
    assert site_files(out) == before
    assert leftovers(out) == []


def test_a_killed_build_s_leftovers_are_cleared(root: Path) -> None:
    _, out = build(root)
    dead = out.parent / f"{staging_prefix(out)}dead"
    (dead / "issues" / "1").mkdir(parents=True)
    (dead / ".lock").touch()  # its build held the lock until it was killed
    (dead / "issues" / "1" / "1.md").write_text("half")
    (out / "issues" / ".index.html.a1b2c3d4.tmp").write_text("half-written")
    before = site_files(out)
    rebuild(root, out)
    assert leftovers(out) == []
    assert site_files(out) == {k: v for k, v in before.items() if not k.endswith(".tmp")}


def test_a_running_build_s_staging_folder_is_left_alone(root: Path) -> None:
    _, out = build(root)
    running = out.parent / f"{staging_prefix(out)}running"
    running.mkdir()
    temp = out / "issues" / ".index.html.a1b2c3d4.tmp"  # perhaps that build's, being written
    temp.write_text("being written")
    lock = os.open(running / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        rebuild(root, out)
    finally:
        os.close(lock)
    assert running.is_dir() and temp.is_file()
