"""fontconfig's answers for the PDF (fc-list), which may be asked before they are needed.

The PDF process asks them as it starts, so fc-list reads its font cache while WeasyPrint is
imported; digest.pdf reads the answers when an issue needs them.
"""

from __future__ import annotations

import shutil
import subprocess

# The queries digest.pdf makes: fonts_installed's patterns and font_coverage's charsets.
PDF_QUERIES: tuple[tuple[str, ...], ...] = ((":lang=zh", "family"), (":", "family"),
                                            ("--format", "%{charset}\n"))  # fmt: skip
TIMEOUT = 30  # seconds

_asked: dict[tuple[str, ...], subprocess.Popen[str]] = {}


def ask_early(queries: tuple[tuple[str, ...], ...] = PDF_QUERIES) -> None:
    """Start fc-list for each query now; fc_list reads the answer later."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return
    for query in queries:
        if query in _asked:
            continue
        try:
            _asked[query] = subprocess.Popen(
                [fc_list, *query],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        except OSError:
            return


def fc_list(*query: str) -> tuple[int, str] | None:
    """fc-list's exit status and output for query; None when fc-list cannot be run."""
    started = _asked.pop(query, None)
    if started is not None:
        try:
            out, _ = started.communicate(timeout=TIMEOUT)
        except subprocess.SubprocessError:
            started.kill()
            started.wait()
            return None
        return started.returncode, out
    found = shutil.which("fc-list")
    if found is None:
        return None
    try:
        done = subprocess.run([found, *query], capture_output=True, text=True, timeout=TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.returncode, done.stdout
