"""digest deploy: to a real git remote (a bare repository) and to a folder, and its refusals."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.cli import CliResult, run_digest
from support.newsletter import copy_newsletter
from support.sitebuild import build, edit, site_files

from digest.config import load_config
from digest.deploy import (
    deploy_target,
    published_files,
    releases_dir,
    stage_release,
    switch_release,
)
from digest.models import DirDeploy


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True)
    return done.stdout


def set_deploy(root: Path, line: str) -> None:
    with (root / "feeds.yaml").open("a", encoding="utf-8") as settings:
        settings.write(f"\n{line}\n")


@pytest.fixture
def with_remote(tmp_path: Path) -> tuple[Path, Path]:
    """The small newsletter in a git repository whose origin is a bare repository; built."""
    root = copy_newsletter(tmp_path)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", str(remote))
    git(root, "init", "--quiet")
    git(root, "remote", "add", "origin", str(remote))
    set_deploy(root, "deploy: {branch: gh-pages, remote: origin}")
    build(root)
    return root, remote


def branch_files(remote: Path, branch: str = "gh-pages") -> set[str]:
    return set(git(remote, "ls-tree", "-r", "--name-only", branch).splitlines())


def commits(remote: Path, branch: str = "gh-pages") -> int:
    return int(git(remote, "rev-list", "--count", branch))


def short_error(result: CliResult) -> list[str]:
    lines = result.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2, lines
    assert "Traceback" not in "\n".join(lines)
    return lines


# ---------------------------------------------------------------- a git branch


def test_deploy_commits_the_site_to_gh_pages_with_cname_and_nojekyll(
    with_remote: tuple[Path, Path],
) -> None:
    root, remote = with_remote
    result = run_digest("deploy", "--message", "First publication", root=root)
    assert result.returncode == 0, result
    assert "deployed to gh-pages at origin" in result.stdout
    files = branch_files(remote)
    site = published_files(root / "site")
    assert files == set(site) | {"CNAME", ".nojekyll"}
    assert {"index.html", "issues/2/index.html", "sitemap.xml", "pagefind/pagefind.js"} <= files
    assert ".digest-build.json" not in files
    assert git(remote, "show", "gh-pages:CNAME") == "news.example.org"
    assert git(remote, "show", "gh-pages:index.html") == (root / "site/index.html").read_text()
    assert git(remote, "log", "-1", "--format=%s", "gh-pages").strip() == "First publication"


def test_a_second_deploy_of_the_same_site_makes_no_commit(with_remote: tuple[Path, Path]) -> None:
    root, remote = with_remote
    assert run_digest("deploy", root=root).returncode == 0
    again = run_digest("deploy", root=root)
    assert again.returncode == 0, again
    assert "nothing changed" in again.stdout
    assert commits(remote) == 1


def test_dry_run_lists_the_changes_and_pushes_nothing(with_remote: tuple[Path, Path]) -> None:
    root, remote = with_remote
    assert run_digest("deploy", root=root).returncode == 0
    head = git(remote, "rev-parse", "gh-pages")
    edit(root / "issues" / "2.yaml", "JFSA tightens exchange rules", "JFSA tightens the rules")
    build(root)
    dry = run_digest("deploy", "--dry-run", root=root)
    assert dry.returncode == 0, dry
    assert "would change issues/2/index.html" in dry.stdout
    assert "dry run: nothing was changed" in dry.stdout
    assert git(remote, "rev-parse", "gh-pages") == head
    assert run_digest("deploy", root=root).returncode == 0
    assert commits(remote) == 2
    assert "JFSA tightens the rules" in git(remote, "show", "gh-pages:issues/2/index.html")


def test_a_github_io_site_gets_no_cname(with_remote: tuple[Path, Path]) -> None:
    root, remote = with_remote
    edit(root / "feeds.yaml", "https://news.example.org/weekly", "https://someone.github.io/weekly")
    build(root)
    assert run_digest("deploy", root=root).returncode == 0
    assert "CNAME" not in branch_files(remote) and ".nojekyll" in branch_files(remote)


def test_a_rejected_push_is_a_short_error_and_exit_1(with_remote: tuple[Path, Path]) -> None:
    root, remote = with_remote
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'pages are frozen' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = run_digest("deploy", root=root)
    assert result.returncode == 1
    lines = short_error(result)
    assert "pushing gh-pages to origin failed" in lines[0]


def test_a_missing_remote_or_repository_is_a_short_error_and_exit_2(
    with_remote: tuple[Path, Path],
) -> None:
    root, _ = with_remote
    git(root, "remote", "remove", "origin")
    result = run_digest("deploy", root=root)
    assert result.returncode == 2
    assert "has no remote 'origin'" in short_error(result)[0]
    subprocess.run(["rm", "-rf", str(root / ".git")], check=True)
    result = run_digest("deploy", root=root)
    assert result.returncode == 2
    assert "not in a git repository" in short_error(result)[0]


# ---------------------------------------------------------------- a folder


@pytest.fixture
def with_folder(tmp_path: Path) -> tuple[Path, Path]:
    root = copy_newsletter(tmp_path)
    (tmp_path / "www").mkdir()
    set_deploy(root, "deploy: {dir: ../www/news}")
    build(root)
    return root, tmp_path / "www" / "news"


def test_deploy_to_a_folder_switches_a_link_to_the_new_release(
    with_folder: tuple[Path, Path],
) -> None:
    root, target = with_folder
    dry = run_digest("deploy", "--dry-run", root=root)
    assert dry.returncode == 0 and "would add index.html" in dry.stdout
    assert not target.exists() and not target.is_symlink()
    result = run_digest("deploy", root=root)
    assert result.returncode == 0, result
    assert target.is_symlink()
    site = {rel: data for rel, data in site_files(root / "site").items() if rel in
            published_files(root / "site")}  # fmt: skip
    assert site_files(target) == site
    again = run_digest("deploy", root=root)
    assert "nothing changed" in again.stdout


def test_the_old_site_is_served_until_the_switch(with_folder: tuple[Path, Path]) -> None:
    root, target = with_folder
    assert run_digest("deploy", root=root).returncode == 0
    first = target.resolve()
    old_page = (target / "issues/2/index.html").read_bytes()
    edit(root / "issues" / "2.yaml", "JFSA tightens exchange rules", "JFSA tightens the rules")
    build(root)
    release = stage_release(published_files(root / "site"), target)
    assert (target / "issues/2/index.html").read_bytes() == old_page
    assert b"JFSA tightens the rules" in (release / "issues/2/index.html").read_bytes()
    switch_release(target, release)
    assert b"JFSA tightens the rules" in (target / "issues/2/index.html").read_bytes()
    assert first.is_dir()  # the release before is kept; older ones go
    edit(root / "issues" / "2.yaml", "JFSA tightens the rules", "JFSA tightens the last rules")
    build(root)
    assert run_digest("deploy", root=root).returncode == 0
    assert not first.exists()
    assert len(list(releases_dir(target).iterdir())) == 2


def test_a_plain_folder_target_is_moved_aside_once(with_folder: tuple[Path, Path]) -> None:
    root, target = with_folder
    target.mkdir()
    (target / "old.html").write_text("the site before digest")
    assert run_digest("deploy", root=root).returncode == 0
    assert target.is_symlink() and not (target / "old.html").exists()
    kept = list(releases_dir(target).rglob("old.html"))
    assert len(kept) == 1


def test_a_plain_folder_target_is_swapped_for_the_link_with_no_moment_without_a_site(
    with_folder: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every rename the switch makes leaves the target serving a site."""
    root, target = with_folder
    target.mkdir()
    (target / "index.html").write_text("the site before digest")
    release = stage_release(published_files(root / "site"), target)
    served: list[bool] = []
    rename = os.replace

    def observed(source: Any, destination: Any) -> None:
        rename(source, destination)
        served.append((target / "index.html").is_file())

    monkeypatch.setattr(os, "replace", observed)
    switch_release(target, release)
    assert served and all(served)
    assert target.is_symlink() and target.resolve() == release.resolve()
    assert list(releases_dir(target).rglob("index.html"))  # the old site, kept


