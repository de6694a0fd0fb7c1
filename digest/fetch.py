"""Fetching feeds: the network side, in bounds, and the parse step on both cores.

Threads wait on the network (fetch.workers of them); parsing and sanitizing are CPU-bound, so
bodies go to a small process pool. Every request has one deadline covering connect, redirects, a
slow trickle and the whole body; bodies are capped, also after decompression; redirects are
bounded, loop-checked and never reach a loopback or private address unless allowed.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import email.utils
import http.client
import ipaddress
import multiprocessing
import os
import queue
import socket
import ssl
import time
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urljoin, urlsplit

from digest import __version__
from digest.errors import FetchError
from digest.models import Classification, Entry, FeedConfig, FetchSettings, GroupingTermsRow
from digest.models import FeedOutcome as FeedOutcome  # where callers have long found them
from digest.models import FeedState as FeedState
from digest.processes import die_with_parent

REDIRECTS = {301, 302, 303, 307, 308}
PARSE_PROCESSES = 2
# Below this many bodies a process pool costs more to start than it saves.
POOL_THRESHOLD = 8
IDLE_SECONDS = 0.2  # nothing finished for this long: the caller may do its own work
_CHUNK = 65536


@dataclass(frozen=True)
class Response:
    status: int
    url: str  # after redirects
    headers: dict[str, str]  # lowercased names
    body: bytes = b""


Classifier = Callable[[Entry, FeedConfig], Classification]


class TermsWorker(Protocol):
    """An entry's story-grouping terms as the store keeps them, and the rules' version."""

    def __call__(self, entry: Entry) -> GroupingTermsRow | None: ...

    def version(self) -> str: ...


@dataclass(frozen=True)
class Client:
    settings: FetchSettings
    user_agent: str
    root: Path = field(default_factory=Path.cwd)  # local feed paths are relative to it
    # When given, entries are classified beside the parsing (refresh passes the classify
    # stage's classify_entry: fetch, a lower stage, never imports it).
    classify: Classifier | None = None
    # When given, each entry's story-grouping terms are worked out beside the parsing too.
    grouping_terms: TermsWorker | None = None


def user_agent(newsletter_url: str) -> str:
    return (
        f"digest/{__version__} (+{newsletter_url})" if newsletter_url else f"digest/{__version__}"
    )


# ---------------------------------------------------------------- many feeds


def fetch_feeds(
    feeds: Sequence[FeedConfig],
    client: Client,
    states: Mapping[str, FeedState],
    *,
    now: dt.datetime | None = None,
    on_idle: Callable[[], None] | None = None,
) -> Iterator[FeedOutcome]:
    """Fetch and parse every feed; yields each outcome as soon as it is ready. on_idle is
    called when nothing has been ready for IDLE_SECONDS (the store commits then)."""
    now = now or dt.datetime.now(dt.UTC)
    resting = {f.name for f in feeds if _resting(states.get(f.name), now)}
    for feed in feeds:
        if feed.name in resting:
            state = states[feed.name]
            yield FeedOutcome(feed, "skipped", retry_after=state.retry_after,
                              etag=state.etag, last_modified=state.last_modified)  # fmt: skip
    waiting = [f for f in feeds if f.name not in resting]
    if not waiting:
        return
    _WORKER.classify = client.classify
    _WORKER.grouping_terms = client.grouping_terms
    pool = _parse_pool() if len(waiting) >= POOL_THRESHOLD else None
    # Downloads and parses report here as they finish, so the loop never polls the ones running.
    finished: queue.SimpleQueue[cf.Future[Any]] = queue.SimpleQueue()
    try:
        with cf.ThreadPoolExecutor(max_workers=min(client.settings.workers, len(waiting))) as net:
            for feed in waiting:
                state = states.get(feed.name) or FeedState()
                net.submit(_download, feed, client, state).add_done_callback(finished.put)
            remaining = len(waiting)
            while remaining:
                result = _next_finished(finished, on_idle).result()
                if isinstance(result, Download):
                    if pool is not None:
                        pool.submit(parse_download, result).add_done_callback(finished.put)
                        continue
                    result = parse_download(result)
                remaining -= 1
                yield result
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _next_finished(
    finished: queue.SimpleQueue[cf.Future[Any]], on_idle: Callable[[], None] | None
) -> cf.Future[Any]:
    if on_idle is None:
        return finished.get()
    try:
        return finished.get(timeout=IDLE_SECONDS)
    except queue.Empty:
        on_idle()
        return finished.get()


def _resting(state: FeedState | None, now: dt.datetime) -> bool:
    return bool(state and state.retry_after and state.retry_after > now)


def _parse_pool() -> cf.ProcessPoolExecutor:
    """Parse processes forked now, before any network thread starts. Each loads the parser
    itself while the downloads run, so a fetch whose feeds all answer 304 never waits for it."""
    pool = cf.ProcessPoolExecutor(
        max_workers=PARSE_PROCESSES,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_start_parse_process,
    )
    pool.submit(int)  # with fork, the first task forks every worker at once
    return pool


def _start_parse_process() -> None:
    die_with_parent()
    import digest.parse  # noqa: F401  (loaded before the first body arrives)

    # What classifying and working out terms read (rules, names, places) is loaded while the
    # downloads run too, by a hook's warm_up when it has one.
    for hook in (_WORKER.classify, _WORKER.grouping_terms):
        warm_up = getattr(hook, "warm_up", None)
        if warm_up is not None:
            warm_up()


@dataclass(frozen=True)
class Download:
    """A body fetched and waiting to be parsed (picklable, for the parse processes)."""

    feed: FeedConfig
    response: Response
    started: float


class _WorkerState:
    """What parse processes inherit when forked: how to classify an entry and work out its
    grouping terms."""

    classify: Classifier | None = None
    grouping_terms: TermsWorker | None = None


_WORKER = _WorkerState()


def parse_download(download: Download) -> FeedOutcome:
    from digest.parse import parse_feed

    response = download.response
    try:
        entries, warning = parse_feed(response.body, response.headers, download.feed, response.url)
        classifications = _classify_all(entries, download.feed)
        terms, version = _terms_all(entries)
    except FetchError as exc:
        # No validators kept: the next fetch must read the body again, not get a 304.
        return FeedOutcome(download.feed, "error", error=exc.message,
                           seconds=time.monotonic() - download.started)  # fmt: skip
    except Exception as exc:  # one feed that cannot be read must not stop the others
        reason = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return FeedOutcome(download.feed, "error", error=f"could not be read ({reason})",
                           seconds=time.monotonic() - download.started)  # fmt: skip
    return FeedOutcome(
        download.feed,
        "warning" if warning else "ok",
        entries=tuple(entries),
        classifications=classifications,
        grouping_terms=terms,
        terms_version=version,
        warning=warning,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        seconds=time.monotonic() - download.started,
    )


def _classify_all(entries: list[Entry], feed: FeedConfig) -> tuple[Classification, ...]:
    classify = _WORKER.classify
    if classify is None:
        return ()
    return tuple(classify(entry, feed) for entry in entries)


def _terms_all(entries: list[Entry]) -> tuple[tuple[GroupingTermsRow | None, ...], str]:
    terms_of = _WORKER.grouping_terms
    if terms_of is None or not entries:
        return (), ""
    return tuple(terms_of(entry) for entry in entries), terms_of.version()


def _download(feed: FeedConfig, client: Client, state: FeedState) -> FeedOutcome | Download:
    started = time.monotonic()
    try:
        response = fetch_one(feed.url, client, state)
    except FetchError as exc:
        return FeedOutcome(feed, "error", error=exc.message, etag=state.etag,
                           last_modified=state.last_modified,
                           seconds=time.monotonic() - started)  # fmt: skip
    if response.status == 304:
        return FeedOutcome(
            feed,
            "not_modified",
            etag=response.headers.get("etag", state.etag),
            last_modified=response.headers.get("last-modified", state.last_modified),
            seconds=time.monotonic() - started,
        )
    if response.status == 410:
        return FeedOutcome(feed, "gone", error="HTTP 410 Gone: the publisher removed this feed",
                           seconds=time.monotonic() - started)  # fmt: skip
    if response.status in {429, 503} and "retry-after" in response.headers:
        until = retry_after(response.headers["retry-after"], dt.datetime.now(dt.UTC))
        when = until.strftime("%Y-%m-%d %H:%M UTC") if until else "later"
        return FeedOutcome(feed, "error", error=f"HTTP {response.status}, retry after {when}",
                           retry_after=until, etag=state.etag, last_modified=state.last_modified,
                           seconds=time.monotonic() - started)  # fmt: skip
    if response.status >= 400:
        reason = http.client.responses.get(response.status, "error")
        return FeedOutcome(feed, "error", error=f"HTTP {response.status} {reason}",
                           etag=state.etag, last_modified=state.last_modified,
                           seconds=time.monotonic() - started)  # fmt: skip
    return Download(feed, response, started)


def retry_after(value: str, now: dt.datetime) -> dt.datetime | None:
    """Retry-After as a moment: delay seconds or an HTTP date; capped at a week."""
    value = value.strip()
    if value.isdigit():
        return now + dt.timedelta(seconds=min(int(value), 7 * 86400))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return min(when.astimezone(dt.UTC), now + dt.timedelta(days=7))


# ---------------------------------------------------------------- one feed


def fetch_one(url: str, client: Client, state: FeedState | None = None) -> Response:
    """The response for a feed URL (following redirects) or a local file's bytes.

    Raises FetchError with a one-line reason: DNS, refused, timeout, too big, redirect loop...
    """
    if _is_local(url):
        return _read_local(url, client)
    deadline = time.monotonic() + client.settings.timeout
    headers = {
        "User-Agent": client.user_agent,
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
        "text/xml;q=0.9, */*;q=0.5",
        "Accept-Encoding": "gzip, deflate",
    }
    if state and state.etag:
        headers["If-None-Match"] = state.etag
    if state and state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    seen: list[str] = []
    current = url
    while True:
        if current in seen:
            raise FetchError(f"redirect loop at {current}")
        seen.append(current)
        parts = urlsplit(current)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise FetchError(f"cannot fetch '{current}': only http and https URLs")
        check_private = len(seen) > 1 and not client.settings.allow_private
        response = _request(current, headers, client.settings, deadline, check_private)
        if response.status not in REDIRECTS:
            return response
        location = response.headers.get("location")
        if not location:
            raise FetchError(f"HTTP {response.status} redirect without a Location")
        if len(seen) > client.settings.max_redirects:
            raise FetchError(f"more than {client.settings.max_redirects} redirects")
        current = urljoin(current, location.strip())


def _is_local(url: str) -> bool:
    scheme = urlsplit(url).scheme.lower()
    return scheme == "file" or not scheme or (len(scheme) == 1 and os.name == "nt")


def _read_local(url: str, client: Client) -> Response:
    if urlsplit(url).scheme.lower() == "file":
        path = Path(unquote(urlsplit(url).path))
    else:
        path = client.root / url
    try:
        with path.open("rb") as handle:
            body = handle.read(client.settings.max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if len(body) > client.settings.max_bytes:
        raise FetchError(f"{path} is larger than fetch.max_bytes ({client.settings.max_bytes})")
    return Response(200, path.resolve().as_uri(), {}, body)


def _request(
    url: str,
    headers: dict[str, str],
    settings: FetchSettings,
    deadline: float,
    check_private: bool,
) -> Response:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(host, port, deadline)
    if check_private:
        for address in addresses:
            if _is_private(address):
                raise FetchError(
                    f"refused a redirect to {host} ({address}), a private or loopback address",
                    hint="Set fetch.allow_private: true for feeds on your own network.",
                )
    conn: http.client.HTTPConnection | None = None
    try:
        conn = _connection(parts.scheme, host, port, addresses, _remaining(deadline))
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("GET", path, headers=headers)
        sock = conn.sock  # kept: the connection forgets it once the response says "close"
        raw = conn.getresponse()
        response_headers = {k.lower(): v for k, v in raw.getheaders()}
        if raw.status in REDIRECTS or raw.status == 304 or raw.status >= 400:
            return Response(raw.status, url, response_headers)
        body = _read_body(raw, sock, settings.max_bytes, deadline)
        body = _decode(body, response_headers.get("content-encoding", ""), settings.max_bytes)
        return Response(raw.status, url, response_headers, body)
    except TimeoutError as exc:
        raise FetchError(f"timed out after {settings.timeout:g} s") from exc
    except ssl.SSLError as exc:
        raise FetchError(f"TLS failed: {exc.reason or exc}") from exc
    except ConnectionRefusedError as exc:
        raise FetchError(f"connection refused by {host}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise FetchError(f"connection failed: {_describe(exc)}") from exc
    finally:
        if conn is not None:
            conn.close()


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline passed")
    return left


def _resolve(host: str, port: int, deadline: float) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {host}: {exc.strerror}") from exc
    except UnicodeError as exc:
        raise FetchError(f"bad host name {host!r}") from exc
    if time.monotonic() > deadline:
        raise FetchError(f"timed out resolving {host}")
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _connection(
    scheme: str, host: str, port: int, addresses: list[str], timeout: float
) -> http.client.HTTPConnection:
    """A connection pinned to the addresses already resolved (and checked)."""
    conn: http.client.HTTPConnection
    if scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=timeout,
                                           context=ssl.create_default_context())  # fmt: skip
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect_pinned(
        address: tuple[str, int], timeout: float | None = None, source: object = None
    ) -> socket.socket:
        error: OSError | None = None
        for ip in addresses:
            try:
                return socket.create_connection((ip, port), timeout)
            except OSError as exc:
                error = exc
        raise error or OSError(f"no address for {host}")

    conn._create_connection = connect_pinned  # type: ignore[attr-defined]
    return conn


def _read_body(
    raw: http.client.HTTPResponse, sock: socket.socket | None, cap: int, deadline: float
) -> bytes:
    length = raw.getheader("content-length")
    if length and length.isdigit() and int(length) > cap:
        raise FetchError(f"the feed is larger than fetch.max_bytes ({cap} bytes)")
    chunks: list[bytes] = []
    size = 0
    while True:
        if sock is not None:
            sock.settimeout(_remaining(deadline))
        chunk = raw.read1(_CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > cap:
            raise FetchError(f"the feed is larger than fetch.max_bytes ({cap} bytes)")
        chunks.append(chunk)


def _decode(body: bytes, encoding: str, cap: int) -> bytes:
    """Undo gzip or deflate, never producing more than cap bytes (a gzip bomb stops here)."""
    encoding = encoding.strip().lower()
    if encoding in {"", "identity"}:
        return body
    if encoding not in {"gzip", "x-gzip", "deflate"}:
        raise FetchError(f"unsupported Content-Encoding '{encoding}'")
    wbits_options = [31] if "gzip" in encoding else [15, -15]
    for wbits in wbits_options:
        inflater = zlib.decompressobj(wbits)
        try:
            out = inflater.decompress(body, cap + 1)
        except zlib.error:
            continue
        if len(out) > cap:
            raise FetchError(f"the feed is larger than fetch.max_bytes ({cap} bytes) unpacked")
        return out
    raise FetchError(f"the {encoding} body is corrupt")


def _describe(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return " ".join(str(text).split())[:200]
