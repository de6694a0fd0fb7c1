"""How well classification and story grouping do on labelled sets of items.

    python -m digest.evaluate [--set PATH]... [--threshold 0.5] [--misses] [--no-fetch] [--json]

With no PATH it measures every labelled set it finds: the project's synthetic set
(tests/data/eval/items.yaml), the real headlines (tests/data/eval/real.json), more real
headlines labelled without looking at what digest tags (tests/data/eval/blind.json) and the
shared development set (../shared/corpora/real-headlines/dev.json beside the repository) when
present.

For each set: relevance accuracy, country and topic micro-F1 with per-label precision, recall
and F1, and pairwise story precision, recall and F1 with the share of cross-language same-story
pairs found. Stories are measured twice: grouped in memory on the items' own dates, and as the
editor sees them after one `digest fetch` of the items written as feed files.

    sets.py     the labelled formats (YAML synthetic, JSON real headlines) and items' dates
    harness.py  grouping in memory, and the real fetch of the items as local feed files
    scores.py   Score, the per-label and pairwise story figures, evaluate() -> Report
    report.py   the text table and the `--json` figures
    cli.py      the command's options
"""

from __future__ import annotations

from digest.evaluate.cli import main
from digest.evaluate.harness import (
    rss_document,
    stories_after_fetch,
    stories_in_memory,
    write_newsletter,
)
from digest.evaluate.report import format_report, report_json
from digest.evaluate.scores import (
    DEFAULT_THRESHOLD,
    Miss,
    Report,
    Score,
    StoryScore,
    evaluate,
    score_stories,
    story_score,
)
from digest.evaluate.sets import (
    DEFAULT_SET,
    DEV_SET,
    MID_MONTH,
    MID_YEAR,
    REAL_SET,
    REPO,
    EvalSet,
    Labelled,
    default_sets,
    feed_dates,
    item_times,
    load_eval_set,
)

__all__ = [
    "DEFAULT_SET",
    "DEFAULT_THRESHOLD",
    "DEV_SET",
    "MID_MONTH",
    "MID_YEAR",
    "REAL_SET",
    "REPO",
    "EvalSet",
    "Labelled",
    "Miss",
    "Report",
    "Score",
    "StoryScore",
    "default_sets",
    "evaluate",
    "feed_dates",
    "format_report",
    "item_times",
    "load_eval_set",
    "main",
    "report_json",
    "rss_document",
    "score_stories",
    "stories_after_fetch",
    "stories_in_memory",
    "story_score",
    "write_newsletter",
]
