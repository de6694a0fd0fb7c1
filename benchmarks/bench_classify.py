"""Classification and story grouping of 100,000 generated items on one core.

Side by side in one run:
- classify_entry over every item: target at least 20,000 items/s (the best of three runs);
- the peer: a naive classifier that loops over every alias and keyword of the same taxonomy
  with a word-boundary regex per term, measured on a slice and given in items/s;
- group_stories over the 100,000 items (a year of news, each event told by one to three
  outlets): target under 10 s (the best of three runs, each from a cold cache), with the
  number of similarity computations it needed;
- the grouping scored against the events the generated items report (each item's id names
  its event): pairwise precision at least 0.9 (stories do not chain one event to the next at
  scale) and recall at least 0.9.
The taxonomy is the real built-in one, so the matcher holds the gazetteer's places as well;
the run checks it, classifying a sample of those places.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import combinations, count, islice
from pathlib import Path
from typing import TypeVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from figures import Figure  # noqa: E402

from digest.classify import classify_entry, classify_text, matcher_for  # noqa: E402
from digest.configschema import default_of  # noqa: E402
from digest.models import Entry, Item, Taxonomy  # noqa: E402
from digest.stories import Grouping, clear_term_cache, group_stories_counted  # noqa: E402
from digest.taxonomy import builtin_taxonomy, gazetteer, world_countries  # noqa: E402

ITEMS = 100_000
REPEATS = 3
PEER_SLICE = 1_000
PAIR_TARGET = 0.9  # pairwise precision and recall of the grouping
PLACES_CHECKED = 200
START = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
SUMMARY_CHARS = 1_000  # a real feed item: a headline and a paragraph or two of summary
# Everyday news words: most of a real summary matches no term at all.
FILLER = """the a of to in on for with after as by from at that which while officials said
company plans new market prices week investors users platform report data trading government
local firm million billion percent shares launch operations quarter statement sources told
analysts expect according rose fell higher lower growth demand supply customers services
products business industry sector economy economic financial banks bank central interest
rates inflation policy year month day months earlier later since until over under more less
than about around nearly almost some many most several few other another first second third
last next early late public private state national international global regional largest
biggest major small big chief executive officer spokesperson minister ministry department
agency committee board members meeting talks deal agreement partnership announced confirmed
declined comment reported added noted warned expected planned began started ended continued
record level levels high low value volume assets funds capital cash money payment system
network technology digital online mobile app software service pilot project program trial
test results figures numbers share stake holders group unit subsidiary partner partners
""".split()  # noqa: SIM905
SENTENCE_WORDS = (8, 22)
SENTENCES = 20_000  # the pool summaries draw their everyday sentences from


def _sentences(rng: random.Random) -> list[str]:
    return [
        " ".join(rng.choices(FILLER, k=rng.randint(*SENTENCE_WORDS))).capitalize() + "."
        for _ in range(SENTENCES)
    ]


T = TypeVar("T")


def _sentence_case(text: str) -> str:
    """A headline as feeds write it: a capital first letter, names kept as they are spelled
    (str.capitalize would write "iran" and "defi")."""
    return text[:1].upper() + text[1:]


def _summary(rng: random.Random, pool: list[str], facts: list[str], names: list[str]) -> str:
    """About SUMMARY_CHARS of sentences, the event's names and facts spread among them."""
    parts: list[str] = []
    size = 0
    extras = [*names, *facts]
    while size < SUMMARY_CHARS:
        part = rng.choice(pool)
        if extras:
            part = f"{part[:-1]} {extras.pop(0)}."
        parts.append(part)
        size += len(part) + 1
    return " ".join(parts)


def generated_items(taxonomy: Taxonomy, n: int = ITEMS, seed: int = 42) -> list[Item]:
    """A year of made-up news: events named by rare words, told by one to three outlets."""
    return [item for _, item in islice(event_items(taxonomy, seed), n)]


