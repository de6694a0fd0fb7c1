"""Classification and story grouping of 100,000 generated items on one core.

Side by side in one run:
- classify_entry over every item: target at least 20,000 items/s;
- the peer: a naive classifier that loops over every alias and keyword of the same taxonomy
  with a word-boundary regex per term, measured on a slice and given in items/s;
- group_stories over the 100,000 items (a year of news, each event told by one to three
  outlets): target under 10 s, with the number of similarity computations it needed.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from figures import Figure  # noqa: E402

from digest.classify import classify_entry, matcher_for  # noqa: E402
from digest.models import Entry, Item, Taxonomy  # noqa: E402
from digest.stories import group_stories_counted  # noqa: E402
from digest.taxonomy import builtin_taxonomy  # noqa: E402

ITEMS = 100_000
PEER_SLICE = 1_000
START = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
FILLER = [
    "the",
    "a",
    "of",
    "to",
    "in",
    "on",
    "for",
    "with",
    "after",
    "as",
    "officials",
    "said",
    "company",
    "plans",
    "new",
    "rules",
    "market",
    "prices",
    "week",
    "investors",
    "users",
    "platform",
    "report",
    "data",
    "trading",
    "government",
    "local",
    "firm",
    "million",
    "billion",
    "percent",
    "shares",
    "launch",
    "operations",
    "quarter",
    "statement",
    "sources",
    "told",
]


def generated_items(taxonomy: Taxonomy, n: int = ITEMS, seed: int = 42) -> list[Item]:
    """A year of made-up news: events named by rare words, told by one to three outlets."""
    rng = random.Random(seed)
    places = [a for c in taxonomy.countries.values() for a in (c.name, *c.aliases[:6])]
    topics = [k for t in taxonomy.topics.values() for k in t.keywords[:12]]
    crypto = ["bitcoin", "crypto", "blockchain", "stablecoin", "digital yuan", "NFT"]
    items: list[Item] = []
    event = 0
    while len(items) < n:
        names = [f"{rng.choice(FILLER)}{event}x{k}" for k in range(3)]
        facts = [rng.choice(places), rng.choice(topics), rng.choice(topics)]
        if rng.random() < 0.8:
            facts.append(rng.choice(crypto))
        day = rng.random() * 365
        for outlet in range(rng.choice((1, 1, 2, 3))):
            title_words = [*rng.sample(names, 2), *facts[:3], *rng.sample(FILLER, 4)]
            rng.shuffle(title_words)
            summary_words = [*names, *facts, *rng.choices(FILLER, k=30)]
            rng.shuffle(summary_words)
            when = START + dt.timedelta(days=day + rng.random() * 2)
            items.append(
                Item(
                    id=f"i{len(items)}",
                    feed=f"feed{outlet}",
                    guid=None,
                    url=None,
                    title=" ".join(title_words).capitalize(),
                    summary_html="",
                    summary_text=" ".join(summary_words).capitalize() + ".",
                    published=when,
                    first_seen=when,
                )
            )
        event += 1
    return items[:n]


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


def run() -> list[Figure]:
    taxonomy = builtin_taxonomy()
    items = generated_items(taxonomy)
    entries = [entry_of(item) for item in items]

    started = time.perf_counter()
    matcher_for(taxonomy)
    compile_seconds = time.perf_counter() - started

    started = time.perf_counter()
    relevant = sum(classify_entry(e, None, taxonomy).relevant for e in entries)
    rate = len(entries) / (time.perf_counter() - started)

    naive = NaiveClassifier(taxonomy)
    started = time.perf_counter()
    for e in entries[:PEER_SLICE]:
        naive.classify(e)
    naive_rate = PEER_SLICE / (time.perf_counter() - started)

    started = time.perf_counter()
    grouping = group_stories_counted(items, 0.5)
    story_seconds = time.perf_counter() - started
    stories = len(set(grouping.story.values()))

    return [
        Figure(
            "classify 100,000 items",
            rate,
            "items/s",
            ">= 20000 items/s",
            rate >= 20_000,
            f"naive per-keyword loop {naive_rate:,.0f} items/s ({rate / naive_rate:,.0f}x); "
            f"matcher compiled once in {compile_seconds:.2f} s; {relevant:,} relevant",
        ),
        Figure(
            "group 100,000 items into stories",
            story_seconds,
            "s",
            "< 10 s",
            story_seconds < 10,
            f"{grouping.comparisons:,} comparisons instead of {ITEMS * (ITEMS - 1) // 2:,} "
            f"pairs; {stories:,} stories",
        ),
    ]


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
