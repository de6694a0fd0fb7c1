"""The process that makes a build's PDFs (digest.site.pdfprocess): the PDF it writes is the
build's own, byte for byte; what fails in it fails the build as the same exception, one clean
message and the process's traceback for --debug; what it logs reaches the build's log."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from support.newsletter import copy_newsletter

from digest import pdf
from digest.config import load_config
from digest.errors import FileError, RenderError, TemplateError
from digest.issuefile import load_issue
from digest.site.pdfprocess import (
    PdfProcessTraceback,
    _portable,
    _rebuilt,
    early_pdf_process,
    pdf_process,
)


def test_the_process_writes_the_pdf_the_build_would_make(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    config = load_config(root)
    issue = load_issue(config, 1)
    with pdf_process(True) as process:
        assert process is not None
        process.submit(issue, config, tmp_path / "1.pdf")
        process.wait()
    assert (tmp_path / "1.pdf").read_bytes() == pdf.pdf_bytes(issue, config)


def test_a_process_started_early_is_the_one_the_build_takes(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    issue = load_issue(config, 1)
    with early_pdf_process(True):
        with pdf_process(True) as process:
            assert process is not None and process.pid is not None
            early_pid = process.pid
            process.submit(issue, config, tmp_path / "1.pdf")
            process.wait()
        with pdf_process(True) as later:  # a second build forks its own
            assert later is not None and later.pid != early_pid
    assert (tmp_path / "1.pdf").read_bytes() == pdf.pdf_bytes(issue, config)


def test_a_process_started_early_and_not_wanted_is_stopped() -> None:
    with early_pdf_process(True), pdf_process(False) as process:
        assert process is None
    with early_pdf_process(True):
        pass  # no build took it
    with early_pdf_process(False), pdf_process(True) as process:
        assert process is not None  # forked when the build asks
    assert not multiprocessing.active_children()


def test_a_template_error_is_raised_by_the_build_with_the_traceback_behind_it(
    tmp_path: Path,
) -> None:
    root = copy_newsletter(tmp_path)
    config = load_config(root)
    issue = load_issue(config, 1)
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "print.html").write_text("{% if %}", "utf-8")
    with pdf_process(True) as process:
        assert process is not None
        process.submit(issue, config, tmp_path / "1.pdf")
        with pytest.raises(TemplateError, match=r"print\.html:1: template syntax error") as raised:
            process.wait()
    assert raised.value.hint and "built-in theme" in raised.value.hint
    assert isinstance(raised.value.__cause__, PdfProcessTraceback)
    assert "Traceback" in str(raised.value.__cause__)
    assert not (tmp_path / "1.pdf").exists()


def test_an_error_pickle_cannot_make_again_crosses_whole() -> None:
    """A FileError's constructor takes other arguments than the ones it keeps."""
    error = FileError(Path("templates/print.html"), "broken", line=3, hint="Fix it.")
    again = _rebuilt(_portable(error))
    assert type(again) is FileError and str(again) == str(error)
    assert (again.path, again.line, again.hint) == (error.path, 3, "Fix it.")  # type: ignore[attr-defined]


def test_an_os_error_keeps_its_file_name(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    (tmp_path / "a-file").write_text("", "utf-8")
    with pdf_process(True) as process:
        assert process is not None
        process.submit(load_issue(config, 1), config, tmp_path / "a-file" / "1.pdf")
        with pytest.raises(OSError) as raised:
            process.wait()
    assert "a-file" in str(raised.value.filename)


def test_a_process_that_dies_is_a_render_error(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    with pdf_process(True) as process:
        assert process is not None and process.pid is not None
        os.kill(process.pid, signal.SIGKILL)
        process.submit(load_issue(config, 1), config, tmp_path / "1.pdf")
        with pytest.raises(RenderError, match="stopped before it finished"):
            process.wait()


def test_what_the_process_logs_is_logged_by_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = copy_newsletter(tmp_path)
    issue_file = root / "issues" / "1.yaml"
    text = issue_file.read_text("utf-8")
    issue_file.write_text(text.replace("heading: China", "heading: China \U0010fffd"), "utf-8")
    config = load_config(root)
    with caplog.at_level(logging.WARNING), pdf_process(True) as process:
        assert process is not None
        process.submit(load_issue(config, 1), config, tmp_path / "1.pdf")
        process.wait()
    assert any("U+10FFFD" in message for message in caplog.messages), caplog.messages
    assert (tmp_path / "1.pdf").is_file()


def test_no_process_while_another_thread_runs() -> None:
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with pdf_process(True) as process:
            assert process is None
    finally:
        stop.set()
        other.join()


def test_debug_shows_the_traceback_of_the_pdf_process(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates" / "print.html").write_text("{% if %}", "utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "digest", "--root", str(root), "build", "1"]
    quiet = subprocess.run(command, capture_output=True, text=True, env=env)
    assert quiet.returncode == 2, quiet.stderr
    assert "print.html" in quiet.stderr and "Traceback" not in quiet.stderr, quiet.stderr
    assert len(quiet.stderr.strip().splitlines()) <= 2, quiet.stderr
    command.insert(3, "--debug")
    debug = subprocess.run(command, capture_output=True, text=True, env=env)
    assert debug.returncode == 2
    assert "PdfProcessTraceback" in debug.stderr and "render_pdf" in debug.stderr, debug.stderr
