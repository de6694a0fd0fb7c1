"""`digest feeds [--json]`: each feed's health."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from digest.commands import State, pass_state
from digest.store import FeedHealth, open_store


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_state
def feeds(state: State, as_json: bool) -> None:
    """Show each feed's health: status, last success, last error, failures, items."""
    with open_store(state.config()) as store:
        health = store.feed_health()
    if as_json:
        click.echo(json.dumps([feed_json(h) for h in health], ensure_ascii=False, indent=2))
        return
    for h in health:
        click.echo(
            f"{h.status:<8} {h.name}  ({h.items} items, last success {_when(h.last_success)})"
        )
        detail = h.error or h.warning
        if detail:
            failures = f" [{h.failures} failures in a row]" if h.failures > 1 else ""
            click.echo(f"         {detail}{failures}")


def feed_json(h: FeedHealth) -> dict[str, Any]:
    return {
        "name": h.name,
        "url": h.url,
        "status": h.status,
        "error": h.error,
        "warning": h.warning,
        "items": h.items,
        "last_fetched": _iso(h.last_fetched),
        "last_success": _iso(h.last_success),
        "failures": h.failures,
        "retry_after": _iso(h.retry_after),
    }


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "never"
