"""The subscriber list: who `digest send` mails, and who left and is never mailed again.

Addresses are personal data: they live in the local store (.digest/, not committed), never in
the newsletter's files; `digest subscribers export` writes them out as CSV on request. A
reader's status is one of active, unsubscribed (they left, with the date) or disabled (the
address bounces). An import never undoes a leave: an unsubscribed or disabled reader stays so
whatever a later export says; only the editor, on the reader's word, resubscribes them. The
table and its queries are the store's (digest/store/subscribers.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Status = Literal["active", "unsubscribed", "disabled"]
STATUSES: tuple[Status, ...] = ("active", "unsubscribed", "disabled")
# A later statement may move a reader only rightwards: an import can disable or unsubscribe an
# active reader, never bring back one who left.
_RANK = {"active": 0, "disabled": 1, "unsubscribed": 2}


@dataclass(frozen=True)
class Subscriber:
    address: str
    status: Status
    since: dt.datetime | None  # when they subscribed, if known
    changed: dt.datetime  # when the status was last set
    source: str = ""  # where the row came from: substack, add, remove

    def as_row(self) -> dict[str, str]:
        return {
            "email": self.address,
            "status": self.status,
            "subscribed": time_text(self.since) or "",
            "changed": time_text(self.changed) or "",
            "source": self.source,
        }


@dataclass(frozen=True)
class Tally:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    kept_out: int = 0  # readers who left earlier and stay out, whatever the export says

    def describe(self) -> str:
        parts = [f"{self.added} new", f"{self.changed} changed", f"{self.unchanged} unchanged"]
        if self.kept_out:
            parts.append(f"{self.kept_out} who left earlier kept out")
        return ", ".join(parts)


def merged_status(old: Status | None, new: Status) -> Status:
    """What a reader becomes when an import states `new` about them."""
    if old is None:
        return new
    return old if _RANK[old] >= _RANK[new] else new


def export_csv(subscribers: Iterable[Subscriber]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["email", "status", "subscribed", "changed", "source"], lineterminator="\n"
    )
    writer.writeheader()
    for subscriber in subscribers:
        writer.writerow(subscriber.as_row())
    return out.getvalue()


def subscriber_of_row(row: tuple[str, str, str | None, str, str]) -> Subscriber:
    address, status, since, changed, source = row
    if status not in STATUSES:
        raise ValueError(f"unknown subscriber status {status!r}")
    return Subscriber(
        address=address,
        status=status,  # type: ignore[arg-type]
        since=dt.datetime.fromisoformat(since) if since else None,
        changed=dt.datetime.fromisoformat(changed),
        source=source,
    )


def time_text(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds") if when else None
