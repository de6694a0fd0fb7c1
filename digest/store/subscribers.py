"""The subscriber list's rows (digest/subscribers.py has the values and the rule that a reader
who left stays out)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from digest.store.base import StoreBase
from digest.store.sqlite import transaction
from digest.subscribers import (
    Status,
    Subscriber,
    Tally,
    merged_status,
    subscriber_of_row,
    time_text,
)


class SubscribersMixin(StoreBase):
    def subscribers(self) -> list[Subscriber]:
        rows = self.conn.execute(
            "SELECT address, status, since, changed, source FROM subscribers ORDER BY address"
        ).fetchall()
        return [subscriber_of_row(row) for row in rows]

    def active_subscribers(self) -> list[str]:
        return [
            row[0]
            for row in self.conn.execute(
                "SELECT address FROM subscribers WHERE status = 'active' ORDER BY address"
            )
        ]

    def subscribers_who_left(self) -> set[str]:
        """The lowercased addresses never to mail: unsubscribed or disabled."""
        rows = self.conn.execute("SELECT lower(address) FROM subscribers WHERE status != 'active'")
        return {row[0] for row in rows}

    def find_subscriber(self, address: str) -> Subscriber | None:
        row = self.conn.execute(
            "SELECT address, status, since, changed, source FROM subscribers WHERE address = ?",
            (address,),
        ).fetchone()
        return subscriber_of_row(row) if row else None

    def merge_subscribers(
        self,
        statements: Iterable[tuple[str, Status, dt.datetime | None]],
        source: str,
        now: dt.datetime,
    ) -> Tally:
        """Record what an import says of each address (address, status, subscribed since), in one
        transaction, under the rule that a reader who left stays out."""
        added = changed = unchanged = kept_out = 0
        with transaction(self.conn):
            for address, status, since in statements:
                old = self.find_subscriber(address)
                new = merged_status(old.status if old else None, status)
                if old is None:
                    self._insert_subscriber(Subscriber(address, new, since, now, source))
                    added += 1
                elif new != old.status:
                    self._set_subscriber_status(address, new, now, source)
                    changed += 1
                else:
                    unchanged += 1
                    kept_out += old.status != "active" and status == "active"
        return Tally(added, changed, unchanged, kept_out)

    def set_subscriber_status(
        self, address: str, status: Status, now: dt.datetime, source: str
    ) -> Subscriber | None:
        """The editor's word on one address (add, remove): it wins. Returns the row as it was."""
        with transaction(self.conn):
            old = self.find_subscriber(address)
            if old is None:
                since = now if status == "active" else None
                self._insert_subscriber(Subscriber(address, status, since, now, source))
            elif old.status != status:
                self._set_subscriber_status(address, status, now, source)
        return old

    def _insert_subscriber(self, s: Subscriber) -> None:
        self.conn.execute(
            "INSERT INTO subscribers (address, status, since, changed, source)"
            " VALUES (?, ?, ?, ?, ?)",
            (s.address, s.status, time_text(s.since), time_text(s.changed), s.source),
        )

    def _set_subscriber_status(
        self, address: str, status: Status, now: dt.datetime, source: str
    ) -> None:
        self.conn.execute(
            "UPDATE subscribers SET status = ?, changed = ?, source = ? WHERE address = ?",
            (status, time_text(now), source, address),
        )
