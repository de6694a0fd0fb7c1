"""What two reports in different languages or scripts can share: the names they give (from
digest/data/names.yaml), the amounts, counts and dates they state, all written one way.

Traditional Chinese is read as simplified (OpenCC), so 幣安 and 币安 are one name. A name is a
concept term, spelled as its English key's term, so 币安 gives what "Binance" gives. Amounts
become "#" and two significant digits ("$530 million", "5.3亿美元" -> #5.3e8), dates of the
year "@MM-DD" ("September 24", "9月24日" -> @09-24).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import opencc
import yaml
from ahocorasick_rs import AhoCorasick, Implementation, MatchKind

from digest.names import CJK
from digest.taxonomy import builtin_taxonomy, gazetteer, world_countries

AMOUNT_MARK = "#"
DATE_MARK = "@"


@cache
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """Traditional Chinese characters as simplified ones; other text as it is."""
    return _converter().convert(text) if CJK.search(text) else text


# ---------------------------------------------------------------- names


@dataclass(frozen=True)
class NameTable:
    """Two Aho-Corasick automata: one over the aliases matched in any case, lowercased, and one
    over the abbreviations and short capitalised names (SEC, US, Fed), which count only where
    the text writes them so, as written ("ed" inside "warned" is no ED to look at)."""

    automaton: AhoCorasick  # the aliases matched in any case, lowercased
    found_by: tuple[int, ...]  # each of its patterns' alias (an index into aliases)
    written: AhoCorasick  # the aliases matched as written
    written_by: tuple[int, ...]
    aliases: tuple[str, ...]
    terms: tuple[str, ...]
    latin: tuple[bool, ...]
    concept_terms: frozenset[str]
    # The words of the trade (bitcoin, exchange, hacked): reports of many events share them.
    trade_terms: frozenset[str]
    kind_of: dict[str, str]  # concept term -> the kind of event it names (digest/data/events.yaml)
    checks: tuple[int, ...]  # what a match of each alias must pass: 0, _WHOLE_WORD, _AS_WRITTEN

    def split(self, text: str) -> tuple[set[str], str]:
        """The concept terms of the names in a text (simplified already), and the rest of the
        text lowercased, the names blanked out: a name is one term, whatever its words."""
        lowered = text.lower()
        found: set[str] = set()
        pieces: list[str] = []
        last = 0
        checks, word_chars, terms = self.checks, _ASCII_WORD_CHARS, self.terms
        by = self.found_by
        matches = [
            (by[i], start, end) for i, start, end in self.automaton.find_matches_as_indexes(lowered)
        ]
        written = self.written.find_matches_as_indexes(text)
        if written:  # one list, left to right, the longer of two at one place first
            by = self.written_by
            matches += [(by[i], start, end) for i, start, end in written]
            matches.sort(key=lambda match: (match[1], -match[2]))
        for index, start, end in matches:
            if start < last:  # inside a name taken already
                continue
            if checks[index]:  # a Latin name: a whole word only
                before = lowered[start - 1] if start else ""
                if before in word_chars or lowered[end : end + 1] in word_chars:
                    continue
            found.add(terms[index])
            pieces.append(lowered[last:start])
            last = end
        if not found:
            return found, lowered
        pieces.append(lowered[last:])
        return found, " ".join(pieces)

    def cjk_names(self, run: str) -> list[tuple[str, int, int]]:
        """The names in a run of CJK text: (concept term, start, end), left to right."""
        by, latin = self.found_by, self.latin
        return [
            (self.terms[by[index]], start, end)
            for index, start, end in self.automaton.find_matches_as_indexes(run)
            if not latin[by[index]]
        ]


_ASCII_WORD_CHARS = frozenset("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_WHOLE_WORD = 1  # a Latin name: matches only as a whole word
_AS_WRITTEN = 2  # and only as written


def _matched_as_written(alias: str) -> bool:
    """Abbreviations and short capitalised names (SEC, BoJ, Fed) are words only as written."""
    if CJK.search(alias):
        return False
    if any(c.isupper() for c in alias[1:]):
        return True
    return alias[:1].isupper() and len(alias) <= 4 and alias.isalpha()


def _world_country_names() -> list[tuple[str, ...]]:
    """The names of each country outside the taxonomy, English and Chinese: one concept, so
    that Montenegro and 黑山共和国 are one name. (A taxonomy country's aliases are its cities
    and bodies as well; the names file joins its names.)"""
    chinese: dict[str, list[str]] = {}
    for name, code, kind in gazetteer():
        if kind == f"{code} country":
            chinese.setdefault(code, []).append(name)
    return [
        (country.name, *country.aliases, *chinese.get(code, ()))
        for code, country in world_countries().items()
    ]


@cache
def name_table(term_of: Callable[[str], str]) -> NameTable:
    """The names file and the taxonomy's country names, compiled; term_of spells a one-word
    English name as a term. A country name that the names file does not give is a term of
    its own (so that a long name is one term, not one per word or character pair)."""
    sections = _names_file()
    data = {key: aliases for section in sections.values() for key, aliases in section.items()}
    term_of_alias: dict[str, str] = {}
    for key, aliases in data.items():
        term = _concept_term(str(key), term_of)
        for alias in (str(key), *(str(a) for a in aliases or ())):
            term_of_alias.setdefault(simplified(alias), term)
    for names in _world_country_names():
        term = _concept_term(names[0], term_of)
        for alias in names:
            term_of_alias.setdefault(simplified(alias), term)
    for country in builtin_taxonomy().countries.values():
        for alias in (country.name, *country.aliases):
            alias = simplified(alias)
            if alias not in term_of_alias and alias.lower() not in term_of_alias:
                term_of_alias[alias] = _concept_term(alias, term_of)
    # One alias per lowercased spelling: the as-written one (SEC) wins over another (sec).
    chosen: dict[str, str] = {}
    for alias in sorted(term_of_alias, key=lambda a: not _matched_as_written(a)):
        chosen.setdefault(alias.lower(), alias)
    spellings = tuple(chosen.values())
    as_written = tuple(map(_matched_as_written, spellings))
    latin = tuple(not CJK.search(a) for a in spellings)
    any_case = [i for i, written in enumerate(as_written) if not written]
    exact = [i for i, written in enumerate(as_written) if written]
    return NameTable(
        automaton=_automaton([spellings[i].lower() for i in any_case]),
        found_by=tuple(any_case),
        written=_automaton([spellings[i] for i in exact]),
        written_by=tuple(exact),
        aliases=spellings,
        terms=tuple(term_of_alias[a] for a in spellings),
        latin=latin,
        concept_terms=frozenset(term_of_alias.values()),
        trade_terms=frozenset(_concept_term(str(key), term_of) for key in sections["trade"]),
        kind_of={
            _concept_term(str(name), term_of): str(kind)
            for kind, names in _data_file("events.yaml").items()
            for name in names
        },
        checks=tuple(
            (_AS_WRITTEN if written else _WHOLE_WORD) if is_latin else 0
            for written, is_latin in zip(as_written, latin, strict=True)
        ),
    )


def _automaton(patterns: list[str]) -> AhoCorasick:
    return AhoCorasick(
        patterns, matchkind=MatchKind.LeftmostLongest, implementation=Implementation.DFA
    )


@cache
def names_file_keys() -> tuple[str, ...]:
    """The names of digest/data/names.yaml as English reports write them (its keys)."""
    return tuple(str(key) for section in _names_file().values() for key in section)


def _names_file() -> dict[str, dict[str, list[str]]]:
    """The names file's sections (places, bodies, companies, people, coins, trade)."""
    sections: dict[str, dict[str, list[str]]] = _data_file("names.yaml")
    return sections


