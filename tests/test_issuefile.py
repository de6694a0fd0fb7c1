"""The issue format: issues/N.yaml -> Issue with errors an editor can act on, and back."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from support.cli import run_digest
from support.newsletter import copy_newsletter

from digest.config import load_config
from digest.errors import IssueFileError
from digest.issuefile import (
    ISSUE_KEYS,
    ITEM_KEYS,
    LINK_KEYS,
    SECTION_KEYS,
    TIMELINE_KEYS,
    issue_from_data,
    issue_numbers,
    issue_to_data,
    load_issue,
    load_issue_file,
    write_issue_text,
)
from digest.models import FollowUp, Issue, IssueItem, Link, Section, TimelineEntry
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
    # the Chinese headline gives its known name, never the whole headline
    assert load_issue(config, 2).subtitle == "PBoC/数字人民币/JFSA"
    given = write_issue(tmp_path, GOOD_ITEM.replace("title: Five", "title: Five\nsubtitle: A/B"))
    assert load_issue_file(given, builtin_taxonomy()).subtitle == "A/B"


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


# ---------------------------------------------------------------- names of issue files


def test_a_zero_padded_file_is_its_issue_for_every_command(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    issues = root / "issues"
    (issues / "1.yaml").rename(issues / "01.yaml")
    assert issue_numbers(load_config(root)) == [1, 2]
    one = run_digest("build", "1", "--no-pdf", root=root)
    assert one.returncode == 0, one
    assert (root / "site" / "issues" / "1" / "index.html").is_file()
    everything = run_digest("build", "--all", "--no-pdf", root=root)
    assert everything.returncode == 0, everything
    assert "warning" not in everything.stderr
    again = run_digest("draft", "1", root=root)
    assert again.returncode == 2 and "01.yaml: already exists" in again.stderr, again


def test_two_files_for_one_number_is_an_error_naming_both(tmp_path: Path) -> None:
    root = copy_newsletter(tmp_path)
    issues = root / "issues"
    (issues / "01.yaml").write_bytes((issues / "1.yaml").read_bytes())
    for args in (("build", "2", "--no-pdf"), ("build", "--all", "--no-pdf")):
        done = run_digest(*args, root=root)
        assert done.returncode == 2, done
        assert f"{issues / '01.yaml'} and {issues / '1.yaml'} are both issue 1" in done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 2


@pytest.mark.parametrize(
    ("name", "right"),
    [("22-draft.yaml", "22.yaml"), ("Issue 3.yaml", "3.yaml"), ("4.yml", "4.yaml"),
     ("notes.yaml", "5.yaml")],
)  # fmt: skip
def test_a_misnamed_file_is_named_with_the_name_it_should_have(
    tmp_path: Path, name: str, right: str
) -> None:
    root = copy_newsletter(tmp_path)
    text = GOOD_ITEM if name == "notes.yaml" else "not: [an issue\n"
    (root / "issues" / name).write_text(text, "utf-8")
    done = run_digest("build", "--all", "--no-pdf", root=root)
    assert done.returncode == 0, done
    warning = f"digest: warning: {root / 'issues' / name} is not read as an issue"
    assert warning in done.stderr and f"rename it {right}" in done.stderr, done.stderr


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
    "draft not a flag": (
        GOOD_ITEM.replace("date: 2021-07-15", "draft: yes please\ndate: 2021-07-15"),
        "2", "draft", "expected true or false, got text 'yes please'",
    ),
    "impossible issue date": (
        GOOD_ITEM.replace("date: 2021-07-15", "date: 2026-02-30"),
        "2", "date", "2026-02-30 is not a date on the calendar",
    ),
    "impossible item date": (
        GOOD_ITEM + "        date: 2026-11-31\n",
        "9", "sections[0].items[0].date", "2026-11-31 is not a date on the calendar",
    ),
    "impossible timeline date": (
        GOOD_ITEM + "  - heading: When\n    timeline:\n      - date: 2021-02-29\n"
        "        text: Not a leap year\n",
        "11", "sections[1].timeline[0].date", "2021-02-29 is not a date on the calendar",
    ),
    "follow-up not an issue": (
        GOOD_ITEM + "        follow_up: last week\n",
        "9", "sections[0].items[0].follow_up", "expected an issue number, got text",
    ),
    "follow-up anchor": (
        GOOD_ITEM + "        follow_up: {issue: 4, anchor: 'x\"><script>'}\n",
        "9", "sections[0].items[0].follow_up.anchor", "is not an anchor like item-3",
    ),
    "follow-up key": (
        GOOD_ITEM + "        follow_up: {isue: 4}\n",
        "9", "sections[0].items[0].follow_up.isue", "unknown key 'isue'",
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


def test_draft_is_read_as_a_flag_and_absent_means_published(tmp_path: Path) -> None:
    published = load_issue_file(write_issue(tmp_path, GOOD_ITEM), builtin_taxonomy())
    assert published.draft is False
    text = GOOD_ITEM.replace("number: 5\n", "number: 5\ndraft: true\n")
    assert load_issue_file(write_issue(tmp_path, text), builtin_taxonomy()).draft is True


def test_the_draft_flag_is_written_after_the_number_only_when_set() -> None:
    assert list(issue_to_data(EVERY_KEY))[:2] == ["number", "draft"]
    assert "draft" not in issue_to_data(replace(EVERY_KEY, draft=False))
    assert write_issue_text(EVERY_KEY).startswith("number: 7\ndraft: true\n")


def test_countries_may_be_written_in_lower_case(tmp_path: Path) -> None:
    path = write_issue(tmp_path, GOOD_ITEM + "        countries: [cn, jp]\n")
    assert load_issue_file(path, builtin_taxonomy()).items[0].countries == ("CN", "JP")


# ---------------------------------------------------------------- writing: Issue -> the file

EVERY_KEY = Issue(
    number=7,
    date=dt.date(2021, 8, 15),
    title="Seven: #7 & <more>",
    subtitle="PBoC/e-CNY/数字人民币",
    greeting="Hi, it's *seven*.",
    intro="First paragraph.\n\nSecond: with a [link](https://example.com/x).",
    summary=("one", "two: three"),
    quick_take=("- not a list", "1. not numbered"),
    sections=(
        Section(
            heading="Timeline: mining",
            intro="Dated lines.",
            lang="zh-Hans",
            timeline=(
                TimelineEntry(date=dt.date(2021, 8, 1), text="Miners move."),
                TimelineEntry(date=dt.date(2021, 8, 2), text="`code` and **bold**"),
            ),
        ),
        Section(
            heading="China",
            items=(
                IssueItem(
                    title="Sichuan: miners 'switch off'",
                    url="https://example.com/a?b=1&c=2",
                    source="Wire: Asia",
                    date=dt.date(2021, 8, 3),
                    countries=("CN", "HK"),
                    topics=("mining", "cbdc"),
                    body="Body line one,\nline two.\n\n- a bullet",
                    also=(Link(source="Other", url="https://other.example.com/"),),
                    lang="zh",
                    previously=(6, 5),
                    id="abc123",
                    follow_up=FollowUp(issue=6, anchor="item-2"),
                ),
                IssueItem(title="Bare", follow_up=FollowUp(issue=5)),
            ),
        ),
    ),
    outro="Until next time.",
    sign_off="~ Ada",
    draft=True,
)


def reread(tmp_path: Path, issue: Issue) -> Issue:
    path = tmp_path / f"{issue.number}.yaml"
    path.write_text(write_issue_text(issue), "utf-8")
    return load_issue_file(path, builtin_taxonomy())


@pytest.mark.parametrize("number", [21, 22])
def test_an_example_issue_written_back_reads_the_same(tmp_path: Path, number: int) -> None:
    issue = load_issue(load_config(ROOT), number)
    assert replace(reread(tmp_path, issue), path=issue.path) == issue


def test_an_issue_with_every_key_written_back_reads_the_same(tmp_path: Path) -> None:
    assert replace(reread(tmp_path, EVERY_KEY), path=None) == EVERY_KEY


def test_the_writer_writes_every_key_of_the_schema() -> None:
    data = issue_to_data(EVERY_KEY)
    section = data["sections"][0] | data["sections"][1]
    item = data["sections"][1]["items"][0]
    assert set(data) == ISSUE_KEYS
    assert set(section) == SECTION_KEYS
    assert set(item) == ITEM_KEYS
    assert set(item["also"][0]) == LINK_KEYS
    assert set(section["timeline"][0]) == TIMELINE_KEYS


MOVED = {"lang", "previously", "follow_up"}


@pytest.mark.parametrize("number", [21, 22])
def test_written_keys_keep_the_order_of_the_example_files(number: int) -> None:
    """What is exact: the keys, in the file's order, at the top and in each section. Not
    exact, by the writer's style: quoting, block scalars ('|-' for '|'), folding and list
    indentation; and an item's 'lang' and 'previously' come after 'body' and 'also', where a
    draft puts them, not before."""
    path = ROOT / "issues" / f"{number}.yaml"
    original = yaml.safe_load(path.read_text("utf-8"))
    written = yaml.safe_load(write_issue_text(load_issue(load_config(ROOT), number)))
    assert list(written) == list(original)
    for mine, theirs in zip(written["sections"], original["sections"], strict=True):
        assert list(mine) == list(theirs)
        for item, given in zip(mine.get("items", []), theirs.get("items", []), strict=True):
            assert [k for k in item if k not in MOVED] == [k for k in given if k not in MOVED]


def test_the_plain_mapping_round_trips_exactly_through_json() -> None:
    path = Path("issues/7.yaml")
    data = json.loads(json.dumps(issue_to_data(EVERY_KEY, dates_as_text=True)))
    assert issue_from_data(data, path) == replace(EVERY_KEY, path=path)
    assert issue_from_data(issue_to_data(EVERY_KEY)) == EVERY_KEY


def test_empty_fields_are_left_out_but_the_editor_s_are_kept() -> None:
    data = issue_to_data(Issue(number=1, date=dt.date(2021, 1, 1), title="One"))
    assert list(data) == ["number", "date", "title", "subtitle", "intro", "sections", "outro",
                          "sign_off"]  # fmt: skip
    assert issue_from_data(data) == Issue(number=1, date=dt.date(2021, 1, 1), title="One")


def test_a_header_is_written_as_comments_before_the_keys() -> None:
    text = write_issue_text(EVERY_KEY, ["Draft of issue 7.", "", "Edit freely."])
    assert text.startswith("# Draft of issue 7.\n#\n# Edit freely.\nnumber: 7\n")
