"""A count of the hostile inputs the tests tried, by class, and how many were handled.

Tests record each input as they check it; with DIGEST_HOSTILE_TALLY=FILE set, the rows are
added to FILE (JSON) when the module finishes, for `python benchmarks/run.py hostile` to print.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

TALLY_ENV = "DIGEST_HOSTILE_TALLY"


@dataclass(frozen=True)
class Row:
    kind: str  # xss, schemes, unicode, titles, issue-files, fetch-bounds, crash-points, ...
    name: str
    handled: bool
    lost: int = 0  # items or files lost to this input (must be 0)
    problems: tuple[str, ...] = ()


@dataclass
class Tally:
    rows: list[Row] = field(default_factory=list)

    def record(self, kind: str, name: str, problems: list[str], lost: int = 0) -> list[str]:
        """Note one input; it was handled when nothing went wrong. Returns the problems."""
        handled = not problems and lost == 0
        self.rows.append(Row(kind, name, handled, lost, tuple(p[:200] for p in problems[:3])))
        return problems

    def save(self) -> None:
        target = os.environ.get(TALLY_ENV)
        if not target:
            return
        path = Path(target)
        rows = json.loads(path.read_text("utf-8")) if path.is_file() else []
        rows += [asdict(row) for row in self.rows]
        path.write_text(json.dumps(rows, indent=1, ensure_ascii=False), "utf-8")


def read_rows(path: Path) -> list[Row]:
    return [
        Row(r["kind"], r["name"], r["handled"], r["lost"], tuple(r["problems"]))
        for r in json.loads(path.read_text("utf-8"))
    ]
