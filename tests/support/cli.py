"""The digest command line run in this process, as the editor would run it from a shell.

`run_digest` goes through `digest.cli.main`, the console script's entry point, so our errors
become the same short messages and exit codes a shell sees, without a new Python starting up
for every command. click's CliRunner swaps in stdin, stdout, stderr and the environment.
A test that needs a separate process (killed with SIGKILL, running in the background, holding
a lock against another fetch, with its own fontconfig) still starts `python -m digest`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import sys
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from digest.cli import main


@dataclass(frozen=True)
class CliResult:
    """What a run left behind: exit code and the two streams, as subprocess names them."""

    returncode: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    def __str__(self) -> str:
        return f"exit {self.returncode}\n--- stdout\n{self.stdout}--- stderr\n{self.stderr}"


class UnexpectedError(AssertionError):
    """The command crashed with a traceback instead of exiting with a code."""


def run_digest(
    *args: str | os.PathLike[str],
    root: Path | None = None,
    cwd: Path | None = None,
    env: Mapping[str, str | None] | None = None,
    input: str | None = None,
    catch_exceptions: bool = False,
) -> CliResult:
    """`digest [--root ROOT] ARGS...` in this process.

    An exception that escapes the CLI (a crash the user would see as a traceback) fails the
    test with that traceback, unless catch_exceptions: then it is printed to stderr and the
    run exits 1, as Python itself would.
    """
    argv = [*(["--root", str(root)] if root is not None else []), *map(str, args)]
    runner = CliRunner()
    exception: BaseException | None = None
    with (
        runner.isolation(input=input, env=env) as (out, err, _mixed),
        contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext(),
        logging_as_in_a_new_process(),
    ):
        try:
            main(argv)
            code = 0  # main always exits; kept for a main that returns
        except SystemExit as exited:
            code = exit_code(exited)
        except Exception as crashed:
            if not catch_exceptions:
                raise UnexpectedError(f"digest {' '.join(argv)} crashed") from crashed
            traceback.print_exc()
            exception, code = crashed, 1
        finally:
            flush_streams()
        stdout, stderr = decode(out.getvalue()), decode(err.getvalue())
    return CliResult(code, stdout, stderr, exception)


@contextlib.contextmanager
def logging_as_in_a_new_process() -> Iterator[None]:
    """No handler on the root logger, so warnings reach stderr through logging.lastResort,
    as they do when digest runs alone (pytest's capture handlers are put back after)."""
    root = logging.getLogger()
    saved = root.handlers[:]
    root.handlers.clear()
    try:
        yield
    finally:
        root.handlers[:] = saved


def exit_code(exited: SystemExit) -> int:
    """The status a shell would see for sys.exit(value)."""
    if exited.code is None:
        return 0
    return exited.code if isinstance(exited.code, int) else 1


def flush_streams() -> None:
    sys.stdout.flush()
    sys.stderr.flush()


def decode(data: bytes) -> str:
    return data.decode("utf-8", errors="backslashreplace")


def run_digest_unprivileged(
    *args: str | os.PathLike[str], root: Path | None = None, cwd: Path | None = None
) -> CliResult:
    """`python -m digest ARGS...` in a new process that file permissions apply to: run as
    root (a container, CI), it first gives up every capability with setpriv, so a folder
    without write permission refuses it as it would refuse the editor."""
    argv = [*(["--root", str(root)] if root is not None else []), *map(str, args)]
    command = [sys.executable, "-m", "digest", *argv]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv (util-linux) to give up its privileges")
        command = [setpriv, "--bounding-set=-all", "--inh-caps=-all", *command]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    ran = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env)
    return CliResult(ran.returncode, ran.stdout, ran.stderr)
