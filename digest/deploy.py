"""`digest deploy`: the built site put online, on a git branch or in a folder.

A git branch (GitHub Pages' gh-pages): the site is committed to the branch with ghp-import (the
library `mkdocs gh-deploy` uses), with `.nojekyll` and, when newsletter.url has a host of its
own, a `CNAME` file; then the branch is pushed. The branch starts from the remote's, so a
deploy from another clone does not clash, and a site the branch already holds makes no commit.

A folder (a web server's root): the new tree is written into a release folder beside the
target, then the target, a symbolic link, is switched to it by one rename, which is atomic:
a reader gets the old site or the new one, never a mix. The release before is kept (to go
back by hand); older ones are removed. A target that is a plain folder is swapped for the link
in one step too (Linux's renameat2 exchange), then kept among the releases; where the system
cannot swap, it is moved aside first, which leaves a moment without a site, once.

Before anything is changed the site is checked: it must exist, be newer than every issue
file, feeds.yaml and the theme, and hold no issue marked `draft: true`. Dotfiles of the site
(the build's manifest, the search index's stamp) are never published.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from digest.errors import UserError, WorkFailed
from digest.issuefile import issue_numbers, issue_path
from digest.models import Config, DirDeploy, GitDeploy
from digest.site.cache import MANIFEST, read_manifest

BUILD_FIRST = "run `digest build --all` first"
KEEP_RELEASES = 2  # the one served and the one before


DeployTarget = GitDeploy | DirDeploy  # feeds.yaml's deploy: a branch of a remote, or a folder


def describe(target: DeployTarget) -> str:
    return (
        str(target.dir) if isinstance(target, DirDeploy) else f"{target.branch} at {target.remote}"
    )


@dataclass(frozen=True)
class Changes:
    """How the site differs from what is deployed now, by path relative to the site."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def count(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


@dataclass(frozen=True)
class DeployResult:
    target: DeployTarget
    changes: Changes
    deployed: bool  # False for a dry run and when nothing changed
    commit: str | None = None  # the branch's new commit


# ---------------------------------------------------------------- what to deploy, and whether


def deploy_target(config: Config) -> DeployTarget:
    """feeds.yaml's deploy key, a folder made absolute from the newsletter folder."""
    target = config.deploy
    if target is None:
        settings = config.path if config.path is not None else config.root / "feeds.yaml"
        raise UserError(
            f"{settings}: no deploy target",
            hint="Add deploy: {branch: gh-pages, remote: origin} or deploy: {dir: /var/www/site}.",
        )
    if isinstance(target, DirDeploy):
        # abspath, not resolve: the target is a symbolic link that must not be followed
        return DirDeploy(dir=Path(os.path.abspath(config.root / target.dir.expanduser())))
    return target


def check_site(config: Config, site: Path) -> None:
    """Refuse a site that is missing, older than its sources, or holds a draft (UserError)."""
    manifest = read_manifest(site)
    if not manifest or not (site / "index.html").is_file():
        raise UserError(f"no built site at {site}", hint=f"Nothing was deployed: {BUILD_FIRST}.")
    built = (site / MANIFEST).stat().st_mtime
    in_site = {int(n) for n in manifest.get("issues", {}) if str(n).isdigit()}
    numbers = issue_numbers(config)
    drafts = {number for number in numbers if _is_draft(issue_path(config, number))}
    if drafts & in_site:
        number = min(drafts & in_site)
        raise UserError(
            f"{issue_path(config, number)}: issue {number} is a draft (draft: true) and is "
            "in the site",
            hint="Nothing was deployed: publish it (remove draft: true) and build again.",
        )
    published = [number for number in numbers if number not in drafts]
    if set(published) != in_site:
        raise UserError(
            f"the site at {site} has issues {_numbers(in_site)}, issues/ has {_numbers(published)}",
            hint=f"Nothing was deployed: {BUILD_FIRST}.",
        )
    for source in _sources(config, published):
        if source.stat().st_mtime > built:
            raise UserError(
                f"{source} changed after the site was built",
                hint=f"Nothing was deployed: {BUILD_FIRST}.",
            )


def _numbers(numbers: Any) -> str:
    return ", ".join(f"#{n}" for n in sorted(numbers)) or "none"


def _sources(config: Config, numbers: list[int]) -> Iterator[Path]:
    yield from (issue_path(config, number) for number in numbers)
    settings = config.path if config.path is not None else config.root / "feeds.yaml"
    if settings.is_file():
        yield settings
    if config.templates_dir.is_dir():
        yield from (p for p in config.templates_dir.rglob("*") if p.is_file())


def _is_draft(path: Path) -> bool:
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, yaml.YAMLError):
        return False  # the build read it; a file broken since is caught as newer than the site
    return isinstance(data, dict) and data.get("draft") is True


def published_files(site: Path) -> dict[str, Path]:
    """The files of the site readers get: everything but dotfiles (manifest, stamps, temps)."""
    files: dict[str, Path] = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            files[rel.as_posix()] = path
    return files