def event_items(
    taxonomy: Taxonomy, seed: int = 42, days: float = 365, start: dt.datetime = START
) -> Iterator[tuple[int, Item]]:
    """Made-up news without end, each item with the number of the event it reports: events
    named by rare words, spread over `days` from `start`, each told by one to three outlets
    within two days. The item's id is "e<event>-<outlet>", so a grouping can be scored."""
    rng = random.Random(seed)
    # The places of the countries the taxonomy describes, as an Asian newsletter's news names
    # them; not the rest of the world's, which it knows by name only.
    described = [c for code, c in taxonomy.countries.items() if code not in world_countries()]
    places = [a for c in described for a in (c.name, *c.aliases[:6])]
    topics = [k for t in taxonomy.topics.values() for k in t.keywords[:12]]
    crypto = ["bitcoin", "crypto", "blockchain", "stablecoin", "digital yuan", "NFT"]
    pool = _sentences(rng)
    for event in count():
        names = [f"{rng.choice(FILLER)}{event}x{k}" for k in range(3)]
        facts = [rng.choice(places), rng.choice(topics), rng.choice(topics)]
        if rng.random() < 0.8:
            facts.append(rng.choice(crypto))
        day = rng.random() * days
        for outlet in range(rng.choice((1, 1, 2, 3))):
            title_words = [*rng.sample(names, 2), *facts[:3], *rng.sample(FILLER, 4)]
            rng.shuffle(title_words)
            when = start + dt.timedelta(days=day + rng.random() * 2)
            yield (
                event,
                Item(
                    id=f"e{event}-{outlet}",  # the event it reports, to score the grouping
                    feed=f"feed{outlet}",
                    guid=None,
                    url=None,
                    title=_sentence_case(" ".join(title_words)),
                    summary_html="",
                    summary_text=_summary(rng, pool, facts, rng.sample(names, 3)),
                    published=when,
                    first_seen=when,
                ),
            )


def entry_of(item: Item) -> Entry:
    return Entry(
        feed=item.feed,
        guid=None,
        url=None,
        title=item.title,
        summary_html="",
        summary_text=item.summary_text,
        published=item.published,
    )


