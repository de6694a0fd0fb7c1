"""Floors on the labelled evaluation set, a little under the targets (see digest/evaluate/).

The set stands for news the rules have never seen; a floor that fails means the rules got
worse, not that the set needs changing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from digest.errors import FileError
from digest.evaluate import (
    DEFAULT_SET,
    DEFAULT_THRESHOLD,
    REAL_SET,
    EvalSet,
    Labelled,
    Report,
    Score,
    evaluate,
    feed_dates,
    format_report,
    item_times,
    load_eval_set,
    main,
    rss_document,
    score_stories,
    stories_after_fetch,
)
from digest.taxonomy import builtin_taxonomy


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(load_eval_set(DEFAULT_SET), builtin_taxonomy(), threshold=DEFAULT_THRESHOLD)


def test_the_set_is_big_and_varied_enough() -> None:
    items = load_eval_set(DEFAULT_SET).items
    assert len(items) >= 150
    assert sum(not it.relevant for it in items) >= 25
    stories: dict[str, set[str]] = {}
    for it in items:
        if it.story:
            stories.setdefault(it.story, set()).add(it.feed)
    assert sum(2 <= len(feeds) <= 4 for feeds in stories.values()) >= 12
    assert any("数字人民币" in it.title or "虚拟货币" in it.title for it in items)  # simplified
    assert any("虛擬貨幣" in it.title or "數位" in it.title for it in items)  # traditional


def test_country_micro_f1(report: Report) -> None:
    assert report.country_micro.f1 >= 0.93


@pytest.mark.parametrize("slug", ["mining", "cbdc"])
def test_topic_f1(report: Report, slug: str) -> None:
    assert report.topics[slug].f1 >= 0.90


def test_regulation_f1(report: Report) -> None:
    assert report.topics["regulation"].f1 >= 0.90


def test_relevance_accuracy(report: Report) -> None:
    assert report.relevance_accuracy >= 0.95


def test_story_pairwise_f1(report: Report) -> None:
    assert report.stories.f1 >= 0.85


def test_scores_count_right() -> None:
    s = Score(true_pos=3, false_pos=1, false_neg=2)
    assert (s.precision, s.recall) == (0.75, 0.6)
    assert round(s.f1, 4) == round(2 * 0.75 * 0.6 / 1.35, 4)
    assert Score(false_pos=1, false_neg=1).f1 == 0.0 and (Score() + s) == s


def test_command_prints_every_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(DEFAULT_SET)]) == 0
    out = capsys.readouterr().out
    for figure in ("country micro-F1", "relevance accuracy", "story pairwise F1", "t:mining"):
        assert figure in out


def test_report_lists_misses_when_asked(report: Report) -> None:
    lines = format_report(report, show_misses=True)
    assert ("misses:" in lines) == bool(report.misses)


def test_a_broken_set_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n  - {id: x, title: [\n", encoding="utf-8")
    with pytest.raises(FileError, match=r"bad\.yaml:"):
        load_eval_set(bad)
    assert main([str(tmp_path / "missing.yaml")]) == 2


# ---------------------------------------------------------------- labelled JSON sets


def _real(item_id: str, title: str, **labels: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "title": title,
        "summary": labels.pop("summary", ""),
        "url": labels.pop("url", ""),
        "published": labels.pop("published", "2021-09-24"),
        "outlet": labels.pop("outlet", "Wire"),
        "language": labels.pop("language", "en"),
        "source": "test",
        "relevant": labels.pop("relevant", True),
        "countries": labels.pop("countries", []),
        "topics": labels.pop("topics", []),
        "story": labels.pop("story", None),
        "note": None,
    }


def _labelled(item_id: str, language: str, story: str | None) -> Labelled:
    return Labelled(
        id=item_id, feed="f", date=dt.date(2021, 9, 24), title=item_id, summary="",
        countries=frozenset(), topics=frozenset(), relevant=True, story=story, language=language,
    )  # fmt: skip


def test_story_pairs_and_cross_language_share_by_hand() -> None:
    items = [
        _labelled("a", "en", "ban"),
        _labelled("b", "zh", "ban"),
        _labelled("c", "en", "ban"),
        _labelled("d", "en", None),
    ]
    # Expected pairs: a-b, a-c, b-c (a-b and b-c cross languages). Found: a-b and c-d.
    got = score_stories(items, {"a": "x", "b": "x", "c": "y", "d": "y"})
    assert got.pairs == Score(true_pos=1, false_pos=1, false_neg=2)
    assert (got.cross_found, got.cross_expected, got.cross_share) == (1, 2, 0.5)


def test_a_json_set_reads_partial_dates_languages_and_outlets(tmp_path: Path) -> None:
    path = tmp_path / "set.json"
    items = [
        _real("m", "Month only", published="2021-06", outlet="South China Morning Post"),
        _real("y", "Year only", published="2025", outlet="明報", language="zh"),
        _real("n", "Undated", published=None, relevant=False),
    ]
    path.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    got = {it.id: it for it in load_eval_set(path).items}
    assert got["m"].date == dt.date(2021, 6, 15) and got["m"].feed == "south-china-morning-post"
    assert got["y"].date == dt.date(2025, 7, 1) and got["y"].language == "zh"
    assert got["y"].feed.startswith("outlet-") and got["n"].date is None


def test_feeds_carry_the_real_dates_and_an_undated_item_none() -> None:
    items = [
        _labelled("late", "en", None),
        dataclasses.replace(_labelled("early", "en", None), date=dt.date(2019, 1, 1)),
        dataclasses.replace(_labelled("undated", "en", None), date=None),
    ]
    dates = feed_dates(items)
    assert dates == {
        "late": dt.datetime(2021, 9, 24, 12, tzinfo=dt.UTC),
        "early": dt.datetime(2019, 1, 1, 12, tzinfo=dt.UTC),
    }
    feed = rss_document("Wire", items, dates)
    assert feed.count("<pubDate>") == 2 and "Tue, 01 Jan 2019 12:00:00 GMT" in feed
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert item_times(items, now)["undated"] == now  # as a fetch dates it: when first seen


def test_reports_years_apart_stay_apart_after_a_real_fetch(tmp_path: Path) -> None:
    text = "Exchange Corvid halts withdrawals after hot wallet breach"
    summary = "The platform says attackers took 12 million dollars in ether from its hot wallet."
    items = [
        _real("a", text, summary=summary, outlet="Wire", published="2019-03-02"),
        _real("b", text, summary=summary, outlet="Other Wire", published="2019-03-02"),
        _real("c", text, summary=summary, outlet="Wire", published="2022-08-20"),
    ]
    path = tmp_path / "years.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    got = stories_after_fetch(load_eval_set(path), 0.5)
    assert got["a"] == got["b"] != got["c"]


def test_stories_in_memory_and_after_a_real_fetch(tmp_path: Path) -> None:
    text = "Sichuan orders 26 bitcoin mining projects to shut down by Sunday"
    summary = "Grid companies must cut power to the mines, the provincial notice says."
    items = [
        _real("a", text, summary=summary, outlet="Wire", story="sichuan",
              countries=["CN"], topics=["mining", "regulation"]),
        _real("b", text, summary=summary, outlet="Other Wire", story="sichuan",
              countries=["CN"], topics=["mining", "regulation"]),
        _real("c", "Gold miners rally as bullion hits record", outlet="Wire",
              published="2021-09-25", relevant=False),
    ]  # fmt: skip
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    report = evaluate(load_eval_set(path), builtin_taxonomy(), 0.5, after_fetch=True)
    assert report.stories == Score(true_pos=1)
    assert report.after_fetch is not None and report.after_fetch.pairs == Score(true_pos=1)
    assert report.items == 3 and report.languages == {"en": 3}
    assert set(report.topics) >= set(builtin_taxonomy().topics)


def test_a_topic_the_set_never_labels_is_not_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A set labelled with some topics only (the real headlines know nine) cannot say whether
    a tag of another is right: it is reported, not counted."""
    items = [
        _real("a", "Chinese province orders bitcoin miners to shut down NFT marketplace",
              topics=["mining"], countries=["CN"]),
        _real("b", "Bitcoin miners move to Kazakhstan", topics=["mining"], countries=["KZ"]),
    ]  # fmt: skip
    path = tmp_path / "mining.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    report = evaluate(load_eval_set(path), builtin_taxonomy())
    assert report.topics["nfts"].false_pos == 1 and "nfts" in report.unlabelled_topics
    assert "mining" not in report.unlabelled_topics
    assert report.topic_micro == report.topics["mining"]
    assert main(["--set", str(path), "--no-fetch"]) == 0
    assert "t:nfts         not labelled in this set, tagged 1" in capsys.readouterr().out


