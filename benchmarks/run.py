"""Run every benchmark and print each figure beside its target and its peer.

    python benchmarks/run.py            # all
    python benchmarks/run.py build      # only benchmarks/bench_build.py

Each benchmarks/bench_<name>.py has `run() -> list[Figure]`. Figures are measured side by side
in the same run, on the same machine, so the ratios mean something even on a busy machine.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from figures import Figure, print_table  # noqa: E402


def main(argv: list[str]) -> int:
    wanted = set(argv)
    names = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    figures: list[Figure] = []
    failed = 0
    for name in names:
        if wanted and name not in wanted:
            continue
        print(f"== {name}", flush=True)
        started = time.perf_counter()
        module = importlib.import_module(f"bench_{name}")
        try:
            got = module.run()
        except Exception as exc:  # a broken benchmark must not hide the others
            print(f"   failed: {exc!r}", flush=True)
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


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
