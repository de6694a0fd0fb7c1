"""Site rebuilds over a generated archive of 300 issues.

Figures: the first build of the pages (the peer: what an incremental build saves), a rebuild
with nothing changed (target < 1 s), a rebuild after one issue changed (its page, Markdown and
a real WeasyPrint PDF), and peak memory. The first build writes stand-in PDFs so that it does
not take minutes; the rebuilds then run the real PDF writer whenever a PDF is stale.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from figures import Figure, peak_rss_mb

from digest.config import load_config
from digest.models import Config, Issue
from digest.site import SiteResult, build_site

ISSUES = 300
ITEMS_PER_ISSUE = 9
COUNTRIES = ["CN", "JP", "KR", "SG", "TH", "HK", "IN", "KZ", "US"]
TOPICS = ["mining", "regulation", "cbdc", "exchanges", "investment", "defi", "stablecoins"]
FEEDS_YAML = """\
newsletter:
  name: Bench Asia
  author: Bench Editor
  url: https://bench.example.org
  contact: bench@example.org
  about: A generated archive for timing site builds.
feeds: []
"""


def issue_yaml(number: int) -> str:
    day = 1 + number % 28
    month = 1 + (number // 28) % 12
    year = 2015 + number // 336
    lines = [
        f"number: {number}",
        f"date: {year}-{month:02d}-{day:02d}",
        f"title: Generated issue {number}",
        "intro: |",
        f"  Week {number} in **Asia**: miners, rules and [money](https://example.com/{number}).",
        "summary:",
        "  - One point",
        "  - Another point",
        "sections:",
    ]
    for s in range(3):
        lines += [f"  - heading: Section {s}", "    items:"]
        for i in range(ITEMS_PER_ISSUE // 3):
            k = number * ITEMS_PER_ISSUE + s * 3 + i
            lines += [
                f"      - title: Headline {k} about Asia",
                f"        url: https://news.example.com/{number}/{k}",
                "        source: Example Wire",
                f"        countries: [{COUNTRIES[k % len(COUNTRIES)]}]",
                f"        topics: [{TOPICS[k % len(TOPICS)]}, {TOPICS[(k + 3) % len(TOPICS)]}]",
                "        body: |",
                f"          Paragraph {k} with *emphasis* and detail enough to look like news.",
            ]
    lines += ["outro: See you next week.", "sign_off: ~ Bench"]
    return "\n".join(lines) + "\n"


def stand_in_pdf(issue: Issue, config: Config, path: Path) -> None:
    path.write_bytes(b"%PDF-1.4\n% stand-in\n")


searches: list[str] = []  # what each build did about the search index (Pagefind)


def timed(action: Callable[[], SiteResult]) -> float:
    started = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - started
    searches.append(result.search.state)
    return seconds


def run() -> list[Figure]:
    workdir = Path(tempfile.mkdtemp(prefix="digest-bench-site-"))
    try:
        root = workdir / "newsletter"
        (root / "issues").mkdir(parents=True)
        (root / "feeds.yaml").write_text(FEEDS_YAML)
        for number in range(1, ISSUES + 1):
            (root / "issues" / f"{number}.yaml").write_text(issue_yaml(number))
        out = root / "site"
        first = timed(lambda: build_site(load_config(root), out, pdf_writer=stand_in_pdf))
        no_change = timed(lambda: build_site(load_config(root), out))
        changed = root / "issues" / f"{ISSUES // 2}.yaml"
        changed.write_text(changed.read_text().replace("Paragraph", "Edited paragraph", 1))
        one_changed = timed(lambda: build_site(load_config(root), out))
        changed.write_text(changed.read_text().replace("Edited paragraph", "Re-edited", 1))
        one_no_pdf = timed(lambda: build_site(load_config(root), out, pdf_for=()))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    peer = f"first build of the pages {first:.2f} s (search index {searches[0]})"
    return [
        Figure(
            "site: no-change rebuild, 300 issues",
            no_change,
            "s",
            "< 1 s",
            no_change < 1.0,
            f"{peer}; search index {searches[1]}",
        ),
        Figure(
            "site: one of 300 changed, with its PDF",
            one_changed,
            "s",
            "about 1 s + 1 PDF",
            None,
            f"{peer}; search index {searches[2]}",
        ),
        Figure(
            "site: one of 300 changed, pages only",
            one_no_pdf,
            "s",
            "< 1 s",
            one_no_pdf < 1.0,
            f"{peer}; search index {searches[3]}",
        ),
        Figure("site: peak memory", peak_rss_mb(), "MB", "report", None),
    ]
