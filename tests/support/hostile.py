"""Hostile inputs (tests/data/hostile/vectors.yaml) and an independent judge of HTML.

The judge does not reuse digest.sanitize: it parses with the standard library's html.parser
(which decodes entities in attribute values as browsers do) and reports every construct that
could run code, reach the network on load, or restyle the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import yaml

VECTORS_FILE = Path(__file__).resolve().parent.parent / "data" / "hostile" / "vectors.yaml"
LEAK = "LEAK"

# Tags that run code, embed other documents, submit data, restyle or re-base the page.
FORBIDDEN_TAGS = frozenset({
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "form",
    "input", "button", "textarea", "select", "option", "svg", "math", "base", "meta", "link",
    "noscript", "template", "xmp", "plaintext", "isindex", "video", "audio", "source", "track",
    "portal",
})  # fmt: skip
# Attributes that run code, load something, or restyle.
FORBIDDEN_ATTRIBUTES = frozenset({
    "style", "srcset", "formaction", "action", "ping", "background", "dynsrc", "lowsrc",
    "xlink:href", "data", "poster", "http-equiv", "srcdoc",
})  # fmt: skip
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "formaction", "poster", "data"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_ASCII_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")


@dataclass(frozen=True)
class Vector:
    name: str
    kind: str  # the class: xss, schemes, unicode, titles
    field: str  # summary, title or link
    payload: str

    def with_leak(self, leak_base: str) -> str:
        return self.payload.replace(LEAK, f"{leak_base}/leak/{self.name}")

    @property
    def raw_bytes(self) -> bool:
        """Carries characters XML 1.0 forbids (control characters): a malformed feed."""
        return any(ord(ch) < 0x20 and ch not in "\t\n\r" for ch in self.payload)


def load_vectors() -> list[Vector]:
    data = yaml.safe_load(VECTORS_FILE.read_text("utf-8"))
    return [
        Vector(name=entry["name"], kind=kind, field=entry["field"], payload=entry["payload"])
        for kind, entries in data.items()
        for entry in entries
    ]


def url_scheme(value: str) -> str | None:
    """The scheme a browser would see (after dropping leading controls, tabs and newlines),
    lowercased, or None for a relative URL."""
    cleaned = _ASCII_TAB_OR_NEWLINE.sub("", value).lstrip("".join(map(chr, range(0x21))))
    match = _SCHEME.match(cleaned)
    return match.group(1).lower() if match else None


class _Judge(HTMLParser):
    def __init__(self, page: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.problems: list[str] = []
        self.tags: list[str] = []
        self.links: list[str] = []  # href of every <a>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "a":
            self.links += [value or "" for name, value in attrs if name == "href"]
        if tag in FORBIDDEN_TAGS and not (self.page and self._page_tag(tag, dict(attrs))):
            self.problems.append(f"<{tag}> tag")
        for name, value in attrs:
            self._attribute(tag, name, value or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_pi(self, data: str) -> None:
        self.problems.append(f"processing instruction {data[:40]!r}")

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name.startswith("on"):
            self.problems.append(f"<{tag} {name}=...> event attribute")
        elif name in FORBIDDEN_ATTRIBUTES and not (self.page and tag == "meta"):
            self.problems.append(f"<{tag} {name}=...> attribute")
        if name in URL_ATTRIBUTES:
            scheme = url_scheme(value)
            if scheme is not None and scheme not in SAFE_SCHEMES:
                self.problems.append(f"<{tag} {name}={value[:60]!r}> {scheme}: URL")

    def _page_tag(self, tag: str, attrs: dict[str, str | None]) -> bool:
        """The page's own head: stylesheet, feed and icon links (relative), its canonical URL,
        harmless metas, and the theme's search script."""
        href = attrs.get("href") or ""
        if tag == "meta":
            return "http-equiv" not in attrs
        if tag == "link" and attrs.get("rel") == "canonical":
            return url_scheme(href) in {"http", "https"}
        if tag == "link":
            rel = attrs.get("rel") or ""
            return rel in {"stylesheet", "alternate", "icon"} and url_scheme(href) is None
        if tag == "script":
            src = attrs.get("src") or ""
            return url_scheme(src) is None and src.endswith("assets/search.js")
        return False


def html_problems(markup: str, *, page: bool = False) -> list[str]:
    """Every forbidden construct in an HTML fragment (or, with page=True, a whole page of
    the site, whose own <meta> and relative <link> tags are allowed)."""
    judge = _Judge(page)
    judge.feed(markup)
    judge.close()
    return judge.problems


def html_tags(markup: str) -> list[str]:
    judge = _Judge(page=True)
    judge.feed(markup)
    judge.close()
    return judge.tags


def html_links(markup: str) -> list[str]:
    """The href of every <a> element, entities decoded."""
    judge = _Judge(page=True)
    judge.feed(markup)
    judge.close()
    return judge.links
