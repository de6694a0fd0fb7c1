"""`digest tag ID +CN -SG +mining -relevant`: an editor's correction of an item's tags.

The correction is stored beside the item and wins over the rules, now and after every
re-fetch or reclassification.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from digest.classify import RELEVANT, explain, known_tags
from digest.commands import State, pass_state
from digest.errors import StoreError, UserError
from digest.models import Classification, Taxonomy


@click.command(context_settings={"ignore_unknown_options": True})
@click.argument("item_id")
@click.argument("changes", nargs=-1, required=True)
@pass_state
def tag(state: State, item_id: str, changes: tuple[str, ...]) -> None:
    """Add (+TAG) or remove (-TAG) countries, topics or 'relevant' on item ITEM_ID (its id,
    or 6 or more of its first characters).

    Example: digest tag 3f2a9c +CN -SG +mining -relevant
    """
    config = state.config()
    add, remove = parse_changes(changes, config.taxonomy)
    from digest.store import open_store

    with open_store(config) as store:
        item_id = store.resolve_id(item_id)
        try:
            item = store.set_tag_overrides(item_id, add, remove)
        except StoreError as exc:
            raise UserError(str(exc)) from exc
    click.echo(f"{item.id}  {item.title}")
    shown = Classification(
        countries=item.countries, topics=item.topics, relevant=item.relevant, reasons=item.reasons
    )
    for line in explain(shown):
        click.echo(f"  {line}")


def parse_changes(changes: Sequence[str], taxonomy: Taxonomy) -> tuple[list[str], list[str]]:
    """'+CN', '-sg', '+mining' -> (["CN", "mining"], ["SG"]); unknown tags are refused."""
    known = known_tags(taxonomy)
    add: list[str] = []
    remove: list[str] = []
    for change in changes:
        sign, name = change[:1], change[1:].strip()
        if sign not in "+-" or not name:
            raise UserError(
                f"'{change}' is not a change: write +TAG to add or -TAG to remove",
                hint="Example: digest tag ID +CN -SG +mining -relevant",
            )
        tag_name = _spelled(name, taxonomy)
        if tag_name is None:
            raise UserError(
                f"unknown tag '{name}'",
                hint=f"Known tags: {', '.join(known)}.",
            )
        (add if sign == "+" else remove).append(tag_name)
    for tag_name in set(add) & set(remove):
        raise UserError(f"'{tag_name}' is both added and removed")
    return add, remove


def _spelled(name: str, taxonomy: Taxonomy) -> str | None:
    """The tag as the taxonomy spells it: country codes in capitals, topic slugs in lowercase."""
    if name.upper() in taxonomy.countries:
        return name.upper()
    if name.lower() in taxonomy.topics:
        return name.lower()
    if name.lower() == RELEVANT:
        return RELEVANT
    return None
