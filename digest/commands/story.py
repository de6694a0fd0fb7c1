"""`digest story merge ID ID...` and `digest story split ID`: an editor's correction of stories.

The correction is stored beside the items and wins over grouping, now and after every
re-fetch or regrouping: merged items stay one story; a split item stands alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import click

from digest.commands import State, pass_state
from digest.errors import UserError
from digest.models import Item

if TYPE_CHECKING:
    from digest.store import Store


@click.group()
def story() -> None:
    """Correct stories: merge items (or their stories) into one, or split an item off."""


@story.command()
@click.argument("item_ids", nargs=-1, required=True, metavar="ID ID...")
@pass_state
def merge(state: State, item_ids: tuple[str, ...]) -> None:
    """Make the items ID..., with every item of their stories, one story.

    Example: digest story merge 3f2a9c1e... 81be04d2...
    """
    if len(set(item_ids)) < 2:
        raise UserError(
            "merge needs two or more different item ids",
            hint="Example: digest story merge ID ID (ids from 'digest items --all').",
        )
    with open_corrections(state) as store:
        _known(store, item_ids)
        story_id = store.merge_stories(item_ids)
        members = _story_items(store, story_id)
    click.echo(f"Story {story_id} now has {len(members)} items:")
    for item in members:
        click.echo(f"  {_line(item)}")


@story.command()
@click.argument("item_id", metavar="ID")
@pass_state
def split(state: State, item_id: str) -> None:
    """Take item ID out of its story; from now on it stands alone.

    Example: digest story split 3f2a9c1e...
    """
    with open_corrections(state) as store:
        (item,) = _known(store, [item_id])
        rest_story = store.split_story(item_id)
        rest = _story_items(store, rest_story) if rest_story != item_id else []
    click.echo(f"{_line(item)} now stands alone.")
    if rest:
        click.echo(f"The rest of its story is story {rest_story}, {len(rest)} item(s).")


@contextlib.contextmanager
def open_corrections(state: State) -> Iterator[Store]:
    from digest.store import open_store

    with open_store(state.config()) as store:
        yield store


def _known(store: Store, item_ids: Sequence[str]) -> list[Item]:
    """The items with these ids; an unknown id is a usage error."""
    found = store.items_with_ids(item_ids)
    for item_id in item_ids:
        if item_id not in found:
            raise UserError(
                f"no item with id {item_id}",
                hint="Give whole ids, as 'digest items --all' shows them.",
            )
    return [found[item_id] for item_id in item_ids]


def _story_items(store: Store, story_id: str) -> list[Item]:
    from digest.store import ItemQuery

    found = store.list_items(ItemQuery(story=story_id, relevant_only=False))
    return sorted(found, key=lambda item: (item.when, item.id))


def _line(item: Item) -> str:
    return f"{item.id}  {item.title}  [{item.feed}]"
