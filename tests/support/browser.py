"""Debian's Chromium, headless, driven by Playwright: every page visit records what the page
did (console errors, uncaught exceptions, dialogs, every request), and a loopback HTTP server
serves a built site and records what was asked of it.

Chromium missing is a skip with the reason on a developer's machine and a failure in CI (the
CI environment variable is set), where the browser checks must run.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = (390, 844)
DESKTOP = (1280, 900)
VNU_JAR = Path(__file__).resolve().parents[2] / ".ci/node/node_modules/vnu-jar/build/dist/vnu.jar"


def unavailable(reason: str) -> NoReturn:
    """Skip with the reason, except in CI, where a missing tool fails the run."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run this check (.ci/run installs it)", pytrace=False)
    pytest.skip(reason)


def local_address(url: str) -> bool:
    """True for what a built site may load: its own files and the loopback test servers."""
    parts = urlsplit(url)
    if parts.scheme in {"file", "data", "about", "blob"}:
        return True
    return parts.scheme in {"http", "https"} and parts.hostname in {"127.0.0.1", "localhost"}


@dataclass
class Visit:
    """One page opened in the browser and everything it did."""

    page: Any  # playwright.sync_api.Page
    url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)  # requests to anywhere but loopback/file

    @property
    def outside_requests(self) -> list[str]:
        return [url for url in self.requests if not local_address(url)]


class Browser:
    """A headless Chromium; open() gives a fresh context (no shared cache or storage) per page."""

    def __init__(self, playwright: Any, browser: Any) -> None:
        self._playwright = playwright
        self._browser = browser

    @contextlib.contextmanager
    def open(
        self,
        url: str,
        *,
        viewport: tuple[int, int] = DESKTOP,
        color_scheme: str = "light",
        wait: float = 0.3,
    ) -> Iterator[Visit]:
        """The page at url, loaded and given `wait` seconds more for anything to run."""
        context = self._browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]},
            color_scheme=color_scheme,
            service_workers="block",
        )
        page = context.new_page()
        visit = Visit(page=page, url=url)
        _record(context, page, visit)
        try:
            page.goto(url, wait_until="load")
            page.wait_for_timeout(wait * 1000)
            yield visit
        finally:
            context.close()


def _record(context: Any, page: Any, visit: Visit) -> None:
    def on_console(message: Any) -> None:
        if message.type == "error":
            visit.console_errors.append(message.text)

    def on_dialog(dialog: Any) -> None:
        visit.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_route(route: Any) -> None:
        # No test may reach the internet, whatever a page asks for: record it and refuse.
        url = route.request.url
        if local_address(url):
            route.continue_()
        else:
            visit.blocked.append(url)
            route.abort()

    page.on("console", on_console)
    page.on("pageerror", lambda error: visit.page_errors.append(str(error)))
    page.on("dialog", on_dialog)
    context.on("request", lambda request: visit.requests.append(request.url))
    context.route("**/*", on_route)


@contextlib.contextmanager
def launch() -> Iterator[Browser]:
    """Debian's Chromium, headless, with no background traffic of its own."""
    if not CHROMIUM.is_file():
        unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield Browser(playwright, browser)
        finally:
            browser.close()


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2 A and AA violations on the page, one line each."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is not installed (pip install -e '.[test]')")
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    results = Axe().run(page, options=options)
    found = []
    for violation in results.response.get("violations", []):
        targets = [" ".join(map(str, node.get("target", []))) for node in violation["nodes"]]
        found.append(f"{violation['id']} ({violation['impact']}): {', '.join(targets[:5])}")
    return found


# ---------------------------------------------------------------- serving a folder


@dataclass
class FolderServer:
    """A built site on http://127.0.0.1:<port>/, with the path and status of every request."""

    root: Path
    port: int
    served: list[tuple[str, int]]

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"


@contextlib.contextmanager
def serve_folder(root: Path) -> Iterator[FolderServer]:
    served: list[tuple[str, int]] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            served.append((self.path, int(code) if str(code).isdigit() else 0))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(Handler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield FolderServer(root=root, port=httpd.server_address[1], served=served)
    finally:
        httpd.shutdown()
        httpd.server_close()


# ---------------------------------------------------------------- the W3C Nu HTML Checker


def vnu_errors(files: list[Path]) -> list[str]:
    """Errors the Nu HTML Checker finds in the files, as 'file:line: message'."""
    import json

    java = shutil.which("java")
    if java is None:
        unavailable("java is not installed, so the Nu HTML Checker cannot run")
    if not VNU_JAR.is_file():
        unavailable(f"the Nu HTML Checker is not at {VNU_JAR} (see .ci/run)")
    done = subprocess.run(
        [str(java), "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(done.stderr or done.stdout or '{"messages": []}')
    return [
        f"{urlsplit(m.get('url', '')).path}:{m.get('lastLine', '?')}: {m['message']}"
        for m in report.get("messages", [])
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
