"""digest init, fetch, feeds and items from the command line: exit codes, messages, JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from support.cli import CliResult, run_digest
from support.feedfolder import item, make_newsletter, rss
from support.feedserver import FeedServer, serving

from digest.store.dedup import short_hash

ITEM_KEYS = {"id", "title", "url", "feed", "published", "summary", "countries", "topics",
             "relevant", "story"}  # fmt: skip
FEED_KEYS = {"name", "url", "status", "error", "items", "last_fetched"}


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with serving() as server:
        yield server


def digest(*args: str, cwd: Path | None = None) -> CliResult:
    return run_digest(*args, cwd=cwd)


def test_init_makes_a_folder(tmp_path: Path) -> None:
    done = digest("init", str(tmp_path / "new"))
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "new"
    assert (folder / "issues").is_dir() and (folder / "templates").is_dir()
    assert ".digest/" in (folder / ".gitignore").read_text()
    assert "site/" in (folder / ".gitignore").read_text()
    config = yaml.safe_load((folder / "feeds.yaml").read_text())
    assert config["feeds"] and all(f["url"].startswith("https://") for f in config["feeds"])
    assert digest("feeds", "--json", cwd=folder).returncode == 0  # it loads


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("# mine\nfeeds: []\n")
    (tmp_path / ".gitignore").write_text("mine\n")
    done = digest("init", str(tmp_path))
    assert done.returncode == 0
    assert (tmp_path / "feeds.yaml").read_text() == "# mine\nfeeds: []\n"
    assert (tmp_path / ".gitignore").read_text() == "mine\n"
    assert f"kept    {tmp_path / 'feeds.yaml'}" in done.stdout
    assert (tmp_path / "issues").is_dir()


def test_fetch_exit_codes_and_json(tmp_path: Path, feed_server: FeedServer) -> None:
    good = feed_server.route(
        "/good",
        body=rss(item("Bitcoin miners leave Sichuan as China cracks down", "https://news.example.com/a?utm_source=x",
                      summary="<p>Mining farms in <b>Sichuan</b> shut.</p>")),
    )  # fmt: skip
    config = make_newsletter(
        tmp_path / "nl",
        [{"name": "good", "url": good}, {"name": "dead", "url": feed_server.url("/missing")}],
    )
    done = digest("fetch", cwd=config.root)
    assert done.returncode == 0, done.stderr
    assert "1 feed ok, 1 failed; 1 new item, 0 updated" in done.stdout
    assert "dead: HTTP 404 Not Found" in done.stderr
    assert done.stdout.count("\n") == 1  # silent but for the closing line when not a terminal

    feeds = json.loads(digest("feeds", "--json", cwd=config.root).stdout)
    assert [f["name"] for f in feeds] == ["good", "dead"]
    assert all(set(f) >= FEED_KEYS for f in feeds)
    assert (feeds[0]["status"], feeds[0]["items"], feeds[0]["error"]) == ("ok", 1, None)
    assert (feeds[1]["status"], feeds[1]["error"]) == ("error", "HTTP 404 Not Found")

    items = json.loads(digest("items", "--all", "--json", cwd=config.root).stdout)
    assert len(items) == 1 and set(items[0]) >= ITEM_KEYS
    first = items[0]
    assert first["url"] == "https://news.example.com/a"
    assert first["published"] == "2021-06-15T08:00:00Z"
    assert first["summary"] == "<p>Mining farms in <b>Sichuan</b> shut.</p>"
    assert isinstance(first["relevant"], bool) and first["story"]
    assert (
        digest("items", "--all", "--since", "2021-06-16", "--json", cwd=config.root).stdout.strip()
        == "[]"
    )
    text = digest("items", "--all", "--search", "Sichuan", cwd=config.root).stdout
    assert first["id"] in text

    only_dead = digest("fetch", "--feed", "dead", cwd=config.root)
    assert only_dead.returncode == 1
    assert "digest: error: every feed failed" in only_dead.stderr
    assert "Traceback" not in only_dead.stderr


def test_a_bad_feeds_yaml_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "feeds:\n  - name: a\n    url: https://a.example/f\n  - name: a\n    url: x\n"
    )
    done = digest("fetch", cwd=tmp_path)
    assert done.returncode == 2
    assert "feeds.yaml:4" in done.stderr and "two feeds are named 'a'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / ".digest").exists()


def test_unknown_feed_and_bad_date_are_usage_errors(tmp_path: Path) -> None:
    config = make_newsletter(tmp_path / "nl", [{"name": "a", "url": "a.xml"}])
    unknown = digest("fetch", "--feed", "nope", cwd=config.root)
    assert unknown.returncode == 2 and "no feed named 'nope'" in unknown.stderr
    bad_date = digest("items", "--since", "June", cwd=config.root)
    assert bad_date.returncode == 2 and "is not a date like" in bad_date.stderr
    for option, typo in (("--country", "XX"), ("--topic", "minning")):
        unknown_tag = digest("items", option, typo, cwd=config.root)
        assert unknown_tag.returncode == 2, unknown_tag.stderr
        assert f"'{typo}' in the taxonomy" in unknown_tag.stderr
        assert "Traceback" not in unknown_tag.stderr
    assert digest("items", "--country", "cn", cwd=config.root).returncode == 0


def test_names_match_in_any_case_and_unknown_ones_are_listed(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    coindesk = feed_server.route("/cd", body=rss(
        item("Bank of Korea tests a CBDC with South Korean banks", "https://cd.example.com/bok",
             summary="<p>The central bank digital currency pilot starts in Seoul.</p>"),
    ))  # fmt: skip
    wu = feed_server.route("/wu", body=rss(
        item("Bitcoin miners leave Sichuan as China cracks down", "https://wu.example.com/a",
             summary="<p>Mining farms in Sichuan shut.</p>"),
    ))  # fmt: skip
    feeds = [{"name": "CoinDesk", "url": coindesk}, {"name": "Wu Blockchain", "url": wu}]
    root = make_newsletter(tmp_path / "nl", feeds).root
    one = digest("fetch", "--feed", "coindesk", cwd=root)
    assert one.returncode == 0 and "1 feed ok" in one.stdout, one
    assert feed_server.hits("/wu") == []
    assert digest("fetch", "--feed", "WU BLOCKCHAIN", cwd=root).returncode == 0
    for option, name in (("--feed", "coindesk"), ("--topic", "CBDC"), ("--country", "kr")):
        found = digest("items", option, name, cwd=root)
        assert found.returncode == 0, found
        assert "Bank of Korea" in found.stdout and "Sichuan" not in found.stdout, found
    unknown = digest("items", "--feed", "CoinDesks", cwd=root)
    assert unknown.returncode == 2 and "no feed named 'CoinDesks'" in unknown.stderr
    assert "Known: CoinDesk, Wu Blockchain." in unknown.stderr
    # a feed since removed from feeds.yaml: its items are still in the store, and listable
    make_newsletter(root, feeds[:1])
    removed = digest("items", "--feed", "wu blockchain", cwd=root)
    assert removed.returncode == 0 and "Sichuan" in removed.stdout, removed


def test_since_after_until_is_a_usage_error(tmp_path: Path) -> None:
    root = make_newsletter(tmp_path / "nl", []).root
    done = digest("items", "--since", "2021-07-20", "--until", "2021-07-10", cwd=root)
    assert done.returncode == 2 and "--since 2021-07-20 is after --until 2021-07-10" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_real_feeds_fail_cleanly_without_network(tmp_path: Path) -> None:
    settings = yaml.safe_load((ROOT / "feeds.yaml").read_text("utf-8"))
    assert len(settings["feeds"]) >= 3
    settings["fetch"] = {**settings.get("fetch", {}), "timeout": 2, "workers": 32}
    (tmp_path / "feeds.yaml").write_text(yaml.safe_dump(settings, allow_unicode=True), "utf-8")
    done = digest("fetch", cwd=tmp_path)
    if done.returncode == 0:
        pytest.skip("this machine reached the real feeds: the no-network case cannot be shown")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"0 feeds ok, {len(settings['feeds'])} failed" in done.stdout
    for feed in settings["feeds"]:
        assert f"  {feed['name']}: " in done.stderr
    feeds = json.loads(digest("feeds", "--json", cwd=tmp_path).stdout)
    assert all(f["status"] == "error" and f["error"] for f in feeds)


def two_urls_whose_ids_share_six_characters() -> tuple[str, str]:
    first: dict[str, str] = {}
    for n in range(100_000):
        url = f"https://x.example.com/story/{n}"
        other = first.setdefault(short_hash(url)[:6], url)
        if other != url:
            return other, url
    raise AssertionError("no two ids share six characters")  # pragma: no cover


def test_ids_are_taken_by_a_prefix_of_six_characters_or_more(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    first, second = two_urls_whose_ids_share_six_characters()
    feed = feed_server.route("/feed", body=rss(
        item("Bitcoin miners leave Sichuan for Kazakhstan", first),
        item("Upbit adds a bank partner in South Korea", second),
    ))  # fmt: skip
    root = make_newsletter(tmp_path / "nl", [{"name": "Wire", "url": feed}]).root
    assert digest("fetch", cwd=root).returncode == 0
    stored = json.loads(digest("items", "--all", "--json", cwd=root).stdout)
    ids = {entry["url"]: entry["id"] for entry in stored}
    sichuan, upbit = ids[first], ids[second]
    assert sichuan[:6] == upbit[:6] and sichuan != upbit

    tagged = digest("tag", sichuan[:7], "+jp", cwd=root)
    assert tagged.returncode == 0, tagged
    assert tagged.stdout.startswith(f"{sichuan}  Bitcoin miners leave Sichuan")
    story = digest("items", "--all", "--story", sichuan[:8].upper(), cwd=root)
    assert story.returncode == 0 and "Sichuan" in story.stdout and "Upbit" not in story.stdout

    both = digest("tag", sichuan[:6], "+JP", cwd=root)
    assert both.returncode == 2, both
    assert f"is the start of more than one item id: {', '.join(sorted(ids.values()))}" in (
        both.stderr
    )
    short = digest("tag", sichuan[:5], "+JP", cwd=root)
    assert short.returncode == 2 and "give at least 6 characters" in short.stderr
    unknown = digest("items", "--story", "zzzzzz", cwd=root)
    assert unknown.returncode == 2 and "no story with an id starting 'zzzzzz'" in unknown.stderr
    for done in (both, short, unknown):
        assert "Traceback" not in done.stderr and len(done.stderr.splitlines()) == 2
