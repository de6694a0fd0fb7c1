"""A feed's bytes -> clean entries. The one module that touches feedparser.

feedparser reads every RSS and Atom dialect and guesses encodings well; we turn its own HTML
sanitizer and URI resolution off (slow, and too lenient) and clean with digest.sanitize instead.
"""

from __future__ import annotations

import copy
import datetime as dt
import html
import io
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import feedparser
from feedparser.util import FeedParserDict

from digest.errors import FetchError
from digest.models import Entry, FeedConfig
from digest.sanitize import clean_html, plain_text, safe_url, strip_bidi
from digest.urls import canonical_url

WEB_SCHEMES = {"http", "https"}
# Python's codecs for these names miss characters that real feeds use; their supersets do not.
_SUPERSET_CHARSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
}
_XML_DECL = re.compile(
    rb"""^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']"""
)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._-]+)", re.IGNORECASE)
_INTERNAL_SUBSET = re.compile(rb"(<!DOCTYPE\s+[^\[>]*)\[(.*?)\]\s*>", re.DOTALL | re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s]+)\s+(.*?)>", re.DOTALL)
_SIMPLE_VALUE = re.compile(rb"""^(["'])([^&%<]*)\1\s*$""", re.DOTALL)
_MAX_ENTITY_EXPANSION = 1_000_000  # characters an internal entity may add to a document
_SUMMARY_TITLE_CHARS = 100
_SERIALIZED_TAG = re.compile(r'<[^>"]*(?:"[^"]*"[^>"]*)*>')
UNTITLED = "(untitled)"
# An absolute http(s) link, scheme in lower case, printable ASCII, no user or password and no
# ';' after the host (urljoin drops empty parameters): urljoin returns it unchanged unless it
# ends in an empty query or fragment.
_ABSOLUTE_AS_IS = re.compile(r"https?://[-A-Za-z0-9.:_~%!$'()*+,;=]+(?:[/?#][!-:<-~]*)?")
# feedparser's dicts answer .get through alias tables and fallbacks; the keys read here are the
# canonical ones it stores under, so a plain dict lookup gives the same value, faster.
_get = dict.get


def _copy_parser_dict(self: FeedParserDict, memo: dict[int, Any]) -> FeedParserDict:
    copied = type(self)()
    memo[id(self)] = copied
    for key, value in dict.items(self):
        copied[key] = copy.deepcopy(value, memo)  # its __setitem__, aliases and all
    return copied


# feedparser deep-copies a FeedParserDict for every title and summary it reads. With no
# __deepcopy__ of its own, copy.deepcopy asks the dict's __getattr__ for one (a KeyError turned
# into an AttributeError every time), then rebuilds it key by key through __reduce_ex__: a tenth
# of feedparser's time on a typical feed. This makes the same copy directly.
if "__deepcopy__" not in vars(FeedParserDict):
    FeedParserDict.__deepcopy__ = _copy_parser_dict


