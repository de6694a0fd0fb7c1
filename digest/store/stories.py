"""Stories in the store: which stored items report one event, kept current as items arrive.

The grouping itself is digest/stories/'s (pure); this module chooses which items to group
and writes the story ids. How far around new items a fetch looks (STORY_REACH, regroup_around)
lives here: around each item's own date, whatever its age. A fetch regroups incrementally: the
stored items keep their stories, and only the new or changed items look for theirs, among the
stored items before and after them (stories.link_changed); a new item joins a story, or
bridges two when they are alike enough on average, but no story is split or re-linked on its
own. regroup_stories groups a whole range afresh.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence

from ahocorasick_rs import AhoCorasick

from digest.errors import StoreError
from digest.models import Item
from digest.store.grouping import (
    STORY_ROW_COLUMNS,
    STORY_ROW_TABLES,
    GroupingMixin,
    KeptTerms,
    StoryRow,
    story_row,
)
from digest.store.rows import GROUPING_COLUMNS, grouping_item_of_row, parse_time, time_text
from digest.store.sqlite import like_pattern, select_in, transaction
from digest.stories import (
    LATE_DAYS,
    Member,
    UnionFind,
    group_members,
    link_changed,
    no_cyclic_collection,
    search_words,
)

STORY_REACH = dt.timedelta(days=LATE_DAYS)  # how far apart in time two items of one story may be
FAR_REPORTS = 200  # titles a word of an undated item's title may be in and still find its reports


def spans_within_reach(
    dates: Iterable[dt.datetime], reach: dt.timedelta
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The time spans within reach of the dates, overlapping ones joined: a fetch of items
    from 2021 and from today reads two short spans, not the years between."""
    spans: list[tuple[dt.datetime, dt.datetime]] = []
    for when in sorted(dates):
        if spans and when - reach <= spans[-1][1]:
            spans[-1] = (spans[-1][0], when + reach)
        else:
            spans.append((when - reach, when + reach))
    return spans


def _date_order(row: StoryRow) -> tuple[float, str]:
    return row.when, row.id


