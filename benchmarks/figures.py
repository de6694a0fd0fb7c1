"""A measured figure, its target and the peer it is measured against."""

from __future__ import annotations

import resource
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str  # e.g. "<= 1.2x weasyprint", "< 1 s", ">= 20000 items/s"
    met: bool | None  # None when there is no target to meet
    peer: str = ""  # what it was measured against, with the peer's own figure

    def line(self) -> str:
        mark = {True: "ok  ", False: "MISS", None: "    "}[self.met]
        peer = f"  [peer: {self.peer}]" if self.peer else ""
        return f"{mark} {self.name}: {self.value:,.3f} {self.unit}  (target {self.target}){peer}"


def print_table(figures: list[Figure]) -> None:
    if not figures:
        return
    width = max(len(f.name) for f in figures)
    print(f"{'figure':<{width}}  {'value':>14}  {'target':<26} peer")
    for f in figures:
        mark = {True: "", False: " MISSED", None: ""}[f.met]
        value = f"{f.value:,.3f} {f.unit}"
        print(f"{f.name:<{width}}  {value:>14}  {f.target + mark:<26} {f.peer}")


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory in MB of this process (or of its finished children)."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024


def own_peak_rss_mb() -> float:
    """Peak resident memory in MB of this process alone. ru_maxrss is inherited across fork
    and exec on Linux, so a fresh child reports its parent's peak when that was higher; the
    kernel's VmHWM starts afresh with each program."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()
