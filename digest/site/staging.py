"""Writing the site safely: a staging folder beside it, moves into place only at the end.

A build renders everything first, into memory and its staging folder; only when all of it
succeeded are files moved into the site, each atomically, and outputs no longer made removed.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
import time
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from digest.fsutil import atomic_write

_STAGING_LOCK = ".lock"
_STALE_UNLOCKED = 60.0  # seconds: a staging folder this old without its lock file is dead
_ATOMIC_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # fsutil.atomic_write's temp files


@contextlib.contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A scratch folder beside the site (same file system, so moves are renames).

    The build holds a lock inside it while it runs, so a later build can tell the folder of a
    build that was killed (lock free) from one still running, and clear what the dead one left.
    """
    staging = Path(tempfile.mkdtemp(prefix=f"{staging_prefix(out)}", dir=out.parent))
    lock = os.open(staging / _STAGING_LOCK, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _clear_interrupted_builds(out, staging)
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        os.close(lock)


def staging_prefix(out: Path) -> str:
    """The name every staging folder of the site at out starts with (they sit beside it)."""
    return f".{out.name}.staging-"


def _clear_interrupted_builds(out: Path, mine: Path) -> None:
    """Remove the staging folders of killed builds and, when no other build is running, the
    temporary files they left half-written inside the site."""
    others_running = killed = False
    for folder in out.parent.glob(f"{staging_prefix(out)}*"):
        if folder == mine or not folder.is_dir():
            continue
        if _lock_held(folder):
            others_running = True
        else:
            shutil.rmtree(folder, ignore_errors=True)
            killed = True
    # Every write into the site happens while its build's staging folder exists, so temp
    # files can only be left where a dead staging folder was found.
    if others_running or not killed or not out.is_dir():
        return
    for path in out.rglob(".*.tmp"):
        if _ATOMIC_TEMP.match(path.name):
            path.unlink(missing_ok=True)


def _lock_held(folder: Path) -> bool:
    try:
        fd = os.open(folder / _STAGING_LOCK, os.O_RDWR)
    except FileNotFoundError:  # made, but its build has not taken the lock yet (or never will)
        return time.time() - folder.stat().st_mtime < _STALE_UNLOCKED
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases the lock if this call took it
    return False


def commit(out: Path, pending: Mapping[str, bytes | Path]) -> list[Path]:
    """Move every rendered output (bytes, or a file in the staging folder) into place under
    out; each file is replaced atomically. The paths written, in the order written."""
    written: list[Path] = []
    for rel, data in sorted(pending.items()):
        target = out / rel
        if isinstance(data, Path):
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(data, target)
        else:
            atomic_write(target, data)
        written.append(target)
    return written


def remove_stale(out: Path, old: Collection[str], now: Collection[str]) -> list[Path]:
    """Outputs of an earlier build that this one no longer makes (a deleted issue or tag)."""
    removed: list[Path] = []
    for rel in sorted(set(old) - set(now)):
        path = out / rel
        if path.is_file():
            path.unlink()
            removed.append(path)
            with contextlib.suppress(OSError):
                path.parent.rmdir()  # only when empty
    return removed
