"""The issue as a PDF to print and to attach to email, laid out by WeasyPrint.

templates/print.html (Jinja2, autoescaped) and templates/print.css make the page; a file of
the same name in the newsletter's own templates/ folder replaces the built-in one. WeasyPrint
reads through ThemeFetcher, which serves the theme's own files and data: URIs and refuses
everything else, so nothing an item names (a local file, an intranet address) ends up
fetched or embedded. The output depends only on the issue and the settings: the PDF's dates
are the issue's date, never the clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import mimetypes
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import jinja2
import markupsafe
import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from digest.errors import RenderError, TemplateError
from digest.fsutil import atomic_write
from digest.models import Config, Issue
from digest.sanitize import safe_url

PRINT_TEMPLATE = "print.html"
PRINT_STYLESHEET = "print.css"
CJK_FONT_PACKAGE = "fonts-noto-cjk"
_PAGE_SIZES = {"A4": "A4", "Letter": "letter"}

# Han ideographs, CJK punctuation, kana and hangul: text that needs a CJK font.
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f]"
)

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- public interface


def render_pdf(issue: Issue, config: Config, out_path: Path) -> None:
    """Write the issue's PDF to out_path; a reader sees the old file or the new one."""
    atomic_write(out_path, pdf_bytes(issue, config))


def pdf_bytes(issue: Issue, config: Config) -> bytes:
    """The issue's PDF. Raises RenderError when its CJK text has no font to show it in."""
    check_cjk_fonts(issue)
    fetcher = ThemeFetcher(theme_dirs(config), config.newsletter.remote_image_hosts)
    html = print_html(issue, config)
    return _weasyprint_pdf(html, fetcher)


def print_html(issue: Issue, config: Config) -> str:
    """The print page WeasyPrint lays out: print.html filled in for this issue."""
    dirs = theme_dirs(config)
    template = _environment(dirs).get_template(PRINT_TEMPLATE)
    stylesheet = find_theme_file(dirs, PRINT_STYLESHEET)
    return template.render(
        issue=issue,
        newsletter=config.newsletter,
        stylesheet=stylesheet.as_uri(),
        page_size=_PAGE_SIZES.get(config.newsletter.page_size, "A4"),
        keywords=issue_keywords(issue, config),
        contact_url=_contact_url(config.newsletter.contact),
        country_name=lambda code: _name_of(config.taxonomy.countries, code),
        topic_name=lambda slug: _name_of(config.taxonomy.topics, slug),
        long_date=long_date,
        short_date=short_date,
        display_url=display_url,
        issue_url=functools.partial(_issue_url, config.newsletter.url),
        markdown=_markdown(),
    )


def issue_keywords(issue: Issue, config: Config) -> list[str]:
    """Country names, then topic names, of the issue's items, each once, in order."""
    countries = _unique(code for item in issue.items for code in item.countries)
    topics = _unique(slug for item in issue.items for slug in item.topics)
    return [_name_of(config.taxonomy.countries, c) for c in countries] + [
        _name_of(config.taxonomy.topics, t) for t in topics
    ]


# ---------------------------------------------------------------- CJK fonts


def has_cjk(issue: Issue) -> bool:
    return any(_CJK.search(text) for text in _issue_texts(issue))


def check_cjk_fonts(issue: Issue) -> None:
    """Refuse to drop Chinese text silently: without a CJK font it would print as boxes."""
    if has_cjk(issue) and not cjk_fonts_installed():
        raise RenderError(
            f"issue {issue.number} has Chinese, Japanese or Korean text but no CJK font is"
            " installed, so the PDF would show empty boxes",
            hint=f"Install Debian's {CJK_FONT_PACKAGE}: sudo apt-get install {CJK_FONT_PACKAGE}",
        )


@functools.cache
def cjk_fonts_installed() -> bool:
    """Whether fontconfig knows a font for Chinese (`fc-list :lang=zh`)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return True  # no way to ask; WeasyPrint's own fontconfig will do its best
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return True
    return found.returncode == 0 and bool(found.stdout.strip())


def _issue_texts(issue: Issue) -> Iterable[str]:
    yield from (issue.title, issue.subtitle, issue.greeting, issue.intro, issue.outro)
    yield from (issue.sign_off, *issue.summary, *issue.quick_take)
    for section in issue.sections:
        yield section.heading
        yield section.intro
        yield from (entry.text for entry in section.timeline)
        for item in section.items:
            yield from (item.title, item.source, item.body)
            yield from (link.source for link in item.also)


# ---------------------------------------------------------------- the theme


def theme_dirs(config: Config) -> tuple[Path, ...]:
    """Where theme files are looked up, first match wins: the newsletter's, then built-in."""
    try:
        from digest import theme  # the shared lookup, when the package has it
    except ImportError:
        return _fallback_theme_dirs(config)
    lookup: Callable[[Config], Iterable[Path]] | None = getattr(theme, "theme_dirs", None)
    if lookup is None:
        return _fallback_theme_dirs(config)
    return tuple(Path(d) for d in lookup(config))


def _fallback_theme_dirs(config: Config) -> tuple[Path, ...]:
    package = Path(__file__).resolve().parent
    installed = package / "templates"  # the wheel carries the theme here
    builtin = installed if installed.is_dir() else package.parent / "templates"
    own = config.templates_dir
    return (own, builtin) if own.is_dir() and own.resolve() != builtin.resolve() else (builtin,)


def find_theme_file(dirs: Iterable[Path], name: str) -> Path:
    searched = list(dirs)
    for folder in searched:
        path = folder / name
        if path.is_file():
            return path.resolve()
    raise TemplateError(
        f"theme file {name} not found in {' or '.join(str(d) for d in searched)}",
        hint="Restore it, or remove the newsletter's copy to use the built-in theme.",
    )


def _environment(dirs: tuple[Path, ...]) -> jinja2.Environment:
    return jinja2.Environment(
        loader=_ThemeLoader([str(d) for d in dirs]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


class _ThemeLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader whose errors are the editor's to read, not tracebacks."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            raise TemplateError(
                f"template {template} not found in {' or '.join(self.searchpath)}",
                hint="Restore it, or remove the newsletter's copy to use the built-in theme.",
            ) from None


# ---------------------------------------------------------------- filling the template


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def short_date(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def display_url(url: str) -> str:
    """The address as a reader would type it: no scheme, no www, no trailing slash."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    rest = parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    return host + rest


def _issue_url(site_url: str, number: int) -> str | None:
    return f"{site_url}/issues/{number}/" if site_url else None


def _contact_url(contact: str) -> str | None:
    if not contact:
        return None
    if "@" in contact and not contact.startswith(("http://", "https://", "mailto:")):
        return f"mailto:{contact}"
    return safe_url(contact)


def _name_of(table: dict[str, Any], key: str) -> str:
    entry = table.get(key)
    return str(entry.name) if entry is not None else key


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _markdown() -> Callable[[str], markupsafe.Markup]:
    try:
        from digest.render import markdown_html
    except ImportError:
        return _plain_markdown
    return markdown_html  # type: ignore[no-any-return]


def _plain_markdown(text: str) -> markupsafe.Markup:
    import markdown

    from digest.sanitize import clean_html

    return markupsafe.Markup(clean_html(markdown.markdown(text or "")))


# ---------------------------------------------------------------- WeasyPrint


def _weasyprint_pdf(html: str, fetcher: ThemeFetcher) -> bytes:
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
        data = document.write_pdf()
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
