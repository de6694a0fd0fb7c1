"""The range of a draft: after the previous issue, or as --since and --until say."""

from __future__ import annotations

import datetime as dt

import pytest
from support.drafting import NOW

from digest.draft import draft_range
from digest.errors import UserError
from digest.models import Issue


def test_range_follows_the_previous_issue() -> None:
    previous = Issue(number=22, date=dt.date(2021, 7, 15), title="x")
    span = draft_range(previous, None, None, NOW)
    assert span.since == dt.datetime(2021, 7, 15, tzinfo=dt.UTC) and span.until == NOW
    first = draft_range(None, None, dt.date(2021, 7, 31), NOW)
    assert first.since == dt.datetime(2021, 7, 2, tzinfo=dt.UTC)  # 30 days before Aug 1
    forced = draft_range(previous, dt.date(2021, 7, 1), None, NOW)
    assert forced.since.date() == dt.date(2021, 7, 1)
    with pytest.raises(UserError):
        draft_range(None, dt.date(2021, 8, 2), dt.date(2021, 8, 1), NOW)
