"""`digest fetch` of 200 feeds x 50 items served on loopback with 100 ms latency per request.

Side by side in one run:
- the whole `digest fetch` (network, parse, sanitize, classify, store) in its own process,
  against bare feedparser.parse (its defaults, sanitizer on) over the same 200 files in one
  process: target at most half the bare parse time. This machine's speed drifts by half from
  one minute to the next, so the two alternate, five rounds each, and the best of each counts;
- the same 200 feeds fetched again, all 304: target under 1 s;
- peak memory of the fetch: target under 300 MB;
- lemon24's reader updating the same feeds with its default settings: the peer, as a ratio.
"""

from __future__ import annotations

import compileall
import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402
from figures import Figure  # noqa: E402

FEEDS = 200
ITEMS = 50
LATENCY = 0.1
WORKERS = 64
ROUNDS = 5  # first fetches and bare parses, alternating
WORDS = str.split(
    "bitcoin miners Sichuan hashrate exchange regulator Singapore stablecoin Hong Kong licence "
    "central bank digital currency e-CNY pilot Shenzhen Japan FSA Korea Upbit Binance fund "
    "investment DeFi protocol hack Thailand SEC Vietnam Indonesia Bappebti token market price "
    "the a of in on and to for with says report week year new plan rules crackdown"
)


def make_feed(n: int, rng: random.Random) -> bytes:
    items = []
    for k in range(ITEMS):
        title = " ".join(rng.choice(WORDS) for _ in range(9)).capitalize()
        paragraphs = "".join(
            f"<p>{' '.join(rng.choice(WORDS) for _ in range(24))} "
            f'<a href="https://news{n}.example.com/tag/{k}">more</a> <b>bold</b></p>'
            for _ in range(4)
        )
        summary = paragraphs + '<img src="/img/x.png" alt="chart">'
        items.append(
            f"<item><title>{title}</title>"
            f"<link>https://news{n}.example.com/2021/06/{k}?utm_source=rss</link>"
            f'<guid isPermaLink="false">feed{n}-item{k}</guid>'
            f"<pubDate>Tue, {1 + k % 28:02d} Jun 2021 08:{k % 60:02d}:00 GMT</pubDate>"
            f"<description><![CDATA[{summary}]]></description></item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {n}</title><link>https://news{n}.example.com/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # a listen backlog of 5 would drop the burst of connections


class Served:
    """The generated feeds on 127.0.0.1, every response 100 ms late, with ETags."""

    def __init__(self, folder: Path) -> None:
        bodies = {f"/feed{n}.xml": (folder / f"feed{n}.xml").read_bytes() for n in range(FEEDS)}
        tags = {
            path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in bodies.items()
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                time.sleep(LATENCY)
                body = bodies.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == tags[self.path]:
                    self.send_response(304)
                    self.send_header("ETag", tags[self.path])
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", tags[self.path])
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/feed{n}.xml"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass(frozen=True)
class Run:
    """One `digest fetch` in its own process."""

    wall: float  # seconds, with interpreter start-up
    inner: float  # seconds inside the command
    cpu: float  # CPU seconds of the fetch and its parse processes
    memory: float  # peak MB
    line: str  # the closing line


def timed_fetch(root: Path) -> Run:
    script = (
        "import resource, sys, time\n"
        "from digest.cli import main\n"
        "started = time.perf_counter()\n"
        "try:\n"
        "    main(['--root', sys.argv[1], 'fetch'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "took = time.perf_counter() - started\n"
        "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(f'@@ {took} {(own + kids) / 1024}', file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script, str(root)], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    marker = [line for line in done.stderr.splitlines() if line.startswith("@@ ")]
    if not marker:
        raise RuntimeError(f"digest fetch failed: {done.stderr[-500:]}")
    _, inner, memory = marker[0].split()
    cpu = _children_cpu() - cpu_before
    return Run(wall, float(inner), cpu, float(memory), done.stdout.strip())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare_parse(folder: Path) -> tuple[float, float]:
    """Wall and CPU seconds of feedparser.parse with its defaults over the 200 files, in a
    process of its own like the fetch (the import and interpreter start-up not counted)."""
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "import feedparser\n"
        "bodies = [p.read_bytes() for p in sorted(Path(sys.argv[1]).glob('feed*.xml'))]\n"
        "started, cpu = time.perf_counter(), time.process_time()\n"
        "for body in bodies:\n"
        "    feedparser.parse(body)\n"
        "print(time.perf_counter() - started, time.process_time() - cpu)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder)], capture_output=True, text=True, check=True
    )
    wall, cpu = done.stdout.split()
    return float(wall), float(cpu)


def with_default_workers(root: Path, feeds: list[dict[str, str]]) -> Path:
    """A copy of the newsletter (store included) that fetches with the default 16 workers."""
    other = newsletter(root.parent, "newsletter-16", feeds, workers=None)
    shutil.copytree(root / ".digest", other / ".digest")
    return other


def reader_update(served: Served, folder: Path) -> float | None:
    """lemon24's reader, default settings, updating the same feeds (in its own process)."""
    script = (
        "import sys, time\n"
        "from reader import make_reader\n"
        "r = make_reader(sys.argv[1])\n"
        "for url in sys.argv[2:]:\n"
        "    r.add_feed(url)\n"
        "started = time.perf_counter()\n"
        "r.update_feeds()\n"
        "print(time.perf_counter() - started)\n"
        "print(r.get_entry_counts().total)\n"
    )
    urls = [served.url(n) for n in range(FEEDS)]
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder / "reader.sqlite"), *urls],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"   reader failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
        return None
    seconds, count = done.stdout.split()
    if int(count) != FEEDS * ITEMS:
        print(f"   reader stored {count} entries", flush=True)
    return float(seconds)


