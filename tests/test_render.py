"""Rendering: editor Markdown made safe, the issue's Markdown and HTML (golden files)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import ROOT
from hypothesis import given, settings
from hypothesis import strategies as st
from support.newsletter import assert_golden, copy_newsletter, parse_page, small_pdf

from digest.config import load_config
from digest.issuefile import load_issue
from digest.markdown import markdown_html, markdown_inline, markdown_text, safe_markdown
from digest.render import (
    PageLinks,
    render_html,
    render_markdown,
)
from digest.site import build_site

EXAMPLES = (21, 22)

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


# ---------------------------------------------------------------- whole issues


def test_issue_markdown_has_the_shape_of_the_newsletter(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    text = render_markdown(load_issue(config, 1), config)
    lines = text.splitlines()
    assert lines[0] == "# First Light"
    assert "**Test Asia Weekly #1** · 1 June 2021" in lines
    assert "- **1 May 2021**: Early warnings" in lines
    assert "More detail: [Example Wire](<https://example.com/sichuan>)" in lines
    assert lines.index("## Summary") < lines.index("## Timeline") < lines.index("## China")
    assert text.endswith("\n") and "\n\n\n" not in text


def test_issue_html_structure(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    html = render_html(load_issue(config, 2), config, PageLinks(existing=frozenset({1, 2})))
    page_file = tmp_path / "page.html"
    page_file.write_text(html, "utf-8")
    page = parse_page(page_file)
    assert page.headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(page.headings, page.headings[1:], strict=False))
    tags = [tag for tag, _ in page.tags]
    for landmark in ("header", "main", "nav", "footer", "article", "section"):
        assert landmark in tags
    assert "script" not in tags
    assert ("html", {"lang": "en"}) in page.tags
    assert any(a.get("lang") == "zh" for t, a in page.tags if t in {"h3", "div"})
    assert "Second &lt;Wind&gt; &amp; More" in html
    assert '<a href="../../issues/1/index.html">issue #1</a>' in html


def test_a_previously_link_to_a_missing_issue_is_plain_text(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    html = render_html(load_issue(config, 2), config, PageLinks(existing=frozenset({2})))
    assert "issue #1" in html and "issues/1/" not in html


# ---------------------------------------------------------------- golden files


def _site_outputs(root: Path, out: Path, number: int) -> tuple[str, str]:
    config = load_config(root)
    build_site(config, out, pdf_writer=small_pdf)
    folder = out / "issues" / str(number)
    return (folder / f"{number}.md").read_text("utf-8"), (folder / "index.html").read_text("utf-8")


@pytest.mark.parametrize("number", [1, 2])
def test_golden_fixture_issue(tmp_path: Path, number: int) -> None:
    markdown, html = _site_outputs(copy_newsletter(tmp_path), tmp_path / "site", number)
    assert_golden(f"fixture-{number}.md", markdown)
    assert_golden(f"fixture-{number}.html", html)


@pytest.mark.parametrize("number", EXAMPLES)
def test_golden_example_issue(example_root: Path, tmp_path: Path, number: int) -> None:
    if not (ROOT / "issues" / f"{number}.yaml").is_file():
        pytest.skip(f"the example issues/{number}.yaml is not in this checkout")
    markdown, html = _site_outputs(example_root, tmp_path / "site", number)
    assert_golden(f"{number}.md", markdown)
    assert_golden(f"{number}.html", html)
