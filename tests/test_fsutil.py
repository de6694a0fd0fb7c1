from __future__ import annotations

import os
import stat
from pathlib import Path

from digest.fsutil import atomic_write, write_new


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def expected_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def test_atomic_write_replaces_whole_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "site" / "index.html"
    atomic_write(target, "old")
    atomic_write(target, "new")
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["index.html"]


def test_written_files_are_readable_by_a_web_server(tmp_path: Path) -> None:
    atomic_write(tmp_path / "a.html", b"x")
    write_new(tmp_path / "b.yaml", "y")
    assert mode(tmp_path / "a.html") == expected_mode()
    assert mode(tmp_path / "b.yaml") == expected_mode()


def test_write_new_never_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "issues" / "23.yaml"
    assert write_new(target, "editor's words") is True
    assert write_new(target, "a draft") is False
    assert target.read_text() == "editor's words"
    assert [p.name for p in target.parent.iterdir()] == ["23.yaml"]
