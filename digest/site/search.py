"""Archive search: a Pagefind index of the issue pages in site/pagefind/.

The indexer is the binary the `pagefind[extended]` wheel ships (nothing is downloaded when it
runs). It reads the built issue pages (only the issue's article, marked data-pagefind-body) and
writes a static index that the theme's assets/search.js queries in the browser.

One index serves the whole site, so a query finds items in every language from any page.
Pagefind segments Chinese and Japanese words only in an index of that language, so when the
issues carry such text (an item or section with lang zh or ja, or the newsletter's language)
the index is built as that language; English words are still found, without stemming.

The index is remade only when an issue page changed (a stamp inside it holds what it was made
from), into the build's staging folder, then swapped in. Pagefind reads a copy of the pages in
the staging folder, so it runs while the build makes its PDFs (start_index, then finish once
the pages are in place). For the same pages Pagefind writes the same bytes; a build without
Pagefind installed still works and says search is off.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO

from digest.models import Issue

INDEX_DIR = "pagefind"
STAMP = ".digest-index"
PAGES = "issues/*/index.html"
SEGMENTED = ("zh", "ja")  # languages Pagefind's extended build splits into words
_PACKAGES = ("pagefind_bin_extended", "pagefind_bin")
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Indexer:
    binary: Path
    version: str


@dataclass(frozen=True)
class SearchIndex:
    """What a build did about search: "updated", "unchanged", "off" or "failed", and why."""

    state: str
    note: str = ""


UNCHANGED = SearchIndex("unchanged")


def find_indexer() -> Indexer | None:
    """The Pagefind binary of the installed wheel (the extended build first), else None."""
    for package in _PACKAGES:
        try:
            module = __import__(package)
            binary = Path(module.get_executable())
            return Indexer(binary, f"{package} {metadata.version(package)}")
        except (ImportError, FileNotFoundError, metadata.PackageNotFoundError):
            continue
    return None


def index_language(newsletter_language: str, issues: Mapping[int, Issue]) -> str:
    """The language the one index is built as (see the module's note)."""
    base = newsletter_language.split("-")[0].lower()
    if base in SEGMENTED:
        return base
    found = {
        (lang or "").split("-")[0].lower()
        for issue in issues.values()
        for lang in (*(s.lang for s in issue.sections), *(i.lang for i in issue.items))
    }
    return next((lang for lang in SEGMENTED if lang in found), base or "en")


def update_index(
    out: Path,
    staging: Path,
    pages: Mapping[str, str],
    language: str,
    indexer: Indexer | None = None,
) -> SearchIndex:
    """Bring out/pagefind/ up to date with the issue pages in out (rel path -> sha256 of each)."""
    with start_index(out, staging, pages, {}, language, indexer) as job:
        return job.finish()


def start_index(
    out: Path,
    staging: Path,
    pages: Mapping[str, str],
    rendered: Mapping[str, bytes | Path],
    language: str,
    indexer: Indexer | None = None,
) -> IndexJob:
    """Start making the index of the issue pages (rel path -> sha256 of each), each page
    taken from rendered (its bytes, or its file in the staging folder) or else from out.
    Nothing in out changes until the job's finish(); leaving its `with` stops Pagefind."""
    indexer = indexer or find_indexer()
    if indexer is None:
        return IndexJob(SearchIndex("off", "search is off: Pagefind is not installed "
                                    "(pip install 'pagefind[extended]')"))  # fmt: skip
    target = out / INDEX_DIR
    stamp = _stamp(indexer, language, pages)
    if not pages:
        return IndexJob(UNCHANGED, remove=target)
    if _read(target / STAMP) == stamp:
        return IndexJob(UNCHANGED)
    site = staging / "search-pages"
    for rel in pages:
        _copy_page(rendered.get(rel, out / rel), site / rel)
    fresh = staging / INDEX_DIR
    command = [str(indexer.binary), "--site", str(site), "--glob", PAGES,
               "--output-path", str(fresh), "--force-language", language,
               "--keep-index-url", "--silent"]  # fmt: skip
    output = tempfile.TemporaryFile()  # noqa: SIM115  (the job closes it)
    try:
        process = subprocess.Popen(
            command, stdout=output, stderr=output, preexec_fn=_die_with_build
        )
    except OSError as exc:
        output.close()
        return IndexJob(SearchIndex("failed", f"search index not updated: {exc.strerror or exc}"))
    running = _Running(process, output, fresh, target, staging, stamp, len(pages))
    return IndexJob(UNCHANGED, running=running)


@dataclass(frozen=True)
class _Running:
    process: subprocess.Popen[bytes]
    output: IO[bytes]  # what Pagefind says, stdout and stderr together
    fresh: Path  # where it writes the index, in the staging folder
    target: Path  # out/pagefind
    staging: Path
    stamp: str
    pages: int


class IndexJob:
    """The search index being made while the build goes on."""

    def __init__(
        self, result: SearchIndex, running: _Running | None = None, remove: Path | None = None
    ) -> None:
        self._result = result
        self._running = running
        self._remove = remove  # an index of no pages, removed at finish()

    def __enter__(self) -> IndexJob:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._running is not None:  # the build failed before finish(): stop Pagefind
            self._running.process.kill()
            self._running.process.wait()
            self._running.output.close()
            self._running = None

    def finish(self) -> SearchIndex:
        """Wait for Pagefind and swap the new index in, once the pages are in place."""
        if self._remove is not None:
            shutil.rmtree(self._remove, ignore_errors=True)
        running, self._running = self._running, None
        if running is None:
            return self._result
        with running.output:
            code = running.process.wait()
            running.output.seek(0)
            said = running.output.read().decode("utf-8", "replace")
        if code != 0 or not (running.fresh / "pagefind.js").is_file():
            reason = said.strip().splitlines()
            return SearchIndex("failed", "search index not updated: Pagefind failed"
                               + (f": {reason[-1]}" if reason else ""))  # fmt: skip
        (running.fresh / STAMP).write_text(running.stamp, "utf-8")
        _swap_in(running.fresh, running.target, running.staging)
        return SearchIndex("updated", f"search index: {running.pages} issue pages")


def _copy_page(source: bytes | Path, copy: Path) -> None:
    copy.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(source, bytes):
        copy.write_bytes(source)
        return
    try:
        # a page of the site is only ever replaced by a rename, never rewritten in place, so
        # a link holds these very bytes for Pagefind; the staging folder is on its file system
        os.link(source, copy)
    except OSError:
        shutil.copyfile(source, copy)


def _die_with_build() -> None:
    """In the indexer's process before it starts: a build killed with SIGKILL takes the
    indexer with it, or it would go on writing into the staging folder the next build clears
    (Linux; digest.fetch does the same for its parse processes)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the build died before prctl took effect
        os._exit(1)


def _stamp(indexer: Indexer, language: str, pages: Mapping[str, str]) -> str:
    digest = hashlib.sha256(f"{indexer.version}\0{language}\0".encode())
    for rel, sha in sorted(pages.items()):
        digest.update(f"{rel}\0{sha}\0".encode())
    return digest.hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except OSError:
        return None


def _swap_in(fresh: Path, target: Path, staging: Path) -> None:
    """Two renames: the old index out of the way, the new one in (the old goes with staging)."""
    if target.exists():
        os.replace(target, staging / f"{INDEX_DIR}.old")
    os.replace(fresh, target)
