"""Stories in the store: which stored items report one event, kept current as items arrive.

The grouping itself is digest/stories.py's (pure); this module chooses which items to group
and writes the story ids. How far back a fetch regroups (STORY_WINDOW, story_window_start)
and how far around new items it looks (regroup_around) live together here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from digest.errors import DigestError
from digest.issuefile import issue_numbers, load_issue
from digest.models import Config, Item
from digest.store.items import ItemsMixin
from digest.store.rows import ITEM_COLUMNS, item_of_row, parse_time, time_text
from digest.store.sqlite import select_in, transaction
from digest.stories import WINDOW_DAYS, UnionFind, group_stories

STORY_WINDOW = dt.timedelta(days=14)
STORY_REACH_DAYS = WINDOW_DAYS  # how far apart in time two items of one story may be


def story_window_start(config: Config, now: dt.datetime) -> dt.datetime:
    """How far back a fetch groups items into stories: the last two weeks, or back to the
    latest issue when that is older, so the next draft's range is grouped whole."""
    recent = now - STORY_WINDOW
    numbers = issue_numbers(config)
    if not numbers:
        return recent
    try:
        latest = load_issue(config, numbers[-1]).date
    except DigestError:
        return recent  # an issue file being edited: 'digest build' will say what is wrong
    after = dt.datetime.combine(latest + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    return min(recent, after)


class StoriesMixin(ItemsMixin):
    def stories_of(self, item_ids: Iterable[str], urls: Iterable[str]) -> set[str]:
        """The story ids of the items with these ids or these canonical URLs."""
        stories: set[str] = set()
        for column, values in (("id", item_ids), ("url", urls)):
            sql = f"SELECT DISTINCT coalesce(story, id) FROM items WHERE {column} IN ({{marks}})"
            stories.update(row[0] for row in select_in(self.conn, sql, sorted(set(values))))
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

    def regroup_around(self, changed: Iterable[str], since: dt.datetime) -> int:
        """Story ids after items were added or changed: only the stories that can touch them.

        The changed items are grouped with the items dated within the story window of them
        (and every item of those items' stories); stories they do not join keep their ids, and
        unchanged items stay in the stories they were in. Returns how many ids were rewritten.
        """
        changed_ids = set(changed)
        dates = self._dates_of(changed_ids, since)
        if not dates:
            return 0
        reach = dt.timedelta(days=STORY_REACH_DAYS)
        lo = max(since, min(dates) - reach)
        hi = max(dates) + reach
        # Every changed item dated since `since` lies in [lo, hi]: this reads them too.
        nearby = {item.id: item for item in self.items_in_range(lo, hi + dt.timedelta(seconds=1))}
        stories = {item.story or item.id for item in nearby.values()}
        nearby.update((item.id, item) for item in self._items_of_stories(stories, nearby))
        items = list(nearby.values())
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

    def _dates_of(self, item_ids: Iterable[str], since: dt.datetime) -> list[dt.datetime]:
        """The dates (published, else first seen) of the items with these ids dated since
        `since`."""
        rows = select_in(
            self.conn,
            "SELECT coalesce(published, first_seen) FROM items "
            "WHERE id IN ({marks}) AND coalesce(published, first_seen) >= ?",
            sorted(set(item_ids)),
            [time_text(since)],
        )
        return [when for (text,) in rows if (when := parse_time(text)) is not None]

    def _items_of_stories(self, stories: Iterable[str], loaded: dict[str, Item]) -> list[Item]:
        sql = f"SELECT {ITEM_COLUMNS} FROM items i WHERE story IN ({{marks}})"
        rows = select_in(self.conn, sql, sorted(set(stories)))
        return [item_of_row(row) for row in rows if row[0] not in loaded]
