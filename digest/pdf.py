"""The issue as a PDF to print and to attach to email, laid out by WeasyPrint.

templates/print.html (Jinja2, autoescaped) and templates/print.css make the page; a file of
the same name in the newsletter's own templates/ folder replaces the built-in one. WeasyPrint
reads through ThemeFetcher, which serves the theme's own files and data: URIs and refuses
everything else, so nothing an item names (a local file, an intranet address) ends up
fetched or embedded. The output depends only on the issue and the settings: the PDF's dates
are the issue's date, never the clock. Embedded CJK fonts are cut down to the glyphs the
pages draw (digest.pdffonts), which keeps an issue with Chinese text a small attachment.
"""

from __future__ import annotations

import bisect
import ctypes.util
import functools
import logging
import mimetypes
import re
import subprocess
import sys
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from digest import theme
from digest.errors import RenderError
from digest.fontqueries import fc_list
from digest.fsutil import atomic_write
from digest.models import Config, Issue
from digest.pdffonts import compact_cjk_fonts
from digest.printpage import PRINT_STYLESHEET as PRINT_STYLESHEET
from digest.printpage import PRINT_TEMPLATE as PRINT_TEMPLATE
from digest.printpage import issue_keywords as issue_keywords
from digest.printpage import print_html as print_html
from digest.printpage import print_stylesheet as print_stylesheet
from digest.printpage import short_date as short_date


