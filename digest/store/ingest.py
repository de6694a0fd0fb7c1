"""Saving fetched feeds: each feed's entries deduplicated into items, its fetch recorded.

Each feed is saved whole or not at all, so a crash (even kill -9) never leaves half a feed: a
fetch commits the feeds of each half second together, each in a savepoint of its own. Dedup
is dedup.py's; an entry's tags are its classification with the item's corrections over it
(corrections.py says where classification happens).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from digest.errors import StoreError
from digest.models import Classification, Entry, FeedConfig, FeedOutcome, GroupingTermsRow
from digest.store.corrections import CorrectionsMixin
from digest.store.dedup import Known, Stored, content_hash, id_basis, short_hash, source_keys
from digest.store.feeds import FeedsMixin
from digest.store.grouping import GroupingMixin, terms_version
from digest.store.rows import classification_columns, time_text
from digest.store.sqlite import select_in, transaction

COMMIT_SECONDS = 0.5  # a fetch commits the feeds saved in this long together


@dataclass(frozen=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    changed: tuple[str, ...] = ()  # ids of the items added or updated


class IngestMixin(CorrectionsMixin, GroupingMixin, FeedsMixin):
    def save_feed_results(
        self, outcomes: Iterable[FeedOutcome], now: dt.datetime | None = None
    ) -> Iterator[tuple[FeedOutcome, SaveCounts]]:
        """Record each feed's fetch as it comes, yielding it with what it added and changed.

        Each feed is saved whole or not at all. Feeds that arrive one after another are
        committed together, at most half a second's worth, which costs a fraction of a commit
        per feed; the producer calls commit() when outcomes stop coming for a moment, so the
        store is not held while the network is waited on. A crash loses at most the feeds not
        yet committed, their validators with them, so the next fetch reads them again.
        """
        started = 0.0
        try:
            for outcome in outcomes:
                if not self.conn.in_transaction:
                    self.conn.execute("BEGIN IMMEDIATE")
                    started = time.monotonic()
                yield outcome, self.save_feed_result(outcome, now)
                if time.monotonic() - started >= COMMIT_SECONDS:
                    self.commit()
        finally:
            self.commit()

    def commit(self) -> None:
        """Commit the feeds saved so far, if any, under the rules they were classified by: if
        another command changed the rules meanwhile, the next one classifies everything again."""
        if not self.conn.in_transaction:
            return
        self.conn.execute(
            "UPDATE rules_state SET fingerprint = '' WHERE fingerprint != ?", (self.rules,)
        )
        self.conn.execute("COMMIT")

    def save_feed_result(self, outcome: FeedOutcome, now: dt.datetime | None = None) -> SaveCounts:
        """Record one feed's fetch and its entries, all in one transaction (or savepoint)."""
        now = now or dt.datetime.now(dt.UTC)
        if outcome.status == "skipped":
            return SaveCounts()
        with transaction(self.conn):
            self.record_fetch(outcome, now)
            if not outcome.entries:
                return SaveCounts()
            known = self._known_for(outcome.feed.name, outcome.entries)
            changed: list[str] = []
            malformed = outcome.status == "warning"
            verdicts = outcome.classifications
            if len(verdicts) != len(outcome.entries):
                verdicts = (None,) * len(outcome.entries)  # type: ignore[assignment]
            terms = self._terms_to_keep(outcome)
            for entry, verdict, row in zip(outcome.entries, verdicts, terms, strict=True):
                saved = self._save_entry(entry, outcome.feed, malformed, now, verdict, known, row)
                if saved is not None:
                    changed.append(saved)
            self._flush_saved(outcome.feed.name, known)
        new = sum(1 for item_id in changed if item_id in known.added)
        return SaveCounts(new, len(changed) - new, tuple(changed))

    def _save_entry(
        self,
        entry: Entry,
        feed: FeedConfig,
        malformed: bool,
        now: dt.datetime,
        verdict: Classification | None,
        known: Known,
        terms: GroupingTermsRow | None = None,
    ) -> str | None:
        """The id of the item the entry added or changed; None when it changed nothing."""
        keys = source_keys(entry)
        found = known.find(keys, entry.url)
        hashed = content_hash(entry)
        if found is None:
            item_id = self._new_id(entry, known)
            classification = verdict or self.corrected(entry, feed, item_id)
            columns = classification_columns(classification)
            inserted = self.conn.execute(
                "INSERT INTO items (id, feed, guid, url, title, summary_html, summary_text, "
                "published, published_guessed, first_seen, updated, author, language, "
                "countries, topics, relevant, story, reasons, content_hash, malformed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    item_id, feed.name, entry.guid, entry.url, entry.title, entry.summary_html,
                    entry.summary_text, time_text(entry.published), int(entry.published is None),
                    time_text(now), time_text(entry.updated), entry.author, entry.language,
                    *columns[:3], item_id, columns[3], hashed, int(malformed),
                ),
            )  # fmt: skip
            known.add(Stored(item_id, feed.name, hashed, malformed), keys, entry.url)
            known.added.add(item_id)
            known.remember(keys, item_id)
            if terms is not None:
                known.terms[item_id] = (inserted.lastrowid, *terms)
            return item_id
        if not known.remembers(keys, found.id):
            known.add(found, keys, None)
            known.remember(keys, found.id)
        if found.content_hash == hashed:
            return None
        clean_over_malformed = found.malformed and not malformed
        same_feed_update = found.feed == feed.name and (not malformed or found.malformed)
        if not (clean_over_malformed or same_feed_update):
            return None
        classification = self.corrected(entry, feed, found.id, verdict)
        known.terms.pop(found.id, None)  # the terms of its text as first inserted
        self.conn.execute(
            "UPDATE items SET guid = coalesce(?, guid), url = coalesce(?, url), title = ?, "
            "summary_html = ?, summary_text = ?, published = coalesce(?, published), "
            "published_guessed = published_guessed AND ? IS NULL, updated = ?, author = ?, "
            "language = coalesce(?, language), countries = ?, topics = ?, relevant = ?, "
            "reasons = ?, content_hash = ?, malformed = ? WHERE id = ?",
            (
                entry.guid, entry.url, entry.title, entry.summary_html, entry.summary_text,
                time_text(entry.published), time_text(entry.published),
                time_text(entry.updated or now), entry.author, entry.language,
                *classification_columns(classification), hashed, int(malformed),
                found.id,
            ),
        )  # fmt: skip
        found.content_hash, found.malformed = hashed, malformed
        if entry.url:
            known.by_url.setdefault(entry.url, found)
        return found.id

    def _known_for(self, feed: str, entries: Sequence[Entry]) -> Known:
        """What the store already holds for a batch of entries, read in a few queries."""
        known = Known()
        keys = sorted({key for entry in entries for key in source_keys(entry)})
        rows = select_in(
            self.conn,
            "SELECT s.key, i.id, i.feed, i.content_hash, i.malformed FROM sources s "
            "JOIN items i ON i.id = s.item_id WHERE s.key IN ({marks}) AND s.feed = ?",
            keys,
            [feed],
        )
        for key, item_id, owner, hashed, malformed in rows:
            known.by_key[key] = known.stored(item_id, owner, hashed, malformed)
        urls = sorted({entry.url for entry in entries if entry.url})
        rows = select_in(
            self.conn,
            "SELECT url, id, feed, content_hash, malformed FROM items "
            "WHERE url IN ({marks}) ORDER BY seq",
            urls,
        )
        for url, item_id, owner, hashed, malformed in rows:
            if url not in known.by_url:
                known.by_url[url] = known.stored(item_id, owner, hashed, malformed)
        first_choices = sorted({short_hash(id_basis(entry)) for entry in entries})
        rows = select_in(self.conn, "SELECT id FROM items WHERE id IN ({marks})", first_choices)
        known.taken.update(row[0] for row in rows)
        return known

    def _terms_to_keep(self, outcome: FeedOutcome) -> Sequence[GroupingTermsRow | None]:
        """The grouping terms the fetch worked out for the entries, when they follow this
        store's term rules (the rows are then kept for the new items); else none."""
        terms = outcome.grouping_terms
        if len(terms) != len(outcome.entries) or outcome.terms_version != terms_version():
            return (None,) * len(outcome.entries)
        self.follow_term_rules()
        return terms

    def _flush_saved(self, feed: str, known: Known) -> None:
        """Write what the feed's entries left to write last: the keys each item was delivered
        under (in order: a key delivered twice keeps its last item) and the new items' terms."""
        self.conn.executemany(
            "INSERT OR REPLACE INTO sources (feed, key, item_id) VALUES (?, ?, ?)",
            [(feed, key, item_id) for key, item_id in known.delivered],
        )
        self.store_terms_rows(list(known.terms.values()))

    def _new_id(self, entry: Entry, known: Known) -> str:
        basis = id_basis(entry)
        item_id = short_hash(basis)
        if item_id not in known.taken:
            known.taken.add(item_id)
            return item_id
        for attempt in range(1, 100):
            item_id = short_hash(f"{basis}\0{attempt}")
            if item_id in known.taken:
                continue
            if not self.conn.execute("SELECT 1 FROM items WHERE id = ?", (item_id,)).fetchone():
                known.taken.add(item_id)
                return item_id
        raise StoreError("cannot find a free item id")  # pragma: no cover
