"""Editors' tag corrections, and classifying stored items again.

Where classification happens: it is one pure stage, classify.classify_entry (the rules), with
classify.classify_with_overrides laying an editor's corrections over its verdict. Three
callers reach it:

- a fetch: fetch's parse workers run the classifier refresh.py hands the Client beside the
  parsing, and hand the verdicts over in FeedOutcome.classifications;
- saving an entry (ingest.py): the store takes the fetch's verdict as it is, or reaches one
  itself when the outcome carries none (library callers, tests), and lays the item's stored
  corrections over it (`corrected` below);
- reclassification (here): a new correction (`digest tag`), or rules that changed since the
  stored tags were given (follow_rules, on opening the store), classify items again.

Corrections live in their own table (tag_overrides), so they survive re-fetching.
"""

from __future__ import annotations

import functools
import logging
import sqlite3
from collections.abc import Sequence

from digest import classify
from digest.errors import StoreError
from digest.models import Classification, Entry, FeedConfig, Item
from digest.store.items import ItemsMixin
from digest.store.rows import classification_columns
from digest.store.sqlite import select_in, transaction

log = logging.getLogger("digest.store")
RECLASSIFY_BATCH = 1000  # items read, classified and written in one transaction


class CorrectionsMixin(ItemsMixin):
    @functools.cached_property
    def rules(self) -> str:
        """The fingerprint of the classification rules this store's config gives."""
        return classify.rules_fingerprint(self.config.taxonomy, self.config.feeds)

    def tag_overrides(self, item_id: str) -> tuple[list[str], list[str]]:
        """An item's corrections: (tags added, tags removed)."""
        return self.overrides_of([item_id]).get(item_id, ([], []))

    def overrides_of(self, item_ids: Sequence[str]) -> dict[str, tuple[list[str], list[str]]]:
        """The editor's corrections of these items: id -> (tags added, tags removed)."""
        out: dict[str, tuple[list[str], list[str]]] = {}
        rows = select_in(
            self.conn,
            "SELECT item_id, tag, action FROM tag_overrides WHERE item_id IN ({marks}) "
            "ORDER BY tag",
            item_ids,
        )
        for item_id, tag, action in rows:
            add, remove = out.setdefault(item_id, ([], []))
            (add if action == "add" else remove).append(tag)
        return out

    def corrected(
        self,
        entry: Entry,
        feed: FeedConfig | None,
        item_id: str,
        verdict: Classification | None = None,
    ) -> Classification:
        """The rules' verdict (reached now unless given) with the item's stored corrections."""
        add, remove = self.tag_overrides(item_id)
        return classify.classify_with_overrides(
            entry, feed, self.config.taxonomy, add, remove, verdict
        )

    def set_tag_overrides(self, item_id: str, add: Sequence[str], remove: Sequence[str]) -> Item:
        """Record an editor's correction and reclassify the item with it."""
        item = self.get_item(item_id)
        if item is None:
            raise StoreError(
                f"no item with id {item_id}", hint="See ids with 'digest items --all'."
            )
        with transaction(self.conn):
            self.conn.executemany(
                "INSERT OR REPLACE INTO tag_overrides (item_id, tag, action) VALUES (?, ?, ?)",
                [(item_id, tag, "add") for tag in add] + [(item_id, t, "remove") for t in remove],
            )
            self._reclassify_items([item])
        got = self.get_item(item_id)
        assert got is not None
        return got

    def follow_rules(self) -> int:
        """Classify every item again if the rules changed since they were classified (a
        country's aliases, a topic's keywords or a feed's defaults in feeds.yaml, or digest's
        own lists); returns how many items changed."""
        row = self.conn.execute("SELECT fingerprint FROM rules_state").fetchone()
        if row is not None and row[0] == self.rules:
            return 0
        stored = self.conn.execute("SELECT count(*) FROM items").fetchone()[0]
        if stored:  # a big store takes a while: say why
            log.warning(
                "classifying %s stored item%s again: the taxonomy or a feed's defaults changed",
                f"{stored:,}",
                "" if stored == 1 else "s",
            )
        try:
            changed = self.reclassify()
            with transaction(self.conn):
                self.conn.execute("UPDATE rules_state SET fingerprint = ?", (self.rules,))
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"cannot bring the stored items up to the new taxonomy: {exc}",
                hint="Another digest command is writing to the store; run this one again.",
            ) from exc
        return changed

    def reclassify(self) -> int:
        """Classify every stored item again, the editor's corrections kept; returns how many
        changed. Items of feeds no longer in feeds.yaml keep their tags (their feed's defaults
        are gone with it). Stories do not depend on tags, so they stay as they are."""
        listed = {feed.name for feed in self.config.feeds}
        changed = 0
        last = 0
        while True:
            with transaction(self.conn):  # read and written in one go: a fetch may be saving
                rows = self.items_after(last, RECLASSIFY_BATCH)
                if not rows:
                    break
                changed += self._reclassify_items([i for _, i in rows if i.feed in listed])
            last = rows[-1][0]
        return changed

    def _reclassify_items(self, items: Sequence[Item]) -> int:
        feeds = {feed.name: feed for feed in self.config.feeds}
        overrides = self.overrides_of([item.id for item in items])
        changed = 0
        for item in items:
            add, remove = overrides.get(item.id, ([], []))
            got = classify.classify_with_overrides(
                entry_of(item), feeds.get(item.feed), self.config.taxonomy, add, remove
            )
            if (got.countries, got.topics, got.relevant, got.reasons) != (
                item.countries,
                item.topics,
                item.relevant,
                item.reasons,
            ):
                changed += 1
                countries, topics, relevant, reasons = classification_columns(got)
                self.conn.execute(
                    "UPDATE items SET countries = ?, topics = ?, relevant = ?, reasons = ? "
                    "WHERE id = ?",
                    (countries, topics, relevant, reasons, item.id),
                )
        return changed


def entry_of(item: Item) -> Entry:
    """A stored item as the entry the rules classify."""
    return Entry(
        feed=item.feed,
        guid=item.guid,
        url=item.url,
        title=item.title,
        summary_html=item.summary_html,
        summary_text=item.summary_text,
        published=item.published,
        updated=item.updated,
        author=item.author,
        language=item.language,
    )
