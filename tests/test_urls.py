from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.urls import canonical_url


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://News.Example.COM/a/b/", "https://news.example.com/a/b"),
        ("https://news.example.com:443/a", "https://news.example.com/a"),
        ("http://news.example.com:80/a", "http://news.example.com/a"),
        ("http://news.example.com:8080/a", "http://news.example.com:8080/a"),
        ("https://news.example.com/", "https://news.example.com"),
        ("https://news.example.com/a#comments", "https://news.example.com/a"),
        (
            "https://news.example.com/a?utm_source=rss&id=7&utm_medium=feed&fbclid=x",
            "https://news.example.com/a?id=7",
        ),
        (
            "https://news.example.com/a?gclid=1&mc_cid=2&mc_eid=3&ref=tw",
            "https://news.example.com/a",
        ),
        ("https://news.example.com/a?b=2&a=1", "https://news.example.com/a?b=2&a=1"),
        ("https://news.example.com/Path/Case", "https://news.example.com/Path/Case"),
        (
            "https://news.example.com/search?q=%E6%AF%94",
            "https://news.example.com/search?q=%E6%AF%94",
        ),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_the_same_article_from_two_campaigns_is_one_url() -> None:
    a = canonical_url("https://news.example.com/x/?utm_campaign=a#top")
    b = canonical_url("HTTPS://news.example.com/x?utm_campaign=b&ref_src=twsrc")
    assert a == b


urls = st.builds(
    lambda scheme, host, path, query, fragment: f"{scheme}://{host}{path}{query}{fragment}",
    st.sampled_from(["http", "https", "HTTP"]),
    st.sampled_from(["news.example.com", "News.Example.com:443", "a.example:8080", "[::1]"]),
    st.text(alphabet="abc/XYZ-_.%~", max_size=20).map(lambda p: "/" + p),
    st.sampled_from(["", "?a=1", "?utm_source=x&b=2", "?ref=x", "?q=%20&&", "?x"]),
    st.sampled_from(["", "#frag", "#"]),
)


@given(urls)
def test_canonicalisation_is_idempotent_and_keeps_the_path(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    path = url.split("://", 1)[1].split("/", 1)[1].split("?")[0].split("#")[0].rstrip("/")
    assert path in once


@given(st.text(max_size=60))
def test_any_text_is_handled(text: str) -> None:
    once = canonical_url(text)
    assert canonical_url(once) == once
