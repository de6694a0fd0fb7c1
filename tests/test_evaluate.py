"""Floors on the labelled evaluation set, a little under the targets (see digest/evaluate.py).

The set stands for news the rules have never seen; a floor that fails means the rules got
worse, not that the set needs changing.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from digest.errors import FileError
from digest.evaluate import (
    DEFAULT_SET,
    EvalSet,
    Labelled,
    Report,
    Score,
    evaluate,
    format_report,
    load_eval_set,
    main,
)
from digest.taxonomy import builtin_taxonomy


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(load_eval_set(DEFAULT_SET), builtin_taxonomy(), threshold=0.5)


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


# ---------------------------------------------------------------- real headlines

REAL_SET = Path(__file__).resolve().parent.parent.parent / "shared/corpora/real-headlines/dev.json"
NINE_TOPICS = ["mining", "regulation", "cbdc", "exchanges", "investment", "defi"]
NINE_TOPICS += ["stablecoins", "security", "adoption"]


@pytest.fixture(scope="module")
def real_report() -> Report:
    if not REAL_SET.exists():
        pytest.skip(f"{REAL_SET} is not beside the repository")
    raw = json.loads(REAL_SET.read_text("utf-8"))
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


@pytest.mark.xfail(reason="topics on real headlines: micro-F1 0.83, adoption 0.40 so far")
def test_real_headlines_topics_meet_the_targets(real_report: Report) -> None:
    topics = {slug: real_report.topics.get(slug, Score()) for slug in NINE_TOPICS}
    assert sum(topics.values(), Score()).f1 >= 0.85
    assert min(s.f1 for s in topics.values()) >= 0.6