def _data_file(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(
        resources.files("digest").joinpath(f"data/{name}").read_text("utf-8")
    )
    return data


def _concept_term(key: str, term_of: Callable[[str], str]) -> str:
    words = key.lower().split()
    if len(words) == 1 and words[0].isalpha() and words[0].isascii():
        return term_of(words[0])
    return "_".join(words)


# ---------------------------------------------------------------- amounts and dates

_SCALE = {
    "thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "mn": 1e6, "billion": 1e9, "bn": 1e9,
    "b": 1e9, "trillion": 1e12, "tn": 1e12,
    "万": 1e4, "十万": 1e5, "百万": 1e6, "千万": 1e7, "亿": 1e8, "十亿": 1e9, "百亿": 1e10,
    "千亿": 1e11, "万亿": 1e12,
}  # fmt: skip
# Each pattern starts with a character class, so that the search skips other text quickly;
# a number is taken whole (*+, ++): a part of it could be followed by no unit either.
_QUANTITY = re.compile(
    r"(\d[\d,]*+(?:\.\d++)?)\s?(?:(thousand|million|billion|trillion|mn|bn|tn|[kmb](?![a-z])"
    r"|万亿|千亿|百亿|十亿|亿|千万|百万|十万|万)|月\s?(\d{1,2})\s?[日号])"
)
_DIGIT = re.compile(r"\d")
_DAY = re.compile(r"\s(\d{1,2})(?:st|nd|rd|th)?(?![\w%]|[.,]\d)")
_MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()  # noqa: SIM905
_MONTH_NAME = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_MONTH_BEFORE = re.compile(r"\b" + _MONTH_NAME + r"\.?\s$")
_MONTH_AFTER = re.compile(r"\s" + _MONTH_NAME + r"\b")


def quantity_terms(lowered: str) -> set[str]:
    """Amounts and dates of a lowercased, simplified text, each written one way."""
    found: set[str] = set()
    first_digit = _DIGIT.search(lowered)  # most text states no number: done in one pass
    if first_digit is None:
        return found
    begin = first_digit.start()
    for number, scale, day in _QUANTITY.findall(lowered, begin):
        if day:  # 9月24日
            found.add(_date(number, day))
        elif (value := _number(number) * _SCALE[scale]) >= 1000:
            found.add(f"{AMOUNT_MARK}{value:.1e}".replace("e+0", "e").replace("e+", "e"))
    for match in _DAY.finditer(lowered, max(0, begin - 1)):
        start, end = match.start(1), match.end()
        month = _MONTH_BEFORE.search(lowered, max(0, start - 11), start) or _MONTH_AFTER.match(
            lowered, end
        )
        if month:  # September 24, Sept. 24, 24 September
            found.add(_date(str(_MONTHS.index(month.group(1)) + 1), match.group(1)))
    found.discard("")
    return found


def _number(text: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:  # "1,2.3"
        return 0.0


def _date(month: str, day: str) -> str:
    if not (month.isdigit() and day.isdigit()):  # "1.5月3日", "3,0009月24日": no date
        return ""
    m, d = int(month), int(day)
    return f"{DATE_MARK}{m:02d}-{d:02d}" if 1 <= m <= 12 and 1 <= d <= 31 else ""