def parse_feed(
    body: bytes, headers: Mapping[str, str], feed: FeedConfig, url: str | None = None
) -> tuple[list[Entry], str | None]:
    """Entries of one feed document, and a warning when it was malformed but readable.

    Raises FetchError when nothing can be read: an HTML page, an empty body, broken XML.
    """
    if not body.strip():
        raise FetchError("the feed is empty")
    try:
        parsed = feedparser.parse(
            io.BytesIO(defuse_entities(body)),  # bytes alone could name a local file it would open
            response_headers=_with_superset_charset(body, headers),
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except (KeyError, IndexError, AttributeError, TypeError, ValueError) as exc:
        # feedparser's loose parser trips over some tag soups (an element closed inside
        # another feed's <link>) with its own internal errors: the feed is unreadable.
        raise FetchError(f"not a readable feed: the parser failed ({type(exc).__name__})") from exc
    feed_url = parsed.get("href") or url or ""
    entries = [
        entry
        for raw in parsed.entries
        if (entry := _entry(raw, feed, feed_url, parsed.feed)) is not None
    ]
    problem = _problem(parsed) if parsed.get("bozo") else None
    if not entries and not parsed.get("version"):
        if _looks_like_html(body):
            raise FetchError(
                "an HTML page, not a feed", hint="Point the feed at its RSS or Atom URL."
            )
        raise FetchError(f"not a readable feed: {problem or 'no RSS or Atom found'}")
    return entries, (f"malformed feed: {problem}" if problem else None)


def defuse_entities(body: bytes) -> bytes:
    """Drop DTD entity declarations that could explode or reach out (billion laughs, XXE).

    Simple text entities are kept while their total expansion stays small.
    """
    match = _INTERNAL_SUBSET.search(body, 0, 65536)
    if match is None or b"<!ENTITY" not in match.group(2).upper():
        return body
    kept: list[bytes] = []
    expansion = 0
    for decl in _ENTITY_DECL.finditer(match.group(2)):
        parameter, name, value = decl.groups()
        simple = _SIMPLE_VALUE.match(value)
        if parameter or simple is None:
            continue
        expansion += body.count(b"&" + name + b";") * len(simple.group(2))
        if expansion > _MAX_ENTITY_EXPANSION:
            kept = []
            break
        kept.append(decl.group(0))
    subset = b"[" + b"\n".join(kept) + b"]" if kept else b""
    return body[: match.start()] + match.group(1) + subset + b">" + body[match.end() :]


def _with_superset_charset(body: bytes, headers: Mapping[str, str]) -> dict[str, str]:
    """Headers for feedparser, with a charset named by the header or the XML declaration
    replaced by its superset codec (Big5 -> Big5-HKSCS, Shift_JIS -> CP932, EUC-KR -> CP949)."""
    out = {key.lower(): value for key, value in headers.items()}
    content_type = out.get("content-type", "")
    found = _CHARSET.search(content_type)
    declared = found.group(1) if found else None
    if declared is None:
        xml = _XML_DECL.match(body[:512])
        declared = xml.group(1).decode("ascii") if xml else None
    superset = _SUPERSET_CHARSETS.get((declared or "").lower())
    if superset:
        mime = content_type.split(";", 1)[0].strip()
        if not mime or mime.startswith("text/"):
            mime = "application/xml"  # text/* with a charset would be read as us-ascii otherwise
        out["content-type"] = f"{mime}; charset={superset}"
    return out


def _problem(parsed: Any) -> str:
    exc = parsed.get("bozo_exception")
    text = " ".join(str(exc or "").split())
    return text[:200] or type(exc).__name__


def _looks_like_html(body: bytes) -> bool:
    head = body[:2048].lower()
    return b"<html" in head or b"<!doctype html" in head or b"<body" in head


def _entry(raw: Any, feed: FeedConfig, feed_url: str, feed_info: Any) -> Entry | None:
    link = _entry_link(raw, feed_url)
    base = link or feed_url or None
    summary_html = clean_html(_richest_body(raw), base)
    summary_text = _text_of_clean(summary_html)
    title = strip_bidi(_plain(_text_of(raw, "title")))
    if not title:
        title = _shorten(summary_text) or (link or "")
    if not title:
        if not (_text_of(raw, "title") or summary_html):
            return None  # nothing to show for it
        title = UNTITLED
    published = _date(raw, "published_parsed") or _date(raw, "updated_parsed")
    guid = " ".join(str(_get(raw, "id") or "").split()) or None
    language = feed.language or (_get(raw, "title_detail") or {}).get("language")
    return Entry(
        feed=feed.name,
        guid=guid,
        url=canonical_url(link) if link else None,
        title=title,
        summary_html=summary_html,
        summary_text=summary_text,
        published=published,
        updated=_date(raw, "updated_parsed"),
        author=strip_bidi(_plain(str(_get(raw, "author") or "")))[:200],
        language=language or feed_info.get("language") or None,
    )


def _entry_link(raw: Any, feed_url: str) -> str | None:
    candidates = [_get(raw, "link")]
    candidates += [
        link.get("href")
        for link in _get(raw, "links") or []
        if link.get("rel", "alternate") == "alternate"
    ]
    guid = _get(raw, "id")
    if guid and _get(raw, "guidislink"):
        candidates.append(guid)
    for candidate in candidates:
        if not isinstance(candidate, str) or not candidate.strip():
            continue
        absolute = absolute_link(candidate.strip(), feed_url)
        url = safe_url(absolute, None, WEB_SCHEMES) if absolute else None
        if url:
            return url
    return None


def absolute_link(link: str, feed_url: str) -> str | None:
    """The link made absolute against the feed's URL, as urljoin makes it; None when it
    cannot be read (a malformed host such as 'http://[')."""
    if _ABSOLUTE_AS_IS.fullmatch(link) and not link.endswith(("?", "#")) and "?#" not in link:
        return link  # what urljoin would return, without parsing it twice
    try:
        return urljoin(feed_url, link) if feed_url else link
    except ValueError:
        return None


def _richest_body(raw: Any) -> str:
    """The fullest HTML the entry carries: content:encoded / atom:content over a summary."""
    bodies = [_as_html(part) for part in _get(raw, "content") or []]
    summary = _get(raw, "summary_detail")
    if summary:
        bodies.append(_as_html(summary))
    return max(bodies, key=len, default="")


def _as_html(detail: Any) -> str:
    value = str(detail.get("value") or "")
    if detail.get("type", "text/html") == "text/plain":
        return "<p>" + html.escape(value) + "</p>" if value else ""
    return value


def _text_of(raw: Any, key: str) -> str:
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def _text_of_clean(cleaned: str) -> str:
    """plain_text of HTML that clean_html wrote, without parsing it again. Its serializer
    double-quotes every attribute (escaping any quote inside), escapes "<" in text and drops
    comments, so every "<" starts a tag that _SERIALIZED_TAG matches whole."""
    if "\ufeff" in cleaned or "\0" in cleaned:
        return plain_text(cleaned)
    return " ".join(html.unescape(_SERIALIZED_TAG.sub("", cleaned)).split())


def _plain(text: str) -> str:
    """plain_text, without the HTML parser for text that has no markup (most titles)."""
    if "<" in text or "&" in text or "\0" in text or "\ufeff" in text:
        return plain_text(text)
    return " ".join(text.split())


def _shorten(text: str) -> str:
    if len(text) <= _SUMMARY_TITLE_CHARS:
        return text
    return text[:_SUMMARY_TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def _date(raw: Any, key: str) -> dt.datetime | None:
    value = _get(raw, key)  # plain dict lookup: no "updated" -> "published" fallback
    if not isinstance(value, time.struct_time):
        return None
    try:
        return dt.datetime(*value[:6], tzinfo=dt.UTC)
    except (ValueError, OverflowError):
        return None
