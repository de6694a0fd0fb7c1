"""Names: which companies, projects, regulators, people and places a text is about.

Two uses: the subtitle of an issue ("Sichuan/BIT Mining/e-CNY"), derived from the headlines
of an issue file that has none or from the items a draft leads with; and the names an issue
covered, which a later draft's entries point back to ("Previously").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TypeVar

from digest.models import Issue, Item, Section, Taxonomy
from digest.taxonomy import gazetteer

_T = TypeVar("_T")

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


def derive_subtitle(sections: Sequence[Section], taxonomy: Taxonomy) -> str:
    """An issue file's subtitle when it gives none: the leading name of each headline, in
    reading order ('Sichuan/BIT Mining/e-CNY'). Headlines that name nothing add nothing."""
    items = [item for s in sections for item in s.items]
    common = lowercase_words(text for item in items for text in (item.title, item.body))
    return join_subtitle(leading_name(item.title, taxonomy, common) for item in items)


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


def leading_name(
    title: str, taxonomy: Taxonomy, common: frozenset[str] = frozenset()
) -> str | None:
    """The first name a headline gives ('BIT Mining moves ...' -> 'BIT Mining'): a distinctive
    one if there is any, else a country or place ('Korea, Japan tighten rules' -> 'Korea');
    None when it names nothing ('miners look north')."""
    found = entity_names(title, taxonomy, common)
    generic = generic_names(taxonomy)
    for name in found:
        if _distinctive(name, generic):
            return name
    places = _place_aliases(taxonomy)
    return next((name for name in found if name in places or _is_country(name, taxonomy)), None)


def _is_country(name: str, taxonomy: Taxonomy) -> bool:
    return any(name == c.name for c in taxonomy.countries.values())


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
    common = lowercase_words([item.title, item.summary_text])
    for name in entity_names(item.title, taxonomy, common):
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
    places = _place_aliases(taxonomy)
    named: set[str] = set()
    for text in issue_texts(issue):
        named.update(entity_names(text, taxonomy, common))
    chosen = {n for n in given if len(n.split()) > 1 or n in places or _proper(n, common)}
    return {name for name in named | chosen if _distinctive(name, generic)}


def entity_names(text: str, taxonomy: Taxonomy, common: frozenset[str] = frozenset()) -> list[str]:
    """The names in a text that name an entity, in order: the taxonomy's and the gazetteer's
    names, and runs of capitalised words with a proper noun among them (see _proper). In a
    Title Case Headline every word looks like a name: there a run is cut at the everyday
    words in it ("JPEX Exchange Promotion" -> "JPEX") and only the unmistakable pieces count."""
    known = set(_known_names(taxonomy))
    if not _title_case(text):
        return [n for n in names_in(text, taxonomy) if n in known or _proper(n, common)]
    generic = generic_names(taxonomy)
    found: list[str] = []
    for name in names_in(text, taxonomy):
        pieces = [name] if name in known else _pieces(name, generic)
        found += [p for p in pieces if p in known or _proper(p, None)]
    return list(dict.fromkeys(found))


def _pieces(name: str, generic: frozenset[str]) -> list[str]:
    """The name cut at its generic words and verbs, connectors trimmed from each piece."""
    pieces: list[list[str]] = [[]]
    for word in name.split():
        if word.casefold() in generic or word.casefold() in _HEADLINE_VERBS:
            pieces.append([])
        else:
            pieces[-1].append(word)
    trimmed = [_trim_verbs(p) for p in pieces]
    return [" ".join(p) for p in trimmed if p and p[0] not in _CONNECTORS]


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
        if any(any(ch.isupper() for ch in part[1:]) for part in word.split("-")):
            return True  # PBoC, MicroBT, e-CNY; not Hot-Wallet
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
        CEO CFO CTO Chairman President Twitter WeChat Telegram Reddit ETF ETFs IPO IPOs SPAC
        VC VCs AML KYC ATM ATMs DEX DEXs DEXes AMM TVL P2E GameFi Spot Ponzi Hack Hacker
        Hackers Securities Stock Stocks Trading Crypto-currency Cryptocurrencies""".split(),  # noqa: SIM905
        "Central Bank", "Prime Minister", "Southeast Asia", "South Asia", "East Asia",
        "Central Asia", "North America", "Latin America", "Middle East",
    ]
)  # fmt: skip


MAX_NAME_WORDS = 5  # a longer run of capitals is a Title Case clause, not one name


