"""The subscriber list: who `digest send` mails, and who left and is never mailed again.

Addresses are personal data: they live in the local store (.digest/, not committed), never in
the newsletter's files; `digest subscribers export` writes them out as CSV on request. A
reader's status is one of active, unsubscribed (they left, with the date) or disabled (the
address bounces). An import never undoes a leave: an unsubscribed or disabled reader stays so
whatever a later export says; only the editor, on the reader's word, resubscribes them. The
table is created by the store's migrations.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3
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
            "subscribed": _text(self.since) or "",
            "changed": _text(self.changed) or "",
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


def everyone(conn: sqlite3.Connection) -> list[Subscriber]:
    rows = conn.execute(
        "SELECT address, status, since, changed, source FROM subscribers ORDER BY address"
    ).fetchall()
    return [_subscriber(row) for row in rows]


def active_addresses(conn: sqlite3.Connection) -> list[str]:
    return [
        row[0]
        for row in conn.execute(
            "SELECT address FROM subscribers WHERE status = 'active' ORDER BY address"
        )
    ]


def left(conn: sqlite3.Connection) -> set[str]:
    """The lowercased addresses never to mail: unsubscribed or disabled."""
    rows = conn.execute("SELECT lower(address) FROM subscribers WHERE status != 'active'")
    return {row[0] for row in rows}


def find(conn: sqlite3.Connection, address: str) -> Subscriber | None:
    row = conn.execute(
        "SELECT address, status, since, changed, source FROM subscribers WHERE address = ?",
        (address,),
    ).fetchone()
    return _subscriber(row) if row else None


def merge(
    conn: sqlite3.Connection,
    statements: Iterable[tuple[str, Status, dt.datetime | None]],
    source: str,
    now: dt.datetime,
) -> Tally:
    """Record what an import says of each address (address, status, subscribed since), in one
    transaction, under the rule that a reader who left stays out."""
    added = changed = unchanged = kept_out = 0
    with conn:
        for address, status, since in statements:
            old = find(conn, address)
            new = merged_status(old.status if old else None, status)
            if old is None:
                _insert(conn, Subscriber(address, new, since, now, source))
                added += 1
            elif new != old.status:
                _set_status(conn, address, new, now, source)
                changed += 1
            else:
                unchanged += 1
                kept_out += old.status != "active" and status == "active"
    return Tally(added, changed, unchanged, kept_out)


def set_status(
    conn: sqlite3.Connection, address: str, status: Status, now: dt.datetime, source: str
) -> Subscriber | None:
    """The editor's word on one address (add, remove): it wins. Returns the row as it was."""
    with conn:
        old = find(conn, address)
        if old is None:
            _insert(conn, Subscriber(address, status, now if status == "active" else None, now,
                                     source))  # fmt: skip
        elif old.status != status:
            _set_status(conn, address, status, now, source)
    return old


def export_csv(subscribers: Iterable[Subscriber]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=["email", "status", "subscribed", "changed", "source"], lineterminator="\n"
    )
    writer.writeheader()
    for subscriber in subscribers:
        writer.writerow(subscriber.as_row())
    return out.getvalue()


def _insert(conn: sqlite3.Connection, s: Subscriber) -> None:
    conn.execute(
        "INSERT INTO subscribers (address, status, since, changed, source) VALUES (?, ?, ?, ?, ?)",
        (s.address, s.status, _text(s.since), _text(s.changed), s.source),
    )


def _set_status(
    conn: sqlite3.Connection, address: str, status: Status, now: dt.datetime, source: str
) -> None:
    conn.execute(
        "UPDATE subscribers SET status = ?, changed = ?, source = ? WHERE address = ?",
        (status, _text(now), source, address),
    )


def _subscriber(row: tuple[str, str, str | None, str, str]) -> Subscriber:
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


def _text(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds") if when else None
