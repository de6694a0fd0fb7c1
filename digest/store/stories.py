"""Stories in the store: which stored items report one event, kept current as items arrive.

The grouping itself is digest/stories.py's (pure); this module chooses which items to group
and writes the story ids. How far around new items a fetch looks (STORY_REACH, regroup_around)
lives here: around each item's own date, whatever its age.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from digest.models import Item
from digest.store.items import ItemsMixin
from digest.store.rows import ITEM_COLUMNS, item_of_row, parse_time
from digest.store.sqlite import select_in, transaction
from digest.stories import LATE_DAYS, UnionFind, group_stories

STORY_REACH = dt.timedelta(days=LATE_DAYS)  # how far apart in time two items of one story may be


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


class StoriesMixin(ItemsMixin):
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
        """Recompute story ids over the items dated since `since` (plus the ids in `also`)."""
        items = self.items_in_range(since, None)
        known = {item.id for item in items}
        extra = [i for i in (self.get_item(x) for x in also if x not in known) if i]
        groups = group_stories([*items, *extra], self.config.story_threshold)
        changes = [
            (groups.get(item.id, item.id), item.id)
            for item in (*items, *extra)
            if groups.get(item.id, item.id) != item.story
        ]
        with transaction(self.conn):
            self.conn.executemany("UPDATE items SET story = ? WHERE id = ?", changes)
        return len(changes)

    def regroup_around(self, changed: Iterable[str]) -> int:
        """Story ids after items were added or changed: only the stories that can touch them.

        Each changed item is grouped with the items dated within STORY_REACH of its own date
        (published, else first seen), whatever its age, and with every item of those items'
        stories; stories they do not join keep their ids, and unchanged items stay in the
        stories they were in. Returns how many ids were rewritten; `story_items_considered`
        says how many items the grouping read.
        """
        changed_ids = set(changed)
        nearby: dict[str, Item] = {}
        for lo, hi in spans_within_reach(self._dates_of(changed_ids), STORY_REACH):
            nearby.update((i.id, i) for i in self.items_in_range(lo, hi + dt.timedelta(seconds=1)))
        if not nearby:
            return 0
        stories = {item.story or item.id for item in nearby.values()}
        nearby.update((item.id, item) for item in self._items_of_stories(stories, nearby))
        items = list(nearby.values())
        self.story_items_considered = len(items)
        grouped = group_stories(items, self.config.story_threshold)
        components: UnionFind[str] = UnionFind()
        for item in items:
            components.union(item.id, grouped.get(item.id, item.id))
            if item.id not in changed_ids and item.story:
                components.union(item.id, "story:" + item.story)  # never split a story
        earliest: dict[str, Item] = {}
        for item in sorted(items, key=lambda i: (i.when, i.id)):
            earliest.setdefault(components.find(item.id), item)
        updates = [
            (story, item.id)
            for item in items
            if (story := earliest[components.find(item.id)].id) != item.story
        ]
        with transaction(self.conn):
            self.conn.executemany("UPDATE items SET story = ? WHERE id = ?", updates)
        return len(updates)

    def _dates_of(self, item_ids: Iterable[str]) -> list[dt.datetime]:
        """The dates (published, else first seen) of the items with these ids."""
        rows = select_in(
            self.conn,
            "SELECT coalesce(published, first_seen) FROM items WHERE id IN ({marks})",
            sorted(set(item_ids)),
        )
        return [when for (text,) in rows if (when := parse_time(text)) is not None]

    def _items_of_stories(self, stories: Iterable[str], loaded: dict[str, Item]) -> list[Item]:
        sql = f"SELECT {ITEM_COLUMNS} FROM items i WHERE story IN ({{marks}})"
        rows = select_in(self.conn, sql, sorted(set(stories)))
        return [item_of_row(row) for row in rows if row[0] not in loaded]