def newsletter(folder: Path, name: str, feeds: list[dict[str, str]], workers: int | None) -> Path:
    """A newsletter folder for the served feeds; workers None leaves fetch.workers unset."""
    root = folder / name
    root.mkdir()
    fetch: dict[str, object] = {"allow_private": True}
    if workers is not None:
        fetch["workers"] = workers
    settings = {
        "newsletter": {"name": "Bench", "url": "https://bench.example.org"},
        "fetch": fetch,
        "feeds": feeds,
    }
    (root / "feeds.yaml").write_text(yaml.safe_dump(settings), "utf-8")
    return root


def run() -> list[Figure]:
    # An installed digest has its bytecode cached; so must the one measured here, even where
    # PYTHONDONTWRITEBYTECODE keeps Python from caching it.
    compileall.compile_dir(ROOT / "digest", quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench-fetch-") as tmp:
        folder = Path(tmp)
        rng = random.Random(2021)
        for n in range(FEEDS):
            (folder / f"feed{n}.xml").write_bytes(make_feed(n, rng))
        served = Served(folder)
        try:
            feeds = [{"name": f"feed{n}", "url": served.url(n)} for n in range(FEEDS)]
            bares: list[tuple[float, float]] = []
            firsts: list[Run] = []
            for round_number in range(ROUNDS):
                bares.append(bare_parse(folder))
                # 200 requests at 100 ms each cannot finish in 1 s with 16 at a time (1.3 s at
                # best), so the benchmark newsletter fetches 64 at once.
                root = newsletter(folder, f"newsletter-{round_number}", feeds, WORKERS)
                firsts.append(timed_fetch(root))
                print(
                    f"   round {round_number + 1}: bare feedparser {bares[-1][0]:.2f} s, "
                    f"first fetch {firsts[-1].wall:.2f} s ({firsts[-1].line})",
                    flush=True,
                )
            default_root = with_default_workers(root, feeds)
            again = timed_fetch(root)
            print(f"   second fetch: {again.line}", flush=True)
            again_16 = timed_fetch(default_root)
            print(f"   second fetch, 16 workers: {again_16.line}", flush=True)
            peer = reader_update(served, folder)
        finally:
            served.close()
    bare, bare_cpu = min(bares)
    first = min(firsts, key=lambda r: r.wall)
    return figures(bare, bare_cpu, first, again, again_16, peer)


def figures(
    bare: float, bare_cpu: float, first: Run, again: Run, again_16: Run, peer: float | None
) -> list[Figure]:
    items = FEEDS * ITEMS
    out = [
        Figure(
            f"fetch 200x50 (whole digest fetch, best of {ROUNDS})",
            first.wall,
            "s",
            "<= 0.5x bare feedparser",
            first.wall <= 0.5 * bare,
            f"feedparser.parse x200, best of {ROUNDS}: {bare:.2f} s ({items / bare:,.0f} items/s); "
            f"ratio {first.wall / bare:.2f}",
        ),
        Figure(
            "fetch 200x50, CPU (fetch + parse processes)",
            first.cpu,
            "s",
            "(2 cores)",
            None,
            f"feedparser.parse x200: {bare_cpu:.2f} s CPU; ratio {first.cpu / bare_cpu:.2f}",
        ),
        Figure(
            f"fetch again, all 304 (workers: {WORKERS})",
            again.inner,
            "s",
            "< 1 s",
            again.inner < 1.0,
            f"with interpreter start-up: {again.wall:.2f} s; CPU {again.cpu:.2f} s",
        ),
        Figure(
            "fetch again, all 304 (workers: 16, the default)",
            again_16.inner,
            "s",
            ">= 1.25 s by arithmetic",
            None,
            f"200 requests x 100 ms / 16; with start-up: {again_16.wall:.2f} s",
        ),
        Figure("fetch peak memory", first.memory, "MB", "< 300 MB", first.memory < 300),
    ]
    if peer is not None:
        out.append(
            Figure(
                "reader / digest fetch time",
                peer / first.wall,
                "x",
                "> 1 (faster than reader)",
                peer > first.wall,
                f"reader.update_feeds(): {peer:.2f} s",
            )
        )
    return out


if __name__ == "__main__":
    for figure in run():
        print(figure.line())
    print(f"(bench peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
