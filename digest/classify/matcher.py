"""The compiled matcher: every taxonomy term found in a text in one scan.

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
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import NamedTuple

from ahocorasick_rs import AhoCorasick, BytesAhoCorasick, Implementation, MatchKind

RELEVANT = "relevant"
WEAK = "~"  # marks a weak hint of a topic: "court" or "notice" alone does not make regulation
ACTOR = "^"  # marks who acts in a topic: any number of them count as one weak hint together
ACT = "!"  # marks an act of a topic ("fines", "orders"): a hint only beside one who acts in it
SUBJECT = "@"  # marks one who can do a topic's acts without hinting at the topic by name alone
INCIDENT = "%"  # the tag of a term that makes a title the report of an incident ("shuts down")
MARKS = (WEAK, ACTOR, ACT, SUBJECT, INCIDENT)
# Scores count half points: a term in the summary scores 2 (a weak one 1), in the title twice.
TITLE_WEIGHT = 2

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


@dataclass(frozen=True, slots=True)
class Hit:
    term: str  # the term as the taxonomy spells it
    tags: tuple[str, ...]  # country codes, topic slugs, RELEVANT and/or INCIDENT
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
    named = strong | weak | acts | subjects | (tags & {INCIDENT})
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
    " hong kong  and u s  sec ". Every character stays where it was, one place on. US$, the
    currency amounts everywhere are counted in, is read as USD, not as the country."""
    if "US$" in text:
        text = text.replace("US$", "USD")
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

    def __init__(
        self,
        terms: dict[str, set[str]],
        as_written: Container[str] = (),
        other_forms: Callable[[dict[str, set[str]]], None] | None = None,
    ) -> None:
        """terms: each spelling and its tags; as_written: Latin terms that match only as
        written whatever is_case_sensitive says (place names: Reading, Mobile); other_forms:
        adds to the running-text terms their other written forms (traditional Chinese
        beside simplified), called when a text first needs those terms, so a matcher that
        only ever sees ASCII text never computes them."""
        words: dict[str, dict[str, tuple[str, set[str]]]] = {}
        running: dict[str, set[str]] = {}
        for term, tags in terms.items():
            if _runs_in_text(term):
                running[term] = set(tags)
                continue
            key, written = _words(term).strip().decode(), _spelling(_words(term, _KEEP_CASE))
            _file(words, key, written, term, tags, as_written)
        self._words = [_term(spellings) for spellings in words.values()]
        # The hit of each word key when no spelling needs checking; None when one does.
        self._word_hit = [term.any_case if term.exact is None else None for term in self._words]
        # Whether each word key has words after its first: only such a key, matched inside a
        # word ("ed" in "warned" is not), can hold a later word that starts a term.
        self._several_words = [" " in key for key in words]
        self._words_automaton = BytesAhoCorasick(
            [f"{key} ".encode() for key in words],
            matchkind=MatchKind.LeftmostLongest,
            implementation=Implementation.DFA,
        )
        # ASCII text needs the running-text automata only if it holds one of these ("$").
        # Other forms change only CJK characters, so they add no ASCII mark.
        marks = {_mark(_spaced(term).lower()) for term in running}
        self._ascii_marks = sorted({m for m in marks if m.isascii() and m})
        self._running_terms = running
        self._as_written = as_written
        self._other_forms = other_forms
        self._running_texts: list[_RunningText] | None = None

    @property
    def _running(self) -> list[_RunningText]:
        """The running-text automata (CJK terms, then symbols), built on first use."""
        if self._running_texts is None:
            running = self._running_terms
            if self._other_forms is not None:
                self._other_forms(running)
            scripts: dict[str, dict[str, tuple[str, set[str]]]] = {}
            symbols: dict[str, dict[str, tuple[str, set[str]]]] = {}
            for term, tags in running.items():
                table = scripts if not term.isascii() or not _LATIN.search(term) else symbols
                spaced = _spaced(term)
                _file(table, spaced.lower(), spaced, term, tags, self._as_written)
            self._running_texts = [_RunningText(scripts), _RunningText(symbols)]
        return self._running_texts

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
        fast, several_words = self._word_hit, self._several_words
        written = b""  # the words as written, made once the first exact-case term needs them
        # _word_hits inlined for the common case: classification runs it on every entry.
        for index, start, stop in self._words_automaton.find_matches_as_indexes(words):
            if words[start - 1] != _SPACE:  # "nt" in "percent": a term ends but does not start
                # A later word of the match may start a term.
                if several_words[index] and words.find(b" ", start, stop - 1) > 0:
                    for place, found in self._word_hits(text, words, start - 1, stop):
                        scan.add(place, found, place < cut)
                continue
            hit = fast[index]
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


def _runs_in_text(term: str) -> bool:
    """Whether a term matches inside running text rather than as whole ASCII words: a CJK
    or accented term, or one that ends in a symbol (NT$)."""
    if not term.isascii() or not _LATIN.search(term):
        return True
    return not (_LATIN.match(term[-1]) or term[-1] == ".")


def _file(
    table: dict[str, dict[str, tuple[str, set[str]]]],
    key: str,
    written: str,
    term: str,
    tags: set[str],
    as_written: Container[str],
) -> None:
    """The term's tags under its key, with its spelling when it matches only as written."""
    exact = _LATIN.match(term) and (
        term in as_written or is_case_sensitive(term, crypto=RELEVANT in tags)
    )
    spelling = written if exact else ""
    table.setdefault(key, {}).setdefault(spelling, (term, set()))[1].update(tags)


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
