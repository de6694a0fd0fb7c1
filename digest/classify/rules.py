"""The rules' verdict on an entry: each tag's score from the terms found, and the tags that pass.

Scoring: a hit in the title weighs more than one in the summary; a feed's default country and
topics add a little weight (a prior, not a verdict). Topics are crypto topics, so they are given
only to relevant entries. When the title reports an incident (a hack, a closure, a giveaway),
the summary is its backdrop, and some topics are then taken from the title only. Every tag keeps
the terms that earned it.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from operator import attrgetter

from digest.classify.matcher import ACTOR, INCIDENT, RELEVANT, WEAK, Hit
from digest.classify.terms import matcher_for
from digest.models import Classification, Entry, FeedConfig, Taxonomy
from digest.taxonomy import incidents

PRIOR_WEIGHT = 2
COUNTRY_THRESHOLD = 4  # one title hit, two summary hits, or a summary hit plus the feed's prior
LONE_COUNTRY_THRESHOLD = 2  # one summary hit, when no other country is named as often
TOPIC_THRESHOLD = 2  # topics are asked of relevant items only: one mention is enough, or two
# weak hints (a weak hint weighs the same in the title)
SUMMARY_CHARS = 2000  # a summary's opening says what it is about; the rest only costs time
# An act counts when one who acts in its topic is named this close (in characters, either
# side): "the SEC fined the exchange", "fined by the regulator", not an exchange's own
# "suspended withdrawals" two sentences after "authorities are investigating".
ACT_WINDOW = 60
TITLE_CHARS = 1000  # a longer "title" is a feed's mistake; its tail would not change the verdict
PRIOR_REASON = "feed default"
_WEIGHTS = attrgetter("weights")  # what a hit in the summary adds ...
_TITLE_WEIGHTS = attrgetter("title_weights")  # ... and in the title


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
    if relevant and title_hits:
        _leave_out_the_backdrop(score, title_hits)
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
    for hits, weights_of in ((summary_hits, _WEIGHTS), (title_hits, _TITLE_WEIGHTS)):
        for hit in hits:
            if hit.once:
                if hit.term in counted:
                    continue
                counted.add(hit.term)
            for tag, n in weights_of(hit):
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


def _leave_out_the_backdrop(score: dict[str, int], title_hits: Sequence[Hit]) -> None:
    """When the title reports an incident, what the summary tells around it is no topic of
    the item: the users and funds of a hacked exchange are not adoption or investment, nor the
    merchants of a red-envelope draw. The title_only topics then count the title's words
    alone. A crime (a title that makes one of the incident topics on its own) is also no
    title_named topic unless its title names it: a regulator's earlier warning recalled in a
    police case is not regulation."""
    rules = incidents()
    named = {tag for hit in title_hits for tag in hit.tags}
    if INCIDENT not in named and named.isdisjoint(rules.topics):
        return
    title = _score(title_hits, ())
    crime = any(title.get(slug, 0) >= TOPIC_THRESHOLD for slug in rules.topics)
    if not crime and INCIDENT not in named:
        return
    for slug in rules.title_only:
        if title.get(slug):
            score[slug] = title[slug]
        else:
            score.pop(slug, None)
    for slug in rules.title_named if crime else ():
        if slug not in named:
            score.pop(slug, None)


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
