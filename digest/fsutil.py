"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _default_mode() -> int:
    """The mode open() would give a new file (mkstemp's 0600 would hide a site from its server)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _default_mode()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write data to path through a temporary file in the same folder and a rename."""
    tmp = _temporary_copy(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_new(path: Path, data: bytes | str) -> bool:
    """Write path only if it does not exist yet; return whether it was written.

    The file appears whole or not at all, and an existing file is never replaced.
    """
    tmp = _temporary_copy(path, data)
    try:
        try:
            os.link(tmp, path)  # fails if path exists: no race with another writer
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def _temporary_copy(path: Path, data: bytes | str) -> str:
    """data written and synced to a new temporary file beside path; returns its name."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return tmp
