"""Which countries and topics an entry is about, and whether it belongs in the newsletter.

One matcher is compiled per taxonomy: a single regular expression shaped like a trie of every
alias, keyword and crypto term, so an entry is scanned once whatever the taxonomy's size.
Latin terms match on word boundaries; CJK terms match inside running text (no spaces there).
A term written with an uppercase letter after its first character (MAS, BoJ, e-CNY) matches
only as written, so "mas" or "sec" in running text do not count; other terms match in any case.

Scoring: a hit in the title weighs more than one in the summary; a feed's default country and
topics add a little weight (a prior, not a verdict). Topics are crypto topics, so they are given
only to relevant entries. Every tag keeps the terms that earned it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from digest.models import Classification, Entry, FeedConfig, Taxonomy
from digest.taxonomy import relevance_terms

RELEVANT = "relevant"
TITLE_WEIGHT = 2
SUMMARY_WEIGHT = 1
PRIOR_WEIGHT = 1
TAG_THRESHOLD = 2  # one title hit, two summary hits, or a summary hit plus the feed's prior
PRIOR_REASON = "feed default"
EDITOR_REASON = "editor"

_LATIN = re.compile(r"[A-Za-z0-9]")
_CASED_AFTER_FIRST = re.compile(r".[^\W\d_a-z]", re.UNICODE)


# ---------------------------------------------------------------- the compiled matcher


@dataclass(frozen=True)
class Hit:
    term: str  # the term as the taxonomy spells it
    tags: tuple[str, ...]  # country codes, topic slugs and/or RELEVANT


def is_case_sensitive(term: str) -> bool:
    """MAS, BoJ, PBoC, e-CNY match as written; China, bitcoin, hong kong in any case."""
    return any(ch.isupper() for ch in term[1:])


class Matcher:
    """Finds every taxonomy term in a text with one regular expression."""

    def __init__(self, terms: dict[str, set[str]]) -> None:
        # exact spelling -> tags (case-sensitive terms), casefolded spelling -> tags (others)
        self._exact: dict[str, tuple[Hit, ...]] = {}
        self._folded: dict[str, tuple[Hit, ...]] = {}
        trie: dict[str, _Node] = {}
        for term, tags in terms.items():
            hit = Hit(term, tuple(sorted(tags)))
            if is_case_sensitive(term):
                self._exact[term] = (*self._exact.get(term, ()), hit)
            else:
                key = term.casefold()
                self._folded[key] = (*self._folded.get(key, ()), hit)
            _insert(trie, term)
        self.pattern = re.compile(_trie_regex(trie))

    def find(self, text: str) -> list[Hit]:
        """Every term in text, leftmost-longest, not overlapping."""
        found: list[Hit] = []
        search = self.pattern.search
        pos = 0
        while (m := search(text, pos)) is not None:
            start, end = m.span()
            word = m.group()
            if start > 0 and _LATIN.match(word, 0) and _LATIN.match(text, start - 1):
                pos = start + 1  # inside a word: "Indiana" is not "India"
                continue
            hits = self._exact.get(word) or self._folded.get(word.casefold()) or ()
            found.extend(hits)
            pos = end if end > start else start + 1
        return found


class _Node(dict[str, "_Node"]):
    end: bool = False
    boundary: bool = False  # the term ends in a Latin letter or digit: needs a word end


def _atoms(term: str) -> list[str]:
    if is_case_sensitive(term):
        return [re.escape(ch) for ch in term]
    atoms = []
    for ch in term.casefold():
        upper = ch.upper()
        if upper != ch and len(upper) == 1:
            atoms.append(f"[{ch}{upper}]")
        elif ch == " ":
            atoms.append(r"[\s\-]")  # "Hong Kong", "Hong-Kong" and a line break all count
        else:
            atoms.append(re.escape(ch))
    return atoms


def _insert(trie: dict[str, _Node], term: str) -> None:
    node: dict[str, _Node] = trie
    leaf: _Node | None = None
    for atom in _atoms(term):
        leaf = node.setdefault(atom, _Node())
        node = leaf
    if leaf is not None:
        leaf.end = True
        leaf.boundary = leaf.boundary or bool(_LATIN.match(term[-1]))


def _trie_regex(trie: dict[str, _Node]) -> str:
    """A regex whose alternatives branch like the trie, longest continuation first."""
    if not trie:
        return r"(?!x)x"
    # Positions that cannot start any term are rejected with one character test.
    firsts = "".join(sorted({_first_chars(atom) for atom in trie}))
    return f"(?=[{firsts}])(?:{_branches(trie)})"


def _first_chars(atom: str) -> str:
    if atom.startswith("[") and atom.endswith("]"):
        return atom[1:-1]
    return atom


def _branches(trie: dict[str, _Node]) -> str:
    parts = []
    for atom, child in trie.items():
        tail = _branches(child) if child else ""
        stop = r"(?![A-Za-z0-9])" if child.boundary else ""
        if child.end and tail:
            parts.append(f"{atom}(?:{tail}|{stop})" if stop else f"{atom}(?:{tail})?")
        elif child.end:
            parts.append(atom + stop)
        else:
            parts.append(f"{atom}(?:{tail})" if "|" in tail else atom + tail)
    return "|".join(parts)


_cache: dict[int, tuple[Taxonomy, Matcher]] = {}


def matcher_for(taxonomy: Taxonomy) -> Matcher:
    """The taxonomy's matcher, compiled once and kept while the taxonomy lives."""
    cached = _cache.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    terms: dict[str, set[str]] = {}
    for code, country in taxonomy.countries.items():
        for alias in (country.name, *country.aliases):
            terms.setdefault(alias, set()).add(code)
    for slug, topic in taxonomy.topics.items():
        for keyword in topic.keywords:
            terms.setdefault(keyword, set()).add(slug)
    for term in relevance_terms():
        terms.setdefault(term, set()).add(RELEVANT)
    matcher = Matcher({t: tags for t, tags in terms.items() if t.strip()})
    if len(_cache) > 8:
        _cache.clear()
    _cache[id(taxonomy)] = (taxonomy, matcher)
    return matcher


