"""sitemap.xml and robots.txt: absolute URLs from newsletter.url, none without it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from support.newsletter import copy_newsletter
from support.sitebuild import build, edit

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_the_sitemap_lists_every_page_with_absolute_urls_and_dates(tmp_path: Path) -> None:
    _, out = build(copy_newsletter(tmp_path))
    urlset = ET.parse(out / "sitemap.xml").getroot()
    assert urlset.tag == f"{SITEMAP}urlset"
    pages = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in urlset}
    site = "https://news.example.org/weekly/"
    assert pages[site] == "2021-06-15"
    assert pages[f"{site}issues/1/"] and pages[f"{site}issues/2/"] == "2021-06-15"
    assert f"{site}countries/CN/" in pages and f"{site}topics/cbdc/" in pages
    for loc in pages:
        assert loc is not None and loc.startswith(site)
        rel = loc.removeprefix(site)
        assert (out / rel / "index.html").is_file() if rel else (out / "index.html").is_file()
    robots = (out / "robots.txt").read_text("utf-8")
    assert "User-agent: *" in robots
    assert f"Sitemap: {site}sitemap.xml" in robots.splitlines()


def test_a_url_with_an_ampersand_is_escaped(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    edit(root / "feeds.yaml", "https://news.example.org/weekly", "https://news.example.org/a&b")
    _, out = build(root)
    locs = [u.findtext(f"{SITEMAP}loc") for u in ET.parse(out / "sitemap.xml").getroot()]
    assert "https://news.example.org/a&b/" in locs


def test_without_newsletter_url_there_is_no_sitemap(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    edit(root / "feeds.yaml", "url: https://news.example.org/weekly", "url: ''")
    _, out = build(root)
    assert not (out / "sitemap.xml").exists()
    robots = (out / "robots.txt").read_text("utf-8")
    assert "User-agent: *" in robots and "Sitemap" not in robots
