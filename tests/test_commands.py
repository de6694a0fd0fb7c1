"""The command line as a whole (digest/cli.py, digest/commands/): help for every command, short
usage errors with exit 2, and the traceback only with --debug."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from support.cli import CliResult, run_digest, run_digest_unprivileged
from support.feedfolder import item as rss_item
from support.feedfolder import make_newsletter, rss
from support.feedserver import serving
from support.newsletter import DATA, copy_newsletter

from digest import __version__
from digest.build import issue_folder
from digest.cli import COMMANDS, cli
from digest.config import load_config
from digest.render import pdf_name


def every_command() -> list[tuple[str, ...]]:
    """Each command and subcommand as the words that name it: ("build",), ("x", "y")..."""
    found: list[tuple[str, ...]] = []

    def walk(group: click.Group, words: tuple[str, ...]) -> None:
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            assert command is not None, name
            found.append((*words, name))
            if isinstance(command, click.Group):
                walk(command, (*words, name))

    walk(cli, ())
    return found


def test_every_listed_command_can_be_loaded() -> None:
    assert sorted(words[0] for words in every_command() if len(words) == 1) == sorted(COMMANDS)


@pytest.mark.parametrize("words", every_command(), ids=" ".join)
def test_every_command_has_help(words: tuple[str, ...]) -> None:
    for flag in ("--help", "-h"):
        done = run_digest(*words, flag)
        assert done.returncode == 0, done
        assert done.stdout.startswith(f"Usage: digest {' '.join(words)} "), done.stdout
        assert done.stderr == ""
    description = done.stdout.split("\n\n")[1].strip()
    assert description and not description.startswith("Options:"), done.stdout


@pytest.mark.parametrize("words", every_command(), ids=" ".join)
def test_every_option_says_what_it_does(words: tuple[str, ...]) -> None:
    command: click.Command | None = cli
    for word in words:
        assert isinstance(command, click.Group)
        command = command.get_command(click.Context(command), word)
    assert command is not None
    unexplained = [
        option.name
        for option in command.params
        if isinstance(option, click.Option) and not option.hidden and not option.help
    ]
    assert unexplained == []


def test_the_top_level_help_lists_every_command() -> None:
    done = run_digest("--help")
    assert done.returncode == 0
    listed = done.stdout.split("Commands:\n", 1)[1].split()
    assert all(name in listed for name in COMMANDS)


def test_version() -> None:
    done = run_digest("--version")
    assert (done.returncode, done.stdout) == (0, f"digest, version {__version__}\n")


def assert_usage_error(stderr: str) -> None:
    """One line saying what is wrong, after the usage line and a pointer to --help when click
    knows the command already (an option missing its value is caught before it does)."""
    lines = [line for line in stderr.splitlines() if line]
    assert lines[-1].startswith("Error: "), stderr
    if len(lines) > 1:
        assert lines[0].startswith("Usage: digest") and lines[1].startswith("Try 'digest"), stderr
    assert len(lines) in (1, 3) and "Traceback" not in stderr, stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nosuch"], "No such command 'nosuch'"),
        (["build", "--bogus"], "No such option '--bogus'"),
        (["build", "twenty-two"], "'twenty-two' is not a valid integer"),
        (["tag"], "Missing argument"),
        (["items", "--limit"], "Option '--limit' requires an argument"),
        (["send", "22", "--to"], "Option '--to' requires an argument"),
        (["--root"], "Option '--root' requires an argument"),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else "",
)
def test_a_usage_error_exits_2_with_one_error_line(args: list[str], says: str) -> None:
    done = run_digest(*args)
    assert done.returncode == 2, done
    assert done.stdout == ""
    assert_usage_error(done.stderr)
    assert says in done.stderr


def test_a_user_error_is_one_or_two_lines_and_debug_adds_the_traceback(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    plain = run_digest("build", "999", "--no-pdf", root=root)
    assert plain.returncode == 2
    lines = plain.stderr.strip().splitlines()
    assert lines[0].startswith("digest: error: ") and "999.yaml" in lines[0]
    assert len(lines) <= 2 and "Traceback" not in plain.stderr

    debug = run_digest("--debug", "build", "999", "--no-pdf", root=root)
    assert debug.returncode == 2
    assert debug.stderr.startswith("Traceback (most recent call last):")
    assert "digest.errors." in debug.stderr
    assert debug.stderr.endswith(plain.stderr)  # the same message, after the traceback


def test_a_root_that_is_not_a_newsletter_names_the_missing_file(tmp_path: Path) -> None:
    done = run_digest("items", root=tmp_path)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"digest: error: {tmp_path / 'feeds.yaml'}: file not found",
        "  --root must name a newsletter folder; make one with 'digest init DIR'.",
    ]


def test_without_root_the_folder_is_found_from_a_subfolder(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    done = run_digest("taxonomy", "--json", cwd=root / "issues")
    assert done.returncode == 0, done
    assert done.stdout.lstrip().startswith("{")


# ---------------------------------------------------------------- folders digest cannot write


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """Takes write permission away from folders; gives it back after the test."""
    folders: list[Path] = []

    def lock(folder: Path) -> Path:
        folder.mkdir(exist_ok=True)
        folder.chmod(0o555)
        folders.append(folder)
        return folder

    yield lock
    for folder in folders:
        folder.chmod(0o755)


def assert_not_writable(done: CliResult, folder: Path) -> None:
    assert done.returncode == 2, done
    lines = done.stderr.splitlines()
    assert lines[0] == f"digest: error: {folder}: this folder is not writable", done.stderr
    assert len(lines) == 2 and "Traceback" not in done.stderr and "move" not in done.stderr


def test_fetch_and_build_in_a_folder_that_is_not_writable_name_it(
    tmp_path: Path, locked: Callable[[Path], Path]
) -> None:
    root = copy_newsletter(tmp_path)
    with serving() as server:
        feed = server.route(
            "/feed", body=rss(rss_item("Miners leave Sichuan", "https://a.example/1"))
        )
        make_newsletter(root, [{"name": "Wire", "url": feed}])
        locked(root)
        assert_not_writable(run_digest_unprivileged("fetch", root=root), root)
    assert_not_writable(run_digest_unprivileged("build", "1", "--no-pdf", root=root), root)
    out = locked(tmp_path / "out")
    built = run_digest_unprivileged("build", "1", "--no-pdf", "--out", out / "site", root=root)
    assert_not_writable(built, out)


def test_send_dry_run_into_a_folder_that_is_not_writable_names_it(
    tmp_path: Path, locked: Callable[[Path], Path]
) -> None:
    root = tmp_path / "mail"
    shutil.copytree(DATA / "mail", root)
    config = load_config(root)  # a built PDF, so the process that is refused builds none
    built = issue_folder(config.site_dir, 22) / pdf_name(config.newsletter, 22)
    built.parent.mkdir(parents=True)
    built.write_bytes(b"%PDF-1.4\n% a stand-in: this test is about the .eml folder\n")
    out = locked(tmp_path / "eml")
    done = run_digest_unprivileged("send", "22", "--to", "ann@example.org", "--dry-run", out,
                                   root=root)  # fmt: skip
    assert_not_writable(done, out)


def test_a_file_where_a_folder_belongs_is_named(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    (root / "site").write_text("not a folder")
    done = run_digest("build", "1", "--no-pdf", root=root)
    assert done.returncode == 2, done
    assert done.stderr.splitlines()[0] == (
        f"digest: error: {root / 'site'}: is a file, but digest needs a folder there"
    )


def test_a_store_that_cannot_be_written_is_kept_and_named(
    tmp_path: Path, locked: Callable[[Path], Path]
) -> None:
    root = copy_newsletter(tmp_path)
    with serving() as server:
        feed = server.route(
            "/feed", body=rss(rss_item("Miners leave Sichuan", "https://a.example/1"))
        )
        make_newsletter(root, [{"name": "Wire", "url": feed}])
        assert run_digest("fetch", root=root).returncode == 0
    (item,) = json.loads(run_digest("items", "--all", "--json", root=root).stdout)
    store = root / ".digest" / "store.sqlite"
    for path in store.parent.iterdir():
        path.chmod(0o444)
    locked(store.parent)
    tagged = run_digest_unprivileged("tag", item["id"][:6], "+JP", root=root)
    assert tagged.returncode == 2, tagged
    assert tagged.stderr.startswith(f"digest: error: {store.parent}: this folder is not writable")
    assert "keep the store" in tagged.stderr
    fetched = run_digest_unprivileged("fetch", root=root)
    assert fetched.returncode == 2, fetched
    assert f"{store.parent / 'fetch.lock'}: this file is not writable" in fetched.stderr
    for done in (tagged, fetched):
        assert "move" not in done.stderr and "Traceback" not in done.stderr
    sent = run_digest_unprivileged("sent", "1", root=root)
    assert sent.returncode == 2 and "keep the store" in sent.stderr and "move" not in sent.stderr
    store.parent.chmod(0o755)
    store.chmod(0o000)
    unreadable = run_digest_unprivileged("items", root=root)
    assert unreadable.returncode == 2, unreadable
    assert f"{store}: this file is not readable" in unreadable.stderr
    assert "move" not in unreadable.stderr
    store.chmod(0o644)


def test_only_a_damaged_store_is_moved_away_and_a_copy_kept_first(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    (root / ".digest").mkdir()
    (root / ".digest" / "store.sqlite").write_bytes(b"not a database " * 300)
    done = run_digest("items", root=root)
    assert done.returncode == 1, done
    assert "the store is damaged" in done.stderr and "Keep a copy of it" in done.stderr
    assert "Traceback" not in done.stderr
