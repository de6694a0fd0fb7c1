"""The pure parts of the import: titles and numbers, a post's HTML as an issue, the rule that
a reader who left stays out."""

from __future__ import annotations

import datetime as dt

import pytest

from digest.importer.blocks import body_blocks
from digest.importer.export import Post
from digest.importer.naming import outlet_name
from digest.importer.plan import assign_numbers, origin_line, origin_of, title_number
from digest.importer.structure import ImportContext, structure
from digest.subscribers import merged_status
from digest.taxonomy import builtin_taxonomy

CONTEXT = ImportContext(
    taxonomy=builtin_taxonomy(), image_hosts=(), language="en", outlets={"coindesk.com": "CoinDesk"}
)


@pytest.mark.parametrize(
    ("title", "number", "rest"),
    [
        ("Blockchain Asia #21: End of an Era", 21, "End of an Era"),
        ("Issue 21 — Miners Move", 21, "Miners Move"),
        ("No. 7: Seoul", 7, "Seoul"),
        ("Seoul Rules (#8)", 8, "Seoul Rules"),
        ("区块链亚洲 第12期：挖矿", 12, "挖矿"),
        ("A Note on the Banks", None, "A Note on the Banks"),
    ],
)
def test_title_number(title: str, number: int | None, rest: str) -> None:
    assert title_number(title) == (number, rest)


def post(post_id: str, title: str, day: int) -> Post:
    when = dt.datetime(2021, 6, day, tzinfo=dt.UTC)
    return Post(post_id, when, True, "newsletter", "everyone", title, "", "<p>x</p>")


def test_untitled_posts_follow_the_highest_number_and_keep_it_on_a_second_import() -> None:
    posts = [post("a", "Note", 1), post("b", "#5: Five", 2), post("c", "Another", 3)]
    first = assign_numbers(posts, {}, [2])
    assert first == {"b": 5, "a": 6, "c": 7}
    assert assign_numbers(posts, first, [2, 5, 6, 7]) == first


def test_a_number_two_posts_claim_goes_to_the_earlier() -> None:
    posts = [post("a", "#3: One", 1), post("b", "#3: Again", 2)]
    assert assign_numbers(posts, {}, []) == {"a": 3, "b": 4}


def test_the_origin_comment_is_read_back() -> None:
    line = origin_line(post("123.slug", "x", 1))
    assert origin_of(f"# {line}\n# more\nnumber: 1\n") == "123.slug"
    assert origin_of("number: 1\n# Imported from Substack: post 9\n") is None


def test_headings_sections_and_bold_headlines_items() -> None:
    html = (
        "<p>Opening words.</p><ul><li>One</li></ul>"
        "<h1>Mining</h1><p><b>Miners leave Sichuan</b> Bitcoin rigs head west. "
        '<a href="https://www.coindesk.com/a">CoinDesk</a> and '
        '<a href="https://decrypt.co/b">more</a></p><p>A second paragraph.</p>'
        "<h2>Korea notes</h2><p>No links here.</p><table><tr><td>kept</td></tr></table>"
    )
    parts = structure(body_blocks(html), CONTEXT)
    assert parts.intro == "Opening words." and parts.summary == ("One",)
    assert [s.heading for s in parts.sections] == ["Mining", "Korea notes"]
    item = parts.sections[0].items[0]
    assert (item.title, item.url, item.source) == (
        "Miners leave Sichuan", "https://www.coindesk.com/a", "CoinDesk",
    )  # fmt: skip
    assert [(a.source, a.url) for a in item.also] == [("Decrypt", "https://decrypt.co/b")]
    assert "mining" in item.topics and "A second paragraph." in item.body
    assert parts.sections[1].intro == "No links here.\n\nkept"  # unstructured: kept whole


def test_text_that_looks_like_markup_stays_text() -> None:
    parts = structure(body_blocks("<p>- not a list &lt;b&gt; *x* [y](z)</p>"), CONTEXT)
    assert parts.intro == "\\- not a list &lt;b&gt; \\*x\\* \\[y\\](z)"


def test_outlet_names() -> None:
    assert outlet_name("https://www.coindesk.com/x", CONTEXT.outlets) == "CoinDesk"
    assert outlet_name("https://news.yna.co.kr/x", {}) == "Yna"
    assert outlet_name("https://decrypt.co/x", {}) == "Decrypt"


@pytest.mark.parametrize(
    ("old", "new", "result"),
    [
        (None, "active", "active"),
        ("active", "unsubscribed", "unsubscribed"),
        ("unsubscribed", "active", "unsubscribed"),
        ("disabled", "active", "disabled"),
        ("disabled", "unsubscribed", "unsubscribed"),
    ],
)
def test_a_reader_who_left_is_never_brought_back_by_an_import(
    old: str | None, new: str, result: str
) -> None:
    assert merged_status(old, new) == result  # type: ignore[arg-type]
