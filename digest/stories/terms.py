"""Text to terms: word stems of Latin text, names (one term each, in any language), amounts
and dates written one way, and character pairs of Chinese text; and the kinds of event a
title names (digest/data/events.yaml), each a term.
"""

from __future__ import annotations

import re

from digest.crosslang import NameTable, name_table, quantity_terms, simplified
from digest.names import CJK, CJK_RANGES

SUMMARY_CHARS = 300  # the opening of a summary that is compared: its first two or three sentences

_WORD = re.compile(rf"[a-z0-9]+(?:['.,][a-z0-9]+)*|[{CJK_RANGES}]+")
STOPWORDS = frozenset(
    """a about after again against all also an and any are as at be been before being but by
    can could did do does down during each for from further had has have having he her here
    his how i if in into is it its just may more most new no nor not now of off on once only
    or other our out over own said same says she should so some such than that the their them
    then there these they this those through to too under until up very was we were what when
    where which while who whom why will with would year years you your week weeks day days
    report reports reported according amid news latest update""".split()  # noqa: SIM905
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "ies", "ied", "ed", "es", "er", "s")


def stem(word: str) -> str:
    if len(word) > 4 and not word[0].isdigit() and word.endswith(_SUFFIXES):
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return word[: -len(suffix)]
    return word


def _chunk_terms(chunk: str) -> tuple[str, ...]:
    """The terms of a run of text without spaces: stems of its words, bigrams of its CJK."""
    if chunk.isalnum() and chunk.isascii():  # a plain word, as most are
        keep = chunk not in STOPWORDS and (len(chunk) > 1 or chunk.isdigit())
        return (stem(chunk),) if keep else ()
    terms: list[str] = []
    for run in _WORD.findall(simplified(chunk)):
        if CJK.match(run):
            terms.extend(_cjk_terms(run))
        elif run not in STOPWORDS and (len(run) > 1 or run.isdigit()):
            terms.append(stem(run.replace(",", "")))
    return tuple(terms)


def _cjk_terms(run: str) -> list[str]:
    """A run of CJK text as the names it gives (a name is one term, as in English) and the
    character bigrams of the text between them."""
    terms: list[str] = []
    pieces: list[str] = []
    start = 0
    for term, begin, end in story_names().cjk_names(run):
        terms.append(term)
        pieces.append(run[start:begin])
        start = end
    pieces.append(run[start:])
    for piece in pieces:
        if len(piece) == 1 and len(pieces) == 1:
            terms.append(piece)
        terms.extend(piece[i : i + 2] for i in range(len(piece) - 1))
    return terms


class _ChunkCache(dict[str, str]):
    """Lowercased chunk of text between spaces -> its one term ("" for none). News repeats
    its words, so nearly every chunk is a dictionary hit and a text becomes terms without a
    Python loop. A chunk of several terms (CJK text, "u.s.-china") maps to _MANY and keeps
    its terms in `many`."""

    def __init__(self) -> None:
        super().__init__()
        self.many: dict[str, tuple[str, ...]] = {}

    def __missing__(self, chunk: str) -> str:
        if len(self) >= _CHUNK_CACHE_SIZE:
            self.clear()
            self.many.clear()
        bare = chunk.strip(_PUNCTUATION)
        if bare != chunk:  # "bitcoin," has the terms of "bitcoin", most likely known already
            known = self[chunk] = self[bare] if bare else ""
            if known == _MANY:
                self.many[chunk] = self.many[bare]
            return known
        terms = _chunk_terms(chunk)
        if len(terms) > 1:
            self.many[chunk] = terms
            self[chunk] = _MANY
        else:
            self[chunk] = terms[0] if terms else ""
        return self[chunk]


_MANY = "\x00"
_PUNCTUATION = ".,;:!?'\"()[]{}<>*&%$#@"
_CHUNK_CACHE_SIZE = 1 << 20
_chunks = _ChunkCache()


def clear_term_cache() -> None:
    """Forget the terms of every chunk seen so far (a long-running process can free the
    memory between groupings; the next grouping starts cold, as a `digest` command does)."""
    _chunks.clear()
    _chunks.many.clear()


def _tokens(lowered: str) -> set[str]:
    """The distinct terms of a lowercased text (a term counts once however often it recurs)."""
    chunks = lowered.split()
    terms = set(map(_chunks.__getitem__, chunks))
    if _MANY in terms:
        terms.discard(_MANY)
        terms.update(*[_chunks.many[c] for c in chunks if _chunks[c] == _MANY])
    terms.discard("")
    return terms


