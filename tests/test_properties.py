"""Properties that must hold for any input (hypothesis): URL canonicalisation, the sanitizer,
and the two readers of outside text (issue files, feeds), which either succeed or raise our own
error and nothing else."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.hostile import html_problems, load_vectors

from digest.errors import DigestError
from digest.issuefile import load_issue_file
from digest.models import FeedConfig
from digest.parse import parse_feed
from digest.sanitize import clean_html
from digest.taxonomy import builtin_taxonomy
from digest.urls import canonical_url

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- canonical URLs

segment = st.text(alphabet="abcXYZ019-._~%é数", min_size=1, max_size=8)
query_key = st.sampled_from(["id", "p", "utm_source", "fbclid", "ref", "page", "q"])


@st.composite
def web_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "HtTpS"]))
    host = draw(st.sampled_from(["example.com", "News.Example.COM", "127.0.0.1", "[::1]",
                                 "xn--fsq.example"]))  # fmt: skip
    port = draw(st.sampled_from(["", ":80", ":443", ":8080"]))
    path = "/".join(draw(st.lists(segment, max_size=4)))
    slash = draw(st.sampled_from(["", "/"]))
    pairs = draw(st.lists(st.tuples(query_key, segment), max_size=3))
    query = "?" + "&".join(f"{k}={v}" for k, v in pairs) if pairs else ""
    fragment = draw(st.sampled_from(["", "#top", "#"]))
    return f"{scheme}://{host}{port}/{path}{slash}{query}{fragment}"


@FAST
@given(web_urls())
def test_canonical_url_is_idempotent_and_keeps_the_path(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    path = urlsplit(url).path.rstrip("/")
    assert urlsplit(once).path.rstrip("/") == path


@FAST
@given(st.text(max_size=60))
def test_canonical_url_accepts_any_text(text: str) -> None:
    once = canonical_url(text)
    assert canonical_url(once) == once


# ---------------------------------------------------------------- the sanitizer

VECTOR_PAYLOADS = [v.payload.replace("LEAK", "http://127.0.0.1:9/leak") for v in load_vectors()]
html_pieces = st.sampled_from(
    [
        "<p>", "</p>", "<a href=\"", "\">", "</a>", "<img src=", " onerror=alert(1)>", "<script>",
        "</script>", "<svg onload=x>", "javascript:", "JaVa&#115;cript:", "&#x6A;", "&colon;",
        "\t", "\x00", "<style>", "<!--", "-->", "<![CDATA[", "]]>", "<math>", "<table>",
        "<noscript>", "</noscript>", "\"", "'", "=", " ", "x", "数", "<iframe src=x>", "<base ",
        "<form>", "<input>", "style=\"", "url(", "expression(", "data:text/html,", "<b>", "</b>",
        "<a href=https://example.com/>ok</a>", "<template>", "<select>", "<option>",
    ]
)  # fmt: skip
hostile_html = st.one_of(
    st.lists(html_pieces, max_size=25).map("".join),
    st.sampled_from(VECTOR_PAYLOADS),
    st.text(max_size=80),
)


@FAST
@given(hostile_html)
def test_clean_html_never_lets_a_forbidden_construct_through(fragment: str) -> None:
    cleaned = clean_html(fragment, "https://news.example.com/a/b")
    assert html_problems(cleaned) == [], cleaned


@FAST
@given(hostile_html)
def test_clean_html_is_idempotent(fragment: str) -> None:
    once = clean_html(fragment, "https://news.example.com/a/b")
    assert clean_html(once, "https://news.example.com/a/b") == once


# ---------------------------------------------------------------- readers of outside text

yaml_pieces = st.sampled_from(
    [
        "number: 1\n", "date: 2021-07-15\n", "title: T\n", "sections:\n", "  - heading: H\n",
        "    items:\n", "      - title: I\n", "        url: https://example.com/\n",
        "        url: javascript:x\n", "        countries: [CN]\n", "        countries: [ZZ]\n",
        "        topics: [mining]\n", "        body: |\n          text\n", "  - 1\n", "- a\n",
        "{", "}", "[", "]", ":", "&a ", "*a ", "!!python/object:os.system ", "! ", "\t", "\"",
        "'", "number: true\n", "date: yesterday\n", "also: x\n", "previously: [0]\n", "~\n",
        "---\n", "...\n", "? ", "%YAML 1.1\n", "\x00", "\ufeff", "数字人民币\n", "<<: *a\n",
    ]
)  # fmt: skip
issue_texts = st.one_of(st.lists(yaml_pieces, max_size=20).map("".join), st.text(max_size=80))


@FAST
@given(issue_texts)
def test_the_issue_loader_succeeds_or_raises_our_error(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "1.yaml"
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
        with contextlib.suppress(DigestError):
            load_issue_file(path, TAXONOMY)


TAXONOMY = builtin_taxonomy()
FEED = FeedConfig(name="fuzz", url="https://example.com/feed")
xml_pieces = st.sampled_from(
    [
        b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="big5"?>',
        b"<rss version=\"2.0\">",
        b"</rss>", b"<channel>", b"</channel>", b"<item>", b"</item>", b"<title>", b"</title>",
        b"<link>", b"</link>", b"https://example.com/a", b"javascript:alert(1)", b"<description>",
        b"</description>", b"<![CDATA[<script>alert(1)</script>]]>", b"&lt;b&gt;", b"&amp;",
        b"&bogus;", b"<!DOCTYPE r [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]>", b"&b;",
        b"<!ENTITY x SYSTEM \"file:///etc/passwd\">", b"<feed xmlns=\"http://www.w3.org/2005/Atom\">",
        b"<entry>", b"</entry>", b"<content type=\"html\">", b"</content>", b"\xff\xfe", b"\x00",
        b"\xe6\x95\xb0", b"<pubDate>Tue, 15 Jun 2021 08:00:00 GMT</pubDate>",
        b"<pubDate>x</pubDate>",
        b"<html><body>", b" ", b"\n",
    ]
)  # fmt: skip
feed_bodies = st.one_of(st.lists(xml_pieces, max_size=25).map(b"".join), st.binary(max_size=200))


@FAST
@given(feed_bodies, st.sampled_from([{}, {"content-type": "text/xml; charset=shift_jis"}]))
def test_the_feed_parser_succeeds_or_raises_our_error(body: bytes, headers: dict[str, str]) -> None:
    try:
        entries, _warning = parse_feed(body, headers, FEED, "https://example.com/feed")
    except DigestError:
        return
    for entry in entries:
        assert html_problems(entry.summary_html) == []
        assert entry.url is None or urlsplit(entry.url).scheme in {"http", "https"}
