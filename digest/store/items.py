"""Reading items: by query, by id, by date range, and the light sketches a draft ranks."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from digest.errors import UserError
from digest.models import Item, ItemSketch
from digest.store.rows import ITEM_COLUMNS, NEWEST_FIRST, day_text, item_of_row, time_text
from digest.store.schema import STRIP_CHARACTERS
from digest.store.search import SearchMixin, search_clause
from digest.store.sqlite import select_in

MIN_ID_PREFIX = 6  # of the 12 hexadecimal characters of an id
_CANDIDATES_SHOWN = 10
_ID_CHARACTERS = re.compile("[0-9a-z]+")  # no GLOB wildcards


@dataclass(frozen=True)
class ItemQuery:
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive
    country: str | None = None
    topic: str | None = None
    feed: str | None = None
    search: str | None = None
    story: str | None = None
    relevant_only: bool = True
    limit: int | None = None


class ItemsMixin(SearchMixin):
    def list_items(self, query: ItemQuery = ItemQuery()) -> list[Item]:
        if query.search:
            self.update_search_index()
        where, params = _where(query)
        sql = f"SELECT {ITEM_COLUMNS} FROM items i WHERE {where} " + NEWEST_FIRST
        if query.limit is not None:
            sql += " LIMIT ?"
            params.append(query.limit)
        return [item_of_row(row) for row in self.conn.execute(sql, params)]

    def resolve_id(self, prefix: str) -> str:
        """The id of the one item whose id starts with prefix (6 characters at least); a
        prefix too short, of no item, or of several is a UserError that says which."""
        return self._resolve("id", "item", prefix)

    def resolve_story_id(self, prefix: str) -> str:
        """The id of the one story whose id starts with prefix, as resolve_id."""
        return self._resolve("story", "story", prefix)

    def _resolve(self, column: str, kind: str, prefix: str) -> str:
        wanted = prefix.strip().lower()
        if len(wanted) < MIN_ID_PREFIX:
            raise UserError(
                f"'{prefix}' is too short for an {kind} id: give at least {MIN_ID_PREFIX} "
                "characters",
                hint="See ids with 'digest items --all'.",
            )
        found = [] if not _ID_CHARACTERS.fullmatch(wanted) else [
            row[0] for row in self.conn.execute(
                f"SELECT DISTINCT {column} FROM items WHERE {column} GLOB ? ORDER BY 1 LIMIT ?",
                (wanted + "*", _CANDIDATES_SHOWN + 1),
            )
        ]  # fmt: skip
        if len(found) == 1:
            return str(found[0])
        if not found:
            raise UserError(
                f"no {kind} with an id starting '{prefix}'",
                hint="See ids with 'digest items --all'.",
            )
        shown = ", ".join(found[:_CANDIDATES_SHOWN]) + (", ..." if len(found) > 10 else "")
        raise UserError(
            f"'{prefix}' is the start of more than one {kind} id: {shown}",
            hint="Give more of the id.",
        )

    def get_item(self, item_id: str) -> Item | None:
        row = self.conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items i WHERE id = ?", (item_id,)
        ).fetchone()
        return item_of_row(row) if row else None

    def items_with_ids(self, item_ids: Iterable[str]) -> dict[str, Item]:
        """The stored items with these ids, by id (ids not in the store are left out)."""
        sql = f"SELECT {ITEM_COLUMNS} FROM items i WHERE id IN ({{marks}})"
        rows = select_in(self.conn, sql, sorted(set(item_ids)))
        return {row[0]: item_of_row(row) for row in rows}

    def items_in_range(self, since: dt.datetime | None, until: dt.datetime | None) -> list[Item]:
        """Items whose date (published, else first seen) is in [since, until), newest first."""
        sql = f"SELECT {ITEM_COLUMNS} FROM items i WHERE 1"
        params: list[Any] = []
        if since is not None:
            sql += " AND coalesce(published, first_seen) >= ?"
            params.append(time_text(since))
        if until is not None:
            sql += " AND coalesce(published, first_seen) < ?"
            params.append(time_text(until))
        return [item_of_row(row) for row in self.conn.execute(sql + " " + NEWEST_FIRST, params)]

    def iter_items(self) -> Iterator[Item]:
        cursor = self.conn.execute(f"SELECT {ITEM_COLUMNS} FROM items i ORDER BY seq")
        while rows := cursor.fetchmany(1000):
            yield from (item_of_row(row) for row in rows)

    def items_after(self, seq: int, limit: int) -> list[tuple[int, Item]]:
        """Up to `limit` items stored after row `seq`, in storage order, with their rows."""
        rows = self.conn.execute(
            f"SELECT seq, {ITEM_COLUMNS} FROM items i WHERE seq > ? ORDER BY seq LIMIT ?",
            (seq, limit),
        ).fetchall()
        return [(row[0], item_of_row(row[1:])) for row in rows]

    def also_feeds(self, item_ids: Sequence[str]) -> dict[str, list[str]]:
        """For each item, the other feeds that delivered it too."""
        out: dict[str, list[str]] = {}
        rows = select_in(
            self.conn,
            "SELECT DISTINCT s.item_id, s.feed FROM sources s JOIN items i ON i.id = s.item_id "
            "WHERE s.item_id IN ({marks}) AND s.feed != i.feed ORDER BY s.feed",
            item_ids,
        )
        for item_id, feed in rows:
            out.setdefault(item_id, []).append(feed)
        return out

    def sketches_in_range(
        self, since: dt.datetime, until: dt.datetime
    ) -> tuple[list[ItemSketch], int]:
        """The light columns of the relevant items dated in [since, until), in no particular
        order, and how many others (not relevant) the range holds. No titles or summaries: a
        draft chooses from these, then reads the few items it keeps."""
        span = (time_text(since), time_text(until))
        when = "coalesce(published, first_seen) >= ? AND coalesce(published, first_seen) < ?"
        with self.snapshot():
            count = f"SELECT count(*) FROM items WHERE {when}"  # from the index alone
            in_range = self.conn.execute(count, span).fetchone()[0]
            rows = self.conn.execute(
                "SELECT i.id, i.feed, i.url, coalesce(i.story, i.id), "
                "CAST(strftime('%s', coalesce(i.published, i.first_seen)) AS INTEGER), "
                # The stored length (schema.py's summary_sizes); a summary without one (it
                # holds a NUL character, where length() stops) is measured in Python.
                "coalesce(z.chars, CASE WHEN instr(i.summary_text, char(0)) > 0 "
                "THEN i.summary_text ELSE length(trim(i.summary_text, ?)) END), i.topics "
                # The other columns come from the index items_sketch alone.
                "FROM items i INDEXED BY items_sketch LEFT JOIN summary_sizes z ON z.seq = i.seq "
                f"WHERE relevant = 1 AND {when} ORDER BY i.id",
                (STRIP_CHARACTERS, *span),
            ).fetchall()
            extra_feeds = self._extra_feeds({row[0]: row[1] for row in rows})
        decoded: dict[str, tuple[str, ...]] = {}
        sketches = []
        for item_id, feed, url, story, seconds, size, topics_json in rows:
            if isinstance(size, str):
                size = len(size.strip())
            topics = decoded.get(topics_json)
            if topics is None:
                topics = decoded[topics_json] = tuple(json.loads(topics_json))
            feeds = extra_feeds.get(item_id, ())
            sketches.append(
                ItemSketch(item_id, feed, url, story, seconds, size, topics, feeds, True)
            )
        return sketches, in_range - len(sketches)

    def _extra_feeds(self, feed_of: dict[str, str]) -> dict[str, tuple[str, ...]]:
        """The other feeds (sorted) that delivered each of these items, by id; feed_of gives
        each item's own feed, its ids in order: the index of sources is walked in order."""
        found: dict[str, set[str]] = {}
        rows = self.conn.execute(
            "SELECT s.item_id, s.feed FROM json_each(?) j JOIN sources s ON s.item_id = j.value",
            (json.dumps(list(feed_of)),),
        )
        for item_id, feed in rows:
            if feed != feed_of[item_id]:
                found.setdefault(item_id, set()).add(feed)
        return {item_id: tuple(sorted(feeds)) for item_id, feeds in found.items()}


def _where(query: ItemQuery) -> tuple[str, list[Any]]:
    clauses = ["1"]
    params: list[Any] = []
    if query.relevant_only:
        clauses.append("relevant = 1")
    if query.since:
        clauses.append("coalesce(published, first_seen) >= ?")
        params.append(day_text(query.since))
    if query.until:
        clauses.append("coalesce(published, first_seen) < ?")
        params.append(day_text(query.until + dt.timedelta(days=1)))
    if query.country:
        clauses.append("EXISTS (SELECT 1 FROM json_each(i.countries) WHERE value = ?)")
        params.append(query.country.upper())
    if query.topic:
        clauses.append("EXISTS (SELECT 1 FROM json_each(i.topics) WHERE value = ?)")
        params.append(query.topic)
    if query.feed:
        clauses.append("(feed = ? OR id IN (SELECT item_id FROM sources WHERE feed = ?))")
        params += [query.feed, query.feed]
    if query.story:
        clauses.append("story = ?")
        params.append(query.story)
    if query.search:
        clause, words = search_clause(query.search)
        clauses.append(clause)
        params += words
    return " AND ".join(clauses), params
