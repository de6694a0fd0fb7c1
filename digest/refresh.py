"""`digest fetch` as a library call: fetch the feeds, save each one, regroup stories."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from digest.errors import StoreError, UserError
from digest.fetch import Client, fetch_feeds, user_agent
from digest.models import (
    Classification,
    Config,
    Entry,
    FeedConfig,
    FeedOutcome,
    GroupingTermsRow,
    Taxonomy,
)
from digest.store import open_store
from digest.store.grouping import entry_terms, terms_version


@dataclass(frozen=True)
class FetchReport:
    ok: int  # feeds read (including "not modified")
    failed: int
    skipped: int  # resting after a 429/503 Retry-After
    new: int
    updated: int
    seconds: float
    outcomes: tuple[FeedOutcome, ...] = ()

    @property
    def all_failed(self) -> bool:
        return self.failed > 0 and self.ok == 0


class Classifier:
    """classify_entry under one taxonomy, for fetch's parse workers. The classify stage is
    imported on the first entry, in the worker: the workers are forked before any feed is
    read, and a fetch whose feeds all fail never loads the matcher's libraries at all."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy

    def __call__(self, entry: Entry, feed: FeedConfig) -> Classification:
        from digest.classify import classify_entry

        return classify_entry(entry, feed, self.taxonomy)

    def warm_up(self) -> None:
        """Load the matcher of the taxonomy's rules (a parse worker does, before any feed)."""
        from digest.classify import classify_text

        classify_text("", "", None, self.taxonomy)


class GroupingTerms:
    """Each entry's story-grouping terms for fetch's parse workers, worked out there so that
    regrouping after the fetch reads them from the store."""

    def __call__(self, entry: Entry) -> GroupingTermsRow | None:
        return entry_terms(entry)

    def version(self) -> str:
        return terms_version()

    def warm_up(self) -> None:
        """Load the names, places and rules terms are worked out with, and the version."""
        sample = "Warm up"
        entry_terms(Entry("", None, "https://example.org/", sample, sample, sample, None))
        terms_version()


def run_fetch(
    config: Config,
    only: str | None = None,
    on_feed: Callable[[FeedOutcome], None] | None = None,
) -> FetchReport:
    """Fetch every feed (or the one named), store what they gave, and say how it went."""
    started = time.monotonic()
    feeds = _chosen(config, only)
    client = Client(
        config.fetch,
        user_agent(config.newsletter.url),
        config.root,
        classify=Classifier(config.taxonomy),
        grouping_terms=GroupingTerms(),
    )
    outcomes: list[FeedOutcome] = []
    new = updated = 0
    changed: list[str] = []
    now = dt.datetime.now(dt.UTC)
    with fetch_lock(config.state_dir), open_store(config) as store:
        fetched = fetch_feeds(feeds, client, store.feed_states(), now=now, on_idle=store.commit)
        for outcome, counts in store.save_feed_results(fetched, now):
            outcomes.append(outcome)
            new, updated = new + counts.new, updated + counts.updated
            changed += counts.changed
            if on_feed is not None:
                on_feed(outcome)
        if changed:
            store.regroup_around(changed)
    return FetchReport(
        ok=sum(o.worked for o in outcomes),
        failed=sum(o.failed for o in outcomes),
        skipped=sum(o.status == "skipped" for o in outcomes),
        new=new,
        updated=updated,
        seconds=time.monotonic() - started,
        outcomes=tuple(outcomes),
    )


def _chosen(config: Config, only: str | None) -> tuple[FeedConfig, ...]:
    if only is None:
        return config.feeds
    feed = config.feed(only)
    if feed is None:
        names = ", ".join(f.name for f in config.feeds) or "none"
        raise UserError(f"no feed named '{only}' in feeds.yaml", hint=f"Feeds: {names}.")
    return (feed,)


@contextlib.contextmanager
def fetch_lock(state_dir: Path) -> Iterator[None]:
    """One fetch at a time per newsletter folder; the lock goes when the process does."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with (state_dir / "fetch.lock").open("a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise StoreError(
                "another 'digest fetch' is running in this folder",
                hint="Wait for it to finish, then run this one again.",
            ) from exc
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
