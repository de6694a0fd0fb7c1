"""Which stored item an entry is: the same guid from the same feed, or the same canonical URL
from any feed; otherwise a new item, with a short id derived from its URL (or feed and guid)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from digest.models import Entry
from digest.store.rows import time_text

ID_CHARS = 12


@dataclass
class Stored:
    """An item already in the store, as dedup sees it (kept current within a batch)."""

    id: str
    feed: str
    content_hash: str
    malformed: bool


@dataclass
class Known:
    """The stored items one feed's entries may match: by this feed's keys, by canonical URL."""

    by_key: dict[str, Stored] = field(default_factory=dict)
    by_url: dict[str, Stored] = field(default_factory=dict)
    by_id: dict[str, Stored] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)  # item ids in use, of those checked
    added: set[str] = field(default_factory=set)  # item ids inserted by this batch
    # (key, item id) each entry was delivered under, for the sources table, in order
    delivered: list[tuple[str, str]] = field(default_factory=list)
    # item id -> the grouping_terms row of an item this batch inserted (seq, url, cjk, ...)
    terms: dict[str, tuple[Any, ...]] = field(default_factory=dict)

    def stored(self, item_id: str, owner: str, content_hash: str, malformed: int) -> Stored:
        if item_id not in self.by_id:
            self.by_id[item_id] = Stored(item_id, owner, content_hash, bool(malformed))
        return self.by_id[item_id]

    def find(self, keys: list[str], url: str | None) -> Stored | None:
        for key in keys:
            if key in self.by_key:
                return self.by_key[key]
        return self.by_url.get(url) if url else None

    def remembers(self, keys: list[str], item_id: str) -> bool:
        return all(key in self.by_key and self.by_key[key].id == item_id for key in keys)

    def remember(self, keys: list[str], item_id: str) -> None:
        self.delivered.extend((key, item_id) for key in keys)

    def add(self, item: Stored, keys: list[str], url: str | None) -> None:
        item = self.by_id.setdefault(item.id, item)
        for key in keys:
            self.by_key[key] = item
        if url:
            self.by_url.setdefault(url, item)


def source_keys(entry: Entry) -> list[str]:
    """The keys a feed delivered an entry under: g:guid, u:url, else t:hash of its text."""
    keys = []
    if entry.guid:
        keys.append("g:" + entry.guid)
    if entry.url:
        keys.append("u:" + entry.url)
    if not keys:
        keys.append("t:" + short_hash(entry.title + "\0" + entry.summary_text))
    return keys


def content_hash(entry: Entry) -> str:
    parts = [entry.title, entry.summary_html, entry.url or "", time_text(entry.published) or ""]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


def id_basis(entry: Entry) -> str:
    return entry.url or f"{entry.feed}\0{entry.guid or entry.title}"


def short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_CHARS]
