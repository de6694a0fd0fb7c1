"""Run every benchmark and print each figure beside its target and its peer.

    python benchmarks/run.py            # all
    python benchmarks/run.py build      # only benchmarks/bench_build.py

Each benchmarks/bench_<name>.py has `run() -> list[Figure]`. Figures are measured side by side
in the same run, on the same machine, so the ratios mean something even on a busy machine.
Each benchmark runs in a process of its own: peak memory is a high-water mark that a process
(and, on Linux, a process it starts) inherits, so one benchmark's memory must not count for the
next one's.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from figures import Figure, print_table  # noqa: E402

MARK = "@@figures "


def run_one(name: str) -> int:
    """Run bench_<name> in this process and print its figures as one JSON line."""
    module = importlib.import_module(f"bench_{name}")
    figures = module.run()
    print(MARK + json.dumps([dataclasses.asdict(f) for f in figures]), flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        return run_one(argv[1])
    wanted = set(argv)
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    figures: list[Figure] = []
    failed = 0
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        got = _run_isolated(name)
        if got is None:
            failed += 1
            continue
        for fig in got:
            print("   " + fig.line(), flush=True)
        figures.extend(got)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    print()
    print_table(figures)
    missed = [f for f in figures if f.met is False]
    print(
        f"\n{len(figures) - len(missed)} of {len(figures)} figures meet their target"
        + (f"; {failed} benchmark(s) failed to run" if failed else "")
    )
    return 1 if failed else 0


def _run_isolated(name: str) -> list[Figure] | None:
    """The figures of one benchmark run in a fresh interpreter; None when it failed."""
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--one", name],
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    for line in done.stdout.splitlines():
        if not line.startswith(MARK):
            print("   " + line, flush=True)
    if done.returncode != 0 or not lines:
        print(f"   failed (exit status {done.returncode})", flush=True)
        return None
    return [Figure(**row) for row in json.loads(lines[-1].removeprefix(MARK))]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
