"""The example newsletter (Blockchain Asia #21 and #22, feeds.yaml) has the promised shape.

These files are what a newcomer builds first and what the golden and PDF tests render, so
they are checked like code: they load, every tag is known, every link is https, the issues
have the parts the real newsletter has, and none of their sentences is lifted from the
reference documents in ../shared/seeds.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from conftest import ROOT, SHARED

from digest.config import load_config
from digest.issuefile import issue_numbers, load_issue
from digest.models import Config, Issue, IssueItem

SEEDS = SHARED / "seeds"
EXAMPLE_ISSUES = (21, 22)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
COPY_WINDOW = 8  # this many words in a row shared with a seed counts as copying


@pytest.fixture(scope="module")
def config() -> Config:
    return load_config(ROOT)


@pytest.fixture(scope="module")
def issues(config: Config) -> dict[int, Issue]:
    return {number: load_issue(config, number) for number in EXAMPLE_ISSUES}


def raw_issue(number: int) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "issues" / f"{number}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def links_of(item: IssueItem) -> list[str]:
    return [url for url in (item.url, *(link.url for link in item.also)) if url]


# ------------------------------------------------------------------ feeds.yaml


def test_settings_name_the_newsletter_and_its_defaults(config: Config) -> None:
    newsletter = config.newsletter
    assert newsletter.name == "Blockchain Asia"
    assert newsletter.author and newsletter.tagline and newsletter.about
    assert urlsplit(newsletter.url).scheme == "https"
    assert urlsplit(newsletter.url).hostname.endswith("example.org")  # type: ignore[union-attr]
    assert newsletter.contact.endswith("@blockchain-asia.example.org")
    assert newsletter.contact in newsletter.about, "the footer tells readers how to reach us"
    assert newsletter.language == "en"
    assert (newsletter.page_size, newsletter.group_by) == ("A4", "country")
    assert newsletter.section_order[:2] == ("China", "Hong Kong")
    assert newsletter.section_order[-1] == "Elsewhere"
    fetch = config.fetch
    assert (fetch.timeout, fetch.workers, fetch.max_bytes) == (20, 16, 15_000_000)
    assert config.email.security == "starttls"
    assert config.email.from_addr and config.email.reply_to


def test_section_order_names_known_countries(config: Config) -> None:
    country_names = {country.name for country in config.taxonomy.countries.values()}
    unknown = [name for name in config.newsletter.section_order if name not in country_names]
    assert unknown == ["Elsewhere"]


def test_feeds_are_public_https_feeds_with_known_tags(config: Config) -> None:
    feeds = config.feeds
    assert 10 <= len(feeds) <= 20
    assert len({feed.url for feed in feeds}) == len(feeds), "each feed listed once"
    for feed in feeds:
        parts = urlsplit(feed.url)
        assert parts.scheme == "https" and parts.hostname, feed.name
        assert not parts.hostname.endswith(("example.org", "localhost")), feed.name
        assert feed.language, f"{feed.name} says which language it is in"
    languages = {feed.language for feed in feeds}
    assert {"en", "zh", "ja", "ko"} <= {lang.split("-")[0] for lang in languages if lang}
    countries = {feed.country for feed in feeds if feed.country}
    assert {"CN", "JP", "KR", "SG", "IN"} <= countries


# ------------------------------------------------------------------ both issues


@pytest.mark.parametrize("number", EXAMPLE_ISSUES)
def test_issue_has_the_newsletters_parts(issues: dict[int, Issue], number: int) -> None:
    issue = issues[number]
    assert issue.number == number
    assert issue.title and issue.greeting and issue.intro
    assert issue.subtitle.count("/") >= 4, "a subtitle of key names joined by slashes"
    assert issue.outro and "Coco" in issue.sign_off
    assert str(number) in issue.greeting


@pytest.mark.parametrize("number", EXAMPLE_ISSUES)
def test_every_item_is_tagged_linked_and_written(
    config: Config, issues: dict[int, Issue], number: int
) -> None:
    for item in issues[number].items:
        assert item.countries and item.topics, item.title
        assert set(item.countries) <= set(config.taxonomy.countries), item.title
        assert set(item.topics) <= set(config.taxonomy.topics), item.title
        assert item.source and item.date, item.title
        assert item.body.strip(), item.title
        for url in links_of(item):
            parts = urlsplit(url)
            assert parts.scheme == "https" and parts.hostname, url
            assert "example" not in parts.hostname, f"{url}: items link to real outlets"
        for link in item.also:
            assert link.source and link.source != item.source, item.title


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*\"‘“(])|(?<=[。！？])")


@pytest.mark.parametrize("number", EXAMPLE_ISSUES)
def test_each_item_is_a_paragraph_of_two_to_four_sentences(
    issues: dict[int, Issue], number: int
) -> None:
    for item in issues[number].items:
        sentences = [s for s in SENTENCE_END.split(" ".join(item.body.split())) if s.strip()]
        assert 2 <= len(sentences) <= 4, f"{item.title}: {len(sentences)} sentences"


@pytest.mark.parametrize("number", EXAMPLE_ISSUES)
def test_item_dates_fall_before_the_issue(issues: dict[int, Issue], number: int) -> None:
    issue = issues[number]
    for item in issue.items:
        assert item.date is not None
        assert dt.date(2021, 4, 1) <= item.date <= issue.date, item.title


@pytest.mark.parametrize("number", EXAMPLE_ISSUES)
def test_previously_points_at_an_earlier_existing_issue(
    config: Config, issues: dict[int, Issue], number: int
) -> None:
    existing = set(issue_numbers(config))
    for item in issues[number].items:
        for earlier in item.previously:
            assert earlier in existing and earlier < number, item.title


# ------------------------------------------------------------------ issue 21


def test_issue_21_opens_with_a_dated_timeline_in_order(issues: dict[int, Issue]) -> None:
    issue = issues[21]
    assert issue.date == dt.date(2021, 6, 30)
    first = issue.sections[0]
    assert "Timeline" in first.heading
    assert len(first.timeline) >= 6 and not first.items
    # The file itself is written in date order, not only sorted by the loader.
    written = [entry["date"] for entry in raw_issue(21)["sections"][0]["timeline"]]
    assert written == sorted(written)
    assert all(dt.date(2021, 4, 1) <= day <= dt.date(2021, 6, 30) for day in written)
    assert dt.date(2021, 6, 20) in written, "the day Sichuan went dark"


def test_issue_21_has_summary_reasons_and_eight_to_twelve_items(issues: dict[int, Issue]) -> None:
    issue = issues[21]
    assert len(issue.summary) >= 3
    assert any("Why" in section.heading and section.intro for section in issue.sections)
    assert 8 <= len(issue.items) <= 12
    names = " ".join(item.title for item in issue.items)
    for name in ("Sichuan", "BIT Mining", "The9", "Canaan", "Poolin", "Alipay"):
        assert name in names


# ------------------------------------------------------------------ issue 22


def test_issue_22_has_a_numbered_quick_take(issues: dict[int, Issue]) -> None:
    issue = issues[22]
    assert issue.date == dt.date(2021, 7, 15)
    assert 4 <= len(issue.quick_take) <= 8
    assert not issue.summary, "issue 22 uses the numbered quick take instead of bullets"


def test_issue_22_is_grouped_by_country_in_section_order(
    config: Config, issues: dict[int, Issue]
) -> None:
    headings = [section.heading for section in issues[22].sections]
    order = list(config.newsletter.section_order)
    assert all(heading in order for heading in headings), headings
    assert headings == sorted(headings, key=order.index)
    assert headings[0] == "China" and headings[-1] == "Elsewhere"
    names = {country.name: code for code, country in config.taxonomy.countries.items()}
    for section in issues[22].sections:
        assert 2 <= len(section.items) <= 5, section.heading
        if section.heading in names:
            for item in section.items:
                assert names[section.heading] in item.countries, item.title


def test_issue_22_size_and_second_outlets(issues: dict[int, Issue]) -> None:
    items = issues[22].items
    assert 12 <= len(items) <= 20
    assert sum(1 for item in items if item.also) >= 3
    assert any(item.previously == (21,) for item in items)


def test_issue_22_has_a_chinese_item_marked_zh(issues: dict[int, Issue]) -> None:
    chinese = [item for item in issues[22].items if item.lang == "zh"]
    assert chinese, "at least one item is in Chinese"
    for item in chinese:
        assert CJK.search(item.title) and CJK.search(item.body)
        han = len(CJK.findall(item.body))
        assert han > len(re.findall(r"[A-Za-z]", item.body)), "a zh item is mainly Chinese"
    assert any("数字人民币" in item.title for item in chinese)


# ------------------------------------------------------------------ own words


def words_of(text: str) -> list[str]:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.findall(r"[\w']+", text.casefold())


def windows(words: list[str]) -> Iterator[tuple[str, ...]]:
    for start in range(len(words) - COPY_WINDOW + 1):
        yield tuple(words[start : start + COPY_WINDOW])


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from strings_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from strings_in(inner)


def sentences_of(path: Path) -> Iterator[str]:
    """Every sentence of prose in a YAML file (URLs left out: they are addresses, not words)."""
    data = yaml.safe_load(path.read_text("utf-8"))
    for text in strings_in(data):
        if urlsplit(text).scheme in {"http", "https"}:
            continue
        yield from re.split(r"(?<=[.!?。！？])\s+|\n\s*\n", text)


def test_no_sentence_is_copied_from_the_seeds() -> None:
    seed_files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not seed_files:
        pytest.skip(f"the reference seeds are not here ({SEEDS}); CI has them beside the repo")
    seen: set[tuple[str, ...]] = set()
    for seed in seed_files:
        seen.update(windows(words_of(seed.read_text("utf-8"))))
    ours = [ROOT / "feeds.yaml", *(ROOT / "issues" / f"{n}.yaml" for n in EXAMPLE_ISSUES)]
    copied = [
        f"{path.name}: {sentence.strip()[:90]}"
        for path in ours
        for sentence in sentences_of(path)
        if any(window in seen for window in windows(words_of(sentence)))
    ]
    assert not copied, "copied from a seed:\n" + "\n".join(copied)


def test_copy_check_catches_a_copied_sentence(tmp_path: Path) -> None:
    """The check above would fail on a lifted sentence (and pass on a paraphrase)."""
    seed = "The cut-off of power is a fatal blow to Chinese miners in the region."
    seen = set(windows(words_of(seed)))
    copied = "Analysts agree the cut-off of power is a fatal blow to Chinese miners."
    paraphrase = "Losing their electricity ends the business for most miners in China."
    assert any(window in seen for window in windows(words_of(copied)))
    assert not any(window in seen for window in windows(words_of(paraphrase)))