def compare(now: Mapping[str, str], new: Mapping[str, str]) -> Changes:
    """Changes from the deployed files to the new ones (both: rel path -> content hash)."""
    return Changes(
        added=tuple(sorted(set(new) - set(now))),
        changed=tuple(sorted(rel for rel in set(new) & set(now) if new[rel] != now[rel])),
        removed=tuple(sorted(set(now) - set(new))),
    )


def deploy(
    config: Config,
    site: Path | None = None,
    *,
    target: DeployTarget | None = None,
    dry_run: bool = False,
    message: str | None = None,
) -> DeployResult:
    """Put the built site (default site/) online at the configured target."""
    site = (site or config.site_dir).resolve()
    target = target or deploy_target(config)
    check_site(config, site)
    files = published_files(site)
    if isinstance(target, DirDeploy):
        return deploy_to_folder(files, target, dry_run=dry_run)
    return deploy_to_branch(config, files, target, dry_run=dry_run, message=message)


def default_message(config: Config) -> str:
    numbers = issue_numbers(config)
    latest = f", latest #{numbers[-1]}" if numbers else ""
    return f"Publish {config.newsletter.name} ({len(numbers)} issues{latest})"


# ---------------------------------------------------------------- a git branch


def branch_extras(config: Config) -> dict[str, bytes]:
    """What GitHub Pages needs beside the site: .nojekyll, and CNAME for a host of its own."""
    extras = {".nojekyll": b""}
    host = custom_host(config.newsletter.url)
    if host:
        extras["CNAME"] = host.encode()  # as ghp-import writes it, no newline
    return extras


def custom_host(url: str) -> str | None:
    """The host of newsletter.url when it is not GitHub's own (*.github.io)."""
    host = (urlsplit(url).hostname or "") if url else ""
    if not host or host == "github.io" or host.endswith(".github.io"):
        return None
    return host


def deploy_to_branch(
    config: Config,
    files: Mapping[str, Path],
    target: GitDeploy,
    *,
    dry_run: bool = False,
    message: str | None = None,
) -> DeployResult:
    repo = _repository(config.root)
    _git(repo, "remote", "get-url", target.remote, fail=UserError(
        f"the git repository at {repo} has no remote '{target.remote}'",
        hint=f"Add it (git remote add {target.remote} URL) or set deploy.remote in feeds.yaml.",
    ))  # fmt: skip
    tracking = _fetch_branch(repo, target)
    now = _tree_blobs(repo, tracking) if tracking else {}
    extras = branch_extras(config)
    new = {rel: _blob_sha(path.read_bytes()) for rel, path in files.items()}
    new |= {rel: _blob_sha(data) for rel, data in extras.items()}
    changes = compare(now, new)
    if dry_run or not changes:
        return DeployResult(target, changes, deployed=False)
    with tempfile.TemporaryDirectory(prefix=".digest-deploy-") as export:
        _export(files, Path(export))
        head = _commit_site(repo, Path(export), target, extras, message or default_message(config))
    _git(repo, "push", "--quiet", target.remote, f"refs/heads/{target.branch}", fail=WorkFailed(
        f"pushing {target.branch} to {target.remote} failed",
        hint=f"Nothing is online yet; the commit is on the local branch {target.branch}.",
    ))  # fmt: skip
    return DeployResult(target, changes, deployed=True, commit=head)


