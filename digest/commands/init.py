"""`digest init [DIR]`: a new newsletter folder. Existing files are kept, never overwritten."""

from __future__ import annotations

from pathlib import Path

import click

from digest.configschema import config_template
from digest.fsutil import write_new

# A start: public feeds of crypto news with strong Asia desks.
STARTER_FEEDS = [
    {"name": "CoinDesk", "url": "https://www.coindesk.com/arc/outboundfeeds/rss/"},
    {"name": "Cointelegraph", "url": "https://cointelegraph.com/rss"},
    {"name": "Forkast", "url": "https://forkast.news/feed/"},
    {"name": "The Block", "url": "https://www.theblock.co/rss.xml"},
]

GITIGNORE = """\
# digest's local store and build output
.digest/
site/
"""


def create_newsletter(folder: Path) -> tuple[list[Path], list[Path]]:
    """Make the folder's files; returns (created, kept because they already existed)."""
    created: list[Path] = []
    kept: list[Path] = []
    for name, text in (("feeds.yaml", config_template(STARTER_FEEDS)), (".gitignore", GITIGNORE)):
        path = folder / name
        (created if write_new(path, text) else kept).append(path)
    for name in ("issues", "templates"):
        path = folder / name
        if path.exists():
            kept.append(path)
        else:
            path.mkdir(parents=True)
            created.append(path)
    return created, kept


@click.command()
@click.argument("folder", required=False, default=".", type=click.Path(path_type=Path))
def init(folder: Path) -> None:
    """Make a new newsletter folder (default: this one). Never overwrites a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        created, kept = create_newsletter(folder)
    except (NotADirectoryError, FileExistsError, PermissionError) as exc:
        raise click.ClickException(f"cannot make a newsletter in {folder}: {exc.strerror}") from exc
    for path in created:
        click.echo(f"created {path}")
    for path in kept:
        click.echo(f"kept    {path} (already there)")
    click.echo(f"Next: edit {folder / 'feeds.yaml'}, then run 'digest fetch'.")
