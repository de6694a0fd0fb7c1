"""Feeds: what each fetch of a feed gave (status, validators, failures), and its health."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from digest.models import FeedOutcome, FeedState
from digest.store.base import StoreBase
from digest.store.rows import parse_time, time_text


@dataclass(frozen=True)
class FeedHealth:
    name: str
    url: str
    status: str
    error: str | None
    warning: str | None
    items: int
    last_fetched: dt.datetime | None
    last_success: dt.datetime | None
    failures: int
    retry_after: dt.datetime | None


class FeedsMixin(StoreBase):
    def feed_states(self) -> dict[str, FeedState]:
        """What the next fetch of each feed sends (validators) or waits for (Retry-After)."""
        rows = self.conn.execute("SELECT name, url, etag, last_modified, retry_after FROM feeds")
        by_url = {f.name: f.url for f in self.config.feeds}
        return {
            name: FeedState(etag, modified, parse_time(retry))
            if by_url.get(name) == url
            else FeedState()  # the url changed: start afresh
            for name, url, etag, modified, retry in rows
        }

    def feed_health(self) -> list[FeedHealth]:
        """Every feed of feeds.yaml, in its order, with what the store knows of it."""
        rows = {
            row[0]: row
            for row in self.conn.execute(
                "SELECT f.name, f.url, f.status, f.error, f.warning, f.last_fetched, "
                "f.last_success, f.failures, f.retry_after, "
                "(SELECT count(DISTINCT item_id) FROM sources s WHERE s.feed = f.name) "
                "FROM feeds f"
            )
        }
        out = []
        for feed in self.config.feeds:
            row = rows.get(feed.name)
            if row is None or row[1] != feed.url:
                out.append(FeedHealth(feed.name, feed.url, "new", None, None, 0, None, None, 0,
                                      None))  # fmt: skip
                continue
            _, url, status, error, warning, fetched, success, failures, retry, count = row
            out.append(
                FeedHealth(
                    feed.name, url, status, error, warning, count, parse_time(fetched),
                    parse_time(success), failures, parse_time(retry),
                )
            )  # fmt: skip
        return out

    def feed_names(self) -> list[str]:
        """The names of the feeds that delivered stored items, feeds.yaml's or not (a feed
        since removed keeps its items)."""
        return [row[0] for row in self.conn.execute("SELECT DISTINCT feed FROM sources")]

    def record_fetch(self, outcome: FeedOutcome, now: dt.datetime) -> None:
        """Note how a feed's fetch went (its entries are saved apart, in the same
        transaction). A changed URL forgets the old one's validators."""
        feed = outcome.feed
        self.conn.execute(
            "INSERT INTO feeds (name, url) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET url = excluded.url, "
            "etag = CASE WHEN feeds.url = excluded.url THEN etag END, "
            "last_modified = CASE WHEN feeds.url = excluded.url THEN last_modified END",
            (feed.name, feed.url),
        )
        stamp = time_text(now)
        if outcome.worked:
            status = outcome.status
            if status == "not_modified":
                status = "CASE WHEN status = 'warning' THEN 'warning' ELSE 'ok' END"
                warning = "warning"
            else:
                status, warning = "?", "?"
            params: list[Any] = []
            if outcome.status != "not_modified":
                params += [outcome.status, outcome.warning]
            self.conn.execute(
                f"UPDATE feeds SET status = {status}, warning = {warning}, error = NULL, "
                "failures = 0, retry_after = NULL, last_fetched = ?, last_success = ?, "
                "etag = ?, last_modified = ? WHERE name = ?",
                [*params, stamp, stamp, outcome.etag, outcome.last_modified, feed.name],
            )
        else:
            self.conn.execute(
                "UPDATE feeds SET status = ?, error = ?, failures = failures + 1, "
                "retry_after = ?, last_fetched = ? WHERE name = ?",
                (outcome.status, outcome.error, time_text(outcome.retry_after), stamp, feed.name),
            )
