"""The send log's rows: each delivery attempt of an issue, committed as soon as the server
has answered (digest/sendlog.py has the values and what a recipient's standing means)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from digest.sendlog import RESULTS, LogEntry, latest_by_recipient
from digest.store.base import StoreBase
from digest.store.sqlite import transaction


class SendLogMixin(StoreBase):
    def record_send(self, entry: LogEntry) -> None:
        """Append one attempt and commit it at once."""
        with transaction(self.conn):
            self.conn.execute(
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

    def send_log(self, issue: int) -> list[LogEntry]:
        """Every attempt for an issue, oldest first."""
        rows = self.conn.execute(
            "SELECT issue, recipient, message_id, result, code, reason, time FROM send_log"
            " WHERE issue = ? ORDER BY id",
            (issue,),
        ).fetchall()
        return [_entry(row) for row in rows]

    def send_standing(self, issue: int) -> dict[str, LogEntry]:
        """Each recipient's latest attempt for an issue, keyed by the lowercased address."""
        return latest_by_recipient(self.send_log(issue))


def _entry(row: tuple[Any, ...]) -> LogEntry:
    issue, recipient, message_id, result, code, reason, time = row
    if result not in RESULTS:
        raise ValueError(f"unknown send result {result!r}")
    return LogEntry(
        issue=int(issue),
        recipient=str(recipient),
        message_id=str(message_id),
        result=result,
        code=None if code is None else int(code),
        reason=str(reason),
        time=dt.datetime.fromisoformat(str(time)),
    )
