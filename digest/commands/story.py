"""`digest story merge ID ID...` and `digest story split ID`: an editor's correction of stories.

The correction is stored beside the items and wins over grouping, now and after every
re-fetch or regrouping: merged items stay one story; a split item stands alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from digest.commands import State, pass_state
from digest.errors import UserError
from digest.models import Item
from digest.store import ItemQuery, Store, open_store


@click.group()
def story() -> None:
    """Correct stories: merge items (or their stories) into one, or split an item off."""


@story.command()
@click.argument("item_ids", nargs=-1, required=True, metavar="ID ID...")
@pass_state
def merge(state: State, item_ids: tuple[str, ...]) -> None:
    """Make the items ID..., with every item of their stories, one story.

    Each ID is an item's id or 6 or more of its first characters.

    Example: digest story merge 3f2a9c 81be04
    """
    with open_store(state.config()) as store:
        ids = list(dict.fromkeys(item.id for item in _known(store, item_ids)))
        if len(ids) < 2:
            raise UserError(
                "merge needs two or more different items",
                hint="Example: digest story merge ID ID (ids from 'digest items --all').",
            )
        story_id = store.merge_stories(ids)
        members = _story_items(store, story_id)
    click.echo(f"Story {story_id} now has {len(members)} items:")
    for item in members:
        click.echo(f"  {_line(item)}")


@story.command()
@click.argument("item_id", metavar="ID")
@pass_state
def split(state: State, item_id: str) -> None:
    """Take item ID out of its story; from now on it stands alone.

    ID is the item's id or 6 or more of its first characters.

    Example: digest story split 3f2a9c
    """
    with open_store(state.config()) as store:
        (item,) = _known(store, [item_id])
        rest_story = store.split_story(item.id)
        rest = _story_items(store, rest_story) if rest_story != item.id else []
    click.echo(f"{_line(item)} now stands alone.")
    if rest:
        click.echo(f"The rest of its story is story {rest_story}, {len(rest)} item(s).")


def _known(store: Store, prefixes: Sequence[str]) -> list[Item]:
    """The items with these ids, each given whole or by 6 or more of its first characters;
    an unknown or ambiguous id is a usage error."""
    item_ids = [store.resolve_id(prefix) for prefix in prefixes]
    found = store.items_with_ids(item_ids)
    return [found[item_id] for item_id in item_ids]


def _story_items(store: Store, story_id: str) -> list[Item]:
    found = store.list_items(ItemQuery(story=story_id, relevant_only=False))
    return sorted(found, key=lambda item: (item.when, item.id))


def _line(item: Item) -> str:
    return f"{item.id}  {item.title}  [{item.feed}]"
