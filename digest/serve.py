"""`digest serve`: the preview on 127.0.0.1, rebuilt when an issue, the theme or feeds.yaml
changes.

What is served is the preview (.digest/preview/): every issue, drafts included and bannered.
The standard library's threaded HTTP server serves the files; a watcher thread polls the
modification times of the inputs (no extra dependency) and rebuilds incrementally. Whatever an
edit breaks, the watcher goes on: the problem is reported in the terminal and at the top of
every served page, and the last good build stays. Served pages (only they, never the files)
carry a small script that reloads them when a rebuild finished.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from digest.build import BuildResult, build_preview, preview_dir, problem_warnings
from digest.config import CONFIG_NAME, load_config
from digest.errors import DigestError
from digest.models import Config
from digest.theme import theme_dirs

HOST = "127.0.0.1"
VERSION_PATH = "/__digest/version"  # the number of the latest build, for live reload
Reporter = Callable[[str], None]
SETTLE_LOOKS = 20  # at most this many looks before a build, however busy the writes

_BODY = re.compile(rb"<body[^>]*>", re.IGNORECASE)
_RELOAD = """<script>(function () {
  var seen = "%s";
  function poll() {
    fetch("%s", {cache: "no-store"}).then(function (answer) { return answer.text(); })
      .then(function (now) { if (now !== seen) { location.reload(); } else { later(500); } })
      .catch(function () { later(2000); });
  }
  function later(ms) { setTimeout(poll, ms); }
  later(500);
})();</script>"""
_ERROR_PANEL = """<div id="digest-serve-error" role="alert" style="margin:0;padding:1rem;\
background:#7f1d1d;color:#fff;font:14px/1.4 monospace;white-space:pre-wrap">\
<strong>digest: this preview is not up to date</strong> (the last good build is shown; it \
reloads once the file is fixed)
%s</div>"""


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


def served_page(page: bytes, version: int, errors: tuple[str, ...]) -> bytes:
    """A built page as the preview serves it: the errors on top, the reload script at the end."""
    script = (_RELOAD % (version, VERSION_PATH)).encode()
    if errors:
        panel = (_ERROR_PANEL % "\n".join(html.escape(e) for e in errors)).encode()
        found = _BODY.search(page)
        at = found.end() if found else 0
        page = page[:at] + panel + page[at:]
    end = page.lower().rfind(b"</body>")
    return page[:end] + script + page[end:] if end >= 0 else page + script


class _PreviewHandler(http.server.SimpleHTTPRequestHandler):
    preview: PreviewServer
    # feed readers and browsers tell an Atom feed by its type, not by the generic XML one
    extensions_map = {  # noqa: RUF012 (the base class declares it a plain class attribute)
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/xml",
        ".svg": "image/svg+xml",
        ".js": "text/javascript",
        ".wasm": "application/wasm",
    }

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        if Path(path).name == "feed.xml":
            return "application/atom+xml"
        return super().guess_type(path)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == VERSION_PATH:
            self._send(str(self.preview.version).encode(), "text/plain; charset=utf-8")
            return
        page = self._page(path)
        if page is None:
            super().do_GET()
            return
        body = served_page(page.read_bytes(), self.preview.version, self.preview.errors)
        self._send(body, "text/html; charset=utf-8")

    def _page(self, path: str) -> Path | None:
        """The HTML file a GET of path serves, if it is one (directories: their index.html)."""
        if not path.endswith(("/", ".html")):
            return None
        local = Path(self.translate_path(path))
        if local.is_dir():
            local = local / "index.html"
        return local if local.is_file() and local.suffix == ".html" else None

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PreviewServer:
    """Serves the preview at out (default .digest/preview/) on 127.0.0.1 and rebuilds it from
    config.root when an input changes."""

    def __init__(
        self,
        config: Config,
        out: Path | None = None,
        *,
        port: int = 8000,
        pdfs: bool = True,
        poll: float = 0.5,
        settle: float = 0.05,
        report: Reporter = print,
    ) -> None:
        self.config = config
        self.out = (out or preview_dir(config)).resolve()
        self.pdfs = pdfs
        self.poll = poll
        self.settle = settle  # inputs unchanged this long are taken as saved
        self.report = report
        self.out.mkdir(parents=True, exist_ok=True)
        handler_class = type("Handler", (_PreviewHandler,), {"preview": self})
        handler = functools.partial(handler_class, directory=str(self.out))
        self.httpd = http.server.ThreadingHTTPServer((HOST, port), handler)
        self.httpd.daemon_threads = True
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._seen = snapshot(config)
        self.builds = 0  # finished rebuilds, successful or not
        self.version = 0  # changes whenever what is served may have; open pages reload then
        self.errors: tuple[str, ...] = ()  # what the latest build could not take in

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.httpd.server_address[1]}/"

    def build(self) -> BuildResult | None:
        """Rebuild now; a failure is reported, not raised, and the old site stays."""
        try:
            self.config = load_config(self.config.root)
            result = build_preview(self.config, self.out, pdfs=self.pdfs)
        except DigestError as exc:
            self._finish((str(exc),))
            return None
        except Exception as exc:  # a bug must not stop the preview; the next edit retries
            self._finish((f"unexpected {type(exc).__name__}: {exc}",))
            return None
        self._finish(tuple(problem_warnings(result.problems, result.kept)))
        if result.written or result.removed:
            self.report(f"rebuilt: {len(result.written)} written, {result.unchanged} unchanged")
        return result

    def _finish(self, errors: tuple[str, ...]) -> None:
        for message in errors:
            self.report(f"digest: error: {message}")
        if self.errors and not errors:
            self.report("fixed: the preview is up to date again")
        self.errors = errors
        self.builds += 1
        self.version += 1

    def check(self) -> bool:
        """Rebuild if any input changed since the last look; True when it did."""
        now = snapshot(self.config)
        if now == self._seen:
            return False
        self._seen = self._settled(now)
        self.build()
        return True

    def _settled(self, now: Snapshot) -> Snapshot:
        """The inputs once they stop changing: a save seen halfway (the file emptied, not yet
        written) would otherwise be built and flash an error."""
        for _ in range(SETTLE_LOOKS):
            if self._stop.wait(self.settle):
                break
            later = snapshot(self.config)
            if later == now:
                break
            now = later
        return now

    def start(self) -> None:
        for target in (self.httpd.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)

    def _watch(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.check()
            except Exception as exc:  # an input vanishing mid-look, say: look again
                self.report(f"digest: error: while watching: {exc}")

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
