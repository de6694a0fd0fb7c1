"""Feed HTML is hostile: keep an allowlist of harmless markup, drop everything else.

Used at ingest (what the store keeps) and again at render (defence in depth).
"""

from __future__ import annotations

import functools
import html
import re
from contextvars import ContextVar
from urllib.parse import urljoin, urlsplit

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd",
    "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "time": {"datetime"},
    "*": {"lang"},
}
LINK_SCHEMES = {"http", "https", "mailto"}
IMAGE_SCHEMES = {"http", "https"}
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "svg", "math", "noscript",
                      "template", "form", "textarea", "select", "button", "title"}  # fmt: skip


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Embeddings, overrides, isolates and the directional marks: in a headline they can reverse
# what a reader sees ("gpj.exe" shown as "exe.jpg") and leak into the text around it.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_BLANKS = re.compile(r"[\x00-\x20\x7f]+")
# An absolute http(s) URL in printable ASCII with a host and nothing to decode, strip or
# guess at: most links, which need none of the steps below.
_PLAIN_WEB_URL = re.compile(r"(?i:https?)://[-a-z0-9.:_~%!$'()*+,;=]+(?:[/?#][!-%'-~]*)?", re.I)
# A path from the root ('/img/a.png'), printable ASCII with nothing to decode and no ';' (empty
# parameters are dropped), not ending in an empty query or fragment: urljoin puts it after the
# base's host unchanged.
_PLAIN_PATH = re.compile(r"/(?!/)[!-%'-:<-~]*(?<![?#])")
_PLAIN_ORIGIN = re.compile(r"(https?://[-a-z0-9.:_~%!$'()*+,;=]+)(?:[/?#]|\Z)")
_WEB_SCHEMES = frozenset({"http", "https"})


def safe_url(
    url: str | None, base: str | None = None, schemes: set[str] = LINK_SCHEMES
) -> str | None:
    """An absolute URL with an allowed scheme, or None.

    The scheme is judged as a browser reads it: after entity decoding, with control characters
    and white space removed and case folded, so 'JaVa&#115;cript:' and 'java\\tscript:' are
    caught. Applying it to its own result changes nothing.
    """
    if not url:
        return None
    if schemes >= _WEB_SCHEMES:
        if _PLAIN_WEB_URL.fullmatch(url):
            return url  # what judged_url would return, found without its steps
        if base and _PLAIN_PATH.fullmatch(url) and "/." not in url and "?#" not in url:
            origin = _web_origin(base)
            if origin:
                return origin + url  # what urljoin makes of a path from the root
    return judged_url(url, base, schemes)


@functools.lru_cache(maxsize=256)
def _web_origin(base: str) -> str | None:
    """'https://host' of a plain http(s) base URL; None for anything else."""
    found = _PLAIN_ORIGIN.match(base)
    return found.group(1) if found else None


def judged_url(url: str, base: str | None, schemes: set[str]) -> str | None:
    """safe_url the long way, every step taken."""
    decoded = _CONTROL.sub("", html.unescape(url)).strip()
    try:
        scheme = urlsplit(_BLANKS.sub("", decoded)).scheme.lower()
        if not scheme:
            if not base:
                return None
            decoded = urljoin(base, decoded)
            scheme = urlsplit(decoded).scheme.lower()
        if scheme not in schemes:
            return None
        if scheme in {"http", "https"} and not urlsplit(decoded).netloc:
            return None
    except ValueError:  # a malformed host such as 'http://['
        return None
    return decoded


def clean_html(fragment: str, base_url: str | None = None, *, images: bool = True) -> str:
    """Sanitize feed HTML: allowlisted tags and attributes, links only http(s)/mailto."""
    if not fragment:
        return ""
    token = _BASE_URL.set(base_url)
    try:
        return _html_cleaner(images).clean(fragment)
    finally:
        _BASE_URL.reset(token)


# The cleaners are built once (building one costs as much as cleaning a summary), so the base
# URL that relative links resolve against reaches their attribute filter through a context
# variable: per thread, like the call that set it.
_BASE_URL: ContextVar[str | None] = ContextVar("digest_sanitize_base_url", default=None)


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "href":
        return safe_url(value, _BASE_URL.get())
    if attribute == "src":
        return safe_url(value, _BASE_URL.get(), IMAGE_SCHEMES)
    return value


@functools.cache
def _html_cleaner(images: bool) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=ALLOWED_TAGS if images else ALLOWED_TAGS - {"img"},
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=LINK_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        strip_comments=True,
    )


@functools.cache
def _text_cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(tags=set(), clean_content_tags=_DROP_WITH_CONTENT)


def plain_text(fragment: str) -> str:
    """Text of an HTML fragment: tags removed, entities decoded, white space folded."""
    if not fragment:
        return ""
    text = _text_cleaner().clean(fragment)
    return " ".join(html.unescape(text).split())


def strip_bidi(text: str) -> str:
    """text without bidirectional control characters (a one-line text: a title, a name)."""
    return " ".join(BIDI_CONTROLS.sub("", text).split()) if BIDI_CONTROLS.search(text) else text
