"""`digest fetch` as a library call (digest/refresh.py): the lock, the feed chosen, the window
of days regrouped into stories. The fetching itself is in test_fetch.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.feedfolder import item, make_newsletter, rss
from support.feedserver import FeedServer, serving

from digest.errors import StoreError, UserError
from digest.fetch import POOL_THRESHOLD
from digest.refresh import fetch_lock, run_fetch
from digest.store import open_store
from digest.stories import text_terms

NOW = dt.datetime(2021, 7, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with serving() as server:
        yield server


def test_a_second_fetch_in_the_same_folder_is_refused_until_the_first_ends(
    tmp_path: Path,
) -> None:
    state = tmp_path / ".digest"
    with fetch_lock(state):
        running = "another 'digest fetch' is running"
        with pytest.raises(StoreError, match=running) as refused, fetch_lock(state):
            pass  # pragma: no cover - the lock is held
        assert refused.value.hint is not None and "Wait" in refused.value.hint
        with fetch_lock(tmp_path / "elsewhere" / ".digest"):
            pass  # another newsletter folder has a lock of its own
    with fetch_lock(state):
        assert (state / "fetch.lock").is_file()


def test_the_lock_is_given_back_when_the_fetch_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), fetch_lock(tmp_path):
        raise RuntimeError("the fetch broke")
    with fetch_lock(tmp_path):
        pass


def test_only_the_named_feed_is_fetched(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/a", body=rss(item("A story", "https://news.example.com/a")))
    feed_server.route("/b", body=rss(item("B story", "https://news.example.com/b")))
    feeds = [{"name": n, "url": feed_server.url(f"/{n}")} for n in ("a", "b")]
    config = make_newsletter(tmp_path / "nl", feeds)
    seen: list[str] = []
    report = run_fetch(config, only="b", on_feed=lambda outcome: seen.append(outcome.feed.name))
    assert seen == ["b"]
    assert (report.ok, report.failed, report.new) == (1, 0, 1)
    assert not report.all_failed
    assert feed_server.hits("/a") == [] and len(feed_server.hits("/b")) == 1


def test_an_unknown_feed_name_lists_the_feeds_there_are(tmp_path: Path) -> None:
    config = make_newsletter(tmp_path / "nl", [{"name": "a", "url": "https://example.org/a"}])
    with pytest.raises(UserError, match="no feed named 'nope'") as refused:
        run_fetch(config, only="nope")
    assert refused.value.hint == "Feeds: a."
    assert not config.store_path.exists()  # refused before anything was opened


def test_every_feed_failing_is_all_failed(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/gone", status=404)
    config = make_newsletter(tmp_path / "nl", [{"name": "gone", "url": feed_server.url("/gone")}])
    report = run_fetch(config)
    assert (report.ok, report.failed, report.all_failed) == (0, 1, True)


def test_the_parse_processes_work_out_the_items_grouping_terms(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """Enough feeds for the parse processes: each new item's terms come back with it and
    are kept, the very terms regrouping would work out from its text."""
    names = [f"f{n}" for n in range(POOL_THRESHOLD)]
    for n, name in enumerate(names):
        body = rss(item(f"Exchange {n} opens in Seoul", f"https://news.example.com/{n}",
                        summary=f"Upbit rival {n} starts trading bitcoin."))  # fmt: skip
        feed_server.route(f"/{name}", body=body)
    feeds = [{"name": name, "url": feed_server.url(f"/{name}")} for name in names]
    config = make_newsletter(tmp_path / "nl", feeds)
    assert run_fetch(config).new == len(names)
    with open_store(config) as store:
        stored = store.conn.execute(
            "SELECT i.title, i.summary_text, i.url, g.url, g.cjk, g.title, g.body "
            "FROM items i JOIN grouping_terms g ON g.seq = i.seq"
        ).fetchall()
    assert len(stored) == len(names)
    for title, summary, url, *row in stored:
        terms = text_terms(title, summary, url)
        assert (row[0], bool(row[1])) == (terms.url, terms.cjk)
        assert set(row[2].split("\x1f")) == terms.in_title
        assert set(row[2].split("\x1f")) | set(row[3].split("\x1f")) == terms.terms