class NaiveClassifier:
    """What a first attempt looks like: one compiled regex per term, tried on every item."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.terms: list[tuple[re.Pattern[str], str]] = []
        for code, country in taxonomy.countries.items():
            for alias in (country.name, *country.aliases):
                self.terms.append((re.compile(rf"\b{re.escape(alias)}\b", re.I), code))
        for slug, topic in taxonomy.topics.items():
            for keyword in topic.keywords:
                self.terms.append((re.compile(rf"\b{re.escape(keyword)}\b", re.I), slug))

    def classify(self, entry: Entry) -> set[str]:
        text = f"{entry.title}\n{entry.summary_text}"
        return {tag for pattern, tag in self.terms if pattern.search(text)}


def _pair_score(story: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of the grouping against the events the items report."""
    found: dict[str, list[str]] = {}
    told: dict[str, list[str]] = {}
    for item_id, story_id in story.items():
        found.setdefault(story_id, []).append(item_id)
        told.setdefault(item_id.split("-")[0], []).append(item_id)
    right = sum(
        1
        for members in found.values()
        for a, b in combinations(members, 2)
        if a.split("-")[0] == b.split("-")[0]
    )
    found_pairs = sum(len(m) * (len(m) - 1) // 2 for m in found.values())
    true_pairs = sum(len(m) * (len(m) - 1) // 2 for m in told.values())
    return right / max(1, found_pairs), right / max(1, true_pairs)


def gazetteer_places(taxonomy: Taxonomy) -> tuple[int, int]:
    """How many gazetteer places of the taxonomy's countries the taxonomy itself does not
    name, and how many of a sample of them classification finds: all of them when the
    gazetteer is in the matcher, none when it is not."""
    named = {a for c in taxonomy.countries.values() for a in (c.name, *c.aliases)}
    places = [(n, c) for n, c, _ in gazetteer() if c in taxonomy.countries and n not in named]
    sample = random.Random(1).sample(places, min(PLACES_CHECKED, len(places)))
    found = sum(
        code in classify_text(f"Bitcoin miners move to {name}", "", None, taxonomy).countries
        for name, code in sample
    )
    return len(places), found


def best_of(work: Callable[[], T]) -> tuple[Clock, T, list[Clock]]:
    """The fastest of REPEATS runs of work, its result, and every run's clock. Noise from
    other work on the machine only ever adds time, so the fastest run says what the code
    costs (timeit's rule)."""
    runs: list[Clock] = []
    result: T
    for _ in range(REPEATS):
        with Clock() as clock:
            result = work()
        runs.append(clock)
    return min(runs, key=lambda run: run.cpu), result, runs


class Clock:
    """Wall time and this process's CPU time of a block: on a busy machine the CPU time says
    what the code costs, the wall time what a user waits."""

    def __enter__(self) -> Clock:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def run() -> list[Figure]:
    taxonomy = builtin_taxonomy()
    items = generated_items(taxonomy)
    entries = [entry_of(item) for item in items]

    with Clock() as compiling:
        matcher_for(taxonomy)
    places, places_found = gazetteer_places(taxonomy)

    classifying, relevant, runs = best_of(
        lambda: sum(classify_entry(e, None, taxonomy).relevant for e in entries)
    )
    rate = len(entries) / classifying.cpu
    wall_rate = len(entries) / classifying.wall
    rates = ", ".join(f"{len(entries) / run.cpu:,.0f}" for run in runs)

    naive = NaiveClassifier(taxonomy)
    with Clock() as naive_clock:
        for e in entries[:PEER_SLICE]:
            naive.classify(e)
    naive_rate = PEER_SLICE / naive_clock.cpu

    short = [replace(e, summary_text=e.summary_text.split(". ", 1)[0] + ".") for e in entries]
    with Clock() as short_clock:
        for e in short:
            classify_entry(e, None, taxonomy)
    short_rate = len(short) / short_clock.cpu

    def grouped() -> Grouping:
        clear_term_cache()  # each run starts cold, as a `digest` command does
        return group_stories_counted(items, default_of("stories.threshold"))

    grouping_clock, grouping, grouping_runs = best_of(grouped)
    stories = len(set(grouping.story.values()))
    story_seconds = grouping_clock.cpu
    grouping_times = ", ".join(f"{run.cpu:.1f}" for run in grouping_runs)
    pairs = _pair_score(grouping.story)
    events = len({item.id.split("-")[0] for item in items})

    return [
        Figure(
            f"classify {ITEMS:,} items (headline + ~1 KB summary), CPU time",
            rate,
            "items/s",
            ">= 20000 items/s",
            rate >= 20_000,
            f"naive per-keyword loop {naive_rate:,.0f} items/s ({rate / naive_rate:,.0f}x); "
            f"best of {REPEATS} runs ({rates}); wall {wall_rate:,.0f} items/s; matcher "
            f"compiled once in {compiling.cpu:.2f} s, with the gazetteer's {places:,} places "
            f"({places_found} of {PLACES_CHECKED} sampled found); {relevant:,} relevant",
        ),
        Figure(
            f"classify {ITEMS:,} items (headline + one sentence), CPU time",
            short_rate,
            "items/s",
            ">= 20000 items/s",
            short_rate >= 20_000,
            f"wall {len(short) / short_clock.wall:,.0f} items/s; the same items, summaries cut "
            "to their first sentence",
        ),
        Figure(
            f"group {ITEMS:,} items into stories, CPU time",
            story_seconds,
            "s",
            "< 10 s",
            story_seconds < 10,
            f"best of {REPEATS} runs ({grouping_times} s); wall {grouping_clock.wall:.1f} s; "
            f"{grouping.comparisons:,} comparisons instead of "
            f"{ITEMS * (ITEMS - 1) // 2:,} pairs; {stories:,} stories; pairs of one event "
            f"found: precision {pairs[0]:.3f}, recall {pairs[1]:.3f}",
        ),
        Figure(
            f"group {ITEMS:,} items: pairwise story precision",
            pairs[0],
            "",
            f">= {PAIR_TARGET}",
            pairs[0] >= PAIR_TARGET,
            f"of the item pairs put in one story, the share that report one event; "
            f"{stories:,} stories for {events:,} events",
        ),
        Figure(
            f"group {ITEMS:,} items: pairwise story recall",
            pairs[1],
            "",
            f">= {PAIR_TARGET}",
            pairs[1] >= PAIR_TARGET,
            "of the item pairs that report one event, the share put in one story",
        ),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
