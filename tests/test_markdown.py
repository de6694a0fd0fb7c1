"""Markdown: plain text escaped for each dialect, editor Markdown made safe and rendered, and
a feed's summary written as Markdown."""

from __future__ import annotations

import html
import re

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.markdown import (
    escape_line_start,
    escape_text,
    markdown_html,
    markdown_inline,
    markdown_link,
    markdown_text,
    safe_markdown,
    summary_markdown,
    text_line,
)

# ---------------------------------------------------------------- editor Markdown -> HTML


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        '<a href="JaVa&#115;cript:alert(1)">x</a>',
        '<img src="x" onerror="alert(1)">',
        "<iframe src=https://evil.example></iframe>",
        '<p style="color:red" onclick="x()">hi</p>',
    ],
)
def test_markdown_html_drops_what_a_pasted_page_could_smuggle(hostile: str) -> None:
    html = str(markdown_html(f"Before {hostile} after"))
    lowered = html.lower()
    for bad in ("<script", "javascript", "onerror", "onclick", "<iframe", "style="):
        assert bad not in lowered
    assert "Before" in html


def test_markdown_html_keeps_the_editor_s_formatting() -> None:
    html = str(markdown_html("Some **bold** and a [link](https://example.com/x).\n\n- one\n- two"))
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com/x"' in html
    assert "<ul>" in html and "<li>one</li>" in html


def test_markdown_inline_has_no_paragraph() -> None:
    assert str(markdown_inline("State Council calls for a *clampdown*")) == (
        "State Council calls for a <em>clampdown</em>"
    )


# ---------------------------------------------------------------- editor Markdown -> CommonMark


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a <script>x</script> b", "a &lt;script>x&lt;/script> b"),
        ("[x](javascript:alert(1))", "x"),
        ("[x](jav&#97;script:alert(1))", "x"),
        (r"[x](javascript\:alert(1))", "x"),
        ("[ok](https://example.com/a)", "[ok](<https://example.com/a>)"),
        ("see <https://example.com>", "see <https://example.com>"),
        ("see <javascript:alert(1)>", "see &lt;javascript:alert(1)>"),
        ("[r]: javascript:alert(1)", r"\[r\]: javascript:alert(1)"),
        ("[r]: https://example.com/", "[r]: <https://example.com/>"),
        ("![i](file:///etc/passwd)", "i"),
        ("mail [me](mailto:a@example.org)", "mail [me](<mailto:a@example.org>)"),
        ("code `<b>` stays", "code `<b>` stays"),
        ("```\n<b>\n```", "```\n<b>\n```"),
    ],
)
def test_safe_markdown(text: str, expected: str) -> None:
    assert safe_markdown(text) == expected


_RAW_LT = re.compile(r"(?<!\\)<(?!(?:https?://|mailto:)[^\s<>]*>)", re.I)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>[]()!:/ \\ajvscrpthm\n&#;x.\"'=")), max_size=60))
def test_safe_markdown_leaves_no_raw_html_and_no_unsafe_link(text: str) -> None:
    out = safe_markdown(text)
    assert not _RAW_LT.search(out), out
    for destination in re.findall(r"\]\(<([^>]*)>", out):
        assert destination.lower().startswith(("http://", "https://", "mailto:")), out


def test_markdown_text_shows_plain_text_as_it_is() -> None:
    assert markdown_text("A <b> & *star* [x]") == r"A &lt;b\> \& \*star\* \[x\]"
    assert markdown_text("- not a list") == r"\- not a list"
    assert markdown_text("2021. A year") == r"2021\. A year"


def test_markdown_link_keeps_only_safe_targets() -> None:
    assert (
        markdown_link("A [b]", "https://example.com/a b")
        == r"[A \[b\]](<https://example.com/a%20b>)"
    )
    assert markdown_link("A", "javascript:alert(1)") == "A"


# ---------------------------------------------------------------- plain text -> editor Markdown


def test_escape_text_writes_what_both_dialects_show_as_is() -> None:
    assert escape_text("A <b> & *star* _u_ [x] `c` \\ end") == (
        r"A &lt;b&gt; &amp; \*star\* \_u\_ \[x\] \`c\` \\ end"
    )


@pytest.mark.parametrize(
    ("line", "escaped"),
    [
        ("- not a list", r"\- not a list"),
        ("+ not a list", r"\+ not a list"),
        ("# not a heading", r"\# not a heading"),
        ("1. not numbered", r"1\. not numbered"),
        ("2) not numbered", r"2\) not numbered"),
        ("-. not a marker", "-. not a marker"),
        ("#1 not a heading either", r"\#1 not a heading either"),
        ("= not a heading underline", "&#61; not a heading underline"),
        ("2021 stays", "2021 stays"),
        ("-dash stays", "-dash stays"),
    ],
)
def test_a_line_that_would_open_a_block_is_escaped(line: str, escaped: str) -> None:
    assert escape_line_start(line) == escaped


_PLAIN = st.text(alphabet=st.sampled_from(list("ab 1.-+#*_`[]()<>&!\\|~{}=")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(_PLAIN)
def test_a_text_line_renders_as_the_text_itself(text: str) -> None:
    """Python-Markdown (the pages, the PDF) shows the line as written: no markup, no stray
    backslash."""
    page = markdown.markdown(text_line(text))
    shown = html.unescape(re.sub(r"</?p>", "", page))
    assert shown == " ".join(text.split())


# ---------------------------------------------------------------- plain text -> CommonMark


def test_markdown_text_escapes_what_gfm_reads_as_markup() -> None:
    assert markdown_text("a|b ~c~ {d} #e !f") == r"a\|b \~c\~ \{d\} \#e \!f"
    assert markdown_text("# heading") == r"\# heading"
    assert markdown_text("1) x") == r"1\) x"


# ---------------------------------------------------------------- summary HTML -> Markdown


def test_body_is_markdown_not_html() -> None:
    html = (
        '<p>Miners move to <a href="https://example.com/kz">Kazakhstan</a> now.</p>'
        "<ul><li>first</li><li>second</li></ul><p>The post X appeared first on Y.</p>"
    )
    body = summary_markdown(html)
    assert "<" not in body and "appeared first" not in body
    assert "[Kazakhstan](https://example.com/kz)" in body
    assert "- first\n\n- second" in body


def test_hostile_summary_text_stays_inert() -> None:
    html = (
        '<p>Click <a href="javascript:alert(1)">here</a> [x](javascript:alert(2)) '
        "&lt;script&gt;alert(3)&lt;/script&gt; *bold* &amp; _under_</p>"
        "<p># not a heading</p><p>1. not a list</p>"
    )
    body = summary_markdown(html)
    assert "javascript:alert(1)" not in body
    page = " ".join(str(markdown_html(body)).split())
    assert "<script" not in page and 'href="javascript' not in page
    assert "<em>" not in page and "<strong>" not in page and "<h1>" not in page
    assert "<ol>" not in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt;" in page  # shown as text, as written
    assert "[x](javascript:alert(2))" in page and "*bold* &amp; _under_" in page


def test_long_summaries_are_cut_at_a_sentence() -> None:
    html = "<p>" + "One sentence about miners. " * 60 + "</p>"
    body = summary_markdown(html, limit=200)
    assert len(body) <= 210 and body.rstrip().endswith(".")
