"""The issue file loader: issues/N.yaml -> Issue, and errors an editor can act on."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from support.newsletter import copy_newsletter

from digest.config import load_config
from digest.errors import IssueFileError
from digest.issuefile import issue_numbers, load_issue, load_issue_file
from digest.names import leading_name
from digest.taxonomy import builtin_taxonomy

GOOD_ITEM = """\
number: 5
date: 2021-07-15
title: Five
sections:
  - heading: China
    items:
      - title: Sichuan miners switch off
        url: https://example.com/a
"""


def write_issue(tmp_path: Path, text: str, name: str = "5.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def test_the_fixture_issue_is_read_field_by_field(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    issue = load_issue(config, 2)
    assert issue.number == 2
    assert issue.date == dt.date(2021, 6, 15)
    assert issue.title == "Second <Wind> & More"
    assert issue.quick_take == ("Payments cut off", "e-CNY grows")
    assert [s.heading for s in issue.sections] == ["China", "Japan"]
    first, chinese = issue.sections[0].items
    assert first.url == "https://example.com/pboc?a=1&b=2"
    assert first.countries == ("CN",) and first.topics == ("regulation",)
    assert first.also[0].source == "Other Outlet"
    assert first.previously == (1,)
    assert chinese.lang == "zh"
    assert issue.sections[1].items[0].topics == ("exchanges", "regulation")


def test_timeline_is_kept_in_date_order(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    timeline = load_issue(config, 1).sections[0].timeline
    assert [entry.date for entry in timeline] == [dt.date(2021, 5, 1), dt.date(2021, 5, 21)]


def test_subtitle_is_derived_from_the_headlines_when_absent(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    assert load_issue(config, 2).subtitle == "PBoC/数字人民币试点扩大/JFSA"
    given = write_issue(tmp_path, GOOD_ITEM.replace("title: Five", "title: Five\nsubtitle: A/B"))
    assert load_issue_file(given, builtin_taxonomy()).subtitle == "A/B"


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("BIT Mining moves to Kazakhstan", "BIT Mining"),
        ("e-CNY pilot widens", "e-CNY"),
        ("Upbit's new rules", "Upbit"),
        ("Korea, Japan tighten rules", "Korea"),
        ("miners look north", "miners"),
    ],
)
def test_leading_name_of_a_headline(title: str, name: str) -> None:
    assert leading_name(title) == name


def test_issue_numbers_lists_only_numbered_files(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    (root / "issues" / "notes.yaml").write_text("x: 1\n")
    (root / "issues" / "10.yaml").write_text(GOOD_ITEM.replace("number: 5", "number: 10"))
    assert issue_numbers(load_config(root)) == [1, 2, 10]


def test_a_missing_issue_names_the_file_and_the_issues_that_exist(tmp_path: Path) -> None:
    config = load_config(copy_newsletter(tmp_path))
    with pytest.raises(IssueFileError) as caught:
        load_issue(config, 999)
    message = str(caught.value)
    assert "issues/999.yaml: file not found" in message
    assert "Issues here: 1, 2." in message


BAD_FILES = {
    "unknown country": (
        GOOD_ITEM + "        countries: [CN, XX]\n",
        "9", "sections[0].items[0].countries[1]", "unknown country code 'XX'",
    ),
    "unknown topic": (
        GOOD_ITEM + "        topics: [mining, gossip]\n",
        "9", "sections[0].items[0].topics[1]", "unknown topic 'gossip'",
    ),
    "missing title": (
        GOOD_ITEM.replace("      - title: Sichuan miners switch off\n", "      - source: Wire\n"),
        "7", "sections[0].items[0].title", "title is required",
    ),
    "wrong type": (
        GOOD_ITEM.replace("title: Five", "title: [Five]"),
        "3", "title", "expected text, got a list",
    ),
    "non-http url": (
        GOOD_ITEM.replace("https://example.com/a", "javascript:alert(1)"),
        "8", "sections[0].items[0].url", "is not an http(s) URL",
    ),
    "number mismatch": (
        GOOD_ITEM.replace("number: 5", "number: 6"),
        "1", "number", "number is 6 but the file is 5.yaml",
    ),
    "unknown key": (
        GOOD_ITEM + "        bdoy: text\n",
        "9", "sections[0].items[0].bdoy", "unknown key 'bdoy'",
    ),
    "bad date": (
        GOOD_ITEM.replace("date: 2021-07-15", "date: next week"),
        "2", "date", "expected a date like 2021-07-15",
    ),
    "sections not a list": (
        "number: 5\ndate: 2021-07-15\ntitle: Five\nsections: China\n",
        "4", "sections", "expected a list",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_schema_errors_name_file_line_field_and_expectation(tmp_path: Path, case: str) -> None:
    text, line, field, expected = BAD_FILES[case]
    path = write_issue(tmp_path, text)
    with pytest.raises(IssueFileError) as caught:
        load_issue_file(path, builtin_taxonomy())
    first_line = str(caught.value).splitlines()[0]
    assert first_line.startswith(f"{path}:{line}:")
    assert f" {field}: " in first_line
    assert expected in first_line
    assert caught.value.exit_code == 2


def test_a_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = write_issue(tmp_path, "number: 5\ndate: 2021-07-15\ntitle: [Five\n")
    with pytest.raises(IssueFileError) as caught:
        load_issue_file(path, builtin_taxonomy())
    assert caught.value.line == 4 and caught.value.column == 1
    assert "YAML syntax error" in str(caught.value)


def test_countries_may_be_written_in_lower_case(tmp_path: Path) -> None:
    path = write_issue(tmp_path, GOOD_ITEM + "        countries: [cn, jp]\n")
    assert load_issue_file(path, builtin_taxonomy()).items[0].countries == ("CN", "JP")
