"""The example newsletter's built site in a real browser (Debian's Chromium, headless):
every page over file:// and over a loopback HTTP server, its links, its console, its requests,
axe-core's WCAG 2 A/AA rules, screenshots at phone and desktop width in light and dark, the
W3C Nu HTML Checker over every page, and qpdf over the PDFs."""

from __future__ import annotations

import os
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from conftest import ROOT
from support.browser import (
    DESKTOP,
    PHONE,
    Browser,
    FolderServer,
    axe_violations,
    launch,
    serve_folder,
    unavailable,
    vnu_errors,
)
from support.newsletter import parse_page

from digest.build import build_all
from digest.config import load_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

KEY_PAGES = [
    "index.html",
    "issues/22/index.html",
    "countries/CN/index.html",
    "topics/mining/index.html",
]
SCREENSHOT_PAGES = ["index.html", "issues/22/index.html", "countries/CN/index.html"]
LINKS_JS = """() => [
  ...[...document.querySelectorAll('a[href]')].map(e => e.href),
  ...[...document.querySelectorAll('link[href]')].map(e => e.href),
  ...[...document.querySelectorAll('img[src]')].map(e => e.src),
]"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Issues 21 and 22 of the example newsletter built, PDFs included, into a temp site."""
    root = tmp_path_factory.mktemp("example") / "newsletter"
    root.mkdir()
    shutil.copy(ROOT / "feeds.yaml", root / "feeds.yaml")
    shutil.copytree(ROOT / "issues", root / "issues")
    shutil.copytree(ROOT / "templates", root / "templates")
    result = build_all(load_config(root), root / "site")
    assert {21, 22} <= set(int(p.name) for p in (result.out / "issues").iterdir())
    return result.out


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch() as running:
        yield running


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[FolderServer]:
    with serve_folder(site) as running:
        yield running


