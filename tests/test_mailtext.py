"""The plain-text part: HTML read into wrapped text with footnoted links."""

from __future__ import annotations

import pytest

from digest.mailtext import display_width, html_to_text, wrap

CJK_PARAGRAPH = (
    "北京市通过摇号向20万名市民各发放200元数字人民币红包，总额4000万元，可在京东等线上平台"
    "和线下商户消费。试点已扩大到深圳、苏州、雄安、成都、上海、海南、长沙、西安、青岛、大连"
    "以及冬奥会场景，即所谓“10+1”。"
)
NO_LINE_START = "、。，：；？！）」』"


def test_links_become_numbered_footnotes_listed_at_the_end() -> None:
    text = html_to_text(
        '<p>Read <a href="https://a.example/1">the notice</a> and '
        '<a href="https://b.example/2">the reply</a>, then <a href="https://a.example/1">the '
        "notice</a> again.</p>"
    )
    body, links = text.split("\n\nLinks\n-----\n")
    assert body == "Read the notice [1] and the reply [2], then the notice [1] again."
    assert links.splitlines() == ["[1] https://a.example/1", "[2] https://b.example/2"]


def test_a_link_that_shows_its_own_address_gets_no_footnote() -> None:
    text = html_to_text(
        '<p>See <a href="https://a.example/">https://a.example/</a> or write to '
        '<a href="mailto:ed@example.org">ed@example.org</a>.</p>'
    )
    assert text == "See https://a.example/ or write to ed@example.org.\n"


def test_headings_are_underlined_and_lists_keep_their_markers() -> None:
    text = html_to_text(
        "<h1>Issue title</h1><h2>In this issue</h2>"
        "<ul><li>One</li><li>Two</li></ul><ol><li>First</li><li>Second</li></ol>"
        "<h3>An item</h3><p>Its text.</p>"
    )
    assert text == (
        "Issue title\n===========\n\nIn this issue\n-------------\n\n"
        "- One\n- Two\n\n1. First\n2. Second\n\nAn item\n\nIts text.\n"
    )


def test_no_markdown_and_no_escapes_survive() -> None:
    text = html_to_text(
        "<p><strong>Bold</strong> and <em>#1</em> with 50% &amp; a_b * c "
        '<a href="https://x.example/">link</a></p>'
    )
    assert text.splitlines()[0] == "Bold and #1 with 50% & a_b * c link [1]"
    assert "\\" not in text and "](" not in text and "(<" not in text


def test_long_paragraphs_and_list_items_wrap_at_72_columns_with_a_hanging_indent() -> None:
    words = " ".join(f"word{n}" for n in range(60))
    text = html_to_text(f"<p>{words}</p><ul><li>{words}</li></ul>")
    lines = text.splitlines()
    assert all(len(line) <= 72 for line in lines)
    paragraph, item = text.split("\n\n")
    assert " ".join(paragraph.split()) == words
    item_lines = item.splitlines()
    assert item_lines[0].startswith("- word0 ")
    assert all(line.startswith("  word") for line in item_lines[1:])


def test_a_url_longer_than_a_line_stands_alone_unbroken() -> None:
    url = "https://example.org/" + "a" * 90
    assert wrap(f"before {url} after", 72) == ["before", url, "after"]


def test_cjk_text_wraps_by_display_width_between_characters() -> None:
    lines = wrap(CJK_PARAGRAPH, 72)
    assert len(lines) > 1
    assert "".join(lines) == CJK_PARAGRAPH  # no spaces added, nothing lost
    assert all(display_width(line) <= 72 for line in lines)
    assert all(line[0] not in NO_LINE_START for line in lines)
    assert display_width(lines[0]) >= 68  # filled, not broken early


@pytest.mark.parametrize("punctuation", list("，。、）」"))
def test_closing_punctuation_never_starts_a_line(punctuation: str) -> None:
    text = "字" * 10 + punctuation + "字" * 10
    lines = wrap(text, 20)  # the punctuation would fall at the start of the second line
    assert all(line[0] != punctuation for line in lines)
    assert "".join(lines) == text


def test_display_width_counts_wide_characters_twice() -> None:
    assert display_width("ab") == 2
    assert display_width("四川") == 4
    assert display_width("e\u0301") == 1  # a combining accent takes no column


def test_hidden_preheader_style_and_head_are_left_out() -> None:
    text = html_to_text(
        "<html><head><title>T</title><style>p { color: red; }</style></head><body>"
        '<div class="preheader">Inbox preview text</div><p>Shown</p></body></html>'
    )
    assert text == "Shown\n"


def test_a_link_in_a_heading_is_footnoted_after_the_heading_text() -> None:
    text = html_to_text('<h3><a href="https://x.example/">数字人民币红包开进北京</a></h3>')
    assert text.startswith("数字人民币红包开进北京 [1]\n")


def test_line_breaks_in_the_source_are_spaces_and_br_breaks_a_line() -> None:
    text = html_to_text("<p>one\ntwo<br>three</p>")
    assert text == "one two\nthree\n"


def test_blockquote_and_preformatted_text() -> None:
    text = html_to_text("<blockquote><p>quoted</p></blockquote><pre>a  b\n  c</pre>")
    assert text == "> quoted\n\na  b\n  c\n"
