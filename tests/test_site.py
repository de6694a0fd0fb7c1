"""The static site: its layout, links that resolve, the pages, and builds that repeat exactly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from support.newsletter import copy_newsletter, parse_page, small_pdf
from support.sitebuild import build, site_files

from digest.config import load_config
from digest.site import MANIFEST, build_site
from digest.theme import builtin_theme_dir

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


def test_layout(root: Path) -> None:
    _, out = build(root)
    expected = {
        "index.html", "feed.xml", "sitemap.xml", "robots.txt",
        "assets/style.css", "assets/favicon.svg", "assets/search.js",
        "issues/1/index.html", "issues/1/1.md", "issues/1/test-asia-weekly-1.pdf",
        "issues/2/index.html", "issues/2/2.md", "issues/2/test-asia-weekly-2.pdf",
        "countries/CN/index.html", "countries/JP/index.html",
        "topics/mining/index.html", "topics/regulation/index.html", "topics/cbdc/index.html",
        "topics/exchanges/index.html", MANIFEST,
        "countries/CN/feed.xml", "countries/JP/feed.xml", "topics/mining/feed.xml",
        "topics/regulation/feed.xml", "topics/cbdc/feed.xml", "topics/exchanges/feed.xml",
    }  # fmt: skip
    files = set(site_files(out))
    assert {f for f in files if not f.startswith("pagefind/")} == expected
    assert "pagefind/pagefind.js" in files  # the search index, see test_site_search.py


def test_every_relative_link_resolves_on_disk(root: Path) -> None:
    _, out = build(root)
    pages = sorted(out.rglob("*.html"))
    checked = 0
    for page in pages:
        for link in parse_page(page).links:
            parts = urlsplit(link)
            if parts.scheme in {"http", "https", "mailto"}:
                continue
            assert not parts.scheme and not parts.netloc, f"{page}: {link} is not relative"
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            assert target.is_file(), f"{page.relative_to(out)}: {link} does not resolve"
            assert target.is_relative_to(out), f"{page}: {link} leaves the site"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in parse_page(target).ids, f"{page}: {link} has no target"
            checked += 1
    assert checked > 50


def test_front_page_shows_the_latest_issue_and_the_archive_newest_first(root: Path) -> None:
    _, out = build(root)
    html = (out / "index.html").read_text("utf-8")
    assert "Second &lt;Wind&gt; &amp; More" in html
    assert html.index('href="issues/2/index.html"') < html.index('href="issues/1/index.html"')
    assert 'href="issues/2/test-asia-weekly-2.pdf"' in html
    assert parse_page(out / "index.html").headings.count(1) == 1


def test_tag_pages_list_every_item_with_the_tag_across_issues(root: Path) -> None:
    _, out = build(root)
    china = (out / "countries" / "CN" / "index.html").read_text("utf-8")
    assert "PBoC summons banks over crypto" in china
    assert "Sichuan miners switch off" in china
    assert china.index("PBoC summons") < china.index("Sichuan miners")  # newest issue first
    assert "JFSA" not in china
    regulation = (out / "topics" / "regulation" / "index.html").read_text("utf-8")
    assert "JFSA tightens exchange rules" in regulation


def test_issue_page_links_its_pdf_and_markdown(root: Path) -> None:
    _, out = build(root)
    html = (out / "issues" / "2" / "index.html").read_text("utf-8")
    assert 'href="test-asia-weekly-2.pdf"' in html and 'href="2.md"' in html


def test_the_newsletter_s_theme_files_override_the_built_in_ones(root: Path) -> None:
    _, out = build(root)
    (root / "templates").mkdir()
    (root / "templates" / "style.css").write_text("body { color: #000; }\n")
    base = (builtin_theme_dir() / "base.html").read_text()
    (root / "templates" / "base.html").write_text(base.replace("</footer>", "Own.</footer>"))
    result = build_site(load_config(root), out, pdf_writer=small_pdf)
    written = {p.relative_to(out).as_posix() for p in result.written}
    pages = {p.relative_to(out).as_posix() for p in out.rglob("*.html")}
    assert written == pages | {"assets/style.css"}  # the PDFs' bytes did not change
    assert (out / "assets" / "style.css").read_text() == "body { color: #000; }\n"
    assert "Own.</footer>" in (out / "issues" / "1" / "index.html").read_text()


def test_the_site_works_from_any_folder(root: Path, tmp_path: Path) -> None:
    _, out = build(root, tmp_path / "deep" / "sub" / "path")
    for page in out.rglob("*.html"):
        for link in parse_page(page).links:
            assert not link.startswith("/"), f"{page}: {link} is root-relative"
    assert os.path.isfile(out / "index.html")


def test_repeat_builds_are_byte_identical(root: Path, tmp_path: Path) -> None:
    _, first = build(root, tmp_path / "one")
    _, second = build(root, tmp_path / "two")
    assert site_files(first) == site_files(second)


def test_builds_in_separate_processes_are_byte_identical(root: Path, tmp_path: Path) -> None:
    """Nothing in the output depends on hash seeds, the clock or the order files are found."""
    for seed, out in (("1", "one"), ("2", "two")):
        env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "digest", "--root", str(root), "build", "--all", "--no-pdf",
             "--out", str(tmp_path / out)],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    first, second = site_files(tmp_path / "one"), site_files(tmp_path / "two")
    assert "issues/2/index.html" in first
    assert first == second
