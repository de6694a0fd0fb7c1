"""The range of a draft: from the previous issue's date, or as --since and --until say.

The range starts on the previous issue's day itself, not the day after: what was published
after that issue went out that day is news for this one. Only the items an issue used are
left out (digest.draft.memory), not the whole day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from digest.errors import UserError
from digest.models import Issue

DEFAULT_DAYS = 30  # the range of a first issue


@dataclass(frozen=True)
class DraftRange:
    since: dt.datetime  # inclusive
    until: dt.datetime  # exclusive
    previous: int | None = None  # the issue the range follows, if any

    @property
    def first_day(self) -> dt.date:
        return self.since.date()

    @property
    def last_day(self) -> dt.date:
        return (self.until - dt.timedelta(microseconds=1)).date()

    def describe(self) -> str:
        days = f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"
        return f"{days} (since issue {self.previous})" if self.previous else days


def draft_range(
    previous: Issue | None,
    since: dt.date | None,
    until: dt.date | None,
    now: dt.datetime,
) -> DraftRange:
    """From the previous issue's date (or --since), up to the end of --until (or now)."""
    end = _midnight(until + dt.timedelta(days=1)) if until else now
    if since is not None:
        start = _midnight(since)
    elif previous is not None:
        start = _midnight(previous.date)
    else:
        start = end - dt.timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise UserError(
            f"the draft range is empty: it starts {start.date().isoformat()} and ends "
            f"{end.date().isoformat()}",
            hint="Give --since and --until so that --since comes first.",
        )
    followed = previous.number if previous is not None and since is None else None
    return DraftRange(since=start, until=end, previous=followed)


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