@contextmanager
def _libraries_found_in_one_look() -> Iterator[None]:
    """While WeasyPrint loads its C libraries. It tries each library under the names of
    several systems, and for every name that does not load, ctypes looks the name up by
    running ldconfig, gcc and ld: some forty programs, a quarter of a second of each build.
    On Linux the names are looked up in one reading of the ldconfig cache instead (a name
    it lacks is no library; the Linux names WeasyPrint also tries load directly)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    cached = _ldconfig_listing()
    real = ctypes.util.find_library

    def find_library(name: str) -> str | None:
        found = re.search(rb"\s(lib%s\.[^\s]+)\s" % re.escape(name.encode()), cached)
        return found.group(1).decode() if found else None

    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = real


def _ldconfig_listing() -> bytes:
    """`ldconfig -p`: every library the dynamic linker's cache knows (nothing on failure)."""
    try:
        done = subprocess.run(
            ["/sbin/ldconfig", "-p"],
            capture_output=True, env={"LC_ALL": "C", "LANG": "C"}, check=False, timeout=10,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return b""
    return done.stdout


with warnings.catch_warnings(), _libraries_found_in_one_look():
    # WeasyPrint warns on import when fontconfig has no fonts; check_fonts says it in the
    # editor's words, with the package to install, and stops the build.
    warnings.simplefilter("ignore", UserWarning)
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

CJK_FONT_PACKAGE = "fonts-noto-cjk"

# Han ideographs, CJK punctuation, kana and hangul: text that needs a CJK font.
_NEEDS_CJK_FONT = re.compile(
    "[\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- public interface


def render_pdf(issue: Issue, config: Config, out_path: Path, html: str | None = None) -> None:
    """Write the issue's PDF to out_path; a reader sees the old file or the new one. html:
    its print page (print_html) when already made."""
    atomic_write(out_path, pdf_bytes(issue, config, html))


def pdf_bytes(issue: Issue, config: Config, html: str | None = None) -> bytes:
    """The issue's PDF. Raises RenderError when its CJK text has no font to show it in, and
    warns of any other character no installed font can draw."""
    check_fonts(issue)
    for where, chars in missing_glyphs(issue):
        shown = ", ".join(f"{c} (U+{ord(c):04X})" for c in chars)
        log.warning(
            "issue %d: no installed font can draw %s in %s; the PDF shows an empty box instead",
            issue.number, shown, where,
        )  # fmt: skip
    page = print_html(issue, config) if html is None else html
    return pdf_from_html(page, theme_fetcher(config))


def theme_fetcher(config: Config) -> ThemeFetcher:
    """The only way the PDF reads anything: the theme's files, and listed image hosts."""
    return ThemeFetcher(theme.theme_dirs(config), config.newsletter.remote_image_hosts)


# ---------------------------------------------------------------- CJK fonts


def has_cjk(issue: Issue) -> bool:
    return any(_NEEDS_CJK_FONT.search(text) for text in _issue_texts(issue))


def check_fonts(issue: Issue) -> None:
    """Refuse to drop text silently: without a font for it, it would print as empty boxes."""
    install = f"Install Debian's {CJK_FONT_PACKAGE}: sudo apt-get install {CJK_FONT_PACKAGE}"
    cjk = has_cjk(issue)
    if fonts_installed(":lang=zh" if cjk else ":"):
        return
    if not fonts_installed(":"):
        raise RenderError("no fonts are installed, so the PDF would have no text", hint=install)
    raise RenderError(
        f"issue {issue.number} has Chinese, Japanese or Korean text but no CJK font is"
        " installed, so the PDF would show empty boxes",
        hint=install,
    )


@functools.cache
def fonts_installed(pattern: str) -> bool:
    """Whether fontconfig knows a font matching pattern (":" any, ":lang=zh" Chinese)."""
    found = fc_list(pattern, "family")
    if found is None:
        return True  # no way to ask; WeasyPrint's own fontconfig will do its best
    status, out = found
    return status == 0 and bool(out.strip())


def _issue_texts(issue: Issue) -> Iterable[str]:
    return (text for _, text in _placed_texts(issue))


def _placed_texts(issue: Issue) -> Iterable[tuple[str, str]]:
    """Every text of the issue the PDF prints, with where it is, in the editor's words."""
    for name in ("title", "subtitle", "greeting", "intro", "outro", "sign_off"):
        yield f"the issue's {name}", getattr(issue, name)
    yield from (("the summary", text) for text in issue.summary)
    yield from (("the quick take", text) for text in issue.quick_take)
    for section in issue.sections:
        heading = f"section '{section.heading}'"
        yield heading, section.heading
        yield f"the intro of {heading}", section.intro
        yield from ((f"the timeline of {heading}", entry.text) for entry in section.timeline)
        for item in section.items:
            where = f"item '{_shortened(item.title)}' of {heading}"
            yield from ((where, text) for text in (item.title, item.source, item.body))
            yield from ((where, link.source) for link in item.also)


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# ---------------------------------------------------------------- glyphs no font has

# Not drawn, so not missing: controls, format characters (joiners, marks of direction),
# separators and variation selectors.
_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp"}
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def missing_glyphs(issue: Issue) -> list[tuple[str, str]]:
    """(where, characters) for each place whose text has characters no installed font has."""
    coverage = font_coverage()
    if coverage is None:
        return []
    found: dict[str, str] = {}
    for where, text in _placed_texts(issue):
        for char in dict.fromkeys(text):
            if char.isascii() or char in found.get(where, ""):
                continue
            if _drawn(char) and not coverage.has(ord(char)):
                found[where] = found.get(where, "") + char
    return list(found.items())


def _drawn(char: str) -> bool:
    return unicodedata.category(char) not in _INVISIBLE and not _VARIATION_SELECTORS.match(char)


@dataclass(frozen=True)
class Coverage:
    """The code points some installed font has: sorted, merged, inclusive ranges."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def has(self, code: int) -> bool:
        i = bisect.bisect_right(self.starts, code) - 1
        return i >= 0 and code <= self.ends[i]

    @classmethod
    def of(cls, charsets: Iterable[str]) -> Coverage:
        """From fontconfig's charsets: "20-7e a0-36f 2026 ..." (hexadecimal) each."""
        # Fonts share most of their ranges: each written once is a twentieth of them.
        parts: set[str] = set()
        for charset in charsets:
            parts.update(charset.split())
        ranges = sorted(map(_hex_range, parts))
        starts: list[int] = []
        ends: list[int] = []
        for low, high in ranges:
            if ends and low <= ends[-1] + 1:
                ends[-1] = max(ends[-1], high)
            else:
                starts.append(low)
                ends.append(high)
        return cls(tuple(starts), tuple(ends))


def _hex_range(part: str) -> tuple[int, int]:
    low, _, high = part.partition("-")
    return int(low, 16), int(high or low, 16)


@functools.cache
def font_coverage() -> Coverage | None:
    """What fontconfig's fonts can draw together (Pango falls back from the stylesheet's
    fonts to any of them); None when fontconfig cannot be asked."""
    found = fc_list("--format", "%{charset}\n")
    if found is None or found[0] != 0:
        return None
    try:
        return Coverage.of(found[1].splitlines())
    except ValueError:
        return None


# ---------------------------------------------------------------- WeasyPrint


def pdf_from_html(html: str, fetcher: ThemeFetcher) -> bytes:
    """A print page laid out by WeasyPrint, reading only through fetcher, fonts compacted."""
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
        data = document.write_pdf(finisher=compact_cjk_fonts)
    except Exception as exc:  # WeasyPrint raises many kinds; the build reports one
        raise RenderError(f"WeasyPrint could not make the PDF: {exc}") from exc
    if fetcher.refused:
        log.warning("the PDF left out %d resource(s) it may not read", len(fetcher.refused))
    return bytes(data)


class FetchRefused(ValueError):
    """The PDF may not read this address; WeasyPrint leaves the resource out and goes on."""


class ThemeFetcher(URLFetcher):  # type: ignore[misc]
    """WeasyPrint's URL fetcher for the PDF: the theme's own files and data: URIs only.

    Any other file: path (an <img>, a CSS url(), an <a rel="attachment"> WeasyPrint would
    embed) and any network address is refused, except http(s) images from the hosts the
    newsletter lists in remote_image_hosts. Redirects are not followed, so a listed host
    cannot hand the request on to an unlisted one.
    """

    def __init__(self, roots: Iterable[Path], remote_hosts: Iterable[str] = ()) -> None:
        super().__init__(timeout=10, allow_redirects=False)
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.remote_hosts = frozenset(host.lower() for host in remote_hosts)
        self.refused: list[str] = []
        self.base_url = self.roots[0].as_uri() + "/" if self.roots else "data:,"

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._theme_path(url)
            if path is not None:
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": kind})
        elif scheme in ("http", "https") and self._listed_host(url):
            return super().fetch(url, headers)
        self.refused.append(url)
        raise FetchRefused(f"the PDF may not read {url}")

    def _theme_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return None
        # resolve() follows symlinks, so a link inside the theme cannot point outside it.
        path = Path(url2pathname(unquote(parts.path))).resolve()
        inside = any(path.is_relative_to(root) for root in self.roots)
        return path if inside and path.is_file() else None

    def _listed_host(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return bool(host) and host in self.remote_hosts
