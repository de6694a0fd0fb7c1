"""site/feed.xml: well-formed Atom whatever the issues say, ids that never change."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from support.newsletter import copy_newsletter
from support.sitebuild import build, edit, rebuild

from digest import theme
from digest.config import load_config
from digest.issuefile import issue_path, load_issue_file
from digest.site.atom import FEED_ENTRIES, render_feed

ATOM = "{http://www.w3.org/2005/Atom}"


def entry_ids(feed: Path) -> list[str]:
    root = ET.parse(feed).getroot()
    return [entry.findtext(f"{ATOM}id") or "" for entry in root.findall(f"{ATOM}entry")]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_newsletter(tmp_path)


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


def test_entry_ids_stay_the_same_when_issues_are_added_or_edited(root: Path) -> None:
    _, out = build(root)
    before = entry_ids(out / "feed.xml")
    third = (root / "issues" / "2.yaml").read_text("utf-8")
    third = third.replace("number: 2", "number: 3").replace("date: 2021-06-15", "date: 2021-07-01")
    (root / "issues" / "3.yaml").write_text(third, "utf-8")
    edit(root / "issues" / "1.yaml", "title: First Light", "title: First Light, Revised")
    rebuild(root, out)
    after = entry_ids(out / "feed.xml")
    assert after == ["https://news.example.org/weekly/issues/3/", *before]
    assert len(set(after)) == len(after)


def test_the_feed_is_well_formed_whatever_the_titles_hold(root: Path) -> None:
    hostile = "]]> </title><script>x</script> & \"quotes\" 'too' <![CDATA[ ü"
    edit(root / "issues" / "2.yaml", "title: Second <Wind> & More", f"title: {json.dumps(hostile)}")
    edit(root / "issues" / "2.yaml", "title: JFSA tightens", "title: <b>JFSA</b> & co tightens")
    _, out = build(root)
    feed = ET.parse(out / "feed.xml").getroot()  # raises on anything not well-formed
    entry = feed.findall(f"{ATOM}entry")[0]
    assert entry.findtext(f"{ATOM}title") == f"#2: {hostile}"
    content = entry.findtext(f"{ATOM}content") or ""
    assert "&lt;b&gt;JFSA&lt;/b&gt; &amp; co tightens" in content
    assert "<script" not in content and "<b>" not in content


def test_the_feed_holds_the_newest_issues_only(root: Path) -> None:
    config = load_config(root)
    issue = load_issue_file(issue_path(config, 2), config.taxonomy)
    many = [
        replace(issue, number=n, date=issue.date + dt.timedelta(days=7 * n))
        for n in range(FEED_ENTRIES + 5, 0, -1)
    ]
    feed = ET.fromstring(render_feed(config, theme.environment(config), many))
    ids = [e.findtext(f"{ATOM}id") for e in feed.findall(f"{ATOM}entry")]
    assert ids == [f"https://news.example.org/weekly/issues/{n}/" for n in range(25, 5, -1)]
    assert feed.findtext(f"{ATOM}updated") == f"{many[0].date.isoformat()}T00:00:00Z"


def test_a_feed_without_issues_is_still_atom(root: Path) -> None:
    config = load_config(root)
    feed = ET.fromstring(render_feed(config, theme.environment(config), []))
    assert feed.tag == f"{ATOM}feed"
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}id") == "https://news.example.org/weekly/"
