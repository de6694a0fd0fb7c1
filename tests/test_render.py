"""Rendering: editor Markdown made safe, the issue's Markdown and HTML (golden files)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from support.newsletter import assert_golden, copy_newsletter, parse_page, small_pdf

from digest.config import load_config
from digest.issuefile import item_anchor, load_issue
from digest.render import (
    PageLinks,
    previously_anchors,
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


def test_a_previously_link_points_at_the_entry_sharing_a_name(example_root: Path) -> None:
    config = load_config(example_root)
    earlier, issue = load_issue(config, 21), load_issue(config, 22)
    anchors = previously_anchors(issue, {21: earlier}, config.taxonomy)
    position, entry = next(
        (p, e) for p, e in enumerate(issue.items, 1) if e.title.startswith("Kazakhstan welcomes")
    )
    cited = dict(enumerate(earlier.items, 1))
    target = next(a for p, n, a in anchors if p == position and n == 21)
    assert cited[int(target.removeprefix("item-"))].title.startswith("BIT Mining sends")
    html = render_html(issue, config, PageLinks(existing=frozenset({21, 22}), anchors=anchors))
    assert f'href="../../issues/21/index.html#{target}"' in html
    # without the anchors given, the Markdown (and the email made from it) reads issue 21
    assert f"issues/21/#{target}>" in render_markdown(issue, config)
    assert entry.previously == (21,) and target != item_anchor(1)


def test_an_old_previously_with_no_shared_name_links_the_top_of_the_issue(
    tmp_path: Path,
) -> None:
    config = load_config(copy_newsletter(tmp_path))
    issue = load_issue(config, 2)  # previously: [1], and issue 1 names nothing it names
    anchors = previously_anchors(issue, {1: load_issue(config, 1)}, config.taxonomy)
    html = render_html(issue, config, PageLinks(existing=frozenset({1, 2}), anchors=anchors))
    assert anchors == () and 'href="../../issues/1/index.html"' in html


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
