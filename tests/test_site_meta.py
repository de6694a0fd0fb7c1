"""What a shared link and a browser tab show: canonical URL, Open Graph and Twitter cards, the
favicon, and the Atom feed of every country and topic page, all escaped."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from support.newsletter import copy_newsletter, parse_page
from support.sitebuild import build, edit

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = "<script>alert(1)</script> \"quoted\" & 'single'"


def meta(page: Path) -> dict[str, str]:
    """property or name -> content of each <meta>, and rel -> href of each <link>."""
    found: dict[str, str] = {}
    for tag, attrs in parse_page(page).tags:
        if tag == "meta" and attrs.get("content") is not None:
            key = attrs.get("property") or attrs.get("name")
            if key:
                found[key] = str(attrs["content"])
        if tag == "link" and attrs.get("rel") and attrs.get("href"):
            found.setdefault(f"link:{attrs['rel']}", str(attrs["href"]))
    return found


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


def test_an_issue_page_has_a_canonical_url_and_cards(root: Path) -> None:
    _, out = build(root)
    tags = meta(out / "issues" / "2" / "index.html")
    url = "https://news.example.org/weekly/issues/2/"
    assert tags["link:canonical"] == url and tags["og:url"] == url
    assert tags["og:title"] == tags["twitter:title"] == "#2: Second <Wind> & More"
    assert tags["og:type"] == "article" and tags["twitter:card"] == "summary"
    assert tags["og:site_name"] == "Test Asia Weekly"
    assert tags["link:icon"] == "../../assets/favicon.svg"
    assert (out / "assets" / "favicon.svg").is_file()
    ET.parse(out / "assets" / "favicon.svg")


def test_hostile_titles_and_subtitles_stay_text_in_the_cards(root: Path) -> None:
    edit(root / "issues" / "2.yaml", "title: Second <Wind> & More", f"title: {json.dumps(HOSTILE)}")
    edit(
        root / "issues" / "2.yaml",
        "date: 2021-06-15",
        f"date: 2021-06-15\nsubtitle: {json.dumps(HOSTILE)}",
    )
    _, out = build(root)
    page = out / "issues" / "2" / "index.html"
    tags = meta(page)
    assert tags["og:title"] == f"#2: {HOSTILE}"
    assert tags["og:description"] == tags["twitter:description"] == HOSTILE
    head = page.read_text("utf-8").split("</head>")[0]
    assert "<script>alert" not in head and 'content="#2: <' not in head


def test_without_newsletter_url_there_is_no_canonical_link(root: Path) -> None:
    edit(root / "feeds.yaml", "url: https://news.example.org/weekly", "url: ''")
    _, out = build(root)
    tags = meta(out / "issues" / "2" / "index.html")
    assert "link:canonical" not in tags and "og:url" not in tags
    assert tags["og:title"] == "#2: Second <Wind> & More"


def test_every_tag_page_links_its_own_atom_feed(root: Path) -> None:
    _, out = build(root)
    for page in [*out.glob("countries/*/index.html"), *out.glob("topics/*/index.html")]:
        links = [a for t, a in parse_page(page).tags if t == "link" and a.get("rel") == "alternate"]
        assert {"href": "feed.xml"}.items() <= {k: v for k, v in links[-1].items()}.items()
        assert links[-1]["type"] == "application/atom+xml"
        assert (page.parent / "feed.xml").is_file()


def test_a_tag_feed_holds_the_items_with_the_tag_newest_first(root: Path) -> None:
    _, out = build(root)
    feed = ET.parse(out / "countries" / "CN" / "feed.xml").getroot()
    assert feed.findtext(f"{ATOM}title") == "China – Test Asia Weekly"
    assert feed.findtext(f"{ATOM}id") == "https://news.example.org/weekly/countries/CN/"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles[:2] == ["PBoC summons banks over crypto", "数字人民币试点扩大"]
    assert titles[-1] == "Sichuan miners switch off"
    link = entries[0].find(f"{ATOM}link[@rel='alternate']")
    assert link is not None
    assert link.get("href") == "https://news.example.org/weekly/issues/2/#item-1"
    zh = entries[1].find(f"{ATOM}title")
    assert zh is not None and zh.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh"


def test_a_hostile_item_title_is_text_in_the_tag_feed(root: Path) -> None:
    edit(
        root / "issues" / "2.yaml",
        "title: PBoC summons banks over crypto",
        f"title: {json.dumps(HOSTILE)}",
    )
    _, out = build(root)
    feed = ET.parse(out / "topics" / "regulation" / "feed.xml").getroot()
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    assert HOSTILE in titles


def test_without_newsletter_url_tag_feeds_link_relatively(root: Path) -> None:
    edit(root / "feeds.yaml", "url: https://news.example.org/weekly", "url: ''")
    _, out = build(root)
    feed = ET.parse(out / "topics" / "mining" / "feed.xml").getroot()
    entry = feed.findall(f"{ATOM}entry")[0]
    link = entry.find(f"{ATOM}link[@rel='alternate']")
    assert link is not None and link.get("href") == "../../issues/1/index.html#item-1"
    assert (entry.findtext(f"{ATOM}id") or "").startswith("urn:digest:")
