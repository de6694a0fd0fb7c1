"""Each feed's fetch state (validators, Retry-After) and health as the store keeps them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from support.storecase import NOW, entry, outcome, two_feeds

from digest.models import Config, FeedOutcome, FeedState
from digest.store import FeedHealth, open_store


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def health_of(config: Config) -> dict[str, FeedHealth]:
    with open_store(config) as store:
        return {h.name: h for h in store.feed_health()}


def record(config: Config, *outcomes: FeedOutcome, now: dt.datetime = NOW) -> None:
    with open_store(config) as store:
        for one in outcomes:
            store.save_feed_result(one, now)


def test_feed_health_counts_failures(config: Config) -> None:
    failing = FeedOutcome(config.feeds[1], "error", error="HTTP 500 Internal Server Error")
    record(config, failing, failing)
    health = health_of(config)
    assert (health["B"].status, health["B"].failures, health["B"].error) == (
        "error",
        2,
        "HTTP 500 Internal Server Error",
    )
    assert health["A"].status == "new" and health["A"].last_fetched is None


def test_a_success_clears_the_failures_and_counts_the_items(config: Config) -> None:
    record(config, FeedOutcome(config.feeds[0], "error", error="HTTP 502 Bad Gateway"))
    later = NOW + dt.timedelta(hours=1)
    two = outcome(config, "A", entry("One", "https://a.example.com/1"),
                  entry("Two", "https://a.example.com/2"))  # fmt: skip
    record(config, replace(two, etag='"v1"', last_modified="Sun, 20 Jun 2021 12:00:00 GMT"),
           now=later)  # fmt: skip
    health = health_of(config)["A"]
    assert (health.status, health.failures, health.error, health.items) == ("ok", 0, None, 2)
    assert health.last_fetched == health.last_success == later
    with open_store(config) as store:
        assert store.feed_states()["A"] == FeedState('"v1"', "Sun, 20 Jun 2021 12:00:00 GMT")


def test_not_modified_keeps_a_feeds_warning(config: Config) -> None:
    warned = replace(outcome(config, "A", entry("Odd", "https://a.example.com/1")),
                     status="warning", warning="bad date in 1 entry")  # fmt: skip
    record(config, warned, FeedOutcome(config.feeds[0], "not_modified"))
    health = health_of(config)["A"]
    assert (health.status, health.warning) == ("warning", "bad date in 1 entry")


def test_a_resting_feed_remembers_when_to_come_back(config: Config) -> None:
    until = NOW + dt.timedelta(hours=2)
    record(config, FeedOutcome(config.feeds[1], "error", error="HTTP 429", retry_after=until))
    assert health_of(config)["B"].retry_after == until
    with open_store(config) as store:
        assert store.feed_states()["B"].retry_after == until


def test_a_feed_whose_url_changed_starts_afresh(config: Config) -> None:
    record(config, replace(outcome(config, "A"), etag='"old"'))
    moved = replace(config, feeds=(replace(config.feeds[0], url="https://a.example.com/new"),
                                   config.feeds[1]))  # fmt: skip
    with open_store(moved) as store:
        assert store.feed_states()["A"] == FeedState()  # no validators of the old URL
        assert store.feed_health()[0].status == "new"
