"""Which countries and topics an entry is about, and whether it belongs in the newsletter.

One matcher is compiled per taxonomy: two Aho-Corasick automata (Rust, through ahocorasick_rs),
so an entry is scanned once whatever the taxonomy's size, and no loop over keywords runs per
text.

- Terms written in ASCII match whole words. The text is first reduced to its words: every
  character but an ASCII letter or digit becomes a space ("Hong-Kong", "Hong\nKong", "$BTC",
  "比特币BTC" and "People’s" all read as words). Each key ends with a space, so it ends a
  word; that it also starts one is checked on the few matches found.
- CJK terms, the few Latin ones with accents and the ASCII ones that end in a symbol (NT$)
  match inside running text, where there are no spaces. Their automata run only on a text
  holding a character one of them needs, so most English text never reaches them.

A term with an uppercase letter after the first character of a word (MAS, BoJ) matches only
as written, so "mas" or "sec" in running text do not count; so does a short capitalised word
(Fed, Thai). A crypto term means the same in any case ("nft", "defi"), so of those only the
short capitalised names (Luna, Tron) keep their case. Other terms match in any case.

Scoring: a hit in the title weighs more than one in the summary; a feed's default country and
topics add a little weight (a prior, not a verdict). Topics are crypto topics, so they are given
only to relevant entries. Every tag keeps the terms that earned it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Container, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import NamedTuple

import opencc
from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation, MatchKind

from digest.models import Classification, Entry, FeedConfig, Taxonomy
from digest.taxonomy import (
    act_keywords,
    actor_keywords,
    describe,
    gazetteer,
    gazetteer_digest,
    subject_keywords,
    weak_keywords,
)

RELEVANT = "relevant"
WEAK = "~"  # marks a weak hint of a topic: "court" or "notice" alone does not make regulation
ACTOR = "^"  # marks who acts in a topic: any number of them count as one weak hint together
ACT = "!"  # marks an act of a topic ("fines", "orders"): a hint only beside one who acts in it
SUBJECT = "@"  # marks one who can do a topic's acts without hinting at the topic by name alone
MARKS = (WEAK, ACTOR, ACT, SUBJECT)
# Scores count half points: a term in the summary scores 2 (a weak one 1), in the title twice.
TITLE_WEIGHT = 2
PRIOR_WEIGHT = 2
COUNTRY_THRESHOLD = 4  # one title hit, two summary hits, or a summary hit plus the feed's prior
LONE_COUNTRY_THRESHOLD = 2  # one summary hit, when no other country is named as often
TOPIC_THRESHOLD = 2  # topics are asked of relevant items only: one mention is enough, or two
# weak hints, or one in the title
SUMMARY_CHARS = 2000  # a summary's opening says what it is about; the rest only costs time
# An act counts when one who acts in its topic is named this close (in characters, either
# side): "the SEC fined the exchange", "fined by the regulator", not an exchange's own
# "suspended withdrawals" two sentences after "authorities are investigating".
ACT_WINDOW = 60
TITLE_CHARS = 1000  # a longer "title" is a feed's mistake; its tail would not change the verdict
# Bump when a change to the code here would tag stored items differently: the store then
# classifies every item again (see rules_fingerprint).
RULES_VERSION = 3
PRIOR_REASON = "feed default"
EDITOR_REASON = "editor"

_LATIN = re.compile(r"[A-Za-z0-9]")
_SEPARATOR = re.compile(r"[\s\-]")
# Between a title and its summary when both are scanned at once: no term spans it.
_BREAK = "\x1f"
_BREAK_BYTE = _BREAK.encode()
_SPACE = ord(" ")
_KEEP_CASE = bytes(
    b if (b < 128 and chr(b).isalnum()) or chr(b) == _BREAK else _SPACE for b in range(256)
)
_FOLD_CASE = _KEEP_CASE.lower()


# ---------------------------------------------------------------- the compiled matcher


@dataclass(frozen=True, slots=True)
class Hit:
    term: str  # the term as the taxonomy spells it
    tags: tuple[str, ...]  # country codes, topic slugs and/or RELEVANT
    # What the term adds to each tag's score, in half points, in a summary and in a title.
    # A weak term adds 1 to its tag and 1 to WEAK + tag, in a title too; an actor adds 1 to
    # ACTOR + slug, which counts once per entry however often it is added.
    weights: tuple[tuple[str, int], ...] = ()
    title_weights: tuple[tuple[str, int], ...] = ()
    # A hint of a topic counts once however often the entry names it: "users" in the title
    # and twice in the summary is still one hint of adoption.
    once: bool = False
    acts: tuple[str, ...] = ()  # the topics it is an act of (a hint beside who acts in them)
    subjects: tuple[str, ...] = ()  # the topics whose acts it can do ("the SEC", "regulator")


def _hit(term: str, tags: set[str]) -> Hit:
    """A term's hit. A tag written WEAK + slug is a weak hint of that topic (half weight,
    title or not); ACTOR + slug names who acts in it (counted once per entry, as a hint);
    ACT + slug is an act of the topic, a hint only near one who acts in it (ACTOR + slug or
    SUBJECT + slug: who can act without being a hint)."""
    strong = {t for t in tags if t[:1] not in MARKS}
    weak = {t[1:] for t in tags if t.startswith(WEAK)} - strong
    actor = {t for t in tags if t.startswith(ACTOR) and t[1:] not in strong | weak}
    acts = {t[1:] for t in tags if t.startswith(ACT)} - strong - weak
    subjects = {t[1:] for t in tags if t[:1] in (ACTOR, SUBJECT)}
    # WEAK + slug is kept beside the slug: what only hints were found for is known later.
    hints = [(t, 1) for t in sorted(weak | actor)] + [(WEAK + t, 1) for t in sorted(weak)]
    weights = tuple([(t, 2) for t in sorted(strong)] + hints)
    title_weights = tuple([(t, 2 * TITLE_WEIGHT) for t in sorted(strong)] + hints)
    named = strong | weak | acts | subjects
    # Country codes are upper case; a weak hint of a country (SEC) keeps counting each time.
    once = any(not t.isupper() for t in weak)
    return Hit(
        term, tuple(sorted(named)), weights, title_weights, once, tuple(acts), tuple(subjects)
    )


def is_case_sensitive(term: str, crypto: bool = False) -> bool:
    """MAS, BoJ, Fed and Thai match as written; China, bitcoin, Hong Kong in any case.

    A crypto term (crypto=True) written in capitals means the same in any case ("nft",
    "defi", "e-cny"); only a short capitalised one (Luna, Tron) keeps its case.
    """
    words = term.split()
    short_name = len(words) == 1 and len(term) <= 4 and term.isalpha() and term.istitle()
    if crypto:
        return short_name
    return short_name or any(ch.isupper() for word in words for ch in word[1:])


def _words(text: str, table: bytes = _FOLD_CASE) -> bytes:
    """The text's ASCII words and what stands between them as spaces, one more at each end:
    " hong kong  and u s  sec ". Every character stays where it was, one place on."""
    return f" {text} ".encode("ascii", "replace").translate(table)


@dataclass(frozen=True, slots=True)
class _Term:
    any_case: Hit | None = None
    exact: dict[str, Hit] | None = None  # the hit of each exact-case spelling


class Matcher:
    """Finds every taxonomy term in a text; built once per taxonomy.

    Terms (with no tags: recognised and ignored, so "exchange rate" hides the "exchange"
    inside it) go to one automaton or the other; a match of an exact-case term is then
    checked against the text as written.
    """

    def __init__(self, terms: dict[str, set[str]], as_written: Container[str] = ()) -> None:
        """terms: each spelling and its tags; as_written: Latin terms that match only as
        written whatever is_case_sensitive says (place names: Reading, Mobile)."""
        words: dict[str, dict[str, tuple[str, set[str]]]] = {}
        scripts: dict[str, dict[str, tuple[str, set[str]]]] = {}
        symbols: dict[str, dict[str, tuple[str, set[str]]]] = {}
        for term, tags in terms.items():
            if not term.isascii() or not _LATIN.search(term):
                table, key, written = scripts, _spaced(term).lower(), _spaced(term)
            elif _LATIN.match(term[-1]) or term[-1] == ".":
                table, key = words, _words(term).strip().decode()
                written = _spelling(_words(term, _KEEP_CASE))
            else:  # NT$: the symbol is part of the term
                table, key, written = symbols, _spaced(term).lower(), _spaced(term)
            exact = _LATIN.match(term) and (
                term in as_written or is_case_sensitive(term, crypto=RELEVANT in tags)
            )
            spelling = written if exact else ""
            table.setdefault(key, {}).setdefault(spelling, (term, set()))[1].update(tags)
        self._words = [_term(spellings) for spellings in words.values()]
        # The hit of each word key when no spelling needs checking; None when one does.
        self._word_hit = [term.any_case if term.exact is None else None for term in self._words]
        self._words_automaton = BytesAhoCorasick(
            [f"{key} ".encode() for key in words],
            matchkind=MatchKind.LeftmostLongest,
            implementation=Implementation.DFA,
        )
        self._running = [_RunningText(scripts), _RunningText(symbols)]
        keys = [*scripts, *symbols]
        # ASCII text needs the running-text automata only if it holds one of these ("$").
        self._ascii_marks = sorted({m for key in keys if (m := _mark(key)).isascii() and m})

    def find(self, text: str) -> list[tuple[int, Hit]]:
        """Every term in text with where it starts: leftmost-longest, not overlapping."""
        found = [(start - 1, hit) for start, hit in self._word_hits(text, _words(text))]
        found.extend(self._other_hits(text))
        found.sort(key=lambda hit: hit[0])
        return found

    def hits(self, text: str) -> list[Hit]:
        """The terms of find(text) without their places."""
        found = [hit for _, hit in self._word_hits(text, _words(text))]
        found.extend(hit for _, hit in self._other_hits(text))
        return found

    def title_and_summary_hits(self, title: str, summary: str) -> Scan:
        """hits(title) and hits(summary), found in one pass over both."""
        text = f"{title} {_BREAK} {summary}"
        words = _words(text)
        cut = words.index(_BREAK_BYTE)
        scan = Scan([], [], [])
        title_hits, summary_hits, placed = scan
        fast = self._word_hit
        written = b""  # the words as written, made once the first exact-case term needs them
        # _word_hits inlined for the common case: classification runs it on every entry.
        for index, start, stop in self._words_automaton.find_matches_as_indexes(words):
            hit = fast[index]
            if words[start - 1] != _SPACE:  # "nt" in "percent": a term ends but does not start
                if words.find(b" ", start, stop - 1) > 0:  # a later word may start a term
                    for place, found in self._word_hits(text, words, start - 1, stop):
                        scan.add(place, found, place < cut)
                continue
            if hit is None:
                written = written or _words(text, _KEEP_CASE)
                hit = self._spelled(written, index, start, stop)
                if hit is None:  # "mas" is not MAS: a shorter term may still start here
                    for place, found in self._word_hits(text, words, start - 1, stop - 1):
                        scan.add(place, found, place < cut)
                    continue
            if hit.tags:
                (title_hits if start < cut else summary_hits).append(hit)
                if hit.acts or hit.subjects:
                    placed.append((start, start < cut, hit))
        for start, hit in self._other_hits(text):
            scan.add(start + 1, hit, start < len(title))
        return scan

    def _word_hits(
        self, text: str, words: bytes, low: int = 0, high: int | None = None
    ) -> list[tuple[int, Hit]]:
        """The ASCII terms among the words (from low to high), by where each starts."""
        found: list[tuple[int, Hit]] = []
        fast = self._word_hit
        haystack = words if high is None else words[low:high]
        for index, start, stop in self._words_automaton.find_matches_as_indexes(haystack):
            start += low
            hit = fast[index]
            if words[start - 1] != _SPACE:  # "ban" in "urban": not a word of its own
                inner = words.find(b" ", start, low + stop - 1)
                if inner > 0:  # a later word inside the match may still start a term
                    found += self._word_hits(text, words, inner + 1, low + stop)
                continue
            if hit is None:
                hit = self._spelled(_words(text, _KEEP_CASE), index, start, low + stop)
                if hit is None:  # "mas" is not MAS: a shorter term may still start here
                    found += self._word_hits(text, words, start - 1, low + stop - 1)
                    continue
            if hit.tags:
                found.append((start, hit))
        return found

    def _spelled(self, written: bytes, index: int, start: int, stop: int) -> Hit | None:
        """The hit of a word key with exact-case spellings, as the text writes it (written:
        the text's words as _words(text, _KEEP_CASE) gives them)."""
        term = self._words[index]
        spelling = _spelling(written[start:stop])
        return term.exact.get(spelling, term.any_case) if term.exact else term.any_case

    def _other_hits(self, text: str) -> list[tuple[int, Hit]]:
        if text.isascii() and not any(mark in text for mark in self._ascii_marks):
            return []
        found: list[tuple[int, Hit]] = []
        for terms in self._running:
            found += terms.hits(text)
        return found


class Scan(NamedTuple):
    """What a scan of an entry found: the title's hits, the summary's, and where each act
    and each one who can act stands ((place, in the title, hit); places count characters)."""

    title: list[Hit]
    summary: list[Hit]
    placed: list[tuple[int, bool, Hit]]

    def add(self, place: int, hit: Hit, in_title: bool) -> None:
        (self.title if in_title else self.summary).append(hit)
        if hit.acts or hit.subjects:
            self.placed.append((place, in_title, hit))


class _RunningText:
    """Terms that match inside running text: CJK ones, which no space sets apart, Latin ones
    with accents, and ASCII ones that end in a symbol (NT$). One automaton over the text,
    run only when the text holds a character that one of the terms needs."""

    def __init__(self, terms: dict[str, dict[str, tuple[str, set[str]]]]) -> None:
        self._terms = [_term(spellings) for spellings in terms.values()]
        # A term of several words is also written with hyphens ("Hydro-Québec"); the text is
        # not rewritten to match, which would cost more than the rest of the scan.
        keys = [(key, n) for n, key in enumerate(terms)]
        keys += [(key.replace(" ", "-"), n) for key, n in keys if " " in key]
        self._term_of = [n for _, n in keys]
        self._automaton = AhoCorasick([key for key, _ in keys], matchkind=MatchKind.LeftmostLongest)
        # For each term, one character it cannot match without: a text with none of them
        # is passed over by one scan in C. Both cases are spelled out: with re.IGNORECASE the
        # search would test every character of the text in Python's case rules.
        marks = {_mark(key) for key in terms} - {""}
        marks |= {c for mark in marks for c in (mark.upper(), mark.lower()) if len(c) == 1}
        pattern = f"[{re.escape(''.join(sorted(marks)))}]" if marks else "(?!x)x"
        self._marks = re.compile(pattern)
        self._only_non_ascii = all(not mark.isascii() for mark in marks)

    def hits(self, text: str) -> list[tuple[int, Hit]]:
        if (self._only_non_ascii and text.isascii()) or not self._marks.search(text):
            return []
        found: list[tuple[int, Hit]] = []
        lowered = _lower(text)
        for index, start, stop in self._automaton.find_matches_as_indexes(lowered):
            if _LATIN.match(lowered[start]) and start and _LATIN.match(lowered[start - 1]):
                continue  # a Latin term starts a word: "Zürich", not "xZürich"
            if _LATIN.match(lowered[stop - 1]) and _LATIN.match(lowered[stop : stop + 1]):
                continue
            term = self._terms[self._term_of[index]]
            hit = term.any_case
            if term.exact is not None:
                hit = term.exact.get(_spaced(text[start:stop]), hit)
            if hit is not None and hit.tags:
                found.append((start, hit))
        return found


def _mark(key: str) -> str:
    """A character of a running-text term that is neither a Latin letter, a digit nor a space."""
    return next((ch for ch in key if not _LATIN.match(ch) and ch != " "), "")


def _spelling(words: bytes) -> str:
    """How words are written, whatever stands between them: "U S SEC"."""
    return " ".join(words.decode().split())


def _term(spellings: dict[str, tuple[str, set[str]]]) -> _Term:
    """A key's hits: "" is the spelling that matches in any case."""
    hits = {spelling: _hit(term, tags) for spelling, (term, tags) in spellings.items()}
    any_case = hits.pop("", None)
    return _Term(any_case, hits or None)


def _lower(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare letter whose lowercase is longer (İ)
        return text.translate(_ASCII_LOWER)
    return lowered


_ASCII_LOWER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}


def _spaced(term: str) -> str:
    """A line break or hyphen between words reads as a space: "Hong-Kong" is "Hong Kong"."""
    return _SEPARATOR.sub(" ", term)


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
        for mark, words in ((ACTOR, actors), (ACT, act_keywords()), (SUBJECT, subject_keywords())):
            for word in words.get(slug, ()):
                terms.setdefault(word, set()).add(mark + slug)
    for term in taxonomy.relevance:
        terms.setdefault(term, set()).add(RELEVANT)
    _inherit_relevance(terms)
    _inherit_topics(terms, taxonomy.topics)
    for term in taxonomy.ignore:
        terms.setdefault(term, set())
    places = _add_places(terms, taxonomy)
    _add_script_forms(terms)
    matcher = Matcher({t: tags for t, tags in terms.items() if t.strip()}, places)
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
    is matched as written, with no conversion per entry."""
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
    return [opencc.OpenCC(config) for config in _SCRIPT_FORMS]


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
        "feeds": {f.name: [f.country, list(f.topics)] for f in feeds},
        "gazetteer": gazetteer_digest(),
    }
    text = json.dumps(basis, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------- classification


def classify_entry(entry: Entry, feed: FeedConfig | None, taxonomy: Taxonomy) -> Classification:
    """Countries, topics and relevance of one entry, with the terms behind each."""
    return classify_text(entry.title, entry.summary_text, feed, taxonomy)


def classify_text(
    title: str, summary: str, feed: FeedConfig | None, taxonomy: Taxonomy
) -> Classification:
    title_hits, summary_hits, placed = matcher_for(taxonomy).title_and_summary_hits(
        title[:TITLE_CHARS], summary[:SUMMARY_CHARS]
    )
    score = _score(title_hits, summary_hits)
    if placed:
        _score_acts(score, placed)
    relevant = RELEVANT in score
    countries = _countries(score, feed, taxonomy, relevant)
    topics = _topics(score, feed, taxonomy) if relevant else []
    tags = [*countries, *topics, RELEVANT] if relevant else countries
    reasons = _reasons(tags, title_hits + summary_hits)
    return Classification(
        countries=tuple(countries), topics=tuple(topics), relevant=relevant, reasons=reasons
    )


def _score(title_hits: Sequence[Hit], summary_hits: Sequence[Hit]) -> dict[str, int]:
    """Each tag's score in half points; the actors of a topic count once between them, and
    so does each weak hint however often it is named."""
    score: dict[str, int] = {}
    get = score.get
    counted: set[str] = set()
    for hit in summary_hits:
        if hit.once:
            if hit.term in counted:
                continue
            counted.add(hit.term)
        for tag, n in hit.weights:
            score[tag] = get(tag, 0) + n
    for hit in title_hits:
        if hit.once:
            if hit.term in counted:
                continue
            counted.add(hit.term)
        for tag, n in hit.title_weights:
            score[tag] = get(tag, 0) + n
    for actor in [tag for tag in score if tag[0] == ACTOR]:
        del score[actor]
        score[actor[1:]] = get(actor[1:], 0) + 1
    return score


def _score_acts(score: dict[str, int], placed: Sequence[tuple[int, bool, Hit]]) -> None:
    """Each act ("fines", "orders") adds a hint to its topic, once per term, when one who
    acts in that topic is named within ACT_WINDOW characters of it on the same line."""
    counted: set[str] = set()
    for place, in_title, act in placed:
        if not act.acts or act.term in counted:
            continue
        for slug in act.acts:
            if any(
                slug in who.subjects and side == in_title and abs(at - place) <= ACT_WINDOW
                for at, side, who in placed
            ):
                score[slug] = score.get(slug, 0) + 1
                counted.add(act.term)


def _reasons(tags: Sequence[str], hits: Sequence[Hit]) -> dict[str, tuple[str, ...]]:
    """The terms that earned each tag, each once, in the order they were found; a tag no
    term earned came from the feed's defaults."""
    wanted = set(tags)
    terms: dict[str, dict[str, None]] = {}
    for hit in hits:
        for tag in hit.tags:
            if tag in wanted:
                terms.setdefault(tag, {})[hit.term] = None
    return {tag: tuple(terms[tag]) if tag in terms else (PRIOR_REASON,) for tag in tags}


def _passing(score: dict[str, int], known: Container[str], threshold: int) -> list[str]:
    """The known tags that scored enough, strongest first."""
    ranked = [(-n, tag) for tag, n in score.items() if n >= threshold and tag in known]
    if len(ranked) > 1:
        ranked.sort()
    return [tag for _, tag in ranked]


def _countries(
    score: dict[str, int], feed: FeedConfig | None, taxonomy: Taxonomy, relevant: bool
) -> list[str]:
    prior = feed.country if feed and feed.country in taxonomy.countries else None
    for tag in [tag for tag in score if tag[0] == WEAK and tag[1:] in taxonomy.countries]:
        # A shared acronym (SEC, FSC) decides a country only when nothing else does.
        score[tag[1:]] -= score[tag]
    if prior and prior in score:
        score[prior] += PRIOR_WEIGHT
    found = _passing(score, taxonomy.countries, COUNTRY_THRESHOLD)
    if not found:
        # One mention of a place or a regulator is enough when it is the only one.
        named = _passing(score, taxonomy.countries, LONE_COUNTRY_THRESHOLD)
        found = named if len(named) == 1 else []
    if not found and prior and relevant:
        # Nothing points elsewhere: an item from a country's feed is about that country.
        found = [prior]
    elif not found and not prior:
        # No country stands out and the feed has none: a shared acronym names its usual
        # market ("SEC sues ..." is the US SEC unless another country is in the item).
        hinted = {tag[1:]: n for tag, n in score.items() if tag[0] == WEAK}
        found = _passing(hinted, taxonomy.countries, 1)[:1]
    return found


def _topics(score: dict[str, int], feed: FeedConfig | None, taxonomy: Taxonomy) -> list[str]:
    for slug in feed.topics if feed else ():
        if slug in score:
            score[slug] += PRIOR_WEIGHT
    found = _passing(score, taxonomy.topics, TOPIC_THRESHOLD)
    if not found and feed:
        found = [s for s in feed.topics if s in taxonomy.topics]
    return found


# ---------------------------------------------------------------- the editor's corrections


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
