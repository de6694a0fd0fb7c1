"""Feed documents -> entries. Each tests/feeds/<case>.xml sits beside <case>.expected.json:
the HTTP headers to parse it with, then the entries expected (only the fields listed are
compared), or the error, and whether a warning is expected."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
from feedparser.util import FeedParserDict
from hypothesis import given, settings
from hypothesis import strategies as st
from support.cli import run_digest
from support.feedfolder import item as rss_item
from support.feedfolder import make_newsletter, rss
from support.feedserver import serving

from digest.errors import DigestError, FetchError
from digest.models import Entry, FeedConfig
from digest.parse import _plain, _text_of_clean, absolute_link, defuse_entities, parse_feed
from digest.sanitize import clean_html, plain_text

FEEDS = Path(__file__).parent / "feeds"
CASES = sorted(p.name.removesuffix(".expected.json") for p in FEEDS.glob("*.expected.json"))
FEED = FeedConfig(name="ledger", url="https://ledger.example.com/feed.xml")


def test_every_case_has_its_feed_file() -> None:
    assert len(CASES) >= 19
    for case in CASES:
        assert (FEEDS / f"{case}.xml").is_file(), case


@pytest.mark.parametrize("case", CASES)
def test_feed_file_gives_expected_entries(case: str) -> None:
    expected: dict[str, Any] = json.loads((FEEDS / f"{case}.expected.json").read_text("utf-8"))
    body = (FEEDS / f"{case}.xml").read_bytes()
    headers = expected.get("headers", {})
    url = expected.get("url", FEED.url)
    if "error" in expected:
        with pytest.raises(FetchError) as info:
            parse_feed(body, headers, FEED, url)
        assert info.value.message.startswith(expected["error"])
        return
    entries, warning = parse_feed(body, headers, FEED, url)
    assert (warning is not None) == expected.get("warning", False), warning
    assert [
        _subset(entry, want) for entry, want in zip(entries, expected["entries"], strict=False)
    ] == (expected["entries"])
    assert len(entries) == len(expected["entries"])


def _subset(entry: Entry, want: dict[str, Any]) -> dict[str, Any]:
    got = {}
    for key in want:
        value = getattr(entry, key)
        got[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return got


def test_every_format_is_read() -> None:
    for case in ("rss091", "rss092", "rss10", "rss20", "atom03", "atom10"):
        entries, warning = parse_feed((FEEDS / f"{case}.xml").read_bytes(), {}, FEED, FEED.url)
        assert entries and warning is None, case


def test_entity_expansion_stays_small() -> None:
    body = (FEEDS / "billion-laughs.xml").read_bytes()
    defused = defuse_entities(body)
    assert b"lol9" not in defused.split(b"]>")[0]  # the nested declarations are gone
    entries, _ = parse_feed(body, {}, FEED, FEED.url)
    assert all(len(e.title) < 100 for e in entries)


def test_external_entities_are_never_read() -> None:
    entries, _ = parse_feed((FEEDS / "external-entity.xml").read_bytes(), {}, FEED, FEED.url)
    assert "root:" not in entries[0].title


def test_simple_internal_entities_still_work() -> None:
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY site "ledger.example.com">]>'
        b'<rss version="2.0"><channel><title>t</title><item><title>On &site;</title>'
        b"<link>https://ledger.example.com/x</link></item></channel></rss>"
    )
    entries, warning = parse_feed(body, {}, FEED, FEED.url)
    assert (entries[0].title, warning) == ("On ledger.example.com", None)


def test_an_empty_body_is_an_error() -> None:
    with pytest.raises(FetchError, match="empty"):
        parse_feed(b"  \n", {}, FEED, FEED.url)


def test_title_falls_back_on_the_summary() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title><item><link>https://a.example.com/1</link>'
        b"<description>Only a summary here</description></item></channel></rss>"
    )
    entries, _ = parse_feed(body, {}, FEED, FEED.url)
    assert entries[0].title == "Only a summary here"


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=400)
    | st.text(max_size=300).map(
        lambda t: f"<rss version='2.0'><channel><item><title>{t}</title></item>".encode()
    )
)
def test_any_bytes_give_entries_or_our_error(body: bytes) -> None:
    try:
        entries, _ = parse_feed(body, {}, FEED, FEED.url)
    except DigestError:
        return
    for entry in entries:
        assert "<script" not in entry.summary_html.lower()
        assert entry.url is None or entry.url.startswith(("http://", "https://"))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_titles_without_markup_read_as_the_html_parser_reads_them(text: str) -> None:
    assert _plain(text) == plain_text(text)


_HTML_PARTS = [
    "<p>", "</p>", '<a href="x?a=1&b=2">', "</a>", '<img alt="a>b" src="/i.png">', "<br>",
    "<script>x<y</script>", "<style>p{}</style>", "&amp;", "&lt;", "<", ">", '"', "'", " ",
    "\n", "\r", "比特币", "<!-- c -->", "<b title=\"q'>\">", "</b>", "&nbsp;", "\ufeff", "\x00",
    "<table><tr><td>", "<textarea>t</textarea>", "<![CDATA[x]]>", "<svg><a>s</a></svg>",
    "<noscript><p>n</p></noscript>", "&#0;", "&#x1F600;", "&#65279;", "&amp;lt;", "<pre> x </pre>",
    '<img alt="&quot;>&lt;" src=x>', "text",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_HTML_PARTS) | st.text(max_size=5), max_size=14))
def test_text_of_cleaned_html_reads_as_the_html_parser_reads_it(parts: list[str]) -> None:
    cleaned = clean_html("".join(parts), "https://ledger.example.com/")
    assert _text_of_clean(cleaned) == plain_text(cleaned)


@settings(max_examples=1000)
@given(
    st.from_regex(
        r"(?i:https?)://[-a-z0-9.:_~%!$'()*+,;=@ ]{0,12}(?:[/?#;][!-~ ;/?#]{0,14})?",
        fullmatch=True,
    ),
    st.sampled_from(["https://news.example.com/feed", "http://news.example.com/a/b", ""]),
)
def test_absolute_links_are_taken_as_urljoin_takes_them(link: str, feed_url: str) -> None:
    try:
        expected: str | None = urljoin(feed_url, link) if feed_url else link
    except ValueError:
        expected = None
    assert absolute_link(link, feed_url) == expected


def test_an_unreadable_link_leaves_the_entry_without_one() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title>'
        b"<item><title>Broken host</title><link>http://[</link></item>"
        b"<item><title>Fine</title><link>https://news.example.com/fine</link></item>"
        b"</channel></rss>"
    )
    entries, _ = parse_feed(body, {}, FEED, "https://news.example.com/feed")
    assert [(e.title, e.url) for e in entries] == [
        ("Broken host", None),
        ("Fine", "https://news.example.com/fine"),
    ]


def test_feedparser_dicts_deep_copy_whole_and_independent() -> None:
    original = FeedParserDict({"type": "text/html", "summary": "<p>x</p>", "tags": [{"term": "a"}]})
    copied = copy.deepcopy(original)
    assert type(copied) is FeedParserDict and copied == original
    copied["tags"][0]["term"] = "b"
    assert original["tags"][0]["term"] == "a"
    assert copied["description"] == "<p>x</p>"  # feedparser's aliases still answer


# ---------------------------------------------------------------- bidirectional controls

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_bidi_controls_are_stripped_from_titles_and_the_outlet_name(tmp_path: Path) -> None:
    title = "Wallet \u202egpj.exe\u202c drains \u2067Binance\u2069 users"
    with serving() as server:
        url = server.route("/feed", body=rss(
            rss_item(title, "https://x.example.com/a", summary="<p>A drainer in Seoul.</p>"),
            rss_item(BIDI, "https://x.example.com/b", summary="<p>Only controls.</p>"),
        ))  # fmt: skip
        root = make_newsletter(tmp_path / "nl", [{"name": "\u200fLedger\u202c", "url": url}]).root
        assert run_digest("fetch", root=root).returncode == 0
    listed = run_digest("items", "--all", "--json", root=root)
    items = {item["url"]: item for item in json.loads(listed.stdout)}
    assert items["https://x.example.com/a"]["title"] == "Wallet gpj.exe drains Binance users"
    assert items["https://x.example.com/b"]["title"] == "Only controls."
    assert {item["feed"] for item in items.values()} == {"Ledger"}
    assert not any(set(BIDI) & set(json.dumps(item, ensure_ascii=False)) for item in items.values())


def test_tag_soup_that_trips_the_loose_parser_is_an_unreadable_feed() -> None:
    soup = b'<entry><link><feed xmlns="http://www.w3.org/2005/Atom"></item></link>'
    with pytest.raises(FetchError, match="not a readable feed"):
        parse_feed(soup, {}, FEED, "https://example.com/feed")
