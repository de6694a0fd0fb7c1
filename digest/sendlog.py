"""The send log: who was sent which issue, when, and what the server said.

One row per attempt. A recipient's standing for an issue is their latest row: `sent` is never
sent again, `refused` (a permanent 5xx refusal) is not retried, `failed` (a temporary refusal
or a lost connection) is retried on the next run. Each row is committed as soon as the server
has answered, so a run that dies halfway resumes where it stopped. The rows live in the
store's send_log table, read and written by Store.record_send, send_log and send_standing
(digest/store/sendlog.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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


def latest_by_recipient(log: Iterable[LogEntry]) -> dict[str, LogEntry]:
    """Each recipient's standing: their latest attempt in `log` (oldest first), keyed by the
    lowercased address."""
    latest: dict[str, LogEntry] = {}
    for entry in log:
        latest[entry.recipient.lower()] = entry
    return latest
