"""feeds.yaml: the newsletter's settings, read and checked in one place."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from digest.configkeys import Reader
from digest.configschema import CONFIG_NAME, SCHEMA
from digest.errors import ConfigError, UserError
from digest.models import Config, FeedConfig, Taxonomy
from digest.taxonomy import builtin_taxonomy, merge_taxonomy
from digest.yamlfile import load_yaml

__all__ = ["CONFIG_NAME", "find_root", "load_config", "smtp_login"]


def find_root(start: Path | None = None) -> Path:
    """The newsletter folder: start itself, or the nearest parent holding feeds.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise UserError(
        f"no {CONFIG_NAME} in {here} or any folder above it",
        hint="Run digest in a newsletter folder, pass --root DIR, or make one with 'digest init'.",
    )


def load_config(root: Path) -> Config:
    """feeds.yaml checked against the schema (digest/configschema.py), defaults filled in."""
    path = root / CONFIG_NAME
    doc = load_yaml(path, ConfigError)
    reader = Reader(doc)
    data = reader.mapping(doc.data if doc.data is not None else {}, ())
    settings = SCHEMA.check(reader, data, ())
    _refuse_nameless(reader, data, root)
    relevance = settings["relevance"]
    taxonomy = merge_taxonomy(
        builtin_taxonomy(),
        settings["countries"],
        settings["topics"],
        relevance=relevance["terms"],
        ignore=relevance["ignore"],
    )
    _check_feed_tags(reader, settings["feeds"], taxonomy)
    return Config(
        root=root,
        newsletter=settings["newsletter"],
        fetch=settings["fetch"],
        email=settings["email"],
        feeds=settings["feeds"],
        taxonomy=taxonomy,
        story_threshold=settings["stories"]["threshold"],
        deploy=settings["deploy"],
        path=path,
    )


def _refuse_nameless(reader: Reader, data: dict[str, Any], root: Path) -> None:
    """A newsletter with issues must be named: its name keys the Atom ids of its feed, so the
    default name would give every such newsletter the same ids."""
    newsletter = data.get("newsletter")
    if isinstance(newsletter, dict) and newsletter.get("name") not in (None, ""):
        return
    if any(path.is_file() for path in (root / "issues").glob("*.yaml")):
        reader.fail(
            ("newsletter", "name"),
            "not set, and this newsletter has issues",
            "Set newsletter.name: the newsletter's name is its identity, it keys the Atom ids.",
        )


def _check_feed_tags(reader: Reader, feeds: tuple[FeedConfig, ...], taxonomy: Taxonomy) -> None:
    """A feed's country and topics must be known to the taxonomy, additions included."""
    for i, feed in enumerate(feeds):
        if feed.country and feed.country not in taxonomy.countries:
            reader.fail(("feeds", i, "country"), f"unknown country code '{feed.country}'",
                        "Use an ISO 3166-1 alpha-2 code, or add it under countries:.")  # fmt: skip
        for topic in feed.topics:
            if topic not in taxonomy.topics:
                reader.fail(("feeds", i, "topics"), f"unknown topic '{topic}'",
                            f"Known topics: {', '.join(sorted(taxonomy.topics))}.")  # fmt: skip


def smtp_login() -> tuple[str, str] | None:
    """SMTP user and password, only ever from the environment."""
    user = os.environ.get("DIGEST_SMTP_USER", "")
    password = os.environ.get("DIGEST_SMTP_PASSWORD", "")
    return (user, password) if user else None
