"""`digest subscribers`: the list `digest send` mails, kept in the local store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from digest import subscribers as subscriber_list
from digest.addresses import parse_recipient
from digest.commands import State, pass_state
from digest.errors import UserError
from digest.fsutil import atomic_write


@click.group(invoke_without_command=True)
@click.pass_context
def subscribers(ctx: click.Context) -> None:
    """The subscriber list: list, add, remove (records an unsubscribe), count, export.

    Addresses live in the local store (.digest/), never in the newsletter's files."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_subscribers)


@subscribers.command("list")
@click.option("--all", "show_all", is_flag=True, help="Also those who left or bounce.")
@pass_state
def list_subscribers(state: State, show_all: bool) -> None:
    """The active subscribers, one a line (--all: everyone, with status and date)."""
    from digest.store import open_store

    with open_store(state.config()) as store:
        everyone = store.subscribers()
    for subscriber in everyone:
        if show_all:
            click.echo(f"{subscriber.address}\t{subscriber.status}\t{subscriber.changed:%Y-%m-%d}")
        elif subscriber.status == "active":
            click.echo(subscriber.address)


@subscribers.command()
@click.argument("addresses", nargs=-1, required=True, metavar="ADDR...")
@click.option("--resubscribe", is_flag=True,
              help="Take back someone recorded as having left, at their request.")  # fmt: skip
@pass_state
def add(state: State, addresses: tuple[str, ...], resubscribe: bool) -> None:
    """Subscribe ADDR...; someone who left is added back only with --resubscribe."""
    from digest.store import open_store

    parsed = [parse_recipient(text, "address").address for text in addresses]
    now = dt.datetime.now(dt.UTC)
    with open_store(state.config()) as store:
        for address in parsed:
            old = store.find_subscriber(address)
            if old is not None and old.status != "active" and not resubscribe:
                raise UserError(
                    f"{address} is recorded as {old.status} since {old.changed:%Y-%m-%d}; "
                    "not added",
                    hint="Only on their own request: digest subscribers add --resubscribe ADDR.",
                )
            store.set_subscriber_status(address, "active", now, "add")
            click.echo(f"{address}: active")


@subscribers.command()
@click.argument("addresses", nargs=-1, required=True, metavar="ADDR...")
@pass_state
def remove(state: State, addresses: tuple[str, ...]) -> None:
    """Unsubscribe ADDR...: recorded with the date, so no send or import mails them again."""
    from digest.store import open_store

    parsed = [parse_recipient(text, "address").address for text in addresses]
    now = dt.datetime.now(dt.UTC)
    with open_store(state.config()) as store:
        for address in parsed:
            store.set_subscriber_status(address, "unsubscribed", now, "remove")
            click.echo(f"{address}: unsubscribed on {now:%Y-%m-%d}")


@subscribers.command()
@pass_state
def count(state: State) -> None:
    """How many are active, unsubscribed and disabled."""
    from digest.store import open_store

    with open_store(state.config()) as store:
        everyone = store.subscribers()
    for status in subscriber_list.STATUSES:
        click.echo(f"{status}: {sum(s.status == status for s in everyone)}")


@subscribers.command()
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path), required=False)
@pass_state
def export(state: State, output: Path | None) -> None:
    """Everyone, with status and dates, as CSV (to OUTPUT, or printed)."""
    from digest.store import open_store

    with open_store(state.config()) as store:
        text = subscriber_list.export_csv(store.subscribers())
    if output is None:
        click.echo(text, nl=False)
    else:
        atomic_write(output, text)
        click.echo(f"wrote {output}")
