"""The send log: who was sent which issue, when, and what the server said.

One row per attempt. A recipient's standing for an issue is their latest row: `sent` is never
sent again, `refused` (a permanent 5xx refusal) is not retried, `failed` (a temporary refusal
or a lost connection) is retried on the next run. Each row is committed as soon as the server
has answered, so a run that dies halfway resumes where it stopped. The table (send_log) is
created by the store's migrations.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Literal

Result = Literal["sent", "refused", "failed"]
RESULTS: tuple[Result, ...] = ("sent", "refused", "failed")


@dataclass(frozen=True)
class LogEntry:
    issue: int
    recipient: str
    message_id: str
    result: Result
    code: int | None
    reason: str
    time: dt.datetime

    def as_json(self) -> dict[str, object]:
        return {
            "issue": self.issue,
            "recipient": self.recipient,
            "message_id": self.message_id,
            "result": self.result,
            "code": self.code,
            "reason": self.reason,
            "time": self.time.isoformat(),
        }


def record(conn: sqlite3.Connection, entry: LogEntry) -> None:
    """Append one attempt and commit it at once."""
    with conn:
        conn.execute(
            "INSERT INTO send_log (issue, recipient, message_id, result, code, reason, time)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                entry.issue,
                entry.recipient,
                entry.message_id,
                entry.result,
                entry.code,
                entry.reason,
                entry.time.astimezone(dt.UTC).isoformat(timespec="seconds"),
            ),
        )


def entries(conn: sqlite3.Connection, issue: int) -> list[LogEntry]:
    """Every attempt for an issue, oldest first."""
    rows = conn.execute(
        "SELECT issue, recipient, message_id, result, code, reason, time FROM send_log"
        " WHERE issue = ? ORDER BY id",
        (issue,),
    ).fetchall()
    return [_entry(row) for row in rows]


def standing(conn: sqlite3.Connection, issue: int) -> dict[str, LogEntry]:
    """Each recipient's latest attempt for an issue, keyed by the lowercased address."""
    latest: dict[str, LogEntry] = {}
    for entry in entries(conn, issue):
        latest[entry.recipient.lower()] = entry
    return latest


def _entry(row: tuple[object, ...]) -> LogEntry:
    issue, recipient, message_id, result, code, reason, time = row
    if result not in RESULTS:
        raise ValueError(f"unknown send result {result!r}")
    return LogEntry(
        issue=int(str(issue)),
        recipient=str(recipient),
        message_id=str(message_id),
        result=result,  # type: ignore[arg-type]
        code=None if code is None else int(str(code)),
        reason=str(reason),
        time=dt.datetime.fromisoformat(str(time)),
    )
