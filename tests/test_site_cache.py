"""The site's cache: the manifest's keys decide what is rendered again, and the issue cache
spares re-reading unchanged issue files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.newsletter import EXAMPLE, copy_newsletter, small_pdf
from support.sitebuild import build, edit, rebuild, site_files, written

from digest.config import load_config
from digest.issuefile import (
    issue_from_data,
    issue_numbers,
    issue_path,
    issue_to_data,
    load_issue_file,
)
from digest.models import Config, Issue
from digest.site import MANIFEST, build_site, cache
from digest.site.cache import code_hash, package_code_hash


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


def test_a_rebuild_with_no_change_writes_nothing(root: Path) -> None:
    config, out = build(root)
    result = build_site(config, out, pdf_writer=small_pdf)
    assert result.written == ()
    outputs = [rel for rel in site_files(out) if not rel.startswith("pagefind/")]
    assert result.unchanged == len(outputs) - 1  # all but the manifest and the search index


def test_a_changed_issue_rewrites_only_its_own_pages(root: Path) -> None:
    _, out = build(root)
    before = {rel: (out / rel).stat().st_mtime_ns for rel in site_files(out)}
    issue = root / "issues" / "1.yaml"
    issue.write_text(issue.read_text().replace("Now it is over.", "Now it is really over."))
    result = build_site(load_config(root), out, pdf_writer=small_pdf)
    written = {p.relative_to(out).as_posix() for p in result.written}
    assert written == {"issues/1/index.html", "issues/1/1.md", "issues/1/test-asia-weekly-1.pdf"}
    assert "really over" in (out / "issues" / "1" / "index.html").read_text("utf-8")
    for rel in ("issues/2/index.html", "index.html", "feed.xml", "countries/CN/index.html"):
        assert (out / rel).stat().st_mtime_ns == before[rel]


def test_a_changed_issue_rewrites_its_pages_and_the_shared_pages_that_show_it(root: Path) -> None:
    _, out = build(root)
    edit(root / "issues" / "2.yaml", "title: JFSA tightens", "title: JFSA quietly tightens")
    result = rebuild(root, out)
    assert written(result) == {
        "issues/2/index.html", "issues/2/2.md", "issues/2/test-asia-weekly-2.pdf",
        "index.html", "feed.xml",  # the latest issue in full; its headlines
        "countries/JP/index.html", "topics/exchanges/index.html", "topics/regulation/index.html",
        "countries/JP/feed.xml", "topics/exchanges/feed.xml", "topics/regulation/feed.xml",
    }  # fmt: skip
    assert "JFSA quietly tightens" in (out / "topics" / "exchanges" / "index.html").read_text()


def test_a_rebuild_after_an_edit_is_byte_identical_to_a_fresh_build(
    root: Path, tmp_path: Path
) -> None:
    """What a rebuild takes from the last build (pages, issues and their manifest records,
    the search pages) leaves the same bytes, manifest included, as a build from nothing."""
    _, out = build(root)
    edit(root / "issues" / "1.yaml", "Now it is over.", "Now it is really over.")
    rebuild(root, out)
    _, fresh = build(root, tmp_path / "fresh")
    assert site_files(out) == site_files(fresh)


def test_new_code_renders_every_output_again(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, out = build(root)
    before = json.loads((out / MANIFEST).read_text())
    made: list[int] = []

    def counting_pdf(issue: Issue, config: Config, path: Path) -> None:
        made.append(issue.number)
        small_pdf(issue, config, path)

    monkeypatch.setattr(cache, "package_code_hash", lambda: "the code of another version")
    result = build_site(load_config(root), out, pdf_writer=counting_pdf)
    after = json.loads((out / MANIFEST).read_text())
    assert after["base"] != before["base"]
    assert sorted(made) == [1, 2]
    keyed = {rel for rel, output in before["outputs"].items() if output["key"] is not None}
    assert keyed and all(
        after["outputs"][rel]["key"] != before["outputs"][rel]["key"] for rel in keyed
    )
    assert result.written == ()  # rendered again, but the same bytes: no file is replaced


def test_the_code_hash_covers_every_module_and_the_package_data(tmp_path: Path) -> None:
    package = tmp_path / "digest"
    shutil.copytree(cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    assert code_hash(package) == package_code_hash()
    seen = {code_hash(package)}
    for rel in ("pdffonts.py", "site/atom.py", "commands/build.py", "data/taxonomy.yaml"):
        with (package / rel).open("a") as file:
            file.write("\n")
        seen.add(code_hash(package))
    (package / "newmodule.py").write_text("X = 1\n")
    seen.add(code_hash(package))
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "stale.py").write_text("ignored\n")
    seen.add(code_hash(package))
    assert len(seen) == 6


def test_a_missing_or_broken_manifest_means_a_full_build(root: Path) -> None:
    _, out = build(root)
    (out / MANIFEST).write_text("{not json")
    result = rebuild(root, out)
    outputs = {rel for rel in site_files(out) if not rel.startswith("pagefind/")}
    assert written(result) == outputs - {MANIFEST}
    assert json.loads((out / MANIFEST).read_text())["format"] == cache.MANIFEST_FORMAT


def test_an_unchanged_issue_file_is_taken_from_the_cache(root: Path) -> None:
    _, out = build(root)
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["issues"]["1"]["record"]["title"] = "Title From The Cache"
    (out / MANIFEST).write_text(json.dumps(manifest))
    (out / "issues" / "1" / "index.html").unlink()
    rebuild(root, out)
    assert "Title From The Cache" in (out / "issues" / "1" / "index.html").read_text()


@pytest.mark.parametrize("folder", ["fixture", "example"])
def test_issue_records_survive_a_round_trip_through_json(folder: str, tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path) if folder == "fixture" else EXAMPLE
    config = load_config(root)
    for number in issue_numbers(config):
        path = issue_path(config, number)
        issue = load_issue_file(path, config.taxonomy)
        record = json.loads(json.dumps(issue_to_data(issue, dates_as_text=True)))
        assert issue_from_data(record, path) == issue
