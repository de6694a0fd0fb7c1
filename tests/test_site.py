"""The static site: layout, links that resolve, the Atom feed, incremental and safe builds."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from support.newsletter import copy_newsletter, parse_page, small_pdf

from digest.config import load_config
from digest.errors import IssueFileError, RenderError, TemplateError
from digest.models import Config, Issue
from digest.site import MANIFEST, build_site
from digest.theme import builtin_theme_dir

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


def build(root: Path, out: Path | None = None) -> tuple[Config, Path]:
    config = load_config(root)
    result = build_site(config, out or root / "site", pdf_writer=small_pdf)
    return config, result.out


def site_files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_layout(root: Path) -> None:
    _, out = build(root)
    expected = {
        "index.html", "feed.xml", "assets/style.css",
        "issues/1/index.html", "issues/1/1.md", "issues/1/test-asia-weekly-1.pdf",
        "issues/2/index.html", "issues/2/2.md", "issues/2/test-asia-weekly-2.pdf",
        "countries/CN/index.html", "countries/JP/index.html",
        "topics/mining/index.html", "topics/regulation/index.html", "topics/cbdc/index.html",
        "topics/exchanges/index.html", MANIFEST,
    }  # fmt: skip
    assert set(site_files(out)) == expected


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


def test_feed_is_atom_with_stable_ids_and_absolute_links(root: Path) -> None:
    config, out = build(root)
    feed = ET.parse(out / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        "https://news.example.org/weekly/issues/2/",
        "https://news.example.org/weekly/issues/1/",
    ]
    for element in feed.iter(f"{ATOM}link"):
        assert element.get("href", "").startswith(config.newsletter.url + "/")
    assert feed.findtext(f"{ATOM}updated") == "2021-06-15T00:00:00Z"
    content = entries[0].findtext(f"{ATOM}content") or ""
    assert '<a href="https://example.com/pboc?a=1&amp;b=2">' in content
    assert "<script" not in content


def test_feed_links_are_relative_to_the_site_root_without_newsletter_url(root: Path) -> None:
    feeds = root / "feeds.yaml"
    feeds.write_text(feeds.read_text().replace("  url: https://news.example.org/weekly\n", ""))
    _, out = build(root)
    feed = ET.parse(out / "feed.xml").getroot()
    entry = feed.findall(f"{ATOM}entry")[0]
    assert entry.find(f"{ATOM}link").get("href") == "issues/2/"  # type: ignore[union-attr]
    assert entry.findtext(f"{ATOM}id") == "urn:digest:test-asia-weekly:issue:2"


def test_repeat_builds_are_byte_identical(root: Path, tmp_path: Path) -> None:
    _, first = build(root, tmp_path / "one")
    _, second = build(root, tmp_path / "two")
    assert site_files(first) == site_files(second)


def test_a_rebuild_with_no_change_writes_nothing(root: Path) -> None:
    config, out = build(root)
    result = build_site(config, out, pdf_writer=small_pdf)
    assert result.written == ()
    assert result.unchanged == len(site_files(out)) - 1  # all but the manifest


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


def test_pdfs_are_made_only_for_the_issues_asked(root: Path) -> None:
    out = root / "site"
    build_site(load_config(root), out, pdf_for={2}, pdf_writer=small_pdf)
    assert (out / "issues" / "2" / "test-asia-weekly-2.pdf").is_file()
    assert not (out / "issues" / "1" / "test-asia-weekly-1.pdf").exists()
    assert "test-asia-weekly-1.pdf" not in (out / "issues" / "1" / "index.html").read_text()


def test_the_site_works_from_any_folder(root: Path, tmp_path: Path) -> None:
    _, out = build(root, tmp_path / "deep" / "sub" / "path")
    for page in out.rglob("*.html"):
        for link in parse_page(page).links:
            assert not link.startswith("/"), f"{page}: {link} is root-relative"
    assert os.path.isfile(out / "index.html")