_HEADLINE_VERBS = frozenset(
    """says said say warns warned plans planned launches launched files filed bans banned eyes
    sees seen gets got sets calls called urges urged asks asked seeks sought moves moved
    opens opened wins won adds added cuts hits rises rose falls fell slams slammed takes took
    makes made buys bought sells sold raises raised joins joined unveils unveiled announces
    announced approves approved rejects rejected denies denied probes probed fines fined sues
    sued charges charged halts halted orders ordered expands expanded tightens tightened
    eases eased considers considered confirms confirmed reports reported issues issued
    clarifies clarified targets targeted reveals revealed delays delayed drops dropped
    introduces introduced proposes proposed signs signed updated update""".split()  # noqa: SIM905
)
_TITLES = frozenset("Governor Director Chief Head Founder Spokesperson Official Officials".split())  # noqa: SIM905


def names_in(text: str, taxonomy: Taxonomy) -> list[str]:
    """Names in a text, in order: the taxonomy's and gazetteer's names, and runs of
    capitalised words (not a plain word opening a sentence, not a trailing verb as in
    "Central Bank Says", nothing of a run too long to be one name, never a piece cut from a
    known name as "Bank" from "People's Bank of China"), acronyms and CamelCase (PBoC,
    MicroBT, e-CNY)."""
    spans = _known_spans(text, taxonomy)
    found = [(start, -end, text[start:end]) for start, end in spans]
    for start, end, run in _runs(text):
        cut = any(start < e and end > s and not (start <= s and end >= e) for s, e in spans)
        if not cut:
            found.append((start, -end, run))
    return list(dict.fromkeys(name for _, _, name in sorted(found)))


def _runs(text: str) -> list[tuple[int, int, str]]:
    """Runs of capitalised words, each with where it starts and ends in the text."""
    found: list[tuple[int, int, str]] = []
    run: list[str] = []
    span = [0, 0]
    pending: list[str] = []  # "of" in "Bank of Japan", kept if a name follows
    tentative = False  # the run is one plain word opening a sentence ("Miners", "El")
    overlong = False  # the run passed MAX_NAME_WORDS: none of it is kept

    def close_run() -> None:
        nonlocal overlong
        words = _trim_verbs(run)
        if words and not overlong and not (tentative and len(words) == 1):
            found.append((span[0], span[1], " ".join(words)))
        run.clear()
        pending.clear()
        overlong = False

    sentence_start = True
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        word = _SUFFIX.sub("", raw.strip(_TRIM))
        possessive = word.endswith(("'s", "’s"))
        word = word[:-2] if possessive else word
        if _NAME_WORD.fullmatch(word) and word not in _STOPWORDS and len(word) > 1:
            if not run:
                tentative = sentence_start and _plain_capitalised(word)
                span[0] = match.start()
            span[1] = match.end()
            run.extend([*pending, word])
            pending.clear()
            overlong = overlong or len(run) > MAX_NAME_WORDS
        elif run and word in _CONNECTORS and not pending and raw == word:
            pending.append(word)
        else:
            close_run()
        if run and (possessive or raw[-1] in ",;:)" or _SENTENCE_END.search(raw)):
            close_run()
        sentence_start = bool(_SENTENCE_END.search(raw))
    close_run()
    return found


def _trim_verbs(words: list[str]) -> list[str]:
    """The run without the verbs a headline puts after its subject ("Central Bank Says")."""
    kept = list(words)
    while kept and (
        kept[-1].casefold() in _HEADLINE_VERBS or kept[-1] in _TITLES or kept[-1] in _CONNECTORS
    ):
        kept.pop()
    return kept


def _plain_capitalised(word: str) -> bool:
    return word[:1].isupper() and word[1:].islower()


def _known_spans(text: str, taxonomy: Taxonomy) -> list[tuple[int, int]]:
    """Where the text names a known name as a whole word, longest first, never overlapping."""
    taken: list[tuple[int, int]] = []
    for term in _known_names(taxonomy):  # longest first
        begin = text.find(term)
        while begin != -1:
            end = begin + len(term)
            whole = not (_ascii_word(text[begin - 1 : begin]) and _ascii_word(term[0])) and not (
                _ascii_word(text[end : end + 1]) and _ascii_word(term[-1])
            )
            if whole and all(end <= s or begin >= e for s, e in taken):
                taken.append((begin, end))
            begin = text.find(term, end)
    return sorted(taken)


def _ascii_word(char: str) -> bool:
    return char.isascii() and char.isalnum()


_known_cache: dict[int, tuple[Taxonomy, tuple[str, ...]]] = {}


def _held_for(cache: dict[int, tuple[Taxonomy, _T]], taxonomy: Taxonomy) -> _T | None:
    """What the cache holds for the taxonomy or an equal one: each load of the settings
    makes a new taxonomy (a build of the preview server, say), mostly of the same parts."""
    for held, value in cache.values():
        if held is taxonomy or held == taxonomy:
            return value
    return None


