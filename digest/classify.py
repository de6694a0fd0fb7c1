"""Which countries and topics an entry is about, and whether it belongs in the newsletter.

One matcher is compiled per taxonomy: a single regular expression shaped like a trie of every
alias, keyword and crypto term, so an entry is scanned once whatever the taxonomy's size.
Latin terms match on word boundaries; CJK terms match inside running text (no spaces there).
A term with an uppercase letter after the first character of a word (MAS, BoJ, e-CNY) matches
only as written, so "mas" or "sec" in running text do not count; so does a short capitalised
word (Fed, Thai). Other terms, "Hong Kong" among them, match in any case.

Scoring: a hit in the title weighs more than one in the summary; a feed's default country and
topics add a little weight (a prior, not a verdict). Topics are crypto topics, so they are given
only to relevant entries. Every tag keeps the terms that earned it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass, replace

from digest.models import Classification, Entry, FeedConfig, Taxonomy
from digest.taxonomy import actor_keywords, ignored_terms, relevance_terms, weak_keywords

RELEVANT = "relevant"
WEAK = "~"  # marks a weak hint of a topic: "court" or "notice" alone does not make regulation
ACTOR = "^"  # marks who acts in a topic: any number of them count as one weak hint together
# Scores count half points: a term in the summary scores 2 (a weak one 1), in the title twice.
TITLE_WEIGHT = 2
SUMMARY_WEIGHT = 1
PRIOR_WEIGHT = 2
COUNTRY_THRESHOLD = 4  # one title hit, two summary hits, or a summary hit plus the feed's prior
TOPIC_THRESHOLD = 2  # topics are asked of relevant items only: one mention is enough, or two
# weak hints, or one in the title
SUMMARY_CHARS = 2000  # a summary's opening says what it is about; the rest only costs time
PRIOR_REASON = "feed default"
EDITOR_REASON = "editor"

_LATIN = re.compile(r"[A-Za-z0-9]")
_SEPARATOR = re.compile(r"[\s\-]")


# ---------------------------------------------------------------- the compiled matcher


@dataclass(frozen=True)
class Hit:
    term: str  # the term as the taxonomy spells it
    tags: tuple[str, ...]  # country codes, topic slugs and/or RELEVANT
    # Each tag once per half point it scores in a summary: a weak term's tag once, any other
    # tag twice; in a title, other tags score twice that and a weak hint stays a hint.
    points: tuple[str, ...] = ()
    title_points: tuple[str, ...] = ()


def _hit(term: str, tags: set[str]) -> Hit:
    """A term's hit. A tag written WEAK + slug is a weak hint of that topic (half weight,
    title or not); ACTOR + slug names who acts in it (counted once per entry, as a hint)."""
    strong = {t for t in tags if t[:1] not in (WEAK, ACTOR)}
    weak = {t[1:] for t in tags if t.startswith(WEAK)} - strong
    actor = {t for t in tags if t.startswith(ACTOR) and t[1:] not in strong | weak}
    # WEAK + slug is kept beside the slug: what only hints were found for is known later.
    hints = tuple(sorted(weak | actor)) + tuple(sorted(WEAK + t for t in weak))
    ordered_strong = tuple(sorted(strong))
    points = ordered_strong * 2 + hints
    title_points = ordered_strong * (2 * TITLE_WEIGHT) + hints
    named = strong | weak | {t[1:] for t in actor}
    return Hit(term, tuple(sorted(named)), points, title_points)


def is_case_sensitive(term: str) -> bool:
    """MAS, BoJ, e-CNY, Fed and Thai match as written; China, bitcoin, Hong Kong in any case."""
    words = term.split()
    if any(ch.isupper() for word in words for ch in word[1:]):
        return True
    return len(words) == 1 and term[:1].isupper() and len(term) <= 4 and term.isalpha()


class Matcher:
    """Finds every taxonomy term in a text; built once per taxonomy.

    One compiled regular expression, shaped like a trie of every term, scans the lowercased
    text for Latin terms (a second one, over CJK terms, runs only on text that has any). A
    match of an exact-case term is then checked against the text as written. No loop over
    keywords runs per text.
    """

    def __init__(self, terms: dict[str, set[str]]) -> None:
        """terms: each spelling and its tags; a term with no tags is recognised and ignored
        (so "exchange rate" hides the "exchange" inside it)."""
        any_case: dict[str, tuple[str, set[str]]] = {}
        exact: dict[str, dict[str, tuple[str, set[str]]]] = {}
        for term, tags in terms.items():
            key = _fold(term)
            if is_case_sensitive(term) and _LATIN.match(term):
                spelling = exact.setdefault(key, {})
                spelling.setdefault(_spaced(term), (term, set()))[1].update(tags)
            else:
                any_case.setdefault(key, (term, set()))[1].update(tags)
        self._any_case = {k: _hit(term, tags) for k, (term, tags) in any_case.items()}
        self._exact = {
            k: {spelled: _hit(term, tags) for spelled, (term, tags) in v.items()}
            for k, v in exact.items()
        }
        # Keys found by a plain lookup: any case, written with single spaces.
        self._plain = {k: hit for k, hit in self._any_case.items() if k not in exact}
        keys = {*any_case, *exact}
        self.latin_pattern = _trie_regex(k for k in keys if _LATIN.match(k))
        self.cjk_pattern = _trie_regex(k for k in keys if not _LATIN.match(k))

    def find(self, text: str) -> list[tuple[int, Hit]]:
        """Every term in text with where it starts: leftmost-longest, not overlapping."""
        lowered = _lower(text)
        found = self._scan(self.latin_pattern, text, lowered)
        if not text.isascii():
            found.extend(self._scan(self.cjk_pattern, text, lowered))
            found.sort(key=lambda hit: hit[0])
        return found

    def hits(self, text: str) -> list[Hit]:
        """The terms of find(text) without their places: what classification needs, faster."""
        if not text.isascii():
            return [hit for _, hit in self.find(text)]
        found: list[Hit] = []
        plain = self._plain
        for m in self.latin_pattern.finditer(text.lower()):
            hit = plain.get(m[0])
            if hit is None:
                hit = self._spelled(m[0], text[m.start() : m.end()])
            if hit is not None and hit.tags:
                found.append(hit)
        return found

    def _scan(self, pattern: re.Pattern[str], text: str, lowered: str) -> list[tuple[int, Hit]]:
        found: list[tuple[int, Hit]] = []
        plain = self._plain
        for m in pattern.finditer(lowered):
            hit = plain.get(m[0])
            if hit is None:
                hit = self._spelled(m[0], text[m.start() : m.end()])
            if hit is not None and hit.tags:
                found.append((m.start(), hit))
        return found

    def _spelled(self, key: str, as_written: str) -> Hit | None:
        """The hit of a match that needs more than a lookup: an exact-case term (checked
        against the text as written) or words split by a line break or hyphen."""
        if key not in self._any_case and key not in self._exact:
            key = _spaced(key)
            as_written = _spaced(as_written)
        hit = self._any_case.get(key)
        spellings = self._exact.get(key)
        if spellings is not None:
            hit = spellings.get(as_written, hit)
        return hit


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare letter whose lowercase is longer (İ)
        return text.translate(_ASCII_LOWER)
    return lowered


_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def _spaced(term: str) -> str:
    """A line break or hyphen between words reads as a space: "Hong-Kong" is "Hong Kong"."""
    return _SEPARATOR.sub(" ", term)


def _fold(term: str) -> str:
    """The lookup key of a term that matches in any case."""
    return _spaced(term.lower())


class _Node(dict[str, "_Node"]):
    end: bool = False
    boundary: bool = False  # the term ends in a Latin letter or digit: needs a word end


def _atoms(key: str) -> list[str]:
    return [r"[\s\-]" if ch == " " else re.escape(ch) for ch in key]


def _trie_regex(keys: Iterable[str]) -> re.Pattern[str]:
    """One regex whose alternatives branch like a trie of the keys, longest first.

    A term starting (ending) with a Latin letter or digit must start (end) a word; ASCII
    word boundaries make "比特币BTC" count. CJK terms match anywhere.
    """
    trie: dict[str, _Node] = {}
    for key in keys:
        _insert(trie, key)
    if not trie:
        return re.compile(r"(?!x)x")
    if all(_LATIN.match(atom) for atom in trie):
        return re.compile(rf"\b(?:{_branches(trie)})", re.ASCII)
    return re.compile(_branches(trie), re.ASCII)


def _insert(trie: dict[str, _Node], key: str) -> None:
    node: dict[str, _Node] = trie
    leaf: _Node | None = None
    for atom in _atoms(key):
        leaf = node.setdefault(atom, _Node())
        node = leaf
    if leaf is not None:
        leaf.end = True
        leaf.boundary = leaf.boundary or bool(_LATIN.match(key[-1]))


def _branches(trie: dict[str, _Node]) -> str:
    parts = []
    for atom, child in trie.items():
        tail = _branches(child) if child else ""
        stop = r"\b" if child.boundary else ""
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
    weak, actors = weak_keywords(), actor_keywords()
    for code, country in taxonomy.countries.items():
        for alias in (country.name, *country.aliases):
            terms.setdefault(alias, set()).add(_strength(alias, code, weak, actors) + code)
    for slug, topic in taxonomy.topics.items():
        for keyword in topic.keywords:
            terms.setdefault(keyword, set()).add(_strength(keyword, slug, weak, actors) + slug)
        for actor in actors.get(slug, ()):
            terms.setdefault(actor, set()).add(ACTOR + slug)
    for term in relevance_terms():
        terms.setdefault(term, set()).add(RELEVANT)
    _inherit_relevance(terms)
    for term in ignored_terms():
        terms.setdefault(term, set())
    matcher = Matcher({t: tags for t, tags in terms.items() if t.strip()})
    if len(_cache) > 8:
        _cache.clear()
    _cache[id(taxonomy)] = (taxonomy, matcher)
    return matcher


def _strength(
    keyword: str, slug: str, weak: dict[str, frozenset[str]], actors: dict[str, frozenset[str]]
) -> str:
    """The mark of a topic keyword: WEAK, ACTOR or none (full weight)."""
    if keyword in actors.get(slug, ()):
        return ACTOR
    return WEAK if keyword in weak.get(slug, ()) else ""


def _inherit_relevance(terms: dict[str, set[str]]) -> None:
    """A longer term holding a crypto word is itself one: "crypto mining" is matched whole,
    so it must carry the relevance that the "crypto" inside it would have given."""
    crypto_words = Matcher({t: {RELEVANT} for t, tags in terms.items() if RELEVANT in tags})
    for term, tags in terms.items():
        if RELEVANT not in tags and crypto_words.find(term):
            tags.add(RELEVANT)


# ---------------------------------------------------------------- classification


def classify_entry(entry: Entry, feed: FeedConfig | None, taxonomy: Taxonomy) -> Classification:
    """Countries, topics and relevance of one entry, with the terms behind each."""
    return classify_text(entry.title, entry.summary_text, feed, taxonomy)


def classify_text(
    title: str, summary: str, feed: FeedConfig | None, taxonomy: Taxonomy
) -> Classification:
    matcher = matcher_for(taxonomy)
    title_hits = matcher.hits(title)
    summary_hits = matcher.hits(summary[:SUMMARY_CHARS]) if summary else []
    # Counting a flat list of tags is done in C.
    tags = [tag for hit in summary_hits for tag in hit.points]
    tags += [tag for hit in title_hits for tag in hit.title_points]
    score = Counter(tags)
    for actor in [tag for tag in score if tag[0] == ACTOR]:
        del score[actor]
        score[actor[1:]] += 1
    relevant = RELEVANT in score
    countries = _countries(score, feed, taxonomy, relevant)
    topics = _topics(score, feed, taxonomy) if relevant else []
    hits = title_hits + summary_hits
    reasons = {
        tag: _terms_for(tag, hits) if tag in score else (PRIOR_REASON,)
        for tag in (*countries, *topics)
    }
    if relevant:
        reasons[RELEVANT] = _terms_for(RELEVANT, hits)
    return Classification(
        countries=tuple(countries), topics=tuple(topics), relevant=relevant, reasons=reasons
    )


def _terms_for(tag: str, hits: Sequence[Hit]) -> tuple[str, ...]:
    """The terms that earned a tag, each once, in the order they were found."""
    return tuple(dict.fromkeys(hit.term for hit in hits if tag in hit.tags))


def _passing(score: Counter[str], known: Container[str], threshold: int) -> list[str]:
    """The known tags that scored enough, strongest first."""
    ranked = sorted((-n, tag) for tag, n in score.items() if n >= threshold and tag in known)
    return [tag for _, tag in ranked]


def _countries(
    score: Counter[str], feed: FeedConfig | None, taxonomy: Taxonomy, relevant: bool
) -> list[str]:
    prior = feed.country if feed and feed.country in taxonomy.countries else None
    if prior and prior in score:
        score[prior] += PRIOR_WEIGHT
    found = _passing(score, taxonomy.countries, COUNTRY_THRESHOLD)
    if not found and prior and relevant:
        # Nothing points elsewhere: an item from a country's feed is about that country.
        found = [prior]
    elif not found and not prior:
        # No country stands out and the feed has none: a shared acronym names its usual
        # market ("SEC sues ..." is the US SEC unless another country is in the item).
        hinted = Counter({tag[1:]: n for tag, n in score.items() if tag[0] == WEAK})
        found = _passing(hinted, taxonomy.countries, 1)[:1]
    return found


def _topics(score: Counter[str], feed: FeedConfig | None, taxonomy: Taxonomy) -> list[str]:
    for slug in feed.topics if feed else ():
        if slug in score:
            score[slug] += PRIOR_WEIGHT
    found = _passing(score, taxonomy.topics, TOPIC_THRESHOLD)
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
