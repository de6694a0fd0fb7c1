"""A taxonomy's terms, with the tags each earns, compiled into its Matcher; and the
fingerprint of everything a verdict depends on."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Container, Sequence
from functools import cache
from typing import TYPE_CHECKING

from digest.classify.matcher import ACT, ACTOR, INCIDENT, MARKS, RELEVANT, SUBJECT, WEAK, Matcher
from digest.models import FeedConfig, Taxonomy
from digest.taxonomy import (
    act_keywords,
    actor_keywords,
    gazetteer,
    gazetteer_digest,
    incidents,
    subject_keywords,
    weak_keywords,
)

if TYPE_CHECKING:
    import opencc

# Bump when a change to the code of this package would tag stored items differently: the store then
# classifies every item again (see rules_fingerprint).
RULES_VERSION = 4

_cache: dict[int, tuple[Taxonomy, Matcher]] = {}


def matcher_for(taxonomy: Taxonomy) -> Matcher:
    """The taxonomy's matcher, compiled once and kept while the taxonomy lives."""
    cached = _cache.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    terms: dict[str, set[str]] = {}
    weak, actors = weak_keywords(), actor_keywords()
    for code, country in taxonomy.countries.items():
        for alias in ((country.name,) if country.name_tags else ()) + country.aliases:
            terms.setdefault(alias, set()).add(_strength(alias, code, weak, actors) + code)
    for slug, topic in taxonomy.topics.items():
        for keyword in topic.keywords:
            terms.setdefault(keyword, set()).add(_strength(keyword, slug, weak, actors) + slug)
        for mark, words in ((ACTOR, actors), (ACT, act_keywords()), (SUBJECT, subject_keywords())):
            for word in words.get(slug, ()):
                terms.setdefault(word, set()).add(mark + slug)
    for term in taxonomy.relevance:
        terms.setdefault(term, set()).add(RELEVANT)
    for term in incidents().terms:
        terms.setdefault(term, set()).add(INCIDENT)
    _inherit(terms, RELEVANT)
    _inherit(terms, INCIDENT)
    _inherit_topics(terms, taxonomy.topics)
    for term in taxonomy.ignore:
        terms.setdefault(term, set())
    places = _add_places(terms, taxonomy)
    matcher = Matcher(
        {t: tags for t, tags in terms.items() if t.strip()}, places, _add_script_forms
    )
    if len(_cache) > 8:
        _cache.clear()
    _cache[id(taxonomy)] = (taxonomy, matcher)
    return matcher


def _add_places(terms: dict[str, set[str]], taxonomy: Taxonomy) -> set[str]:
    """The gazetteer's places of the taxonomy's countries, each tagging its country unless
    the taxonomy already uses the name; returns the Latin names, which match as written."""
    added = set()
    for name, code, _ in gazetteer():
        if code in taxonomy.countries and name not in terms:
            terms[name] = {code}
            added.add(name)
    return added


_SCRIPT_FORMS = ("t2s", "s2t", "s2tw", "s2hk")
_HAN = re.compile(r"[\u3400-\u9fff]")


def _add_script_forms(terms: dict[str, set[str]]) -> None:
    """Every Chinese term in simplified and traditional script (虚拟货币, 虛擬貨幣), so text
    is matched as written, with no conversion per entry. The matcher calls this when a text
    first needs its CJK terms: OpenCC's dictionaries (some 45 MB) load only then."""
    han = [term for term in terms if _HAN.search(term)]
    if not han:
        return
    converters = _converters()
    for term in han:
        tags = terms[term]
        for convert in converters:
            form = convert.convert(term)
            if form != term:
                terms.setdefault(form, set()).update(tags)


@cache
def _converters() -> list[opencc.OpenCC]:
    import opencc

    return [opencc.OpenCC(config) for config in _SCRIPT_FORMS]


def _strength(
    keyword: str, slug: str, weak: dict[str, frozenset[str]], actors: dict[str, frozenset[str]]
) -> str:
    """The mark of a topic keyword: WEAK, ACTOR or none (full weight)."""
    if keyword in actors.get(slug, ()):
        return ACTOR
    return WEAK if keyword in weak.get(slug, ()) else ""


def _inherit(terms: dict[str, set[str]], tag: str) -> None:
    """A longer term holding a term with the tag has it too: "crypto mining" is matched whole,
    so it must carry the relevance that the "crypto" inside it would have given, and "digital
    currency red envelopes" the incident of its "red envelopes"."""
    inner = Matcher({t: {tag} for t, tags in terms.items() if tag in tags})
    for term, tags in terms.items():
        if tag not in tags and inner.find(term):
            tags.add(tag)


def _inherit_topics(terms: dict[str, set[str]], topics: Container[str]) -> None:
    """A crypto term holding a topic's word is of that topic too: "加密货币交易所" is matched
    whole (it makes an entry relevant), so it must carry the "交易所" inside it as well."""
    topical = {t: {t} for t, tags in terms.items() if any(_slug(tag) in topics for tag in tags)}
    inner = Matcher(topical)
    for term, tags in terms.items():
        if RELEVANT in tags and term not in topical:
            for hit in inner.hits(term):
                tags.update(tag for tag in terms[hit.term] if _slug(tag) in topics)


def _slug(tag: str) -> str:
    """The tag without its mark: "~regulation" is "regulation"."""
    return tag[1:] if tag[:1] in MARKS else tag


def rules_fingerprint(taxonomy: Taxonomy, feeds: Sequence[FeedConfig]) -> str:
    """What every verdict depends on, as a short hash: the taxonomy and its word lists, each
    feed's default country and topics, and RULES_VERSION. Items classified under another
    fingerprint may be tagged differently now."""
    basis = {
        "version": RULES_VERSION,
        "countries": {
            code: [c.name, list(c.aliases), c.asian] for code, c in taxonomy.countries.items()
        },
        "topics": {slug: [t.name, list(t.keywords)] for slug, t in taxonomy.topics.items()},
        "relevance": list(taxonomy.relevance),
        "ignore": list(taxonomy.ignore),
        "weak": {slug: sorted(terms) for slug, terms in weak_keywords().items()},
        "actors": {slug: sorted(terms) for slug, terms in actor_keywords().items()},
        "acts": {slug: sorted(terms) for slug, terms in act_keywords().items()},
        "subjects": {slug: sorted(terms) for slug, terms in subject_keywords().items()},
        "incidents": dataclasses.asdict(incidents()),
        "feeds": {f.name: [f.country, list(f.topics)] for f in feeds},
        "gazetteer": gazetteer_digest(),
    }
    text = json.dumps(basis, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
