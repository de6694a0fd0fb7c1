"""Fixtures every test module may use. Area-specific helpers live in tests/support/."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.newsletter import copy_example

ROOT = Path(__file__).resolve().parent.parent  # this repository: the example newsletter
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpora" / "feedparser-tests"


@pytest.fixture
def example_root(tmp_path: Path) -> Path:
    """A copy of the example newsletter (Blockchain Asia) to build, draft and send from."""
    return copy_example(tmp_path)


@pytest.fixture
def corpus() -> Path:
    """feedparser's own test feeds, beside this repository in ../shared."""
    if not CORPUS.is_dir():
        pytest.skip(f"the feed corpus is not here ({CORPUS}); CI has it beside the repository")
    return CORPUS
