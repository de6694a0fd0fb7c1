"""The send log (digest/sendlog.py; its rows in digest/store/sendlog.py) in the real store: one
row per attempt, the latest one wins."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.feedfolder import make_newsletter

from digest.sendlog import LogEntry, latest_by_recipient
from digest.store import Store, open_store

NINE = dt.datetime(2021, 7, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(make_newsletter(tmp_path / "nl", [])) as store:
        yield store


def attempt(
    recipient: str,
    result: str = "sent",
    *,
    issue: int = 22,
    code: int | None = 250,
    reason: str = "",
    minutes: int = 0,
) -> LogEntry:
    return LogEntry(
        issue=issue,
        recipient=recipient,
        message_id=f"<{issue}.{recipient}@digest>",
        result=result,  # type: ignore[arg-type]
        code=code,
        reason=reason,
        time=NINE + dt.timedelta(minutes=minutes),
    )


def test_entries_come_back_as_recorded_oldest_first(store: Store) -> None:
    first = attempt("ann@example.org", "failed", code=450, reason="Mailbox busy")
    second = attempt("ann@example.org", minutes=5)
    store.record_send(first)
    store.record_send(second)
    store.record_send(attempt("bo@example.org", issue=23))
    assert store.send_log(22) == [first, second]
    assert store.send_log(24) == []


def test_the_latest_attempt_is_a_recipients_standing_whatever_the_case(
    store: Store,
) -> None:
    store.record_send(attempt("Ann@Example.org", "failed", code=None, reason="connection lost"))
    store.record_send(attempt("ann@example.org", "sent", minutes=1))
    store.record_send(attempt("gone@example.org", "refused", code=550, reason="No such user"))
    now = store.send_standing(22)
    assert sorted(now) == ["ann@example.org", "gone@example.org"]
    assert now["ann@example.org"].result == "sent"
    assert (now["gone@example.org"].result, now["gone@example.org"].code) == ("refused", 550)


def test_a_time_in_another_zone_is_stored_in_utc_to_the_second(store: Store) -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    local = replace(attempt("ann@example.org"), time=dt.datetime(2021, 7, 15, 18, 0, 0, 7, tokyo))
    store.record_send(local)
    stored = store.conn.execute("SELECT time FROM send_log").fetchone()[0]
    assert stored == "2021-07-15T09:00:00+00:00"
    assert store.send_log(22)[0].time == NINE


def test_each_attempt_is_committed_at_once(store: Store, tmp_path: Path) -> None:
    store.record_send(attempt("ann@example.org"))
    other = sqlite3.connect(tmp_path / "nl" / ".digest" / "store.sqlite")
    try:
        assert other.execute("SELECT recipient FROM send_log").fetchall() == [("ann@example.org",)]
    finally:
        other.close()


def test_a_result_the_log_does_not_know_is_refused_by_the_table(
    store: Store,
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.record_send(attempt("ann@example.org", "bounced"))
    assert store.send_log(22) == []


def test_json_carries_every_field_and_an_iso_time() -> None:
    entry = attempt("ann@example.org", "failed", code=None, reason="timed out")
    assert entry.as_json() == {
        "issue": 22,
        "recipient": "ann@example.org",
        "message_id": "<22.ann@example.org@digest>",
        "result": "failed",
        "code": None,
        "reason": "timed out",
        "time": "2021-07-15T09:00:00+00:00",
    }


def test_a_standing_is_read_from_the_log_alone() -> None:
    log = [attempt("Bo@example.org", "failed", code=451), attempt("bo@example.org", minutes=2)]
    assert latest_by_recipient(log) == {"bo@example.org": log[1]}
    assert latest_by_recipient([]) == {}
