"""Rendering: editor Markdown made safe, the issue's Markdown and HTML (golden files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from support.newsletter import assert_golden, copy_newsletter, parse_page, small_pdf

from digest.config import load_config
from digest.issuefile import load_issue
from digest.render import (
    PageLinks,
    render_html,
    render_markdown,
)
from digest.site import build_site

EXAMPLES = (21, 22)

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
    scripts = [attrs.get("src") for tag, attrs in page.tags if tag == "script"]
    assert scripts == ["../../assets/search.js"]  # the theme's own, for the search box only
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
