"""feedparser's own test corpus through our parser and store: every entry feedparser reads with
a title or a link is stored, or the feed gets a clean error; never an exception; nothing hostile
survives in stored HTML."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import feedparser
import pytest
from support.feedfolder import make_newsletter

from digest.errors import FetchError
from digest.fetch import FeedOutcome
from digest.models import FeedConfig
from digest.parse import parse_feed
from digest.store import open_store

HOSTILE = re.compile(
    r"<\s*(script|style|iframe|object|embed|form|input|svg|base|meta|link)\b"
    r"|\son\w+\s*=|javascript:|vbscript:|data:text|file:",
    re.IGNORECASE,
)
_HEADER = re.compile(r"^Header:\s*([\w-]+):\s*(.*)$", re.MULTILINE)
BASE = "http://127.0.0.1:8097/feed.xml"


def headers_of(body: bytes) -> dict[str, str]:
    """The HTTP headers a corpus file asks for in its leading comment."""
    head = body[:2000].decode("latin-1")
    return {name: value.strip() for name, value in _HEADER.findall(head)}


@pytest.mark.slow
def test_the_feedparser_corpus(corpus: Path, tmp_path: Path) -> None:
    files = sorted(
        p
        for folder in ("wellformed", "illformed", "encoding")
        for p in (corpus / folder).rglob("*.xml")
    )
    assert len(files) > 1000
    config = make_newsletter(tmp_path / "nl", [])
    read = failed = entries_seen = 0
    with open_store(config) as store:
        for path in files:
            body = path.read_bytes()
            headers = headers_of(body)
            feed = FeedConfig(name=str(path.relative_to(corpus)), url=BASE)
            reference = feedparser.parse(body, response_headers=headers)
            expected = sum(1 for e in reference.entries if e.get("title") or e.get("link"))
            try:
                entries, warning = parse_feed(body, headers, feed, BASE)
            except FetchError as exc:
                assert exc.message and "\n" not in exc.message
                failed += 1
                assert expected == 0, f"{path}: feedparser read {expected} entries, we failed"
                continue
            read += 1
            assert len(entries) >= expected, path
            for entry in entries:
                assert not HOSTILE.search(entry.summary_html), (path, entry.summary_html)
                assert entry.url is None or entry.url.startswith(("http://", "https://")), path
            outcome = FeedOutcome(feed, "warning" if warning else "ok", entries=tuple(entries))
            store.save_feed_result(outcome, dt.datetime(2021, 6, 1, tzinfo=dt.UTC))
            entries_seen += len(entries)
        stored_urls = {row[0] for row in store.conn.execute("SELECT url FROM items")}
        html = [row[0] for row in store.conn.execute("SELECT summary_html FROM items")]
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert read > 1000 and entries_seen > 500
    assert all(not HOSTILE.search(fragment) for fragment in html)
    assert len(stored_urls) > 30
