"""The PDFs of a build made in a process of their own, while the build renders the pages.

A PDF is most of a build's time, WeasyPrint's import alone a third of it; the pages, the
Markdown and the rest of the site need one core and the PDF another. The process is forked
as soon as `digest build` starts (early_pdf_process; else when the build knows which PDFs
are stale), asks fontconfig and loads WeasyPrint while the settings are read and the pages
rendered, and writes each PDF into the staging folder (digest.pdf.render_pdf, the very call
the build would make itself, so the bytes are the same) from the print page the build made.

What the process logs (a glyph no font has, a resource refused) is logged again by the build,
and a failure is raised again in the build as the same exception: a DigestError stays a
one-line message, with the process's traceback behind it for --debug.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from digest.errors import RenderError
from digest.fontqueries import ask_early
from digest.models import Config, Issue
from digest.printpage import print_html
from digest.processes import die_with_parent

_LOST = "the process making the PDF stopped before it finished (exit status {})"


class PdfProcessTraceback(Exception):
    """Where a failure in the PDF process happened, for --debug: its traceback as text."""


class PdfProcess:
    """One forked process making the PDFs it is handed, in order."""

    def __init__(self) -> None:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()  # what is buffered now would otherwise be written twice
        context = multiprocessing.get_context("fork")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()
        self._waiting = 0

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @staticmethod
    def can_start() -> bool:
        """Forking is safe only while no other thread runs (a server's, an index job's): a
        child would inherit the locks they hold."""
        return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()

    def submit(self, issue: Issue, config: Config, path: Path) -> None:
        """Make the issue's PDF at path (render_pdf's atomic write). Its print page is made
        here, while the process may still be loading WeasyPrint."""
        self._waiting += 1
        try:
            html: str | None = print_html(issue, config)
        except Exception:  # the process makes it again and reports the failure as it did
            html = None
        with suppress(OSError):  # the process is gone: wait() says so
            self._conn.send((issue, config, path, html))

    def wait(self) -> None:
        """Wait for every PDF handed over; raises the first failure as the process raised it."""
        failure: BaseException | None = None
        while self._waiting:
            self._waiting -= 1
            try:
                reply = self._conn.recv()
            except (EOFError, OSError):
                self._process.join()
                raise RenderError(_LOST.format(self._process.exitcode)) from None
            _log_again(reply["logs"])
            if failure is None and "error" in reply:
                failure = _rebuilt(reply["error"])
                failure.__cause__ = PdfProcessTraceback(reply["traceback"])
        if failure is not None:
            raise failure

    def close(self, unused: bool = False) -> None:
        """Stop the process: at once if it still has work (the build failed) or was never
        used (it may still be loading WeasyPrint), else when it has read that there is no
        more."""
        if self._waiting or unused:
            self._process.terminate()
        else:
            with suppress(OSError):
                self._conn.send(None)
        self._conn.close()
        self._process.join()


_early: list[PdfProcess] = []  # started by early_pdf_process, not yet taken by a build


@contextmanager
def early_pdf_process(likely: bool) -> Iterator[None]:
    """Start the PDF process now, for the first pdf_process inside this `with` to take: a
    command that will likely make a PDF starts it before reading its settings and issues, so
    WeasyPrint loads meanwhile. Stopped when the `with` leaves if no build took it."""
    if not likely or _early or not PdfProcess.can_start():
        yield
        return
    process = PdfProcess()
    _early.append(process)
    try:
        yield
    finally:
        if process in _early:
            _early.remove(process)
            process.close(unused=True)


@contextmanager
def pdf_process(wanted: bool) -> Iterator[PdfProcess | None]:
    """A PdfProcess for the build's `with`, stopped when it leaves; None when not wanted or
    when forking is not safe here (the PDFs are then made in the build's own process)."""
    early = _early.pop() if _early else None
    if not wanted:
        if early is not None:
            early.close(unused=True)
        yield None
        return
    if early is None and not PdfProcess.can_start():
        yield None
        return
    process = early or PdfProcess()
    try:
        yield process
    finally:
        process.close()


# ---------------------------------------------------------------- in the process


def _serve(conn: Connection) -> None:
    die_with_parent()  # a build killed with SIGKILL leaves no process behind to write its files
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle
    logs = _collect_logs()
    # fontconfig asked (fc-list) and WeasyPrint loaded before the first issue arrives, side
    # by side; if WeasyPrint cannot be loaded, the first job imports it again and reports why.
    ask_early()
    with suppress(Exception):
        import digest.pdf  # noqa: F401
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        if job is None:
            return
        conn.send(_make(job, logs))


def _make(
    job: tuple[Issue, Config, Path, str | None], logs: list[logging.LogRecord]
) -> dict[str, Any]:
    reply: dict[str, Any] = {}
    try:
        from digest.pdf import render_pdf

        render_pdf(*job)
    except Exception as exc:
        reply["error"] = _portable(exc)
        reply["traceback"] = traceback.format_exc()
    reply["logs"] = logs[:]
    logs.clear()
    return reply


def _collect_logs() -> list[logging.LogRecord]:
    """What the process logs, kept to be sent to the build instead of written here: the
    build's handlers (its stderr, a test's capture) are the ones that must see it."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            record.msg, record.args = record.getMessage(), None
            record.exc_info = None
            records.append(record)

    root = logging.getLogger()
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    root.addHandler(Keep())
    return records


# ---------------------------------------------------------------- back in the build


def _log_again(records: list[logging.LogRecord]) -> None:
    for record in records:
        logging.getLogger(record.name).handle(record)


def _portable(exc: Exception) -> Exception | tuple[type[Exception], tuple[Any, ...], Any]:
    """The exception as it can cross to the build: itself when pickle makes it again, else
    its class, arguments and attributes (a FileError's constructor takes other arguments
    than the ones it keeps, so pickle cannot make it again)."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return (type(exc), exc.args, vars(exc))
    return exc


def _rebuilt(error: Exception | tuple[type[Exception], tuple[Any, ...], Any]) -> BaseException:
    """The exception the process raised, made again in the build."""
    if isinstance(error, BaseException):
        return error
    kind, args, attributes = error
    try:
        exc = kind.__new__(kind, *args)
        BaseException.__init__(exc, *args)
        exc.__dict__.update(attributes)
    except Exception:
        return RenderError(f"the PDF could not be made: {kind.__name__}: {args}")
    return exc
