"""The send log (digest/sendlog.py) in the real store: one row per attempt, the latest one wins."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from support.feedfolder import make_newsletter

from digest.sendlog import LogEntry, entries, record, standing
from digest.store import open_store

NINE = dt.datetime(2021, 7, 15, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    with open_store(make_newsletter(tmp_path / "nl", [])) as store:
        yield store.conn


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


def test_entries_come_back_as_recorded_oldest_first(conn: sqlite3.Connection) -> None:
    first = attempt("ann@example.org", "failed", code=450, reason="Mailbox busy")
    second = attempt("ann@example.org", minutes=5)
    record(conn, first)
    record(conn, second)
    record(conn, attempt("bo@example.org", issue=23))
    assert entries(conn, 22) == [first, second]
    assert entries(conn, 24) == []


def test_the_latest_attempt_is_a_recipients_standing_whatever_the_case(
    conn: sqlite3.Connection,
) -> None:
    record(conn, attempt("Ann@Example.org", "failed", code=None, reason="connection lost"))
    record(conn, attempt("ann@example.org", "sent", minutes=1))
    record(conn, attempt("gone@example.org", "refused", code=550, reason="No such user"))
    now = standing(conn, 22)
    assert sorted(now) == ["ann@example.org", "gone@example.org"]
    assert now["ann@example.org"].result == "sent"
    assert (now["gone@example.org"].result, now["gone@example.org"].code) == ("refused", 550)


def test_a_time_in_another_zone_is_stored_in_utc_to_the_second(conn: sqlite3.Connection) -> None:
    tokyo = dt.timezone(dt.timedelta(hours=9))
    local = replace(attempt("ann@example.org"), time=dt.datetime(2021, 7, 15, 18, 0, 0, 7, tokyo))
    record(conn, local)
    stored = conn.execute("SELECT time FROM send_log").fetchone()[0]
    assert stored == "2021-07-15T09:00:00+00:00"
    assert entries(conn, 22)[0].time == NINE


def test_each_attempt_is_committed_at_once(conn: sqlite3.Connection, tmp_path: Path) -> None:
    record(conn, attempt("ann@example.org"))
    other = sqlite3.connect(tmp_path / "nl" / ".digest" / "store.sqlite")
    try:
        assert other.execute("SELECT recipient FROM send_log").fetchall() == [("ann@example.org",)]
    finally:
        other.close()


def test_a_result_the_log_does_not_know_is_refused_by_the_table(
    conn: sqlite3.Connection,
) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        record(conn, attempt("ann@example.org", "bounced"))
    assert entries(conn, 22) == []


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
