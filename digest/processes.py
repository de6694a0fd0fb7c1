"""Helper processes a command forks (fetch's parse pool, build's PDF process)."""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Called in a forked process: it must not outlive a command killed with SIGKILL, still
    holding the command's locks and writing into its folders (Linux only)."""
    try:
        libc = ctypes.CDLL(None)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)
