"""Names: which companies, projects, regulators, people and places a text is about.

Two uses: the subtitle of an issue ("Sichuan/BIT Mining/e-CNY"), derived from the headlines
of an issue file that has none or from the items a draft leads with; and the names an issue
covered, which a later draft's entries point back to ("Previously").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from digest.models import Issue, Item, Section, Taxonomy

SUBTITLE_NAMES = 6  # at most this many names in a subtitle

# Han ideographs, kana and hangul: scripts without case, whose words are names as written.
CJK_RANGES = "\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af"
CJK = re.compile(f"[{CJK_RANGES}]")

# ---------------------------------------------------------------- subtitles


def join_subtitle(names: Iterable[str | None]) -> str:
    """The first SUBTITLE_NAMES distinct names, joined by slashes."""
    return "/".join(distinct_names(names)[:SUBTITLE_NAMES])


def distinct_names(names: Iterable[str | None]) -> list[str]:
    """The names in order, each once whatever its case, empty ones left out."""
    kept: list[str] = []
    for name in names:
        if name and name.casefold() not in {n.casefold() for n in kept}:
            kept.append(name)
    return kept


def derive_subtitle(sections: Sequence[Section]) -> str:
    """An issue file's subtitle when it gives none: the leading name of each headline, in
    reading order ('Sichuan/BIT Mining/e-CNY')."""
    return join_subtitle(leading_name(item.title) for s in sections for item in s.items)


def lead_names(sections: Sequence[Section], leads: Iterable[Item], taxonomy: Taxonomy) -> list[str]:
    """A draft's key names, each once: the main name of each section's first entry, then of
    each second entry, and so on (entries point to their lead item by id)."""
    by_id = {lead.id: lead for lead in leads}
    generic = generic_names(taxonomy)
    names: list[str | None] = []
    depth = max((len(s.items) for s in sections), default=0)
    for position in range(depth):
        for section in sections:
            if position < len(section.items):
                item = by_id.get(section.items[position].id or "")
                names.append(main_name(item, taxonomy, generic) if item else None)
    return distinct_names(names)


_HEADLINE_WORD = re.compile(r"[^\s]+")
_HEADLINE_TRIM = ".,:;!?\"'()[]’‘“”"


def leading_name(title: str) -> str:
    """The run of name-like words a headline opens with ('BIT Mining moves ...' -> 'BIT Mining')."""
    words: list[str] = []
    for raw in _HEADLINE_WORD.findall(title):
        word = raw.strip(_HEADLINE_TRIM)
        if word.endswith(("'s", "’s")):
            words.append(word[:-2])
            break
        if not word or not _is_name_like(word):
            break
        words.append(word)
        if len(words) == 3 or raw[-1:] in ",:;":
            break
    if not words:
        first = title.split()
        return first[0].strip(_HEADLINE_TRIM) if first else ""
    return " ".join(words)


def _is_name_like(word: str) -> bool:
    return any(ch.isupper() or ch.isdigit() for ch in word) or bool(CJK.search(word))


def main_name(item: Item, taxonomy: Taxonomy, generic: frozenset[str]) -> str | None:
    """The name an item is most about: what tagged it (Sichuan, PBoC, Bitmain), else the
    first name in its headline."""
    tagged = [
        term
        for tag in (*item.countries, *item.topics)
        for term in item.reasons.get(tag, ())
        if (any(ch.isupper() for ch in term) or CJK.search(term)) and term in item.title
    ]
    for term in sorted(tagged, key=item.title.find):
        if _distinctive(term, generic):
            return term
    for name in names_in(item.title, taxonomy):
        if _distinctive(name, generic):
            return name
    return None


# ---------------------------------------------------------------- names in texts


def issue_texts(issue: Issue) -> list[str]:
    """The texts of an issue that name things: headlines, bodies, timeline lines."""
    texts = [text for entry in issue.items for text in (entry.title, entry.body)]
    return texts + [m.text for section in issue.sections for m in section.timeline]


def issue_names(issue: Issue, taxonomy: Taxonomy, common: frozenset[str] = frozenset()) -> set[str]:
    """The companies, projects, regulators, people and places an issue's items are about.
    A name made only of words written in lower case elsewhere (`common`), like "Difficulty"
    or "Series B", says nothing about which company it is and is left out."""
    given = {part.strip() for part in issue.subtitle.split("/") if part.strip()}
    generic = generic_names(taxonomy)
    places = _place_aliases(taxonomy)  # Sichuan, Inner Mongolia: names whatever their words
    named: set[str] = set()
    for text in issue_texts(issue):
        # In a Title Case Headline every word looks like a name: only the unmistakable count.
        known = None if _title_case(text) else common
        named.update(n for n in names_in(text, taxonomy) if n in places or _proper(n, known))
    chosen = {n for n in given if len(n.split()) > 1 or n in places or _proper(n, common)}
    return {name for name in named | chosen if _distinctive(name, generic)}


def _place_aliases(taxonomy: Taxonomy) -> frozenset[str]:
    return frozenset(alias for c in taxonomy.countries.values() for alias in c.aliases)


_LOWER_WORD = re.compile(r"(?<![\w.@/-])[a-z]{2,}(?:['’-][a-z]+)*(?![\w@/]|[.-]\w)")
_LINK_TARGET = re.compile(r"\]\([^)]*\)|https?://\S+")
_COMMON_WORDS = frozenset(
    """series round seed difficulty hashrate price prices market markets report reports
    financial stability development committee council state national international global
    industrial savings postal bank banks group holdings technologies technology network
    project projects act law rules bill policy forum festival week summit conference
    communications nature science daily times news post review journal""".split()  # noqa: SIM905
)


def lowercase_words(texts: Iterable[str]) -> frozenset[str]:
    """Words written in lower case somewhere in the texts (links left out: binance.com does
    not make Binance a common word), with a few words of every business story."""
    found: set[str] = set(_COMMON_WORDS)
    for text in texts:
        found.update(_LOWER_WORD.findall(_LINK_TARGET.sub(" ", text)))
    return frozenset(found)


def _proper(name: str, common: frozenset[str] | None) -> bool:
    """Some word of the name is a proper noun: an acronym or mixed case (PBoC, e-CNY, The9),
    a script without case, or a capitalised word never written in lower case (not asked
    when common is None)."""
    for word in name.split():
        if len(word) < 2 or word in _CONNECTORS:
            continue
        if word.isupper() or not word.isascii() or any(ch.isdigit() for ch in word):
            return True
        if any(ch.isupper() for ch in word[1:]):
            return True
        if common is not None and word.casefold() not in common:
            return True
    return False


def _title_case(text: str) -> bool:
    """Most longer words capitalised, as in "Hashrate Recovers as Difficulty Drops"."""
    words = [w for w in re.findall(r"[A-Za-z]{4,}", text)]
    capitalised = sum(1 for w in words if w[0].isupper())
    return len(words) >= 3 and capitalised >= 0.8 * len(words)


_NAME_WORD = re.compile(r"[A-Z][A-Za-z0-9]*(?:[.&'’-][A-Za-z0-9]+)*|[a-z]{1,2}-[A-Z][A-Za-z0-9]*")
_SUFFIX = re.compile(r"-(?:based|listed|led|backed|owned|run|born)$")
_CONNECTORS = frozenset({"of", "&", "de"})
_TOKEN = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?:;\"“”]$")
_TRIM = ".,:;!?\"'()[]{}*_`’‘“”"
_STOPWORDS = frozenset(
    """A About After Again All Also An And Any As At Before But By Can Could Did Do Does Each
    Even Every Expect For From Further Had Has Have He Her Here His How I If In Into Is It Its
    Just Last Like May More Most New Next No Not Now Of Off On Once One Only Or Other Our Out
    Over Read See She So Some Such Than That The Their Them Then There These They This Those
    Three Through To Too Two Under Until Up Very Was We Were What When Where Which While Who
    Why Will With Would Yet You Your Mr Mrs Ms Dr TODO
    January February March April May June July August September October November December
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday""".split()  # noqa: SIM905
)
_GENERIC_WORDS = frozenset(
    [
        *"""Bitcoin BTC Ether Ethereum ETH Crypto Cryptocurrency Blockchain CBDC CBDCs NFT NFTs
        DeFi Web3 ICO ICOs IEO VASP VASPs Stablecoin Stablecoins Token Tokens Satoshi Altcoin
        Mining Asia Asian Europe European America American Africa African Americas Western
        Eastern U.S U.S. US USA UK EU UN IMF Bank Government Ministry Minister Payment Payments
        Series Fintech FinTech Sciences Company Group Exchange Exchanges Association Committee
        Authority Commission Council Court Police Act Law Market Markets Fund Capital Lab Labs
        CEO CFO CTO Chairman President Twitter WeChat Telegram Reddit""".split(),  # noqa: SIM905
        "Central Bank", "Prime Minister", "Southeast Asia", "South Asia", "East Asia",
        "Central Asia", "North America", "Latin America", "Middle East",
    ]
)  # fmt: skip


def names_in(text: str, taxonomy: Taxonomy) -> list[str]:
    """Names in a text, in order: runs of capitalised words (not a plain word opening a
    sentence), acronyms and CamelCase (PBoC, MicroBT, e-CNY), and the taxonomy's aliases and
    keywords written with a capital or in CJK script."""
    found: list[str] = []
    run: list[str] = []
    pending: list[str] = []  # "of" in "Bank of Japan", kept if a name follows
    tentative = False  # the run is one plain word opening a sentence ("Miners", "El")

    def close_run() -> None:
        if run and not (tentative and len(run) == 1):
            found.append(" ".join(run))
        run.clear()
        pending.clear()

    sentence_start = True
    for raw in _TOKEN.findall(text):
        word = _SUFFIX.sub("", raw.strip(_TRIM))
        possessive = word.endswith(("'s", "’s"))
        word = word[:-2] if possessive else word
        if _NAME_WORD.fullmatch(word) and word not in _STOPWORDS and len(word) > 1:
            if not run:
                tentative = sentence_start and _plain_capitalised(word)
            run.extend([*pending, word])
            pending.clear()
        elif run and word in _CONNECTORS and not pending and raw == word:
            pending.append(word)
        else:
            close_run()
        if run and (possessive or len(run) >= 4 or raw[-1] in ",;:)" or _SENTENCE_END.search(raw)):
            close_run()
        sentence_start = bool(_SENTENCE_END.search(raw))
    close_run()
    found.extend(_taxonomy_terms(text, taxonomy))
    return list(dict.fromkeys(found))


def _plain_capitalised(word: str) -> bool:
    return word[:1].isupper() and word[1:].islower()


def _taxonomy_terms(text: str, taxonomy: Taxonomy) -> list[str]:
    """Country aliases and topic keywords in the text that name something: written with a
    capital (PBoC, Bitmain, e-CNY), or a place's name in CJK script."""
    found = []
    for term in _name_terms(taxonomy):
        if term in text:
            start = text.find(term)
            end = start + len(term)
            before = text[start - 1 : start]
            after = text[end : end + 1]
            if not (_ascii_word(before) and _ascii_word(term[0])) and not (
                _ascii_word(after) and _ascii_word(term[-1])
            ):
                found.append(term)
    return found