def item_terms(title: str, summary: str) -> tuple[set[str], set[str]]:
    """All terms of an item, and those of its title (which weigh TITLE_WEIGHT).

    Only the opening of a long summary counts: a report names its event, places and people
    first, and the rest costs time while adding mostly background words."""
    if len(summary) > SUMMARY_CHARS:
        summary = summary[:SUMMARY_CHARS].rsplit(None, 1)[0]  # no half word at the cut
    in_title = terms_of(title)
    in_title |= _event_terms(title, in_title)
    terms = terms_of(summary)
    terms |= in_title
    return terms, in_title


def _event_terms(title: str, in_title: set[str]) -> set[str]:
    """What a title says happened: the kinds of event it names (digest/data/events.yaml),
    whether it says this happened before (a second raid, 再次被盗), whether it is an overview
    of a running affair rather than a report of one event, and whether it tells of the event
    as still to come, each as a term."""
    kind_of = story_names().kind_of
    found = {KIND_MARK + kind_of[t] for t in in_title & kind_of.keys()}
    lowered = title.lower()
    if _REPEAT_HINT.search(lowered) and _REPEATED.search(lowered):
        found.add(REPEAT_TERM)
    plain = simplified(lowered)
    if _OVERVIEW_HINT.search(plain) and _OVERVIEW.search(plain):
        found.add(OVERVIEW_TERM)
    if _AHEAD_HINT.search(plain) and _AHEAD.search(plain):
        found.add(AHEAD_TERM)
    return found


KIND_MARK = "~"
# A quick test that most titles fail: none of these words, no need to look for _REPEATED.
# "More arrests" and "another suspect" carry an affair on: only these tell of it happening anew.
_REPEAT_HINT = re.compile("second|third|again|再|又|二次|三次")
REPEAT_TERM = KIND_MARK + "again"
_REPEATED = re.compile(
    r"\b(?:second|third|again)\b"
    r"|再次|再度|又一|又遭|又被|再遭|再被|第二次|第三次|二次|新一轮"
)

OVERVIEW_TERM = KIND_MARK + "overview"
# Quick tests that most titles fail (plain words match far faster than words at a boundary).
_OVERVIEW_HINT = re.compile(
    "explain|know|timeline|live update|tracker|懒人包|更新|追踪|一文|解读|时间线"
)
_AHEAD_HINT = re.compile(
    "soon|early|tomorrow|next|near|明日|明天|即将|可望|有望|下周|下月|月底|月尾|很快"
)
# An explainer, a timeline or a page kept up to date tells a whole affair, not one of its events.
_OVERVIEW = re.compile(
    r"\bexplainers?\b|\bexplained\b|\bwhat (?:you need|we) know\b|\btimeline\b"
    r"|\blive updates\b|\beverything you need to know\b|\btracker\b"
    r"|懒人包|不断更新|持续更新|实时追踪|一文看懂|一文读懂|全面解读|深度解读|时间线"
)


AHEAD_TERM = KIND_MARK + "ahead"
# A title that names a time to come for its event (listing tomorrow, approval as soon as
# Monday, launch soon, nears an IPO, 可望/有望 "expected to") tells of the event before it
# happens: the reports of the event itself, a day or a week later, are another story.
_AHEAD = re.compile(
    r"\b(?:as (?:soon|early) as|soon|tomorrow|next (?:week|month)|nears|nearing)\b"
    r"|明日|明天|即将|可望|有望|下周|下月|很快"
    # the end of a month to come, not "as of the end of June" (截至6月底), a report's figures
    r"|(?<!截至)(?<!截止)(?<!截至\d)(?<!截止\d)(?<!截至\d\d)(?<!截止\d\d)月[底尾]"
)


def terms_of(text: str) -> set[str]:
    """The distinct terms of a text: its names (one term each, in any language), amounts
    and dates written one way, and the stems and character pairs of the rest."""
    names, rest = story_names().split(simplified(text))
    terms = _tokens(rest)
    terms |= names
    terms |= quantity_terms(rest)
    return terms


def story_names() -> NameTable:
    return name_table(stem)


def is_cjk_text(title: str) -> bool:
    """Whether a report is written in Chinese, Japanese or Korean (judged by its title)."""
    if CJK.search(title) is None:  # most titles: no need to count their letters
        return False
    return len(CJK.findall(title)) * 2 > len(_LATIN_LETTER.findall(title))


_LATIN_LETTER = re.compile("[a-zA-Z]")
