"""An editor's corrections laid over the rules' verdict, and the reasons behind each tag in
words (`digest items --explain`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from digest.classify.matcher import RELEVANT
from digest.classify.rules import PRIOR_REASON, classify_entry
from digest.models import Classification, Entry, FeedConfig, Taxonomy
from digest.taxonomy import (
    describe,
)

EDITOR_REASON = "editor"


def classify_with_overrides(
    entry: Entry,
    feed: FeedConfig | None,
    taxonomy: Taxonomy,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
    verdict: Classification | None = None,
) -> Classification:
    """The rules' verdict on an entry (`verdict` when already reached) under an editor's
    corrections."""
    got = verdict if verdict is not None else classify_entry(entry, feed, taxonomy)
    if add or remove:
        got = apply_overrides(got, add, remove, taxonomy)
    return got


def apply_overrides(
    c: Classification, add: Sequence[str], remove: Sequence[str], taxonomy: Taxonomy
) -> Classification:
    """The classification after an editor's +TAG/-TAG corrections; they win over the rules.

    Tags are country codes, topic slugs or "relevant". Unknown tags are ignored here (the
    command that records them refuses them first).
    """
    countries = list(c.countries)
    topics = list(c.topics)
    relevant = c.relevant
    reasons = dict(c.reasons)
    for tag in remove:
        if tag == RELEVANT:
            relevant = False
        elif tag in countries:
            countries.remove(tag)
        elif tag in topics:
            topics.remove(tag)
        reasons.pop(tag, None)
    for tag in add:
        if tag == RELEVANT:
            relevant = True
        elif tag in taxonomy.countries and tag not in countries:
            countries.append(tag)
        elif tag in taxonomy.topics and tag not in topics:
            topics.append(tag)
        else:
            continue
        reasons[tag] = (EDITOR_REASON,)
    if not relevant:
        reasons.pop(RELEVANT, None)
    return replace(
        c, countries=tuple(countries), topics=tuple(topics), relevant=relevant, reasons=reasons
    )


def explain(c: Classification) -> list[str]:
    """Human lines for `digest items --explain`: each tag and the terms that earned it."""
    lines = []
    if c.relevant:
        lines.append(f"relevant: {_why(c.reasons.get(RELEVANT, ()))}")
    else:
        lines.append("not relevant: no crypto, blockchain, digital-asset or CBDC terms")
    for code in c.countries:
        lines.append(f"country {code}: {_why(c.reasons.get(code, ()), code)}")
    for slug in c.topics:
        lines.append(f"topic {slug}: {_why(c.reasons.get(slug, ()))}")
    return lines


def _why(terms: Sequence[str], code: str = "") -> str:
    """The terms behind a tag; for a country, what each is ("Texas" (US state))."""
    if not terms:
        return "(no recorded reason)"
    labels = describe() if code else {}
    return ", ".join(
        t
        if t in (PRIOR_REASON, EDITOR_REASON)
        else f'"{t}" ({label})'
        if (label := labels.get((t, code)))
        else f'"{t}"'
        for t in terms
    )


def known_tags(taxonomy: Taxonomy) -> list[str]:
    """Every tag an editor may add or remove."""
    return [*sorted(taxonomy.countries), *sorted(taxonomy.topics), RELEVANT]