def _known_names(taxonomy: Taxonomy) -> tuple[str, ...]:
    """Names the taxonomy and the gazetteer know, longest first: country aliases and
    institutions, topic keywords, places, each written with a capital (PBoC, Bitmain, e-CNY,
    Texas) or, for countries and places, in CJK script (四川, 数字人民币)."""
    cached = _held_for(_known_cache, taxonomy)
    if cached is not None:
        return cached
    terms = [a for c in taxonomy.countries.values() for a in c.aliases]
    terms += [name for name, _, _ in gazetteer()]
    named = {t for t in terms if len(t) > 1 and (any(ch.isupper() for ch in t) or CJK.search(t))}
    # a topic's keywords in CJK are words (矿工, miner), its capitalised ones names (Bitmain)
    named.update(k for t in taxonomy.topics.values() for k in t.keywords if k[:1].isupper())
    found = tuple(sorted(named, key=lambda t: (-len(t), t)))
    _known_cache.clear()
    _known_cache[id(taxonomy)] = (taxonomy, found)
    return found


def generic_names(taxonomy: Taxonomy) -> frozenset[str]:
    """Names too broad to link issues: countries and their people, regions, topics, crypto
    itself, words that name an institution without saying which, and every word of the
    topics' keywords written in lower case ("securities", "exchange", "mining")."""
    cached = _held_for(_generic_cache, taxonomy)
    if cached is not None:
        return cached
    out: set[str] = {*_GENERIC_WORDS, *_TITLES, *topic_words(taxonomy)}
    for country in taxonomy.countries.values():
        out.update([country.code, country.name])
        stems = tuple(word[:4].casefold() for word in country.name.split())
        for alias in country.aliases:
            folded = alias.casefold()
            demonym = folded == country.name.casefold() or (
                folded.startswith(stems) and len(alias.split()) <= len(country.name.split())
            )  # Chinese, Korean, South Korean, Thai
            short_native = (  # 中国, 日本, 한국; not 四川, a province
                bool(CJK.search(alias)) and len(alias) <= 2 and alias not in _gazetteer_names()
            )
            if demonym or short_native:
                out.add(alias)
    for topic in taxonomy.topics.values():
        out.update([topic.slug, topic.name])
    found = frozenset(n.casefold() for n in out)
    _generic_cache.clear()
    _generic_cache[id(taxonomy)] = (taxonomy, found)
    return found


_generic_cache: dict[int, tuple[Taxonomy, frozenset[str]]] = {}


@cache
def _gazetteer_names() -> frozenset[str]:
    return frozenset(name for name, _, _ in gazetteer())


def topic_words(taxonomy: Taxonomy) -> frozenset[str]:
    """The words of the topics' keywords written in lower case, less any that is also a name
    the taxonomy writes with a capital (a "tether" keyword leaves Tether a name)."""
    capitalised = {t.casefold() for t in _known_names(taxonomy)}
    words = {
        word
        for topic in taxonomy.topics.values()
        for keyword in topic.keywords
        if keyword.islower()
        for word in keyword.split()
        if len(word) > 2
    }
    return frozenset(words - capitalised)


def too_frequent(covered: dict[str, tuple[int, ...]], issues: int) -> frozenset[str]:
    """Names covered by more than half of the newsletter's issues (once it has a few): the
    newsletter's everyday words, which say nothing about which earlier entry to read."""
    if issues < FREQUENT_AFTER:
        return frozenset()
    return frozenset(name for name, numbers in covered.items() if len(numbers) * 2 > issues)


FREQUENT_AFTER = 4  # issues before a name can be too frequent to link


def _distinctive(name: str, generic: frozenset[str]) -> bool:
    """Not a generic name, nor made only of generic words ("Chinese Bitcoin", "Ether ETFs")."""
    if name.casefold() in generic:
        return False
    words = [w for w in re.split(r"[\s-]+", name.casefold()) if len(w) > 1 and w not in _CONNECTORS]
    if words and all(w in generic for w in words):
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


def shared_entry(text: str, earlier: Issue, taxonomy: Taxonomy) -> int | None:
    """The position (1-based, in reading order) of the earlier issue's entry that shares the
    most distinctive names with the text, the first of equals; None when none shares one."""
    generic = generic_names(taxonomy)
    common = lowercase_words(issue_texts(earlier))
    best, most = None, 0
    for position, entry in enumerate(earlier.items, 1):
        names = {
            name
            for part in (entry.title, entry.body)
            for name in entity_names(part, taxonomy, common)
            if _distinctive(name, generic)
        }
        shared = len(set(names_mentioned(text, tuple(sorted(names))))) if names else 0
        if shared > most:
            best, most = position, shared
    return best
