"""`digest build 22` against the bare `weasyprint` command on the same page.

Ours is the whole build of the example newsletter's issue 22 (Markdown, HTML, PDF and the
site) as an editor runs it, `python -m digest build 22`, in a fresh copy of the newsletter
each time. The peer is `weasyprint page.html out.pdf` on the very page our PDF is made from
(print.html filled in for issue 22, written beside the theme's print.css). Both are separate
processes, so both pay interpreter start-up; they run alternately, REPEATS times each, and the
medians are compared. Target: ours within 1.2x of WeasyPrint alone.

Each process is reaped with os.wait4, which gives its own peak memory and CPU time (the
figures peak_rss_mb(children=True) and getrusage(RUSAGE_CHILDREN) give summed over all
children). The in-process build (digest.build.build_issue) is reported beside them.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from figures import Figure, peak_rss_mb

from digest.build import build_issue
from digest.config import load_config
from digest.issuefile import load_issue
from digest.pdf import print_html

ROOT = Path(__file__).resolve().parent.parent  # the example newsletter, Blockchain Asia
ISSUE = 22
REPEATS = 5
TARGET_RATIO = 1.2


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process
    peak_mb: float  # its peak resident memory


def fresh_copy(workdir: Path, name: str) -> Path:
    root = workdir / name
    root.mkdir()
    shutil.copy(ROOT / "feeds.yaml", root / "feeds.yaml")
    shutil.copytree(ROOT / "issues", root / "issues")
    shutil.copytree(ROOT / "templates", root / "templates")
    return root


def run_process(argv: list[str], cwd: Path) -> Run:
    """Run argv to the end, output discarded; its wall time, CPU time and peak memory."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    finally:
        os.chdir(previous)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed with status {status}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def ours(workdir: Path, repeat: int) -> Run:
    root = fresh_copy(workdir, f"ours-{repeat}")
    command = [sys.executable, "-m", "digest", "--root", str(root), "build", str(ISSUE)]
    result = run_process(command, root)
    if not any((root / "site" / "issues" / str(ISSUE)).glob("*.pdf")):
        raise RuntimeError("digest build made no PDF")
    return result


def weasyprint_command() -> str:
    """The weasyprint script of the interpreter digest runs on; a PATH wrapper (a pyenv
    shim, say) would add its own start-up to the peer's time."""
    beside = Path(sys.executable).parent / "weasyprint"
    found = str(beside) if beside.is_file() else shutil.which("weasyprint")
    if found is None:
        raise RuntimeError("the weasyprint command is not on PATH")
    return found


def weasyprint_alone(workdir: Path, repeat: int) -> Run:
    root = fresh_copy(workdir, f"peer-{repeat}")
    config = load_config(root)
    page = root / "templates" / "page.html"  # beside print.css, which it links to
    page.write_text(print_html(load_issue(config, ISSUE), config), "utf-8")
    result = run_process([weasyprint_command(), str(page), str(root / "out.pdf")], root)
    if not (root / "out.pdf").is_file():
        raise RuntimeError("weasyprint made no PDF")
    return result


def in_process(workdir: Path, repeat: int) -> float:
    root = fresh_copy(workdir, f"inproc-{repeat}")
    started = time.perf_counter()
    build_issue(load_config(root), ISSUE)
    return time.perf_counter() - started


def median(runs: list[Run], field: str) -> float:
    return float(statistics.median(float(getattr(run, field)) for run in runs))


def run() -> list[Figure]:
    workdir = Path(tempfile.mkdtemp(prefix="digest-bench-build-"))
    mine: list[Run] = []
    peer: list[Run] = []
    try:
        in_process(workdir, -1)  # imports and font caches warm, outside the figures
        for repeat in range(REPEATS):
            # Alternate who goes first, so neither always runs on a warmer machine.
            if repeat % 2:
                peer.append(weasyprint_alone(workdir, repeat))
                mine.append(ours(workdir, repeat))
            else:
                mine.append(ours(workdir, repeat))
                peer.append(weasyprint_alone(workdir, repeat))
        inside = statistics.median(in_process(workdir, r) for r in range(3))
        pdf_size = next((workdir / "ours-0" / "site" / "issues" / str(ISSUE)).glob("*.pdf"))
        ours_kb = pdf_size.stat().st_size / 1024
        peer_kb = (workdir / "peer-0" / "out.pdf").stat().st_size / 1024
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    wall, peer_wall = median(mine, "wall"), median(peer, "wall")
    ratio = wall / peer_wall
    vs = f"weasyprint alone {peer_wall:.2f} s"
    return [
        Figure(
            f"build {ISSUE}: whole build / weasyprint alone (wall, median of {REPEATS})",
            ratio,
            "x",
            f"<= {TARGET_RATIO}x weasyprint",
            ratio <= TARGET_RATIO,
            f"ours {wall:.2f} s, {vs}",
        ),
        Figure(
            f"build {ISSUE}: whole build, CPU",
            median(mine, "cpu"),
            "s",
            "report",
            None,
            f"weasyprint alone {median(peer, 'cpu'):.2f} s CPU",
        ),
        Figure(
            f"build {ISSUE}: whole build, peak memory",
            max(r.peak_mb for r in mine),
            "MB",
            "report",
            None,
            f"weasyprint alone {max(r.peak_mb for r in peer):.0f} MB",
        ),
        Figure(
            f"build {ISSUE}: in-process build_issue, warm",
            inside,
            "s",
            "report",
            None,
            f"{vs} (with start-up)",
        ),
        Figure(
            f"build {ISSUE}: PDF size",
            ours_kb,
            "KB",
            "< 300 KB",
            ours_kb < 300,
            f"weasyprint alone {peer_kb:.0f} KB",
        ),
        Figure(
            "build: peak memory of every child (RUSAGE_CHILDREN)",
            peak_rss_mb(children=True),
            "MB",
            "report",
            None,
        ),
    ]
