"""`digest items`: list stored items, newest first (relevant ones unless --all)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from digest.commands import (
    DATE,
    State,
    check_range,
    pass_state,
    spelled,
    warn,
    warn_misnamed_issues,
)
from digest.models import FollowUp, Item
from digest.store import ItemQuery, Store, open_store


@click.command()
@click.option("--all", "show_all", is_flag=True, help="Include items judged not relevant.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option("--since", type=DATE, help="Only items dated on or after this day.")
@click.option("--until", type=DATE, help="Only items dated on or before this day.")
@click.option("--country", metavar="CC", help="Only items tagged with this country code.")
@click.option("--topic", metavar="T", help="Only items tagged with this topic slug.")
@click.option("--feed", metavar="NAME", help="Only items delivered by this feed.")
@click.option("--search", metavar="WORDS", help="Only items whose title or summary has every word.")
@click.option(
    "--story", metavar="ID", help="Only the items of this story (6 or more characters of its id)."
)
@click.option("--unused", is_flag=True, help="Only items no issue file uses yet.")
@click.option("--explain", is_flag=True, help="Show why each tag and story was given.")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="At most N items.")
@pass_state
def items(
    state: State,
    show_all: bool,
    as_json: bool,
    since: dt.date | None,
    until: dt.date | None,
    country: str | None,
    topic: str | None,
    feed: str | None,
    search: str | None,
    story: str | None,
    unused: bool,
    explain: bool,
    limit: int | None,
) -> None:
    """List stored items, newest first; relevant items only unless --all."""
    config = state.config()
    check_range(since, until)
    taxonomy = config.taxonomy
    where = "in the taxonomy ('digest taxonomy' shows them all)"
    country = spelled("country", country, taxonomy.countries, where)
    topic = spelled("topic", topic, taxonomy.topics, where)
    if unused:
        warn_misnamed_issues(config)
    follow_ups: dict[str, FollowUp] = {}
    with open_store(config) as store:
        names = [*(f.name for f in config.feeds), *store.feed_names()] if feed else []
        query = ItemQuery(
            since=since,
            until=until,
            country=country,
            topic=topic,
            feed=spelled("feed named", feed, dict.fromkeys(names), "in feeds.yaml or the store"),
            search=search,
            story=store.resolve_story_id(story) if story else None,
            relevant_only=not show_all,
            limit=None if unused else limit,
        )
        found = store.list_items(query)
        if unused:
            from digest.draft import unused_items  # not named by id or canonical URL

            left = unused_items(config, found)
            for message in left.warnings:
                warn(message)
            found = left.items[:limit] if limit else left.items
            follow_ups = left.follow_ups
        also = store.also_feeds([i.id for i in found])
        reasons = _editor_reasons(store, [i.id for i in found]) if explain else {}
    if as_json:
        rows = [item_json(i, also.get(i.id, [])) for i in found]
        if unused:  # the issue whose entry covered the item's story, or null
            for row in rows:
                follow_up = follow_ups.get(row["id"])
                row["follow_up"] = follow_up.issue if follow_up else None
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for item in found:
        follow_up = follow_ups.get(item.id)
        click.echo(_line(item) + (f"  (follow-up to #{follow_up.issue})" if follow_up else ""))
        if explain:
            for line in _explained(item, reasons.get(item.id, {})):
                click.echo(f"      {line}")
    if not found:
        click.echo(
            "No items match." + ("" if show_all else " (Relevant only; --all for every item.)")
        )


def _editor_reasons(store: Store, item_ids: list[str]) -> dict[str, dict[str, str]]:
    """id -> {tag or "story": how the editor's correction decided it}."""
    out: dict[str, dict[str, str]] = {}
    for item_id, (added, removed) in store.overrides_of(item_ids).items():
        for tag in added:
            out.setdefault(item_id, {})[tag] = f"+{tag} by the editor"
        for tag in removed:
            out.setdefault(item_id, {})[tag] = f"-{tag} by the editor"
    merges, splits = store.story_corrections_of(item_ids)
    for item_id in merges:
        out.setdefault(item_id, {})["story"] = "merged by the editor"
    for item_id in splits:
        out.setdefault(item_id, {})["story"] = "split by the editor"
    return out


def _explained(item: Item, by_editor: dict[str, str]) -> list[str]:
    """Each tag and the terms that earned it, or the editor's correction that decided it;
    then the story, when the editor corrected it."""
    lines = [
        f"{tag}: {by_editor.get(tag) or ', '.join(terms)}"
        for tag, terms in sorted(item.reasons.items())
    ]
    rest = sorted((tag == "story", tag) for tag in by_editor if tag not in item.reasons)
    lines += [f"{tag}: {by_editor[tag]}" for _, tag in rest]
    return lines


def item_json(item: Item, also_feeds: list[str]) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "url": item.url,
        "feed": item.feed,
        "published": _iso(item.published),
        "summary": item.summary_html,
        "countries": list(item.countries),
        "topics": list(item.topics),
        "relevant": item.relevant,
        "story": item.story,
        "first_seen": _iso(item.first_seen),
        "reasons": {tag: list(terms) for tag, terms in item.reasons.items()},
        "also_feeds": also_feeds,
        "author": item.author,
        "language": item.language,
    }


def _line(item: Item) -> str:
    when = (item.published or item.first_seen).strftime("%Y-%m-%d")
    tags = " ".join([*item.countries, *item.topics])
    mark = "" if item.relevant else " (not relevant)"
    return f"{item.id}  {when}  {item.title}  [{item.feed}{'; ' + tags if tags else ''}]{mark}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None
