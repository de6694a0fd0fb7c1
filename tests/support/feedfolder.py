"""A throwaway newsletter folder with the feeds a test names, and RSS documents to serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from digest.config import load_config
from digest.models import Config


def make_newsletter(root: Path, feeds: list[dict[str, Any]], **fetch: Any) -> Config:
    settings = {"timeout": 5, "workers": 4, "allow_private": True, **fetch}
    data = {
        "newsletter": {"name": "Test Asia", "url": "https://news.example.org/"},
        "fetch": settings,
        "feeds": feeds,
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "feeds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(root)


def rss(*items: str, title: str = "Test feed", encoding: str = "utf-8") -> bytes:
    """An RSS 2.0 document around the given <item> fragments."""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<rss version="2.0"><channel><title>{title}</title><link>https://example.com/</link>\n'
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )
    return text.encode(encoding)


def item(
    title: str,
    link: str | None = None,
    guid: str | None = None,
    summary: str = "",
    date: str | None = "Tue, 15 Jun 2021 08:00:00 GMT",
) -> str:
    parts = [f"<title>{title}</title>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if summary:
        parts.append(f"<description><![CDATA[{summary}]]></description>")
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"
