from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.sanitize import LINK_SCHEMES, clean_html, judged_url, plain_text, safe_url

BASE = "https://news.example.com/a/b"


@pytest.mark.parametrize(
    "url",
    [
        "JaVa&#115;cript:alert(1)",
        "java\tscript:alert(1)",
        " javascript:alert(1)",
        "&#106;avascript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "http://[",
    ],
)
def test_dangerous_or_broken_urls_are_refused(url: str) -> None:
    assert safe_url(url, BASE) is None


def test_relative_links_resolve_against_the_item() -> None:
    assert safe_url("/rel", BASE) == "https://news.example.com/rel"
    assert safe_url("mailto:editor@example.org", BASE) == "mailto:editor@example.org"


def test_safe_url_of_its_own_result_changes_nothing() -> None:
    once = safe_url("<a href=", BASE)
    assert once is not None
    assert safe_url(once, BASE) == once


def test_sanitizing_twice_changes_nothing_for_a_broken_attribute() -> None:
    # Found by hypothesis: a quote inside an href used to lose a space on the second pass.
    once = clean_html('<a href="<a href="<p>', BASE)
    assert clean_html(once, BASE) == once


def test_clean_html_keeps_text_and_drops_script() -> None:
    got = clean_html('<p onclick="x()">Hi <script>alert(1)</script><b>there</b></p>', BASE)
    assert got == "<p>Hi <b>there</b></p>"


def test_each_call_resolves_relative_links_against_its_own_base() -> None:
    fragment = '<a href="/story">story</a><img src="chart.png" alt="chart">'
    assert clean_html(fragment, BASE) == (
        '<a href="https://news.example.com/story" rel="nofollow noopener noreferrer">story</a>'
        '<img src="https://news.example.com/a/chart.png" alt="chart">'
    )
    # Without a base, a relative link has nothing to resolve against and is dropped.
    assert clean_html(fragment) == (
        '<a rel="nofollow noopener noreferrer">story</a><img alt="chart">'
    )


def test_threads_cleaning_at_once_keep_their_own_base() -> None:
    fragment = '<a href="/story">story</a>' * 50

    def clean_for(host: str) -> str:
        return clean_html(fragment, f"https://{host}.example.com/feed")

    hosts = [f"outlet{n}" for n in range(40)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(clean_for, hosts))
    for host, result in zip(hosts, results, strict=True):
        assert result.count(f'href="https://{host}.example.com/story"') == 50


def test_plain_text_decodes_entities_and_drops_markup() -> None:
    assert plain_text("<b>A &amp; B</b> <style>p{}</style>&lt;i&gt;") == "A & B <i>"


@settings(max_examples=500)
@given(
    st.from_regex(
        r"(?i:https?)://[-a-z0-9.:_~%!$'()*+,;=\[\]@ &]{0,12}(?:[/?#][!-~ \u3000é&]{0,12})?",
        fullmatch=True,
    )
)
def test_the_quick_path_for_plain_links_agrees_with_the_full_one(url: str) -> None:
    assert safe_url(url) == judged_url(url, None, LINK_SCHEMES)


@settings(max_examples=1000)
@given(
    st.from_regex(r"/[!-~ é]{0,16}", fullmatch=True),
    st.sampled_from(
        [
            "https://news.example.com/a/b",
            "http://news.example.com",
            "https://news.example.com:8443/feed?x=1",
            "HTTPS://News.example.com/a",
            "https://user@news.example.com/a",
            "file:///srv/feed.xml",
        ]
    ),
)
def test_the_quick_path_for_paths_from_the_root_agrees_with_the_full_one(
    path: str, base: str
) -> None:
    for schemes in (LINK_SCHEMES, {"http", "https"}):
        assert safe_url(path, base, schemes) == judged_url(path, base, schemes)
