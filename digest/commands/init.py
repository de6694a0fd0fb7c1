"""`digest init [DIR]`: a new newsletter folder. Existing files are kept, never overwritten."""

from __future__ import annotations

from pathlib import Path

import click

from digest.fsutil import write_new

FEEDS_YAML = """\
# The newsletter's settings and the feeds it is made from.
# Every key is described in the README; numbers shown are the defaults.

newsletter:
  name: My Newsletter
  author: ""
  tagline: ""
  url: ""                  # where the site is published, e.g. https://example.org/newsletter/
  contact: ""              # an email address or a URL
  language: en
  page_size: A4            # or Letter
  group_by: country        # or topic: how drafts group items

fetch:
  timeout: 20              # seconds per feed, covering connect, slow servers and the whole body
  workers: 16              # feeds fetched at once
  max_bytes: 15000000      # the largest feed accepted, also after decompression
  allow_private: false     # true to follow feeds on your own network (intranet, loopback)

email:
  host: smtp.example.org
  port: 587
  security: starttls       # starttls, ssl or none
  from: Editor <editor@example.org>
  # The SMTP login comes only from the environment: DIGEST_SMTP_USER, DIGEST_SMTP_PASSWORD

# Each feed: a name, an http(s) URL or a local path (relative to this folder), and optionally
# a country and topics as hints for classification.
feeds:
  - name: CoinDesk
    url: https://www.coindesk.com/arc/outboundfeeds/rss/
  - name: Cointelegraph
    url: https://cointelegraph.com/rss
  - name: Forkast
    url: https://forkast.news/feed/
  - name: The Block
    url: https://www.theblock.co/rss.xml

# Additions to the built-in countries and topics (see `digest taxonomy`):
# countries:
#   MN: {name: Mongolia, aliases: [Mongolia, Ulaanbaatar]}
# topics:
#   nft: {name: NFTs, keywords: [NFT, non-fungible]}
# Words that make an item belong in the newsletter (only words with no everyday sense), and
# phrases that hold one but mean something else:
# relevance:
#   terms: [Kaspa, zkSync]
#   ignore: [bitcoin bowl]
"""

GITIGNORE = """\
# digest's local store and build output
.digest/
site/
"""


def create_newsletter(folder: Path) -> tuple[list[Path], list[Path]]:
    """Make the folder's files; returns (created, kept because they already existed)."""
    created: list[Path] = []
    kept: list[Path] = []
    for name, text in (("feeds.yaml", FEEDS_YAML), (".gitignore", GITIGNORE)):
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
