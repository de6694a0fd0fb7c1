"""`digest serve`: the site on 127.0.0.1, rebuilt when an issue, the theme or feeds.yaml changes.

The standard library's threaded HTTP server serves the files; a watcher thread polls the
modification times of the inputs (no extra dependency) and rebuilds incrementally. A build
that fails is reported and the previous site keeps being served.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from digest.build import BuildResult, build_all
from digest.config import CONFIG_NAME, load_config
from digest.errors import DigestError
from digest.models import Config
from digest.theme import theme_dirs

HOST = "127.0.0.1"
Reporter = Callable[[str], None]


@dataclass(frozen=True)
class Snapshot:
    """(path, mtime_ns, size) of every input the site is built from."""

    files: tuple[tuple[str, int, int], ...]


def watched_files(config: Config) -> list[Path]:
    files = [config.root / CONFIG_NAME]
    if config.issues_dir.is_dir():
        files.extend(sorted(config.issues_dir.glob("*.yaml")))
    for folder in theme_dirs(config):
        files.extend(sorted(p for p in folder.rglob("*") if p.is_file()))
    return files


def snapshot(config: Config) -> Snapshot:
    entries = []
    for path in watched_files(config):
        try:
            stat = path.stat()
        except OSError:
            continue
        entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return Snapshot(tuple(entries))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class PreviewServer:
    """Serves out on 127.0.0.1 and rebuilds it from config.root when an input changes."""

    def __init__(
        self,
        config: Config,
        out: Path | None = None,
        *,
        port: int = 8000,
        pdfs: bool = True,
        poll: float = 0.5,
        report: Reporter = print,
    ) -> None:
        self.config = config
        self.out = (out or config.site_dir).resolve()
        self.pdfs = pdfs
        self.poll = poll
        self.report = report
        self.out.mkdir(parents=True, exist_ok=True)
        handler = functools.partial(_QuietHandler, directory=str(self.out))
        self.httpd = http.server.ThreadingHTTPServer((HOST, port), handler)
        self.httpd.daemon_threads = True
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._seen = snapshot(config)
        self.builds = 0  # finished rebuilds, successful or not

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}/"

    def build(self) -> BuildResult | None:
        """Rebuild now; a failure is reported, not raised, and the old site stays."""
        try:
            self.config = load_config(self.config.root)
            result = build_all(self.config, self.out, pdfs=self.pdfs)
        except DigestError as exc:
            self.report(f"digest: error: {exc}")
            return None
        finally:
            self.builds += 1
        if result.written or result.removed:
            self.report(f"rebuilt: {len(result.written)} written, {result.unchanged} unchanged")
        return result

    def check(self) -> bool:
        """Rebuild if any input changed since the last look; True when it did."""
        now = snapshot(self.config)
        if now == self._seen:
            return False
        self._seen = now
        self.build()
        return True

    def start(self) -> None:
        for target in (self.httpd.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _watch(self) -> None:
        while not self._stop.wait(self.poll):
            self.check()

    def stop(self) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> PreviewServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()
