"""Fetching against a real HTTP server on loopback."""

from __future__ import annotations

import datetime as dt
import email.utils
import gzip
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.feedfolder import item, make_newsletter, rss
from support.feedserver import FeedServer, Route, Seen, serving

from digest import __version__
from digest.fetch import Client, FeedState, fetch_one, retry_after
from digest.models import Config
from digest.refresh import FetchReport, run_fetch
from digest.store import ItemQuery, open_store

ALL = ItemQuery(relevant_only=False)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with serving() as server:
        yield server


TWO_ITEMS = rss(
    item("Bitcoin miners leave Sichuan", "https://news.example.com/a", guid="a"),
    item("Hong Kong licenses an exchange", "https://news.example.com/b", guid="b"),
)


def one_feed(tmp_path: Path, url: str, **fetch: object) -> Config:
    return make_newsletter(tmp_path / "nl", [{"name": "f", "url": url}], **fetch)


def outcome_of(report: FetchReport, name: str = "f") -> tuple[str, str | None]:
    found = next(o for o in report.outcomes if o.feed.name == name)
    return found.status, found.error


def test_etag_304_costs_no_parsing_and_keeps_items(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=TWO_ITEMS, etag='"v1"')
    config = one_feed(tmp_path, url)
    first = run_fetch(config)
    second = run_fetch(config)
    assert (first.new, second.new) == (2, 0)
    assert outcome_of(second)[0] == "not_modified"
    assert feed_server.hits("/feed")[1].headers.get("if-none-match") == '"v1"'
    with open_store(config) as store:
        assert len(store.list_items(ALL)) == 2
        assert store.feed_health()[0].status == "ok"


def test_last_modified_is_sent_back(tmp_path: Path, feed_server: FeedServer) -> None:
    stamp = "Wed, 16 Jun 2021 10:00:00 GMT"
    config = one_feed(tmp_path, feed_server.route("/feed", body=TWO_ITEMS, last_modified=stamp))
    run_fetch(config)
    report = run_fetch(config)
    assert feed_server.hits("/feed")[1].headers.get("if-modified-since") == stamp
    assert outcome_of(report)[0] == "not_modified"


def test_honest_user_agent_and_gzip(tmp_path: Path, feed_server: FeedServer) -> None:
    config = one_feed(tmp_path, feed_server.route("/feed", body=TWO_ITEMS, gzip=True))
    report = run_fetch(config)
    seen = feed_server.hits("/feed")[0].headers
    assert seen["user-agent"] == f"digest/{__version__} (+{config.newsletter.url})"
    assert config.newsletter.url.startswith("https://news.example.org")
    assert "gzip" in seen["accept-encoding"]
    assert report.new == 2