def _ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


_terms_cache: dict[int, tuple[Taxonomy, tuple[str, ...]]] = {}


def _name_terms(taxonomy: Taxonomy) -> tuple[str, ...]:
    cached = _terms_cache.get(id(taxonomy))
    if cached is not None and cached[0] is taxonomy:
        return cached[1]
    terms: list[str] = []
    for country in taxonomy.countries.values():
        terms += [a for a in country.aliases if any(ch.isupper() for ch in a) or CJK.search(a)]
    for topic in taxonomy.topics.values():
        terms += [k for k in topic.keywords if any(ch.isupper() for ch in k)]
    found = tuple(dict.fromkeys(terms))
    _terms_cache.clear()
    _terms_cache[id(taxonomy)] = (taxonomy, found)
    return found


def generic_names(taxonomy: Taxonomy) -> frozenset[str]:
    """Names too broad to link issues: countries and their people, regions, topics, crypto
    itself, and words that name an institution without saying which."""
    out: set[str] = set(_GENERIC_WORDS)
    for country in taxonomy.countries.values():
        out.update([country.code, country.name])
        stems = tuple(word[:4].casefold() for word in country.name.split())
        for alias in country.aliases:
            folded = alias.casefold()
            demonym = folded == country.name.casefold() or (
                folded.startswith(stems) and len(alias.split()) <= len(country.name.split())
            )  # Chinese, Korean, South Korean, Thai
            short_native = bool(CJK.search(alias)) and len(alias) <= 2  # 中国, 日本, 한국
            if demonym or short_native:
                out.add(alias)
    for topic in taxonomy.topics.values():
        out.update([topic.slug, topic.name])
    return frozenset(n.casefold() for n in out)


def _distinctive(name: str, generic: frozenset[str]) -> bool:
    if name.casefold() in generic:
        return False
    return len(name) > 1 and (len(name) > 2 or not name.isascii() or name.isupper())


def names_mentioned(text: str, names: tuple[str, ...]) -> list[str]:
    """Which of the names the text mentions, as whole words."""
    pattern = _name_pattern(names)
    return [m.group(0) for m in pattern.finditer(text)] if pattern else []


_pattern_cache: dict[tuple[str, ...], re.Pattern[str] | None] = {}


def _name_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    if names not in _pattern_cache:
        if len(_pattern_cache) > 8:
            _pattern_cache.clear()
        parts = [_bounded(n) for n in sorted(names, key=len, reverse=True) if n]
        _pattern_cache[names] = re.compile("(?:" + "|".join(parts) + ")") if parts else None
    return _pattern_cache[names]


def _bounded(name: str) -> str:
    before = r"(?<![A-Za-z0-9])" if name[0].isascii() and name[0].isalnum() else ""
    after = r"(?![A-Za-z0-9])" if name[-1].isascii() and name[-1].isalnum() else ""
    return f"{before}{re.escape(name)}{after}"