# ---------------------------------------------------------------- classification


class _Tally:
    def __init__(self) -> None:
        self.score: dict[str, int] = {}
        self.terms: dict[str, list[str]] = {}

    def add(self, tag: str, weight: int, term: str) -> None:
        self.score[tag] = self.score.get(tag, 0) + weight
        seen = self.terms.setdefault(tag, [])
        if term not in seen:
            seen.append(term)

    def passing(self, tags: Iterable[str]) -> list[str]:
        return [t for t in tags if self.score.get(t, 0) >= TAG_THRESHOLD]


def classify_entry(entry: Entry, feed: FeedConfig | None, taxonomy: Taxonomy) -> Classification:
    """Countries, topics and relevance of one entry, with the terms behind each."""
    return classify_text(entry.title, entry.summary_text, feed, taxonomy)


def classify_text(
    title: str, summary: str, feed: FeedConfig | None, taxonomy: Taxonomy
) -> Classification:
    matcher = matcher_for(taxonomy)
    tally = _Tally()
    for weight, text in ((TITLE_WEIGHT, title), (SUMMARY_WEIGHT, summary)):
        for hit in matcher.find(text):
            for tag in hit.tags:
                tally.add(tag, weight, hit.term)
    relevant = RELEVANT in tally.score
    countries = _countries(tally, feed, taxonomy, relevant)
    topics = _topics(tally, feed, taxonomy) if relevant else []
    reasons = {tag: tuple(tally.terms[tag]) for tag in (*countries, *topics) if tag in tally.terms}
    for tag in (*countries, *topics):
        if tag not in reasons:
            reasons[tag] = (PRIOR_REASON,)
    if relevant:
        reasons[RELEVANT] = tuple(tally.terms[RELEVANT])
    return Classification(
        countries=tuple(countries), topics=tuple(topics), relevant=relevant, reasons=reasons
    )


def _countries(
    tally: _Tally, feed: FeedConfig | None, taxonomy: Taxonomy, relevant: bool
) -> list[str]:
    prior = feed.country if feed and feed.country in taxonomy.countries else None
    if prior and prior in tally.score:
        tally.score[prior] += PRIOR_WEIGHT
    found = tally.passing(sorted(taxonomy.countries, key=lambda c: -tally.score.get(c, 0)))
    if not found and prior and relevant:
        # Nothing points elsewhere: an item from a country's feed is about that country.
        found = [prior]
    return found


def _topics(tally: _Tally, feed: FeedConfig | None, taxonomy: Taxonomy) -> list[str]:
    for slug in feed.topics if feed else ():
        if slug in tally.score:
            tally.score[slug] += PRIOR_WEIGHT
    ordered = sorted(taxonomy.topics, key=lambda s: -tally.score.get(s, 0))
    found = tally.passing(ordered)
    if not found and feed:
        found = [s for s in feed.topics if s in taxonomy.topics]
    return found


# ---------------------------------------------------------------- the editor's corrections


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
        lines.append(f"country {code}: {_why(c.reasons.get(code, ()))}")
    for slug in c.topics:
        lines.append(f"topic {slug}: {_why(c.reasons.get(slug, ()))}")
    return lines


def _why(terms: Sequence[str]) -> str:
    if not terms:
        return "(no recorded reason)"
    return ", ".join(t if t in (PRIOR_REASON, EDITOR_REASON) else f'"{t}"' for t in terms)


def known_tags(taxonomy: Taxonomy) -> list[str]:
    """Every tag an editor may add or remove."""
    return [*sorted(taxonomy.countries), *sorted(taxonomy.topics), RELEVANT]
