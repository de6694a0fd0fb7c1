"""Floors on the labelled evaluation set, a little under the targets (see digest/evaluate.py).

The set stands for news the rules have never seen; a floor that fails means the rules got
worse, not that the set needs changing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.errors import FileError
from digest.evaluate import (
    DEFAULT_SET,
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
