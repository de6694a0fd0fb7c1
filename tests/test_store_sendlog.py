"""The send log in the store: each attempt kept at once, a recipient's latest one standing."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from support.storecase import NOW, two_feeds

from digest.models import Config
from digest.sendlog import LogEntry, Result
from digest.store import open_store


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def attempt(recipient: str, result: Result, minutes: int, issue: int = 7) -> LogEntry:
    code = {"sent": 250, "refused": 550, "failed": 451}[result]
    reason = "" if result == "sent" else "mailbox says no"
    when = NOW + dt.timedelta(minutes=minutes)
    return LogEntry(issue, recipient, f"<{minutes}@news.example.org>", result, code, reason, when)


def test_the_log_gives_back_every_attempt_oldest_first(config: Config) -> None:
    attempts = [
        attempt("ann@example.org", "failed", 1),
        attempt("bob@example.org", "refused", 2),
        attempt("ann@example.org", "sent", 3),
    ]
    with open_store(config) as store:
        for one in attempts:
            store.record_send(one)
        store.record_send(attempt("ann@example.org", "sent", 4, issue=8))
    with open_store(config) as store:
        assert store.send_log(7) == attempts
        assert [e.issue for e in store.send_log(8)] == [8]
        assert store.send_log(9) == []


def test_a_recipients_standing_is_their_latest_attempt_whatever_the_case(config: Config) -> None:
    with open_store(config) as store:
        store.record_send(attempt("Ann@Example.org", "failed", 1))
        store.record_send(attempt("ann@example.org", "sent", 2))
        store.record_send(attempt("bob@example.org", "refused", 3))
        standing = store.send_standing(7)
    assert {who: e.result for who, e in standing.items()} == {
        "ann@example.org": "sent",
        "bob@example.org": "refused",
    }
    assert standing["ann@example.org"].time == NOW + dt.timedelta(minutes=2)


def test_each_attempt_is_committed_as_soon_as_it_is_recorded(config: Config) -> None:
    with open_store(config) as store:
        store.record_send(attempt("ann@example.org", "sent", 1))
        other = sqlite3.connect(config.store_path)  # what a run that died here would leave
        try:
            rows = other.execute("SELECT recipient, result FROM send_log").fetchall()
        finally:
            other.close()
    assert rows == [("ann@example.org", "sent")]