def _repository(folder: Path) -> Path:
    done = _run_git(folder, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise UserError(
            f"{folder} is not in a git repository, so there is no branch to deploy to",
            hint="Make one (git init, git remote add origin URL) or deploy to a folder: "
            "deploy: {dir: FOLDER} in feeds.yaml.",
        )
    return Path(done.stdout.strip())


def _fetch_branch(repo: Path, target: GitDeploy) -> str | None:
    """The remote's branch fetched to its tracking ref; None when the remote has none yet."""
    listed = _git(repo, "ls-remote", "--heads", target.remote, target.branch, fail=WorkFailed(
        f"cannot reach the git remote '{target.remote}'",
    ))  # fmt: skip
    if not listed.strip():
        return None
    tracking = f"refs/remotes/{target.remote}/{target.branch}"
    _git(repo, "fetch", "--quiet", target.remote, f"+refs/heads/{target.branch}:{tracking}",
         fail=WorkFailed(f"fetching {target.branch} from {target.remote} failed"))  # fmt: skip
    return tracking


def _tree_blobs(repo: Path, ref: str) -> dict[str, str]:
    listing = _git(repo, "ls-tree", "-r", "-z", ref, fail=WorkFailed(f"cannot read {ref}"))
    blobs: dict[str, str] = {}
    for record in listing.split("\0"):
        if record:
            meta, _, path = record.partition("\t")
            blobs[path] = meta.split()[2]
    return blobs


def _blob_sha(data: bytes) -> str:
    """The id git gives a file's bytes."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _commit_site(
    repo: Path, export: Path, target: GitDeploy, extras: Mapping[str, bytes], message: str
) -> str:
    """One commit of the exported site on the local branch (on top of the remote's)."""
    import ghp_import  # loaded only to deploy

    before = _run_git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{target.branch}")
    with contextlib.chdir(repo), _committer(repo):
        try:
            ghp_import.ghp_import(
                str(export),
                mesg=message,
                remote=target.remote,
                branch=target.branch,
                push=False,
                nojekyll=".nojekyll" in extras,
                cname=extras["CNAME"].decode().strip() if "CNAME" in extras else None,
            )
        except ghp_import.GhpError as exc:
            failed = f"committing the site to {target.branch} failed: {exc.message}"
            raise WorkFailed(failed) from None
    head = _run_git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{target.branch}")
    if head.returncode != 0 or head.stdout == before.stdout:
        raise WorkFailed(f"committing the site to {target.branch} failed (git fast-import)")
    return head.stdout.strip()


@contextlib.contextmanager
def _committer(repo: Path) -> Iterator[None]:
    """A committer name and address for ghp-import when git has none configured."""
    added = {}
    for key, variable, fallback in (
        ("user.name", "GIT_COMMITTER_NAME", "digest"),
        ("user.email", "GIT_COMMITTER_EMAIL", "digest@localhost"),
    ):
        if variable not in os.environ and not _run_git(repo, "config", key).stdout.strip():
            added[variable] = fallback
    os.environ.update(added)
    try:
        yield
    finally:
        for variable in added:
            os.environ.pop(variable, None)


def _export(files: Mapping[str, Path], folder: Path) -> None:
    """The published files alone in folder (ghp-import takes a whole folder)."""
    for rel, path in files.items():
        copy = folder / rel
        copy.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, copy)
        except OSError:
            shutil.copyfile(path, copy)


def _run_git(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(folder), *args], capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise WorkFailed(f"cannot run git: {exc.strerror or exc}") from None


def _git(folder: Path, *args: str, fail: UserError | WorkFailed) -> str:
    """git's output; on failure, fail with git's last line of complaint added."""
    done = _run_git(folder, *args)
    if done.returncode != 0:
        said = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        if said:
            fail.message += f": {said[-1].removeprefix('fatal: ').removeprefix('error: ')}"
        raise fail
    return done.stdout


# ---------------------------------------------------------------- a folder


def deploy_to_folder(
    files: Mapping[str, Path], target: DirDeploy, *, dry_run: bool = False
) -> DeployResult:
    folder = target.dir
    if not folder.parent.is_dir():
        raise UserError(
            f"{folder.parent} does not exist, so the site cannot go to {folder}",
            hint="Make that folder, or correct deploy.dir in feeds.yaml.",
        )
    new = {rel: _file_sha(path) for rel, path in files.items()}
    changes = compare(_served(folder), new)
    if dry_run or not changes:
        return DeployResult(target, changes, deployed=False)
    with _writing(folder):
        release = stage_release(files, folder)
        switch_release(folder, release)
    return DeployResult(target, changes, deployed=True)


def releases_dir(folder: Path) -> Path:
    """Where the releases of the folder target live: beside it, on the same file system."""
    return folder.parent / f".{folder.name}.releases"


def stage_release(files: Mapping[str, Path], folder: Path) -> Path:
    """The site copied into a new release folder beside the target; the target is untouched."""
    releases = releases_dir(folder)
    releases.mkdir(exist_ok=True)
    release = Path(tempfile.mkdtemp(prefix="release-", dir=releases))
    try:
        for rel, path in files.items():
            copy = release / rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, copy)
        release.chmod(0o755)  # mkdtemp's 0700 would hide the site from the web server
    except BaseException:
        shutil.rmtree(release, ignore_errors=True)
        raise
    return release


def switch_release(folder: Path, release: Path) -> None:
    """Point the target at the release with one atomic rename; drop releases older than the
    one it pointed at before."""
    releases = releases_dir(folder)
    previous = folder.resolve() if folder.is_symlink() else None
    link = folder.parent / f".{folder.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    link.symlink_to(os.path.relpath(release, folder.parent))
    if folder.exists() and not folder.is_symlink():  # once: a plain folder becomes a release
        previous = Path(tempfile.mkdtemp(prefix="release-", dir=releases))
        if _exchange(link, folder):  # the link is the target now; the folder is at `link`
            os.replace(link, previous / "site")
        else:
            os.replace(folder, previous / "site")
            os.replace(link, folder)
    else:
        os.replace(link, folder)
    keep = {release.resolve(), previous}
    for old in releases.iterdir():
        if old.resolve() not in keep:
            shutil.rmtree(old, ignore_errors=True)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (renameat2 with RENAME_EXCHANGE, Linux 3.15 and
    glibc 2.28 on); False where the system or the file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return bool(done == 0)


def _served(folder: Path) -> dict[str, str]:
    """The files the target serves now (through its link), by content hash."""
    if not folder.is_dir():
        return {}
    return {rel: _file_sha(path) for rel, path in published_files(folder.resolve()).items()}


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextlib.contextmanager
def _writing(folder: Path) -> Iterator[None]:
    """An OSError while writing the release or switching becomes a one-line WorkFailed."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or folder
        raise WorkFailed(
            f"cannot write {where}: {exc.strerror or exc}",
            hint=f"{folder} still serves the site it served before.",
        ) from None
