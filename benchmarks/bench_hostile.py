"""The hostile-input tally: runs the attack tests and counts, per class, how many hostile
inputs were tried (each vector counts once per stage it crosses: store, JSON, draft,
site, browser), how many were handled, and what was lost (the target for each: everything
handled, nothing lost).

The tests record every input they try (tests/support/tally.py); this benchmark runs them with
DIGEST_HOSTILE_TALLY pointing at a scratch file and turns the rows into figures. The peer of
each class is the pytest outcome of the run, so a figure never hides a failing test.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from figures import Figure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.tally import TALLY_ENV, Row, read_rows  # noqa: E402

TEST_FILES = ["tests/test_hostile.py"]
# What each class covers, for the printed table.
CLASSES = {
    "xss": "XSS vectors",
    "schemes": "URL schemes",
    "unicode": "unicode tricks",
    "titles": "titles",
    "issue-files": "issue-file attacks",
    "markdown": "Markdown output",
    "pdf": "PDF output",
    "fetch-bounds": "fetch bounds",
    "crash-points": "crash points",
    "file-safety": "file-safety cases",
}


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as scratch:
        tally_file = Path(scratch) / "tally.json"
        env = {**os.environ, TALLY_ENV: str(tally_file), "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TEST_FILES],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        rows = read_rows(tally_file) if tally_file.is_file() else []
    outcome = (done.stdout.strip().splitlines() or ["no output"])[-1]
    return figures(rows, outcome, done.returncode == 0)


def figures(rows: list[Row], outcome: str, passed: bool) -> list[Figure]:
    by_class: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_class[row.kind].append(row)
    out: list[Figure] = []
    for kind in [*CLASSES, *sorted(set(by_class) - set(CLASSES))]:
        tried = by_class.get(kind, [])
        if not tried:
            continue
        handled = sum(row.handled for row in tried)
        out.append(
            Figure(
                name=f"hostile {CLASSES.get(kind, kind)} handled",
                value=handled,
                unit=f"of {len(tried)}",
                target=f"= {len(tried)} tried",
                met=handled == len(tried),
                peer=f"pytest: {outcome}",
            )
        )
    lost = sum(row.lost for row in rows)
    out.append(Figure("hostile: items or files lost", lost, "", "= 0", lost == 0 and passed,
                      peer=f"{len(rows)} inputs in all"))  # fmt: skip
    for row in rows:
        if not row.handled:
            print(f"   not handled: [{row.kind}] {row.name}: {'; '.join(row.problems)}")
    return out
