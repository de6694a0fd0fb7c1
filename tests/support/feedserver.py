"""A real HTTP server on 127.0.0.1 whose routes tests program: status, headers, delays,
redirects, gzip, trickled or never-ending bodies, conditional GET. It records every request."""

from __future__ import annotations

import contextlib
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/rss+xml; charset=utf-8"
    delay: float = 0.0  # seconds before the response starts
    trickle: float | None = None  # seconds between single bytes of the body
    endless: bool = False  # the body never ends
    gzip: bool = False  # send the body gzip-compressed
    raw_encoded: bytes | None = None  # a pre-compressed body (e.g. a gzip bomb)
    etag: str | None = None  # answer 304 when If-None-Match matches
    last_modified: str | None = None  # answer 304 when If-Modified-Since matches
    location: str | None = None  # for redirects


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]


Dynamic = Callable[[Seen], Route]


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default backlog of 5 drops bursts of connections


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route | Dynamic] = {}
        self.requests: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server._serve(self)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, route: Route | Dynamic | None = None, **kwargs: object) -> str:
        self.routes[path] = route if route is not None else Route(**kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        seen = Seen(handler.path, {k.lower(): v for k, v in handler.headers.items()})
        with self._lock:
            self.requests.append(seen)
        found = self.routes.get(handler.path.split("?", 1)[0]) or self.routes.get(handler.path)
        if found is None:
            route = Route(status=404, body=b"not found", content_type="text/plain")
        elif isinstance(found, Route):
            route = found
        else:
            route = found(seen)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._respond(handler, seen, route)

    def _respond(self, handler: BaseHTTPRequestHandler, seen: Seen, route: Route) -> None:
        if route.delay:
            time.sleep(route.delay)
        not_modified = (route.etag and seen.headers.get("if-none-match") == route.etag) or (
            route.last_modified and seen.headers.get("if-modified-since") == route.last_modified
        )
        status = 304 if not_modified else route.status
        handler.send_response(status)
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location:
            headers["Location"] = route.location
        body = route.body
        if route.raw_encoded is not None:
            body, headers["Content-Encoding"] = route.raw_encoded, "gzip"
        elif route.gzip:
            body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
        if status == 304:
            body = b""
        headers.setdefault("Content-Type", route.content_type)
        if not route.endless:
            headers["Content-Length"] = str(len(body))
        headers["Connection"] = "close"
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        if route.endless:
            while True:
                handler.wfile.write(b"<item><title>more</title></item>" * 100)
                time.sleep(0.001)
        if route.trickle is not None:
            for byte in body:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(route.trickle)
            return
        handler.wfile.write(body)


@contextlib.contextmanager
def serving() -> Iterator[FeedServer]:
    """A running FeedServer, shut down afterwards (wrap it in a fixture in the test module)."""
    server = FeedServer()
    try:
        yield server
    finally:
        server.close()