def html_pages(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


def page_url(site: Path, server: FolderServer, rel: str, over: str) -> str:
    return (site / rel).as_uri() if over == "file" else server.url(rel)


def internal(url: str, site: Path, server: FolderServer) -> bool:
    if url.startswith("file:"):
        return True
    return url.startswith(server.url())


def target_path(url: str, site: Path, server: FolderServer) -> Path:
    """The file on disk a file:// or loopback URL names."""
    path = unquote(urlsplit(url).path)
    if url.startswith("file:"):
        return Path(path)
    return site / path.lstrip("/")


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def link_problems(
    links: list[str], site: Path, server: FolderServer, over: str
) -> tuple[list[str], set[str]]:
    """Links that do not resolve (missing file, non-200, unknown #fragment), and the pages
    the links lead to."""
    problems: list[str] = []
    reached: set[str] = set()
    for link in links:
        scheme = urlsplit(link).scheme
        if not internal(link, site, server):
            if scheme not in {"http", "https", "mailto"}:
                problems.append(f"{link}: a link that is neither http(s) nor mailto")
            continue
        address, fragment = urldefrag(link)
        path = target_path(address, site, server)
        if over == "http" and (status := http_status(address)) != 200:
            problems.append(f"{link}: HTTP {status}")
            continue
        if not path.is_file():
            problems.append(f"{link}: no file {path}")
            continue
        if path.suffix == ".html":
            reached.add(path.resolve().relative_to(site.resolve()).as_posix())
            if fragment and fragment not in parse_page(path).ids:
                problems.append(f"{link}: no element with id {fragment!r}")
    return problems, reached


@pytest.mark.parametrize("over", ["file", "http"])
def test_every_page_loads_cleanly_and_every_link_resolves(
    site: Path, server: FolderServer, browser: Browser, over: str
) -> None:
    pages = html_pages(site)
    assert len(pages) >= 10
    reached = {"index.html"}
    for rel in pages:
        with browser.open(page_url(site, server, rel, over)) as visit:
            assert visit.console_errors == [], f"{rel}: console errors {visit.console_errors}"
            assert visit.page_errors == [], f"{rel}: {visit.page_errors}"
            assert visit.dialogs == [], f"{rel}: dialogs {visit.dialogs}"
            assert visit.outside_requests == [], f"{rel} reached out: {visit.outside_requests}"
            assert visit.page.title(), f"{rel} has no title"
            links = visit.page.evaluate(LINKS_JS)
        problems, found = link_problems(links, site, server, over)
        assert problems == [], f"{rel}:\n" + "\n".join(problems)
        reached |= found
    assert reached == set(pages), f"pages no link leads to: {set(pages) - reached}"
    if over == "http":
        failed = [(path, status) for path, status in server.served if status != 200]
        assert failed == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("rel", KEY_PAGES)
def test_no_axe_violations(
    site: Path, server: FolderServer, browser: Browser, rel: str, scheme: str
) -> None:
    with browser.open(server.url(rel), color_scheme=scheme) as visit:
        violations = axe_violations(visit.page)
    assert violations == [], f"{rel} ({scheme}):\n" + "\n".join(violations)


def luminance(css_color: str) -> float:
    """Relative brightness 0..1 of an 'rgb(r, g, b)' colour."""
    inside = css_color[css_color.index("(") + 1 : css_color.index(")")]
    red, green, blue = (float(part) for part in inside.replace(",", " ").split()[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DIGEST_SCREENSHOTS=DIR keeps the screenshots for a person to look at."""
    kept = os.environ.get("DIGEST_SCREENSHOTS")
    folder = Path(kept) if kept else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_screenshots_fit_the_width_and_follow_the_color_scheme(
    site: Path,
    browser: Browser,
    screenshot_dir: Path,
    size: tuple[int, int],
    scheme: str,
) -> None:
    for rel in SCREENSHOT_PAGES:
        with browser.open((site / rel).as_uri(), viewport=size, color_scheme=scheme) as visit:
            page = visit.page
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= size[0], f"{rel} is {width}px wide on a {size[0]}px screen"
            wide = page.evaluate(
                """(limit) => [...document.querySelectorAll('body *')]
                     .filter(e => e.getBoundingClientRect().right > limit + 1)
                     .map(e => e.tagName + '.' + e.className).slice(0, 5)""",
                size[0],
            )
            assert wide == [], f"{rel}: elements past the right edge: {wide}"
            background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
            text = page.evaluate("() => getComputedStyle(document.body).color")
            name = f"{rel.replace('/', '_').removesuffix('.html')}-{size[0]}-{scheme}.png"
            shot = page.screenshot(path=str(screenshot_dir / name), full_page=True)
        assert shot[:8] == b"\x89PNG\r\n\x1a\n"
        if scheme == "dark":
            assert luminance(background) < 0.2 < 0.7 < luminance(text), (background, text)
        else:
            assert luminance(background) > 0.8 > 0.3 > luminance(text), (background, text)


def test_every_page_is_valid_html_by_the_nu_checker(site: Path) -> None:
    errors = vnu_errors(sorted(site.rglob("*.html")))
    assert errors == [], "\n".join(errors)


def test_the_pdfs_pass_qpdf_check(site: Path) -> None:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        unavailable("qpdf is not installed (apt-get install qpdf)")
    pdfs = sorted(site.glob("issues/*/*.pdf"))
    assert len(pdfs) == 2
    for pdf in pdfs:
        done = subprocess.run([qpdf, "--check", str(pdf)], capture_output=True, text=True)
        assert done.returncode == 0, f"{pdf.name}: {done.stdout}{done.stderr}"
        assert "No syntax or stream encoding errors" in done.stdout


def test_the_harness_sees_scripts_dialogs_and_requests(tmp_path: Path, browser: Browser) -> None:
    """The checks above can fail: a page that does what a hostile one would is caught."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><title>t</title><script>alert('x'); console.error('boom');"
        "document.title = 'changed'</script><img src='https://tracker.example/p.gif'>",
        "utf-8",
    )
    with browser.open(page.as_uri()) as visit:
        assert visit.page.title() == "changed"
    assert visit.dialogs == ["alert: x"]
    assert "boom" in " ".join(visit.console_errors)
    assert visit.outside_requests == ["https://tracker.example/p.gif"]
    assert visit.blocked == ["https://tracker.example/p.gif"]  # and it never left the machine
