"""Archive search: a Pagefind index of the issue pages in site/pagefind/.

The indexer is the binary the `pagefind[extended]` wheel ships (nothing is downloaded when it
runs). It reads the built issue pages (only the issue's article, marked data-pagefind-body) and
writes a static index that the theme's assets/search.js queries in the browser.

One index serves the whole site, so a query finds items in every language from any page.
Pagefind segments Chinese and Japanese words only in an index of that language, so when the
issues carry such text (an item or section with lang zh or ja, or the newsletter's language)
the index is built as that language; English words are still found, without stemming.

The index is remade only when an issue page changed (a stamp inside it holds what it was made
from), into the build's staging folder, then swapped in. For the same pages Pagefind writes the
same bytes; a build without Pagefind installed still works and says search is off.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

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
    """Bring out/pagefind/ up to date with the issue pages (rel path -> sha256 of each)."""
    indexer = indexer or find_indexer()
    if indexer is None:
        return SearchIndex("off", "search is off: Pagefind is not installed "
                           "(pip install 'pagefind[extended]')")  # fmt: skip
    target = out / INDEX_DIR
    stamp = _stamp(indexer, language, pages)
    if not pages:
        shutil.rmtree(target, ignore_errors=True)
        return UNCHANGED
    if _read(target / STAMP) == stamp:
        return UNCHANGED
    fresh = staging / INDEX_DIR
    command = [str(indexer.binary), "--site", str(out), "--glob", PAGES,
               "--output-path", str(fresh), "--force-language", language,
               "--keep-index-url", "--silent"]  # fmt: skip
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, check=False, preexec_fn=_die_with_build
        )
    except OSError as exc:
        return SearchIndex("failed", f"search index not updated: {exc.strerror or exc}")
    if done.returncode != 0 or not (fresh / "pagefind.js").is_file():
        reason = (done.stderr or done.stdout).strip().splitlines()
        return SearchIndex("failed", "search index not updated: Pagefind failed"
                           + (f": {reason[-1]}" if reason else ""))  # fmt: skip
    (fresh / STAMP).write_text(stamp, "utf-8")
    _swap_in(fresh, target, staging)
    return SearchIndex("updated", f"search index: {len(pages)} issue pages")


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
