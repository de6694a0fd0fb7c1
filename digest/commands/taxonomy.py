"""`digest taxonomy [--json]`: the countries and topics items are tagged with, and the words
that make an item relevant."""

from __future__ import annotations

import json
from typing import Any

import click

from digest.commands import State, pass_state
from digest.models import Taxonomy


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_state
def taxonomy(state: State, as_json: bool) -> None:
    """Print the effective taxonomy: the built-in one with feeds.yaml's additions."""
    effective = state.config().taxonomy
    if as_json:
        click.echo(json.dumps(taxonomy_json(effective), ensure_ascii=False, indent=2))
        return
    for line in taxonomy_lines(effective):
        click.echo(line)


def taxonomy_json(tax: Taxonomy) -> dict[str, Any]:
    return {
        "countries": {
            code: {"name": c.name, "asian": c.asian, "aliases": list(c.aliases)}
            for code, c in tax.countries.items()
        },
        "topics": {
            slug: {"name": t.name, "keywords": list(t.keywords)} for slug, t in tax.topics.items()
        },
        "relevance": {"terms": list(tax.relevance), "ignore": list(tax.ignore)},
    }


def taxonomy_lines(tax: Taxonomy) -> list[str]:
    lines = ["Countries:"]
    for code, c in tax.countries.items():
        where = "" if c.asian else " (outside Asia)"
        alone = "" if c.name_tags else " (the name alone does not tag; its places do)"
        lines.append(f"  {code}  {c.name}{where}{alone}: {', '.join(c.aliases)}")
    lines.append("Topics:")
    for slug, t in tax.topics.items():
        lines.append(f"  {slug}  {t.name}: {', '.join(t.keywords)}")
    lines.append(f"Relevant: {', '.join(tax.relevance)}")
    lines.append(f"Ignored: {', '.join(tax.ignore)}")
    return lines