def test_json_output_has_every_set_and_figure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps([_real("a", "Bitcoin"), _real("b", "比特币", language="zh")]))
    assert main(["--set", str(path), "--no-fetch", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)[str(path)]
    assert figures["items"] == 2 and figures["stories_after_fetch"] is None
    assert {"relevance_accuracy", "country_micro", "topic_micro", "stories_in_memory"} <= set(
        figures
    )


# ---------------------------------------------------------------- real headlines

DEV_JSON = Path(__file__).resolve().parent.parent.parent / "shared/corpora/real-headlines/dev.json"
NINE_TOPICS = ["mining", "regulation", "cbdc", "exchanges", "investment", "defi"]
NINE_TOPICS += ["stablecoins", "security", "adoption"]


@pytest.fixture(scope="module")
def real_report() -> Report:
    if not DEV_JSON.exists():
        pytest.skip(f"{DEV_JSON} is not beside the repository")
    raw = json.loads(DEV_JSON.read_text("utf-8"))
    items = tuple(
        Labelled(
            id=r["id"],
            feed=r["outlet"],
            date=dt.date(2024, 1, 1),
            title=r["title"],
            summary=r["summary"] or "",
            countries=frozenset(r["countries"]),
            topics=frozenset(r["topics"]),
            relevant=r["relevant"],
            story=r["story"],
        )
        for r in raw
    )
    return evaluate(EvalSet(feeds={}, items=items), builtin_taxonomy())


def test_real_headlines_relevance_and_countries_meet_the_targets(real_report: Report) -> None:
    assert real_report.relevance_accuracy >= 0.97
    assert real_report.country_micro.f1 >= 0.92


def test_real_headlines_topics_meet_the_targets(real_report: Report) -> None:
    topics = {slug: real_report.topics.get(slug, Score()) for slug in NINE_TOPICS}
    assert sum(topics.values(), Score()).f1 >= 0.85
    assert min(s.f1 for s in topics.values()) >= 0.6


def test_our_real_headlines_topics_meet_the_targets() -> None:
    report = evaluate(load_eval_set(REAL_SET), builtin_taxonomy())
    topics = {slug: report.topics.get(slug, Score()) for slug in NINE_TOPICS}
    assert sum(topics.values(), Score()).f1 >= 0.85
    labelled = [s for s in topics.values() if s.true_pos + s.false_neg]
    assert min(s.f1 for s in labelled) >= 0.6


def test_our_real_headlines_stories_meet_the_targets() -> None:
    """Grouped in memory (a fetch does as well or better: see python -m digest.evaluate)."""
    report = evaluate(load_eval_set(REAL_SET), builtin_taxonomy())
    assert report.story_detail is not None
    pairs = report.story_detail.pairs
    assert pairs.precision >= 0.95 and pairs.f1 >= 0.88
    assert report.story_detail.cross_share >= 0.8
