"""The check an issue passes before it is published or sent: nothing left unfinished."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT

from digest.config import load_config
from digest.errors import UnfinishedIssue
from digest.issuefile import load_issue, load_issue_file
from digest.publishable import check_publishable, publishable_problems
from digest.taxonomy import builtin_taxonomy

UNFINISHED = """\
number: 9
date: 2021-07-15
title: A Fine Title
intro: ""
sections:
  - heading: China
    intro: |
      Context first.

      TODO: say why this matters
    items:
      - title: Sichuan miners switch off
        url: https://example.com/a
        body: TODO
      - title: No link yet
sign_off: "TODO: sign off"
"""


def unfinished(tmp_path: Path) -> Path:
    path = tmp_path / "9.yaml"
    path.write_text(UNFINISHED, "utf-8")
    return path


@pytest.mark.parametrize("number", [21, 22])
def test_the_example_issues_are_publishable(number: int) -> None:
    assert publishable_problems(load_issue(load_config(ROOT), number)) == []


def test_every_unfinished_place_is_named_with_its_line(tmp_path: Path) -> None:
    issue = load_issue_file(unfinished(tmp_path), builtin_taxonomy())
    found = [(p.line, p.detail) for p in publishable_problems(issue)]
    assert found == [
        (4, "intro: the intro is empty; the theme shows one"),
        (7, "sections[0].intro: 'TODO: say why this matters' is a placeholder to replace"),
        (14, "sections[0].items[0].body: 'TODO' is a placeholder to replace"),
        (15, "sections[0].items[1].url: the entry 'No link yet' has no url"),
        (16, "sign_off: 'TODO: sign off' is a placeholder to replace"),
    ]


def test_an_empty_intro_is_fine_where_the_theme_shows_none(tmp_path: Path) -> None:
    issue = load_issue_file(unfinished(tmp_path), builtin_taxonomy())
    assert all("intro is empty" not in p.detail
               for p in publishable_problems(issue, intro_shown=False))  # fmt: skip


def test_check_publishable_raises_the_first_and_counts_the_rest(tmp_path: Path) -> None:
    issue = load_issue_file(unfinished(tmp_path), builtin_taxonomy())
    with pytest.raises(UnfinishedIssue) as caught:
        check_publishable(issue)
    assert str(caught.value).startswith(f"{tmp_path / '9.yaml'}:4: intro: the intro is empty")
    assert caught.value.hint is not None
    assert caught.value.hint.startswith("4 more unfinished places (lines 7, 14, 15, 16).")
    assert caught.value.exit_code == 2