def test_http_errors_fail_the_feed_and_keep_what_was_stored(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    route = Route(body=TWO_ITEMS)
    config = one_feed(tmp_path, feed_server.route("/feed", route))
    run_fetch(config)
    for status, words in ((404, "HTTP 404 Not Found"), (500, "HTTP 500 Internal Server Error")):
        route.status, route.body = status, b"oops"
        report = run_fetch(config)
        assert outcome_of(report) == ("error", words)
        assert report.all_failed
    with open_store(config) as store:
        health = store.feed_health()[0]
        assert (health.status, health.failures, health.items) == ("error", 2, 2)
        assert health.last_success is not None
        assert len(store.list_items(ALL)) == 2
    route.status, route.body = 200, TWO_ITEMS
    run_fetch(config)
    with open_store(config) as store:
        assert store.feed_health()[0].failures == 0


def test_410_marks_the_feed_gone(tmp_path: Path, feed_server: FeedServer) -> None:
    config = one_feed(tmp_path, feed_server.route("/feed", status=410))
    report = run_fetch(config)
    assert outcome_of(report)[0] == "gone"
    with open_store(config) as store:
        assert store.feed_health()[0].status == "gone"


def test_redirects_are_followed_and_loops_stopped(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/real", body=TWO_ITEMS)
    feed_server.route("/moved", status=301, location="/real")
    feed_server.route("/loop-a", status=302, location=feed_server.url("/loop-b"))
    feed_server.route("/loop-b", status=302, location="/loop-a")
    client = Client(make_client_settings(tmp_path, feed_server), "test")
    assert fetch_one(feed_server.url("/moved"), client).body == TWO_ITEMS
    config = one_feed(tmp_path, feed_server.url("/loop-a"))
    status, error = outcome_of(run_fetch(config))
    assert status == "error" and error is not None and "redirect loop" in error


def make_client_settings(tmp_path: Path, server: FeedServer, **fetch: object):  # type: ignore[no-untyped-def]
    return one_feed(tmp_path / "c", server.url("/"), **fetch).fetch


def test_too_many_redirects(tmp_path: Path, feed_server: FeedServer) -> None:
    for n in range(10):
        feed_server.route(f"/r{n}", status=302, location=f"/r{n + 1}")
    config = one_feed(tmp_path, feed_server.url("/r0"), max_redirects=3)
    assert "more than 3 redirects" in (outcome_of(run_fetch(config))[1] or "")


def test_redirect_to_a_private_address_is_refused(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.route("/real", body=TWO_ITEMS)
    feed_server.route("/to-intranet", status=302, location="http://10.1.2.3/feed")
    feed_server.route("/to-loopback", status=302, location=feed_server.url("/real"))
    for path in ("/to-intranet", "/to-loopback"):
        config = one_feed(tmp_path / path.strip("/"), feed_server.url(path), allow_private=False)
        status, error = outcome_of(run_fetch(config))
        assert status == "error"
        assert error is not None and "private or loopback" in error
    allowed = one_feed(tmp_path / "allowed", feed_server.url("/to-loopback"), allow_private=True)
    assert run_fetch(allowed).new == 2


def test_a_server_that_never_answers_times_out(tmp_path: Path, feed_server: FeedServer) -> None:
    config = one_feed(tmp_path, feed_server.route("/feed", body=TWO_ITEMS, delay=10), timeout=0.5)
    started = time.monotonic()
    status, error = outcome_of(run_fetch(config))
    assert time.monotonic() - started < 4
    assert status == "error" and error == "timed out after 0.5 s"


def test_a_trickling_body_hits_the_deadline(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=TWO_ITEMS, trickle=0.02)  # each byte well in time
    config = one_feed(tmp_path, url, timeout=0.6)
    started = time.monotonic()
    assert outcome_of(run_fetch(config)) == ("error", "timed out after 0.6 s")
    assert time.monotonic() - started < 4


def test_a_body_that_never_ends_is_capped(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", endless=True)
    capped = one_feed(tmp_path / "a", url, max_bytes=100_000)
    status, error = outcome_of(run_fetch(capped))
    assert status == "error" and error is not None and "larger than fetch.max_bytes" in error
    timed = one_feed(tmp_path / "b", url, max_bytes=10**9, timeout=0.5)
    assert outcome_of(run_fetch(timed)) == ("error", "timed out after 0.5 s")


def test_a_gzip_bomb_stops_at_the_cap(tmp_path: Path, feed_server: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * 30_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    config = one_feed(tmp_path, feed_server.route("/feed", raw_encoded=bomb), max_bytes=1_000_000)
    status, error = outcome_of(run_fetch(config))
    assert status == "error" and error is not None and "unpacked" in error


def test_retry_after_is_respected(tmp_path: Path, feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", status=429, headers={"Retry-After": "3600"})
    config = one_feed(tmp_path, url)
    status, error = outcome_of(run_fetch(config))
    assert status == "error" and error is not None and error.startswith("HTTP 429, retry after")
    again = run_fetch(config)
    assert outcome_of(again)[0] == "skipped"
    assert len(feed_server.hits("/feed")) == 1  # the second fetch did not ask
    with open_store(config) as store:
        assert store.feed_health()[0].retry_after is not None


def test_retry_after_accepts_an_http_date() -> None:
    import datetime as dt

    now = dt.datetime(2021, 6, 1, tzinfo=dt.UTC)
    got = retry_after("Wed, 02 Jun 2021 00:00:00 GMT", now)
    assert got == dt.datetime(2021, 6, 2, tzinfo=dt.UTC)
    assert retry_after("soon", now) is None


def test_an_html_page_is_an_error(tmp_path: Path, feed_server: FeedServer) -> None:
    page = b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>"
    config = one_feed(tmp_path, feed_server.route("/feed", body=page, content_type="text/html"))
    status, error = outcome_of(run_fetch(config))
    assert (status, error) == ("error", "an HTML page, not a feed")


def test_changing_guids_do_not_double_items(tmp_path: Path, feed_server: FeedServer) -> None:
    counter = {"n": 0}

    def fresh_guids(_: Seen) -> Route:
        counter["n"] += 1
        n = counter["n"]
        return Route(
            body=rss(
                item("One", "https://news.example.com/one", guid=f"one-{n}"),
                item("Two", "https://news.example.com/two", guid=f"two-{n}"),
            )
        )

    config = one_feed(tmp_path, feed_server.route("/feed", fresh_guids))
    reports = [run_fetch(config) for _ in range(3)]
    assert [r.new for r in reports] == [2, 0, 0]
    with open_store(config) as store:
        assert len(store.list_items(ALL)) == 2


def test_syndicated_items_with_tracking_parameters_are_one(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    a = feed_server.route(
        "/a",
        body=rss(
            item("Seoul eyes stablecoin rules", "https://News.example.com/x/?utm_source=rss&id=7")
        ),
    )
    b = feed_server.route(
        "/b",
        body=rss(
            item(
                "Seoul eyes stablecoin rules", "https://news.example.com:443/x?id=7&fbclid=abc#top"
            )
        ),
    )
    config = make_newsletter(tmp_path / "nl", [{"name": "A", "url": a}, {"name": "B", "url": b}])
    run_fetch(config, "A")
    report = run_fetch(config)
    assert report.new == 0
    with open_store(config) as store:
        items = store.list_items(ALL)
        assert [(i.feed, i.url) for i in items] == [("A", "https://news.example.com/x?id=7")]
        assert store.also_feeds([items[0].id]) == {items[0].id: ["B"]}
        assert len(store.list_items(ItemQuery(relevant_only=False, feed="B"))) == 1


def test_a_changed_entry_updates_the_stored_item(tmp_path: Path, feed_server: FeedServer) -> None:
    route = Route(body=rss(item("Draft headline", "https://news.example.com/a", guid="a")))
    config = one_feed(tmp_path, feed_server.route("/feed", route))
    run_fetch(config)
    with open_store(config) as store:
        before = store.list_items(ALL)[0]
    route.body = rss(
        item("Final headline", "https://news.example.com/a", guid="a", summary="<p>More</p>")
    )
    report = run_fetch(config)
    assert (report.new, report.updated) == (0, 1)
    with open_store(config) as store:
        after = store.list_items(ALL)
    assert [(i.id, i.title, i.summary_text) for i in after] == [
        (before.id, "Final headline", "More")
    ]
    assert after[0].first_seen == before.first_seen


def test_a_clean_copy_wins_over_a_malformed_one(tmp_path: Path, feed_server: FeedServer) -> None:
    link = "https://news.example.com/story"
    broken = rss(item("Mangled &amp title", link, summary="<p>cut</p>")) + b"<oops"
    clean = rss(item("Proper title", link, summary="<p>The whole summary.</p>"))
    bad_url = feed_server.route("/bad", body=broken)
    good_url = feed_server.route("/good", body=clean)
    config = make_newsletter(
        tmp_path / "nl", [{"name": "bad", "url": bad_url}, {"name": "good", "url": good_url}]
    )
    first = run_fetch(config, "bad")
    assert outcome_of(first, "bad")[0] == "warning"
    run_fetch(config, "good")
    with open_store(config) as store:
        items = store.list_items(ALL)
        assert [(i.title, i.summary_text) for i in items] == [
            ("Proper title", "The whole summary.")
        ]
        assert store.feed_health()[0].warning is not None
    run_fetch(config, "bad")  # the malformed copy does not take it back
    with open_store(config) as store:
        assert store.list_items(ALL)[0].title == "Proper title"


def test_local_files_are_read_when_listed(tmp_path: Path) -> None:
    (tmp_path / "nl").mkdir()
    (tmp_path / "nl" / "local.xml").write_bytes(TWO_ITEMS)
    (tmp_path / "elsewhere.xml").write_bytes(TWO_ITEMS)
    config = make_newsletter(
        tmp_path / "nl",
        [
            {"name": "path", "url": "local.xml"},
            {"name": "file-url", "url": (tmp_path / "elsewhere.xml").as_uri()},
            {"name": "missing", "url": "nope.xml"},
        ],
    )
    report = run_fetch(config)
    assert outcome_of(report, "path")[0] == "ok"
    assert outcome_of(report, "file-url")[0] == "ok"
    status, error = outcome_of(report, "missing")
    assert status == "error" and error is not None and "cannot read" in error


def test_a_redirect_never_reaches_a_local_file(tmp_path: Path, feed_server: FeedServer) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_bytes(TWO_ITEMS)
    config = one_feed(tmp_path, feed_server.route("/feed", status=302, location=secret.as_uri()))
    status, error = outcome_of(run_fetch(config))
    assert status == "error" and error is not None and "only http and https" in error


def test_a_body_naming_a_local_file_is_never_read(tmp_path: Path, feed_server: FeedServer) -> None:
    # feedparser opens a string that names a file; a feed's bytes must only ever be parsed.
    secret = tmp_path / "secret.xml"
    secret.write_bytes(TWO_ITEMS)
    config = one_feed(tmp_path, feed_server.route("/feed", body=str(secret).encode()))
    status, error = outcome_of(run_fetch(config))
    assert status == "error" and error is not None and error.startswith("not a readable feed")
    with open_store(config) as store:
        assert store.list_items(ALL) == []


def test_conditional_state_is_sent(feed_server: FeedServer, tmp_path: Path) -> None:
    settings = make_client_settings(tmp_path, feed_server)
    url = feed_server.route("/feed", body=TWO_ITEMS, etag='"e"')
    response = fetch_one(url, Client(settings, "ua"), FeedState(etag='"e"'))
    assert response.status == 304 and response.body == b""


def test_many_feeds_go_through_the_parse_processes(tmp_path: Path, feed_server: FeedServer) -> None:
    feeds = []
    for n in range(12):
        body = rss(*(item(f"Item {n}-{k}", f"https://news.example.com/{n}/{k}") for k in range(5)))
        feeds.append({"name": f"feed{n}", "url": feed_server.route(f"/f{n}", body=body)})
    config = make_newsletter(tmp_path / "nl", feeds)
    report = run_fetch(config)
    assert (report.ok, report.failed, report.new) == (12, 0, 60)


def test_a_fetch_groups_stories_whatever_their_age(tmp_path: Path, feed_server: FeedServer) -> None:
    when = email.utils.format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(days=20))
    story = "Bitcoin miners leave Sichuan for Kazakhstan as the rainy season ends"
    summary = "<p>Sichuan hydropower miners move their rigs to Kazakhstan and Texas.</p>"
    for outlet in ("a", "b"):
        link = f"https://{outlet}.example.com/miners-{outlet}"
        feed_server.route(f"/{outlet}", body=rss(item(story, link, summary=summary, date=when)))

    def stories_after_fetch(name: str, latest_issue: dt.date | None) -> int:
        feeds = [{"name": o, "url": feed_server.url(f"/{o}")} for o in ("a", "b")]
        config = make_newsletter(tmp_path / name, feeds)
        if latest_issue is not None:
            (config.root / "issues").mkdir()
            (config.root / "issues" / "5.yaml").write_text(
                f"number: 5\ndate: {latest_issue.isoformat()}\ntitle: Earlier\nsections: []\n",
                "utf-8",
            )
        run_fetch(config)
        with open_store(config) as store:
            items = store.list_items(ALL)
        assert len(items) == 2
        return len({i.story for i in items})

    a_month_ago = dt.date.today() - dt.timedelta(days=30)
    assert stories_after_fetch("with-issue", a_month_ago) == 1
    assert stories_after_fetch("no-issue", None) == 1  # no clock: twenty days old is grouped too
