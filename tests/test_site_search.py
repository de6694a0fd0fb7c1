"""The archive search: a Pagefind index made after a build, and queried in Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.browser import Browser, launch, serve_folder
from support.newsletter import copy_newsletter, small_pdf
from support.sitebuild import edit, rebuild, site_files

from digest.config import load_config
from digest.errors import RenderError
from digest.issuefile import load_issue_file
from digest.models import Config, Issue
from digest.site import build_site, search
from digest.site.search import Indexer, find_indexer, index_language


@pytest.fixture
def root(tmp_path: Path) -> Path:
    if find_indexer() is None:
        pytest.skip("Pagefind is not installed (pip install 'pagefind[extended]')")
    return copy_newsletter(tmp_path)


def test_the_index_is_made_once_and_again_only_when_an_issue_page_changes(
    root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    first = rebuild(root, out)
    assert first.search.state == "updated"
    assert (out / "pagefind" / "pagefind.js").is_file()
    assert rebuild(root, out).search.state == "unchanged"
    edit(root / "issues" / "1.yaml", "Sichuan miners switch off", "Sichuan miners go dark")
    assert rebuild(root, out).search.state == "updated"


def test_the_index_is_the_same_bytes_for_the_same_pages(root: Path, tmp_path: Path) -> None:
    rebuild(root, tmp_path / "one")
    rebuild(root, tmp_path / "two")
    one, two = site_files(tmp_path / "one"), site_files(tmp_path / "two")
    assert [rel for rel in one if rel.startswith("pagefind/")]
    assert one == two


def test_without_pagefind_the_build_works_and_says_search_is_off(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "_PACKAGES", ("no_pagefind_here",))
    result = rebuild(root, tmp_path / "site")
    assert result.search.state == "off" and "Pagefind is not installed" in result.search.note
    assert (tmp_path / "site" / "index.html").is_file()
    assert not (tmp_path / "site" / "pagefind").exists()


def test_a_broken_indexer_keeps_the_build_and_the_old_index(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    rebuild(root, out)
    before = site_files(out / "pagefind")
    edit(root / "issues" / "1.yaml", "Sichuan miners switch off", "Sichuan miners go dark")
    config = load_config(root)
    broken = Indexer(binary=tmp_path / "no-such-binary", version="none")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "find_indexer", lambda: broken)
        result = build_site(config, out, pdf_writer=small_pdf)
    assert result.search.state == "failed" and "not updated" in result.search.note
    assert "Sichuan miners go dark" in (out / "issues/1/index.html").read_text("utf-8")
    assert site_files(out / "pagefind") == before


def test_a_pdf_that_fails_while_the_index_is_made_leaves_the_site_and_its_index(
    root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "site"
    rebuild(root, out)
    before = site_files(out)
    edit(root / "issues" / "1.yaml", "Sichuan miners switch off", "Sichuan miners go dark")

    def failing_pdf(issue: Issue, config: Config, path: Path) -> None:
        raise RenderError(f"issue {issue.number}: no PDF today")

    with pytest.raises(RenderError):
        build_site(load_config(root), out, pdf_writer=failing_pdf)
    assert site_files(out) == before
    assert not list(tmp_path.glob(".site.staging-*"))


def test_chinese_text_makes_a_chinese_index(root: Path) -> None:
    config = load_config(root)
    issues = {n: load_issue_file(root / "issues" / f"{n}.yaml", config.taxonomy) for n in (1, 2)}
    assert index_language("en", issues) == "zh"
    assert index_language("en", {1: issues[1]}) == "en"
    assert index_language("ja-JP", {1: issues[1]}) == "ja"


def test_the_build_command_says_when_search_is_off(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.cli import run_digest

    monkeypatch.setattr(search, "_PACKAGES", ("no_pagefind_here",))
    result = run_digest("build", "--all", "--no-pdf", root=root)
    assert result.returncode == 0, result
    assert "search is off" in result.stdout


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch() as running:
        yield running


def search_for(browser: Browser, url: str, query: str) -> list[str]:
    """The result links Pagefind's UI shows for the query on the page at url."""
    with browser.open(url) as visit:
        field = visit.page.locator(".pagefind-ui__search-input")
        field.wait_for(timeout=10_000)
        field.fill(query)
        visit.page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10_000)
        links = visit.page.eval_on_selector_all(
            ".pagefind-ui__result-link", "links => links.map(a => a.href)"
        )
        assert visit.page_errors == [] and visit.blocked == []
    return [str(link) for link in links]


@pytest.mark.browser
def test_a_query_finds_an_english_and_a_chinese_item_from_a_sub_path(
    root: Path, tmp_path: Path, browser: Browser
) -> None:
    served = tmp_path / "www"
    rebuild(root, served / "newsletter")
    with serve_folder(served) as server:
        front = server.url("newsletter/index.html")
        english = search_for(browser, front, "Sichuan")
        chinese = search_for(browser, server.url("newsletter/issues/1/index.html"), "人民币")
    assert english[0].startswith(server.url("newsletter/issues/1/index.html"))
    assert chinese[0].startswith(server.url("newsletter/issues/2/index.html"))


@pytest.mark.browser
def test_from_file_the_search_box_says_it_needs_a_server(
    root: Path, tmp_path: Path, browser: Browser
) -> None:
    out = tmp_path / "site"
    rebuild(root, out)
    with browser.open((out / "index.html").as_uri()) as visit:
        text = visit.page.locator("#search").inner_text()
        assert visit.page_errors == []
    assert "served" in text


@pytest.mark.browser
def test_a_copy_without_an_index_says_search_is_off(
    root: Path, tmp_path: Path, browser: Browser
) -> None:
    out = tmp_path / "site"
    rebuild(root, out)
    shutil.rmtree(out / "pagefind")
    with serve_folder(out) as server, browser.open(server.url("index.html"), wait=1) as visit:
        text = visit.page.locator("#search").inner_text()
    assert "Search is off" in text
