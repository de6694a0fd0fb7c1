"""`digest story merge/split` from the command line, over feeds served on loopback: the
corrections survive refetching and regrouping, and `items --explain` names them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.cli import CliResult, run_digest
from support.feedfolder import item, make_newsletter, rss
from support.feedserver import FeedServer, serving

MINING = item("Bitcoin miners leave Sichuan after hydropower ban", "https://a.example.com/m",
              summary="<p>Sichuan miners shut rigs as the hydropower ban starts.</p>",
              date="Tue, 15 Jun 2021 08:00:00 GMT")  # fmt: skip
UPBIT = item("Upbit lists a new token in Seoul", "https://a.example.com/u",
             summary="<p>Upbit exchange listing in Korea.</p>",
             date="Tue, 15 Jun 2021 09:00:00 GMT")  # fmt: skip
LATER = item("Sichuan hydropower ban: bitcoin miners leave", "https://b.example.com/s",
             summary="<p>Miners in Sichuan shut rigs after the hydropower ban.</p>",
             date="Wed, 16 Jun 2021 08:00:00 GMT")  # fmt: skip
AGAIN = item("Bitcoin miners quit Sichuan as the hydropower ban bites",
             "https://b.example.com/again",
             summary="<p>Sichuan miners shut rigs under the hydropower ban.</p>",
             date="Thu, 17 Jun 2021 08:00:00 GMT")  # fmt: skip


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with serving() as running:
        yield running


@pytest.fixture
def root(tmp_path: Path, server: FeedServer) -> Path:
    server.route("/a.xml", body=rss(MINING, UPBIT))
    server.route("/b.xml", body=rss(LATER))
    folder = tmp_path / "nl"
    make_newsletter(folder, [
        {"name": "A", "url": server.url("/a.xml"), "country": "CN"},
        {"name": "B", "url": server.url("/b.xml")},
    ])  # fmt: skip
    assert digest(folder, "fetch").returncode == 0
    return folder


def digest(root: Path, *args: str) -> CliResult:
    return run_digest(*args, root=root)


def stored(root: Path) -> dict[str, dict[str, Any]]:
    """title -> the item as `digest items --all --json` gives it."""
    done = digest(root, "items", "--all", "--json")
    assert done.returncode == 0, done.stderr
    return {row["title"]: row for row in json.loads(done.stdout)}


def explained(root: Path, item_id: str) -> list[str]:
    """The lines `digest items --all --explain` gives under the item."""
    done = digest(root, "items", "--all", "--explain")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(item_id))
    block: list[str] = []
    for line in lines[start + 1 :]:
        if not line.startswith("      "):
            break
        block.append(line.strip())
    return block


def test_merge_and_split_survive_refetches_and_regrouping(root: Path, server: FeedServer) -> None:
    items = stored(root)
    mining, upbit, later = (items[t]["id"] for t in (
        "Bitcoin miners leave Sichuan after hydropower ban", "Upbit lists a new token in Seoul",
        "Sichuan hydropower ban: bitcoin miners leave"))  # fmt: skip
    assert items["Sichuan hydropower ban: bitcoin miners leave"]["story"] == mining
    merged = digest(root, "story", "merge", upbit[:6], mining)  # a prefix will do
    assert merged.returncode == 0, merged.stderr
    assert "now has 3 items" in merged.stdout  # the story of mining came along
    split = digest(root, "story", "split", later[:8])
    assert split.returncode == 0, split.stderr
    assert "now stands alone" in split.stdout
    # the feeds again, one item changed, and a new report of the mining story
    server.route("/a.xml", body=rss(MINING, UPBIT.replace("in Korea", "in South Korea")))
    server.route("/b.xml", body=rss(LATER, AGAIN))
    assert digest(root, "fetch").returncode == 0
    stories = {title: row["story"] for title, row in stored(root).items()}
    assert stories["Upbit lists a new token in Seoul"] == mining
    assert stories["Bitcoin miners leave Sichuan after hydropower ban"] == mining
    assert stories["Bitcoin miners quit Sichuan as the hydropower ban bites"] == mining
    assert stories["Sichuan hydropower ban: bitcoin miners leave"] == later
    assert "story: merged by the editor" in explained(root, upbit)
    assert "story: merged by the editor" in explained(root, mining)
    assert "story: split by the editor" in explained(root, later)
    again = stored(root)["Bitcoin miners quit Sichuan as the hydropower ban bites"]["id"]
    assert not any(line.startswith("story:") for line in explained(root, again))  # grouped


def test_explain_names_the_editor_s_tag_corrections(root: Path) -> None:
    upbit = stored(root)["Upbit lists a new token in Seoul"]["id"]
    assert digest(root, "tag", upbit, "+JP", "-CN").returncode == 0
    lines = digest(root, "items", "--all", "--explain").stdout.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith(upbit))
    mine = [line.strip() for line in lines[start + 1 :] if line.startswith("      ")][:6]
    assert "JP: +JP by the editor" in mine and "CN: -CN by the editor" in mine


@pytest.mark.parametrize("args, message", [
    (("merge", "abc"), "too short"),
    (("merge", "0123456789ab", "abcdef"), "no item with an id starting"),
    (("split", "ffffff"), "no item with an id starting"),
])  # fmt: skip
def test_bad_ids_are_usage_errors(root: Path, args: tuple[str, ...], message: str) -> None:
    done = digest(root, "story", *args)
    assert done.returncode == 2 and message in done.stderr, done


def test_merging_one_item_is_a_usage_error(root: Path) -> None:
    upbit = stored(root)["Upbit lists a new token in Seoul"]["id"]
    done = digest(root, "story", "merge", upbit, upbit[:7])
    assert done.returncode == 2 and "two or more different items" in done.stderr
    assert digest(root, "story", "merge").returncode == 2  # no ids at all: click's usage error
