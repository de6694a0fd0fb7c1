"""`python -m digest.evaluate`: measure the sets named, or every set found, and print them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from digest.errors import UserError
from digest.evaluate.report import format_report, report_json
from digest.evaluate.scores import DEFAULT_THRESHOLD, Report, evaluate
from digest.evaluate.sets import REPO, default_sets, load_eval_set
from digest.taxonomy import builtin_taxonomy

DESCRIPTION = "How well classification and story grouping do on labelled sets of items."


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    paths = [*args.paths, *args.sets] or default_sets()
    reports: dict[str, Report] = {}
    try:
        for path in paths:
            eval_set = load_eval_set(path)
            reports[str(path)] = evaluate(
                eval_set, builtin_taxonomy(), args.threshold, after_fetch=not args.no_fetch
            )
    except UserError as exc:
        print(f"digest: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if args.json:
        print(json.dumps({p: report_json(r) for p, r in reports.items()}, indent=2))
        return 0
    for number, (path, report) in enumerate(reports.items()):
        if number:
            print()
        print(f"== {_display(Path(path))}")
        print("\n".join(format_report(report, args.misses)))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m digest.evaluate", description=DESCRIPTION)
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="a labelled set")
    parser.add_argument(
        "--set", dest="sets", action="append", type=Path, default=[], metavar="PATH",
        help="a labelled set (YAML or JSON); repeatable; default: every set found",
    )  # fmt: skip
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help="story similarity threshold (feeds.yaml stories.threshold)",
    )
    parser.add_argument("--misses", action="store_true", help="list every wrong label")
    parser.add_argument(
        "--no-fetch", action="store_true", help="skip the stories measured after a real fetch"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO.parent))
    except ValueError:
        return str(path)