class StoriesMixin(GroupingMixin):
    story_items_considered = 0  # how many items the last regroup_around read

    def stories_of(self, item_ids: Iterable[str], urls: Iterable[str]) -> set[str]:
        """The story ids of the items with these ids or these canonical URLs."""
        stories: set[str] = set()
        for column, values in (("id", item_ids), ("url", urls)):
            sql = f"SELECT DISTINCT coalesce(story, id) FROM items WHERE {column} IN ({{marks}})"
            stories.update(row[0] for row in select_in(self.conn, sql, sorted(set(values))))
        return stories

    def stories_by_key(self, item_ids: Iterable[str], urls: Iterable[str]) -> dict[str, str]:
        """The story of each of these ids and canonical URLs that a stored item has."""
        stories: dict[str, str] = {}
        for column, values in (("id", item_ids), ("url", urls)):
            sql = f"SELECT {column}, coalesce(story, id) FROM items WHERE {column} IN ({{marks}})"
            stories.update(select_in(self.conn, sql, sorted(set(values))))
        return stories

    def regroup_stories(self, since: dt.datetime, also: Iterable[str] = ()) -> int:
        """Recompute story ids over the items dated since `since` (plus the ids in `also`),
        the editor's story corrections kept."""
        with no_cyclic_collection(), transaction(self.conn):
            self.follow_term_rules()
            rows = {row.id: row for row in self._story_rows_in(since, None)}
            sql = f"SELECT {STORY_ROW_COLUMNS} FROM {STORY_ROW_TABLES} WHERE i.id IN ({{marks}})"
            extra = [x for x in dict.fromkeys(also) if x not in rows]
            rows.update((r[1], story_row(r)) for r in select_in(self.conn, sql, extra))
            self._mark_undated(rows, list(rows))
            items = sorted(rows.values(), key=_date_order)
            merges, splits = self.story_corrections_of(list(rows))
            grouped = self._grouped([row for row in items if row.id not in splits])
            components: UnionFind[str] = UnionFind()
            for row in items:
                components.union(row.id, grouped.get(row.id, row.id))
            return self._write_stories(items, components, merges)

    def regroup_around(self, changed: Iterable[str]) -> int:
        """Story ids after items were added or changed: only the stories that can touch them.

        Each changed item (and any item never grouped) looks for its story among the items
        dated within STORY_REACH of its own date (published, else first seen), whatever its
        age, before and after it; the other items stay in the stories they were in, and only
        a changed item can join a story or bridge two (when they are alike enough on
        average). Stories no changed item joins keep their ids. Every item read (those within
        reach, and the other items of their stories) counts for the terms' weights. The
        editor's corrections win: merged items stay one story, and grouping joins a split
        item to nothing. Returns how many ids were rewritten; `story_items_considered` says
        how many items the grouping read.
        """
        changed_ids = set(changed)
        with no_cyclic_collection(), transaction(self.conn):
            self.follow_term_rules()
            spans = [
                (lo, hi + dt.timedelta(seconds=1))
                for lo, hi in spans_within_reach(self._dates_of(changed_ids), STORY_REACH)
            ]
            nearby: dict[str, StoryRow] = {}
            for lo, hi in spans:
                nearby.update((row.id, row) for row in self._story_rows_in(lo, hi))
            if not nearby:
                return 0
            undated = self._mark_undated(nearby, list(changed_ids))
            if undated:
                nearby.update((row.id, row) for row in self._far_reports(undated, nearby))
            nearby.update((row.id, row) for row in self._story_rows_beside(spans, nearby))
            if undated:  # whether a story holds only undated items: ask of every item
                self._mark_undated(nearby, list(nearby))
            items = sorted(nearby.values(), key=_date_order)
            self.story_items_considered = len(items)
            merges, splits = self.story_corrections_of(list(nearby))
            components = self._linked([row for row in items if row.id not in splits], changed_ids)
            return self._write_stories(items, components, merges)

    def _linked(self, rows: Sequence[StoryRow], changed: set[str]) -> UnionFind[str]:
        """The stories of the rows (in date order) once the changed ones, and those never
        grouped, have joined theirs: each story's items joined to its first one."""
        first_of_story: dict[str, int] = {}
        stored: list[tuple[int, int]] = []  # never split a story
        fresh: list[int] = []
        for index, row in enumerate(rows):
            if row.id in changed or row.story is None:
                fresh.append(index)
            else:
                stored.append((index, first_of_story.setdefault(row.story, index)))
        groups = UnionFind.of_roots(stored)
        link_changed(
            KeptTerms(self.kept_terms_of(rows)),
            [row.when for row in rows],
            groups,
            fresh,
            [row.undated for row in rows],
            self._threshold,
        )
        return UnionFind.of_roots((row.id, rows[groups.find(i)].id) for i, row in enumerate(rows))

    def _mark_undated(self, rows: dict[str, StoryRow], ids: Sequence[str]) -> list[StoryRow]:
        """Of the rows with these ids, those whose feed gave no date, marked so (in rows too)."""
        sql = "SELECT id FROM items WHERE published IS NULL AND id IN ({marks})"
        marked = []
        for (item_id,) in select_in(self.conn, sql, [i for i in ids if i in rows]):
            marked.append(rows[item_id]._replace(undated=True))
            rows[item_id] = marked[-1]
        return marked

    def _far_reports(
        self, undated: Sequence[StoryRow], loaded: dict[str, StoryRow]
    ) -> list[StoryRow]:
        """Items of any date whose titles give a distinctive word of an undated item's title
        (stories.search_words): its other reports, whenever they were. A word in more than
        FAR_REPORTS titles is too common to tell, and brings nothing. One pass over the
        stored titles, made only by a fetch that brought undated items."""
        sql = "SELECT title FROM items WHERE seq IN ({marks})"
        titles = [title for (title,) in select_in(self.conn, sql, [row.seq for row in undated])]
        words = sorted({w for title in titles for w in search_words(title)})
        if not words:
            return []
        likes = " OR ".join(["title LIKE ? ESCAPE '\\'"] * len(words))
        rows = self.conn.execute(
            f"SELECT id, lower(title) FROM items WHERE {likes}", [like_pattern(w) for w in words]
        )
        automaton = AhoCorasick(words)
        holders: dict[int, list[str]] = {}
        for item_id, title in rows:
            if item_id in loaded:
                continue
            for index, _, _ in automaton.find_matches_as_indexes(title, overlapping=True):
                found = holders.setdefault(index, [])
                if len(found) <= FAR_REPORTS:
                    found.append(item_id)
        wanted = {i for found in holders.values() if len(found) <= FAR_REPORTS for i in found}
        sql = f"SELECT {STORY_ROW_COLUMNS} FROM {STORY_ROW_TABLES} WHERE i.id IN ({{marks}})"
        return [story_row(row) for row in select_in(self.conn, sql, sorted(wanted))]

    @property
    def _threshold(self) -> float:
        return self.config.story_threshold

    def _grouped(self, rows: Sequence[StoryRow]) -> dict[str, str]:
        """group_stories over the rows, their terms stored ones or worked out now."""
        texts = self.texts_of(rows)
        members = [
            Member(row.id, row.when, text, row.undated)
            for row, text in zip(rows, texts, strict=True)
        ]
        return group_members(members, self._threshold).story

    def _write_stories(
        self, items: Sequence[StoryRow], components: UnionFind[str], merges: dict[str, str]
    ) -> int:
        """Each component one story, named by its earliest item (items: in date order), the
        editor's merges joined first; returns how many story ids changed."""
        for item_id, group in merges.items():
            components.union(item_id, "merge:" + group)
        earliest: dict[str, StoryRow] = {}
        for item in items:
            earliest.setdefault(components.find(item.id), item)
        updates = [
            (story, item.id)
            for item in items
            if (story := earliest[components.find(item.id)].id) != item.story
        ]
        with transaction(self.conn):
            self.conn.executemany("UPDATE items SET story = ? WHERE id = ?", updates)
        return len(updates)

    # ------------------------------------------------------------ the editor's corrections

    def story_corrections_of(self, item_ids: Sequence[str]) -> tuple[dict[str, str], set[str]]:
        """The editor's story corrections of these items: (item id -> merge group, the ids
        split off to stand alone)."""
        merges: dict[str, str] = {}
        splits: set[str] = set()
        sql = (
            "SELECT item_id, action, merge_group FROM story_corrections WHERE item_id IN ({marks})"
        )
        for item_id, action, group in select_in(self.conn, sql, item_ids):
            if action == "merge":
                merges[item_id] = group
            else:
                splits.add(item_id)
        return merges, splits

    def merge_stories(self, item_ids: Sequence[str]) -> str:
        """The items, with every item of their stories, made one story that grouping never
        undoes (a split among them is undone); returns the story's id."""
        given = self._items_named(item_ids)
        with transaction(self.conn):
            members = {item.id: item for item in given}
            stories = {item.story or item.id for item in given}
            members.update((i.id, i) for i in self._items_of_stories(stories, members))
            merges, _ = self.story_corrections_of(list(members))
            groups = sorted(set(merges.values()))
            grouped = select_in(
                self.conn,
                "SELECT item_id FROM story_corrections WHERE merge_group IN ({marks})",
                groups,
            )
            members.update(
                self.items_with_ids([row[0] for row in grouped if row[0] not in members])
            )
            ordered = sorted(members.values(), key=lambda i: (i.when, i.id))
            story = ordered[0].id
            self.conn.executemany(
                "INSERT OR REPLACE INTO story_corrections (item_id, action, merge_group) "
                "VALUES (?, 'merge', ?)",
                [(item_id, story) for item_id in members],
            )
            self.conn.executemany(
                "UPDATE items SET story = ? WHERE id = ?", [(story, i) for i in members]
            )
        return story

    def split_story(self, item_id: str) -> str:
        """The item out of its story, standing alone from now on (grouping joins it to
        nothing); the rest of its story stays one story. Returns the rest's story id, or the
        item's own when it was alone."""
        (item,) = self._items_named([item_id])
        with transaction(self.conn):
            rest = [
                i for i in self._items_of_stories([item.story or item.id], {}) if i.id != item_id
            ]
            self.conn.execute(
                "INSERT OR REPLACE INTO story_corrections (item_id, action, merge_group) "
                "VALUES (?, 'split', NULL)",
                (item_id,),
            )
            self.conn.execute("UPDATE items SET story = ? WHERE id = ?", (item_id, item_id))
            if not rest:
                return item_id
            story = min(rest, key=lambda i: (i.when, i.id)).id
            self.conn.executemany(
                "UPDATE items SET story = ? WHERE id = ?", [(story, i.id) for i in rest]
            )
        return story

    def _items_named(self, item_ids: Sequence[str]) -> list[Item]:
        found = self.items_with_ids(item_ids)
        for item_id in item_ids:
            if item_id not in found:
                raise StoreError(
                    f"no item with id {item_id}", hint="See ids with 'digest items --all'."
                )
        return [found[item_id] for item_id in dict.fromkeys(item_ids)]

    def _dates_of(self, item_ids: Iterable[str]) -> list[dt.datetime]:
        """The dates (published, else first seen) of the items with these ids."""
        rows = select_in(
            self.conn,
            "SELECT coalesce(published, first_seen) FROM items WHERE id IN ({marks})",
            sorted(set(item_ids)),
        )
        return [when for (text,) in rows if (when := parse_time(text)) is not None]

    def _story_rows_in(self, since: dt.datetime, until: dt.datetime | None) -> list[StoryRow]:
        """The items dated in [since, until) as regrouping reads them, in no order."""
        sql = (
            f"SELECT {STORY_ROW_COLUMNS} FROM {STORY_ROW_TABLES} "
            "WHERE coalesce(i.published, i.first_seen) >= ?"
        )
        params = [time_text(since)]
        if until is not None:
            sql += " AND coalesce(i.published, i.first_seen) < ?"
            params.append(time_text(until))
        return [story_row(row) for row in self.conn.execute(sql, params)]

    def _story_rows_beside(
        self, spans: Sequence[tuple[dt.datetime, dt.datetime]], loaded: dict[str, StoryRow]
    ) -> list[StoryRow]:
        """The items of the stories of loaded (the items dated in the spans, [since, until)
        each) dated outside the spans, as regrouping reads them."""
        dated = " OR ".join(
            "({when} >= ? AND {when} < ?)".format(when="coalesce(i.published, i.first_seen)")
            for _ in spans
        )
        stories = json.dumps(sorted({row.story or row.id for row in loaded.values()}))
        sql = (
            f"SELECT {STORY_ROW_COLUMNS} FROM {STORY_ROW_TABLES} "
            f"WHERE i.story IN (SELECT value FROM json_each(?)) AND NOT ({dated})"
        )
        rows = self.conn.execute(sql, [stories, *(time_text(t) for span in spans for t in span)])
        return [story_row(row) for row in rows if row[1] not in loaded]

    def _items_of_stories(self, stories: Iterable[str], loaded: dict[str, Item]) -> list[Item]:
        """The items of these stories not in loaded, as grouping reads them (no HTML, no
        reasons: the callers want only their ids, dates and stories)."""
        sql = f"SELECT {GROUPING_COLUMNS} FROM items i WHERE story IN ({{marks}})"
        rows = select_in(self.conn, sql, sorted(set(stories)))
        return [grouping_item_of_row(row) for row in rows if row[0] not in loaded]