def test_an_unwritable_folder_target_is_a_short_error(with_folder: tuple[Path, Path]) -> None:
    root, target = with_folder
    releases_dir(target).write_text("a file where the releases go")
    result = run_digest("deploy", root=root)
    assert result.returncode == 1
    assert "cannot write" in short_error(result)[0]
    assert not target.exists()
    gone = root.parent / "nowhere" / "news"
    edit(root / "feeds.yaml", "deploy: {dir: ../www/news}", f"deploy: {{dir: {gone}}}")
    build(root)
    result = run_digest("deploy", root=root)
    assert result.returncode == 2 and "does not exist" in short_error(result)[0]


# ---------------------------------------------------------------- refusals


def test_no_site_no_target_a_stale_site_and_a_draft_are_refused(
    with_folder: tuple[Path, Path],
) -> None:
    root, target = with_folder
    result = run_digest("deploy", "--out", str(root / "elsewhere"), root=root)
    assert result.returncode == 2 and "no built site" in short_error(result)[0]
    later = os.stat(root / "site" / ".digest-build.json").st_mtime + 5
    os.utime(root / "issues" / "1.yaml", (later, later))
    result = run_digest("deploy", root=root)
    assert result.returncode == 2
    assert "1.yaml changed after the site was built" in short_error(result)[0]
    assert "digest build --all" in result.stderr
    build(root)
    (root / "issues" / "3.yaml").write_text((root / "issues" / "2.yaml").read_text()
                                            .replace("number: 2", "number: 3"))  # fmt: skip
    result = run_digest("deploy", root=root)
    assert result.returncode == 2 and "issues/ has #1, #2, #3" in short_error(result)[0]
    (root / "issues" / "3.yaml").unlink()
    with (root / "issues" / "2.yaml").open("a", encoding="utf-8") as issue:
        issue.write("draft: true\n")
    result = run_digest("deploy", root=root)
    assert result.returncode == 2 and "issue 2 is a draft" in short_error(result)[0]
    assert not target.exists()
    edit(root / "feeds.yaml", "deploy: {dir: ../www/news}", "")
    result = run_digest("deploy", root=root)
    assert result.returncode == 2 and "no deploy target" in short_error(result)[0]


def test_a_relative_folder_is_taken_from_the_newsletter_folder_without_following_links(
    with_folder: tuple[Path, Path],
) -> None:
    root, target = with_folder
    found = deploy_target(load_config(root))
    assert isinstance(found, DirDeploy) and found.dir == target
