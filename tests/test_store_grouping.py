"""Each stored item's grouping terms, worked out once: regrouping with them is regrouping
from the items' text, on real reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from support.storecase import ALL, NOW, outcome, two_feeds

from digest.evaluate.sets import feed_dates, load_eval_set
from digest.models import Config, Entry, FeedOutcome
from digest.store import Store, open_store
from digest.store.grouping import entry_terms, terms_version
from digest.stories import group_stories, text_terms

REAL = load_eval_set(Path(__file__).parent / "data/eval/real.json").items
START = dt.datetime(2021, 5, 1, 8, tzinfo=dt.UTC)


def real_entries() -> list[Entry]:
    """The real reports as one feed's entries: noon of their own dates, or one every seven
    hours from START."""
    dated = feed_dates(REAL)
    return [
        Entry(feed="A", guid=None, url=it.url, title=it.title, summary_html="",
              summary_text=it.summary,
              published=dated.get(it.id, START + dt.timedelta(hours=7 * n)))
        for n, it in enumerate(REAL)
    ]  # fmt: skip


def stories(store: Store) -> dict[str, str | None]:
    return {item.url or "": item.story for item in store.list_items(ALL)}


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def test_regrouping_with_stored_terms_is_regrouping_from_the_text(tmp_path: Path) -> None:
    """A fetch of new reports among stored ones, regrouped around them: the same stories
    whether the stored items' terms are kept or worked out again from their text."""
    entries = real_entries()
    found = []
    for kept in (True, False):
        config = two_feeds(tmp_path / str(kept))
        with open_store(config) as store:
            for batch in (entries[::2], entries[1::2]):  # the new ones dated among the others
                changed = store.save_feed_result(outcome(config, "A", *batch), NOW).changed
                if not kept:
                    store.conn.execute("DELETE FROM grouping_terms")
                store.regroup_around(changed)
            found.append(stories(store))
    assert found[0] == found[1]
    assert len(set(found[0].values())) < len(found[0])  # some reports are one story


def test_a_fetch_into_an_empty_store_groups_as_the_stories_module(config: Config) -> None:
    entries = real_entries()
    with open_store(config) as store:
        changed = store.save_feed_result(outcome(config, "A", *entries), NOW).changed
        store.regroup_around(changed)
        items = store.list_items(ALL)
    expected = group_stories(items, config.story_threshold)
    assert {item.id: item.story for item in items} == expected


def test_stored_terms_are_the_texts_terms(config: Config) -> None:
    with open_store(config) as store:
        changed = store.save_feed_result(outcome(config, "A", *real_entries()), NOW).changed
        assert all(row.terms is None for row in store._story_rows_in(START, None))
        store.regroup_around(changed)
        rows = store._story_rows_in(START - dt.timedelta(days=3650), None)
        by_id = {item.id: item for item in store.list_items(ALL)}
        assert rows and all(row.terms is not None for row in rows)
        texts = store.texts_of(rows)
    for row, text in zip(rows, texts, strict=True):
        item = by_id[row.id]
        assert text == text_terms(item.title, item.summary_text, item.url)


def test_new_term_rules_work_every_items_terms_out_again(config: Config) -> None:
    entries = real_entries()
    with open_store(config) as store:
        changed = store.save_feed_result(outcome(config, "A", *entries), NOW).changed
        store.regroup_around(changed)
        store.conn.execute("UPDATE grouping_state SET version = 'older rules'")
        store.conn.execute("UPDATE grouping_terms SET body = 'stale'")
        store.regroup_around(changed)
        version = store.conn.execute("SELECT version FROM grouping_state").fetchone()[0]
        stale = store.conn.execute("SELECT count(*) FROM grouping_terms WHERE body = 'stale'")
        assert (version, stale.fetchone()[0]) == (terms_version(), 0)
        regrouped = stories(store)
    with open_store(two_feeds(config.root.parent / "again")) as fresh:
        changed = fresh.save_feed_result(outcome(config, "A", *entries), NOW).changed
        fresh.regroup_around(changed)
        assert stories(fresh) == regrouped


def test_an_item_whose_text_changes_loses_its_terms(config: Config) -> None:
    first, *_ = real_entries()
    with open_store(config) as store:
        store.regroup_around(store.save_feed_result(outcome(config, "A", first), NOW).changed)
        assert store.conn.execute("SELECT count(*) FROM grouping_terms").fetchone()[0] == 1
        changed = replace(
            first, summary_html="<p>Another summary.</p>", summary_text="Another summary."
        )
        store.save_feed_result(outcome(config, "A", changed), NOW)
        assert store.conn.execute("SELECT count(*) FROM grouping_terms").fetchone()[0] == 0
        store.regroup_around([store.list_items(ALL)[0].id])
        (body,) = store.conn.execute("SELECT body FROM grouping_terms").fetchone()
    assert "summary" in body.split("\x1f")


def with_terms(config: Config, entries: list[Entry], version: str | None = None) -> FeedOutcome:
    """One feed's fetch with each entry's grouping terms worked out beside it, as fetch's
    parse workers do."""
    return replace(
        outcome(config, "A", *entries),
        grouping_terms=tuple(entry_terms(entry) for entry in entries),
        terms_version=terms_version() if version is None else version,
    )


def test_terms_a_fetch_worked_out_are_kept_as_the_items_are_saved(config: Config) -> None:
    entries = real_entries()
    with open_store(config) as store:
        changed = store.save_feed_result(with_terms(config, entries), NOW).changed
        rows = store._story_rows_in(START - dt.timedelta(days=3650), None)
        by_id = {item.id: item for item in store.list_items(ALL)}
        kept_rows = store.conn.execute("SELECT count(*) FROM grouping_terms").fetchone()[0]
        assert rows and kept_rows == len(by_id) and all(row.terms is not None for row in rows)
        for row, text in zip(rows, store.texts_of(rows), strict=True):
            item = by_id[row.id]
            assert text == text_terms(item.title, item.summary_text, item.url)
        store.regroup_around(changed)
        kept = stories(store)
    with open_store(two_feeds(config.root.parent / "from-text")) as other:
        other.regroup_around(other.save_feed_result(outcome(config, "A", *entries), NOW).changed)
        assert stories(other) == kept


def test_terms_of_other_term_rules_are_not_kept(config: Config) -> None:
    with open_store(config) as store:
        store.save_feed_result(with_terms(config, real_entries(), version="older rules"), NOW)
        assert store.conn.execute("SELECT count(*) FROM grouping_terms").fetchone()[0] == 0


def test_an_item_updated_within_its_feed_keeps_no_terms_of_its_first_text(
    config: Config,
) -> None:
    first, *_ = real_entries()
    changed = replace(first, summary_html="<p>Other.</p>", summary_text="Other.")
    with open_store(config) as store:
        store.save_feed_result(with_terms(config, [first, changed]), NOW)
        assert store.conn.execute("SELECT count(*) FROM grouping_terms").fetchone()[0] == 0
