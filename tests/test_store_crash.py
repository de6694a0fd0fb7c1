"""Nothing lost: a fetch killed with SIGKILL at random moments leaves a sound store, and two
fetches at once neither corrupt nor deadlock it."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT
from support.cli import run_digest
from support.feedfolder import item, make_newsletter, rss
from support.feedserver import FeedServer, Route, Seen, serving

FEEDS = 12
ITEMS = 25


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with serving() as server:
        yield server


def growing_feed(server: FeedServer, n: int) -> None:
    """Each request shows a few more items (and rewrites the older ones), so every fetch writes.
    Feed n answers after n x 0.15 s: a fetch lasts about two seconds, saving feeds all along,
    so a kill at any moment within it lands between, or in the middle of, saves."""
    calls = {"count": 0}

    def respond(_: Seen) -> Route:
        calls["count"] += 1
        round_ = calls["count"]
        entries = [
            item(
                f"Feed {n} story {k} (rev {round_})",
                f"https://news.example.com/{k}?utm_source=feed{n}",  # shared across feeds
                guid=f"f{n}-{k}",
                summary=f"<p>Revision {round_} of story {k} in feed {n}.</p>",
            )
            for k in range(ITEMS + round_)
        ]
        return Route(body=rss(*entries), delay=0.15 * n)

    server.route(f"/feed{n}", respond)


def children_of(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.update(int(c) for c in (task / "children").read_text().split())
    return found


def still_running(pids: set[int], within: float) -> set[int]:
    deadline = time.monotonic() + within
    alive = set(pids)
    while alive and time.monotonic() < deadline:
        alive = {pid for pid in alive if Path(f"/proc/{pid}").exists() and not _zombie(pid)}
        time.sleep(0.05)
    return alive


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True


def digest_cmd(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "digest", "--root", str(root), *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing(tmp_path: Path, feed_server: FeedServer) -> None:
    for n in range(FEEDS):
        growing_feed(feed_server, n)
    feeds = [{"name": f"feed{n}", "url": feed_server.url(f"/feed{n}")} for n in range(FEEDS)]
    config = make_newsletter(tmp_path / "nl", feeds)
    rng = random.Random(7)
    killed = 0
    orphans: set[int] = set()
    for _ in range(8):
        process = subprocess.Popen(
            digest_cmd(config.root, "fetch"), env=env(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        time.sleep(rng.uniform(0.3, 1.5))
        if process.poll() is None:
            helpers = children_of(process.pid)
            process.send_signal(signal.SIGKILL)
            killed += 1
            orphans.update(helpers)
        process.wait()
    assert killed >= 3
    assert not still_running(orphans, within=3.0)  # parse processes die with the fetch
    conn = sqlite3.connect(config.store_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    done = run_digest("fetch", root=config.root)
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(config.store_path)
    urls = [row[0] for row in conn.execute("SELECT url FROM items")]
    assert len(urls) == len(set(urls))  # no item doubled
    assert conn.execute("INSERT INTO items_fts(items_fts) VALUES ('integrity-check')") is not None
    feeds_seen = conn.execute("SELECT count(*) FROM feeds WHERE status = 'ok'").fetchone()[0]
    assert feeds_seen == FEEDS
    conn.close()


@pytest.mark.slow
def test_two_fetches_at_once(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/slow", body=rss(item("Slow", "https://news.example.com/slow")), delay=2)
    config = make_newsletter(tmp_path / "nl", [{"name": "slow", "url": feed_server.url("/slow")}])
    first = subprocess.Popen(digest_cmd(config.root, "fetch"), env=env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    deadline = time.monotonic() + 10
    while not feed_server.hits("/slow") and time.monotonic() < deadline:
        time.sleep(0.05)
    second = subprocess.run(
        digest_cmd(config.root, "fetch"), env=env(), capture_output=True, text=True
    )
    assert second.returncode == 1
    assert "another 'digest fetch' is running" in second.stderr
    assert "Traceback" not in second.stderr
    _out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    reader = run_digest("items", "--all", "--json", root=config.root)
    assert reader.returncode == 0 and "Slow" in reader.stdout


@pytest.mark.slow
def test_a_fetch_waiting_on_a_slow_feed_does_not_hold_the_store(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/fast", body=rss(item("Fast news", "https://news.example.com/fast")))
    feed_server.route(
        "/slow", body=rss(item("Slow news", "https://news.example.com/slow")), delay=4
    )
    feeds = [
        {"name": "fast", "url": feed_server.url("/fast")},
        {"name": "slow", "url": feed_server.url("/slow")},
    ]
    config = make_newsletter(tmp_path / "nl", feeds)
    fetch = subprocess.Popen(
        digest_cmd(config.root, "fetch"), env=env(), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 3.5  # the slow feed answers after 4 s
        titles: list[str] = []
        while not titles and time.monotonic() < deadline:
            time.sleep(0.1)
            if config.store_path.exists():
                titles = _titles(config.store_path)
        assert titles == ["Fast news"]  # saved and visible while the slow feed is awaited
        with contextlib.closing(sqlite3.connect(config.store_path, timeout=1.0)) as conn:
            conn.execute("BEGIN IMMEDIATE")  # another writer gets in too
            conn.execute("ROLLBACK")
        assert fetch.poll() is None  # the fetch was indeed still waiting
    finally:
        _out, err = fetch.communicate(timeout=30)
    assert fetch.returncode == 0, err


def _titles(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path, timeout=0.5)) as conn:
        try:
            return [row[0] for row in conn.execute("SELECT title FROM items")]
        except sqlite3.OperationalError:  # the schema is not there yet
            return []
