"""digest draft: choosing, grouping and ranking (pure), then feeds on a loopback server through
fetch -> draft -> build, and the paths that must never lose an editor's file."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from pypdf import PdfReader
from support.cli import CliResult, run_digest
from support.drafting import NOW, RANGE, SETTINGS, TAXONOMY, story_item
from support.feedfolder import item as rss_item
from support.feedfolder import make_newsletter, rss
from support.feedserver import FeedServer, serving

from digest.config import load_config
from digest.draft import (
    DraftOptions,
    DraftSettings,
    Memory,
    build_draft,
    draft_yaml,
    make_draft,
    sketch,
)
from digest.fetch import FeedOutcome
from digest.issuefile import load_issue_file
from digest.models import (
    Classification,
    Config,
    Entry,
    FeedConfig,
    FollowUp,
)
from digest.store import open_store

# ---------------------------------------------------------------- the YAML text


def test_the_yaml_loads_back_as_the_same_issue(tmp_path: Path) -> None:
    items = [
        story_item("a", "Bitmain: moves # rigs - to Kazakhstan", summary="<p>A: b. - c</p>"),
        story_item("b", "HKMA starts e-HKD work", countries=("HK",), topics=("cbdc",)),
    ]
    draft = build_draft(23, items, Memory(), SETTINGS, TAXONOMY, RANGE)
    text = draft_yaml(draft)
    assert text.startswith("# Draft of issue 23: 2 entries from 2021-07-16 to 2021-07-31")
    assert "2 items seen, 0 off-topic, 0 already used, 2 stories" in text
    path = tmp_path / "23.yaml"
    path.write_text(text, "utf-8")
    loaded = load_issue_file(path, TAXONOMY)
    assert loaded.items == draft.issue.items
    assert list(yaml.safe_load(text))[:5] == ["number", "draft", "date", "title", "subtitle"]
    assert loaded.draft is True


# ---------------------------------------------------------------- end to end


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with serving() as server:
        yield server


def digest(root: Path, *args: str) -> CliResult:
    return run_digest(*args, root=root)


def days_ago(days: float) -> str:
    return email.utils.format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(days=days))


KZ = (
    "Bitmain is moving thousands of bitcoin mining machines from Sichuan to Kazakhstan after "
    "the crackdown, shipping rigs by rail to new farms near Ekibastuz."
)


def serve_feeds(server: FeedServer, root: Path, extra: list[str] | None = None) -> None:
    """Two outlets with one shared story, an off-topic item, an item issue 22 already used,
    one with no Asian tie and one with a hostile summary; dated in the last days."""
    wu = [
        rss_item("Bitmain moves bitcoin mining machines from Sichuan to Kazakhstan",
                 "https://wu.example.com/bitmain-kz",
                 summary=f"<p>{KZ}</p><p>The first 10,000 machines already run there.</p>",
                 date=days_ago(6)),
        rss_item("Tokyo stocks fall on weak exports", "https://wu.example.com/stocks",
                 summary="<p>The Nikkei fell as exports slowed.</p>", date=days_ago(6)),
        rss_item("MAS warns on crypto ads in Singapore", "https://wu.example.com/mas",
                 summary='<p>Click <a href="javascript:alert(1)">here</a> '
                 "&lt;script&gt;alert(1)&lt;/script&gt;</p>", date=days_ago(5)),
        *(extra or []),
    ]  # fmt: skip
    cd = [
        rss_item("Bitmain moves bitcoin mining machines from Sichuan to Kazakhstan",
                 "https://cd.example.com/bitmain?utm_source=x", summary=f"<p>{KZ}</p>",
                 date=days_ago(5.5)),
        rss_item("Binance halts derivatives trading in Hong Kong",
                 "https://cd.example.com/binance-hk",
                 summary="<p>Binance stops futures for Hong Kong users after the SFC objected.</p>",
                 date=days_ago(4)),
        rss_item("El Salvador prepares Chivo bitcoin wallet", "https://cd.example.com/chivo",
                 summary="<p>The government wallet launches in September.</p>", date=days_ago(3)),
        rss_item("Bitcoin difficulty drops 28% as Chinese miners go offline",
                 "https://www.coindesk.com/markets/2021/07/03/bitcoin-mining-difficulty-drops-28-as-chinese-miners-go-offline/",
                 summary="<p>The largest cut ever.</p>", date=days_ago(7)),
    ]  # fmt: skip
    server.route("/wu.xml", body=rss(*wu))
    server.route("/cd.xml", body=rss(*cd))
    data = yaml.safe_load((root / "feeds.yaml").read_text("utf-8"))
    data["feeds"] = [
        {"name": "Wu Blockchain", "url": server.url("/wu.xml"), "country": "CN"},
        {"name": "CoinDesk", "url": server.url("/cd.xml")},
    ]
    data["fetch"] = {"timeout": 5, "workers": 2, "allow_private": True}
    (root / "feeds.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")


@pytest.fixture
def fetched(example_root: Path, feed_server: FeedServer) -> Path:
    serve_feeds(feed_server, example_root)
    done = digest(example_root, "fetch")
    assert done.returncode == 0, done.stderr
    return example_root


@pytest.mark.slow
def test_fetch_draft_build(fetched: Path) -> None:
    done = digest(fetched, "draft", "23", "--timeline", "mining")
    assert done.returncode == 0, done.stderr
    assert "7 items seen, 1 off-topic, 1 already used, 4 stories" in done.stdout
    text = (fetched / "issues" / "23.yaml").read_text("utf-8")
    issue = load_issue_file(fetched / "issues" / "23.yaml", TAXONOMY)
    assert [s.heading for s in issue.sections] == [
        "Timeline: Mining", "China", "Hong Kong", "Singapore", "Elsewhere",
    ]  # fmt: skip
    bitmain = issue.sections[1].items[0]
    assert bitmain.source == "Wu Blockchain"  # the longer summary leads
    assert [a.source for a in bitmain.also] == ["CoinDesk"]
    assert 21 in bitmain.previously  # issue 21 covered Sichuan and Bitmain's rivals
    assert "difficulty drops" not in text.split("sections:")[1].split("- heading: China")[1]
    assert "javascript" not in text
    built = digest(fetched, "build", "23")
    assert built.returncode == 0, built.stderr
    assert "is a draft" in built.stdout and ".digest/preview" in built.stdout
    assert not (fetched / "site" / "issues" / "23").exists()
    folder = fetched / ".digest" / "preview" / "issues" / "23"
    page = (folder / "index.html").read_text("utf-8")
    assert "Bitmain moves bitcoin mining machines" in page and "<script>" not in page
    # Previously links to the entry of issue 21 that shares a name, not the top of its page
    assert 'href="../../issues/21/index.html#item-' in page
    markdown = (folder / "23.md").read_text("utf-8")
    assert "## Hong Kong" in markdown and "## Elsewhere" in markdown
    pdf = next(folder.glob("*.pdf"))
    pdf_text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Binance halts derivatives" in pdf_text
    # ... in the PDF too, as a link to the entry on the published page
    uris = [
        str(annotation.get_object()["/A"]["/URI"])
        for page in PdfReader(pdf).pages
        for annotation in page.get("/Annots", [])
        if "/URI" in annotation.get_object().get("/A", {})
    ]
    assert any(re.search(r"/issues/21/#item-\d+$", uri) for uri in uris), uris


def test_an_existing_issue_is_never_overwritten(fetched: Path) -> None:
    target = fetched / "issues" / "23.yaml"
    target.write_text("number: 23\n# the editor's words\n", "utf-8")
    refused = digest(fetched, "draft", "23")
    assert refused.returncode == 2
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert target.read_text("utf-8") == "number: 23\n# the editor's words\n"
    forced = digest(fetched, "draft", "23", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (fetched / "issues" / "23.yaml.bak").read_text("utf-8").endswith("editor's words\n")
    assert target.read_text("utf-8").startswith("# Draft of issue 23")
    again = digest(fetched, "draft", "23", "--force")
    assert again.returncode == 0, again.stderr
    assert (fetched / "issues" / "23.yaml.bak").read_text("utf-8").endswith("editor's words\n")
    assert (fetched / "issues" / "23.yaml.bak.1").read_text("utf-8").startswith("# Draft")


def test_nothing_qualifies_writes_nothing_and_says_why(fetched: Path) -> None:
    done = digest(fetched, "draft", "23", "--since", "2021-08-01", "--until", "2021-08-31")
    assert done.returncode == 1
    assert "nothing to draft" in done.stderr
    assert "0 items seen" in done.stderr and "2021-08-01 to 2021-08-31" in done.stderr
    assert not (fetched / "issues" / "23.yaml").exists()


def test_a_later_draft_does_not_repeat_items(fetched: Path, feed_server: FeedServer) -> None:
    assert digest(fetched, "draft", "23").returncode == 0
    first = load_issue_file(fetched / "issues" / "23.yaml", TAXONOMY)
    serve_feeds(feed_server, fetched, extra=[
        rss_item("Upbit adds a bank partner in South Korea", "https://wu.example.com/upbit",
                 summary="<p>Upbit signs with K Bank for real-name crypto accounts.</p>",
                 date=days_ago(1)),
    ])  # fmt: skip
    assert digest(fetched, "fetch").returncode == 0
    # the same range again: only what issue 23 did not use
    done = digest(fetched, "draft", "24", "--since", (dt.date.today() - dt.timedelta(days=30))
                  .isoformat())  # fmt: skip
    assert done.returncode == 0, done.stderr
    second = load_issue_file(fetched / "issues" / "24.yaml", TAXONOMY)
    assert [i.title for i in second.items] == ["Upbit adds a bank partner in South Korea"]
    assert not {i.id for i in first.items} & {i.id for i in second.items}
    unused = digest(fetched, "items", "--unused")
    assert "Upbit" not in unused.stdout and "Bitmain" not in unused.stdout


def test_items_unused_lists_what_no_issue_used(fetched: Path) -> None:
    before = digest(fetched, "items", "--unused").stdout
    assert "Bitmain" in before and "difficulty drops" not in before  # issue 22 used it
    assert digest(fetched, "draft", "23").returncode == 0
    after = digest(fetched, "items", "--unused")
    assert after.returncode == 0 and "Bitmain" not in after.stdout


def test_a_broken_issue_file_does_not_stop_drafting_or_listing(fetched: Path) -> None:
    assert digest(fetched, "draft", "23").returncode == 0
    used = {i.id for i in load_issue_file(fetched / "issues" / "23.yaml", TAXONOMY).items}
    assert digest(fetched, "build", "23", "--no-pdf").returncode == 0  # the preview has it
    issue = fetched / "issues" / "23.yaml"
    issue.write_text(issue.read_text("utf-8") + "oops: [\n", "utf-8")
    unused = digest(fetched, "items", "--unused")
    assert unused.returncode == 0, unused.stderr
    assert "digest: warning: " in unused.stderr and "23.yaml:" in unused.stderr
    assert "Bitmain" not in unused.stdout  # issue 23 as last built still uses it
    since = (dt.date.today() - dt.timedelta(days=30)).isoformat()
    done = digest(fetched, "draft", "24", "--since", since)
    assert "23.yaml:" in done.stderr and "stays as it was last built" in done.stderr
    # issue 23 as last built took every relevant item: none is drafted twice
    assert done.returncode == 1 and "nothing to draft for issue 24" in done.stderr
    assert used and "already used" in done.stderr
    built = digest(fetched, "build", "22", "--no-pdf")
    assert built.returncode == 0 and "23.yaml:" in built.stderr


def test_unknown_timeline_topic_is_a_usage_error(fetched: Path) -> None:
    done = digest(fetched, "draft", "23", "--timeline", "gardening")
    assert done.returncode == 2 and "unknown topic 'gardening'" in done.stderr
    assert not (fetched / "issues" / "23.yaml").exists()


def test_the_range_starts_on_the_previous_issue_s_day_and_skips_only_what_it_used(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    day = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day -= dt.timedelta(days=3)
    at = [email.utils.format_datetime(day + dt.timedelta(hours=h)) for h in (-4, 8, 20)]
    feed = feed_server.route("/wire.xml", body=rss(
        rss_item("HKMA starts e-HKD pilot with Hong Kong banks", "https://w.example.com/ehkd",
                 summary="<p>The HKMA tests a digital Hong Kong dollar.</p>", date=at[0]),
        rss_item("Bitmain moves bitcoin mining machines from Sichuan to Kazakhstan",
                 "https://w.example.com/bitmain", summary=f"<p>{KZ}</p>", date=at[1]),
        rss_item("Upbit adds a bank partner in South Korea", "https://w.example.com/upbit",
                 summary="<p>Upbit signs with K Bank for crypto accounts.</p>", date=at[2]),
    ))  # fmt: skip
    root = make_newsletter(tmp_path / "nl", [{"name": "Wire", "url": feed}]).root
    (root / "issues").mkdir()
    (root / "issues" / "1.yaml").write_text(
        f"number: 1\ndate: {day.date().isoformat()}\ntitle: One\nsections:\n"
        "  - heading: China\n    items:\n      - title: Bitmain moves\n"
        "        url: https://w.example.com/bitmain\n",
        "utf-8",
    )
    assert digest(root, "fetch").returncode == 0
    done = digest(root, "draft", "2")
    assert done.returncode == 0, done
    assert f"from {day.date().isoformat()} to" in done.stdout and "(since issue 1)" in done.stdout
    drafted = load_issue_file(root / "issues" / "2.yaml", TAXONOMY)
    assert [i.title for i in drafted.items] == ["Upbit adds a bank partner in South Korea"]


def test_since_after_until_is_a_usage_error(tmp_path: Path) -> None:
    root = make_newsletter(tmp_path / "nl", []).root
    done = digest(root, "draft", "2", "--since", "2021-07-20", "--until", "2021-07-10")
    assert done.returncode == 2 and "--since 2021-07-20 is after --until 2021-07-10" in done.stderr
    assert "Traceback" not in done.stderr and not (root / "issues" / "2.yaml").exists()


def test_help_names_every_option() -> None:
    done = digest(ROOT, "draft", "--help")
    for option in ("--since", "--until", "--group-by", "--max-items", "--timeline", "--force"):
        assert option in done.stdout


# ---------------------------------------------------------------- two passes over a real store

STORE_DAY = dt.datetime(2024, 3, 1, 9, tzinfo=dt.UTC)
TRICKY_SUMMARIES = [
    "", "  plain  ", "\u3000ideographic space\u3000", "line\u2028separator\u2029",
    "\x85next line\xa0", "nul\x00inside and beyond", "\t\n tabs \r\n",
]  # fmt: skip


def stored_newsletter(root: Path) -> Config:
    """A store of 40 items from three feeds over 20 days: stories of one to three outlets, a
    URL two feeds delivered, off-topic items, summaries with every kind of whitespace and a
    NUL; story ids set as story grouping would."""
    config = load_config(root)
    feeds = [FeedConfig(name=name, url=f"https://{name.lower()}.example.com/rss")
             for name in ("Wire", "Ledger", "Block")]  # fmt: skip
    per_feed: dict[str, list[tuple[Entry, Classification]]] = {f.name: [] for f in feeds}
    for n in range(40):
        feed = feeds[n % 3]
        relevant = n % 5 != 4
        verdict = Classification(
            countries=(("CN", "HK", "SG", "US")[n % 4],), topics=(("mining", "cbdc")[n % 2],),
            relevant=relevant, reasons={"CN": ("Bitmain",)} if n % 4 == 0 else {},
        )  # fmt: skip
        summary = TRICKY_SUMMARIES[n % len(TRICKY_SUMMARIES)] + "x" * (n % 9)
        entry = Entry(
            feed=feed.name, guid=f"g{n}", url=f"https://news.example.com/story/{n // 3}/{n}",
            title=f"Bitmain and story {n // 3}, report {n}", summary_html=f"<p>{summary}</p>",
            summary_text=summary, published=STORE_DAY + dt.timedelta(hours=11 * n),
        )  # fmt: skip
        per_feed[feed.name].append((entry, verdict))
    shared = per_feed["Wire"][0][0]  # the same article, delivered by a second feed
    per_feed["Block"].append(
        (replace(shared, feed="Block", guid="b-shared"), per_feed["Wire"][0][1])
    )
    with open_store(config) as store:
        for feed in feeds:
            pairs = per_feed[feed.name]
            store.save_feed_result(FeedOutcome(
                feed=feed, status="ok", entries=tuple(e for e, _ in pairs),
                classifications=tuple(c for _, c in pairs),
            ), now=STORE_DAY)  # fmt: skip
        rows = store.conn.execute("SELECT id, url FROM items ORDER BY seq").fetchall()
        story = {url.rsplit("/", 2)[1]: item_id for item_id, url in reversed(rows)}
        store.conn.executemany(
            "UPDATE items SET story = ? WHERE id = ?",
            [(story[url.rsplit("/", 2)[1]], item_id) for item_id, url in rows],
        )
    return config


@pytest.fixture
def stored(tmp_path: Path) -> Config:
    root = tmp_path / "store-newsletter"
    (root / "issues").mkdir(parents=True)
    feeds = "\n".join(f"  - {{name: {n}, url: 'https://{n.lower()}.example.com/rss'}}"
                      for n in ("Wire", "Ledger", "Block"))  # fmt: skip
    (root / "feeds.yaml").write_text(
        "newsletter:\n  name: Test\n  section_order: [China, Hong Kong, Singapore]\n"
        f"feeds:\n{feeds}\n",
        "utf-8",
    )
    return stored_newsletter(root)


@pytest.mark.parametrize("days", [20, 2])  # most of the store (a scan), a sliver (the index)
def test_store_sketches_are_the_items_light_columns(stored: Config, days: int) -> None:
    since, until = STORE_DAY, STORE_DAY + dt.timedelta(days=days)
    with open_store(stored) as store:
        sketches, off_topic = store.sketches_in_range(since, until)
        items = store.items_in_range(since, until)
        others = store.also_feeds([i.id for i in items])
    relevant = [i for i in items if i.relevant]
    assert off_topic == len(items) - len(relevant) > 0
    expected = {i.id: sketch(i, sorted(others.get(i.id, ()))) for i in relevant}
    got = {s.id: s._replace(extra_feeds=tuple(sorted(s.extra_feeds))) for s in sketches}
    assert got == expected
    assert any(s.extra_feeds == ("Block",) for s in sketches)  # the shared URL
    assert days < 20 or any("\x00" in i.summary_text for i in relevant)


@pytest.mark.parametrize("max_items", [3, None])
def test_a_draft_from_the_store_equals_one_from_whole_items(
    stored: Config, max_items: int | None
) -> None:
    """The two passes read the same store the way build_draft reads every item in full."""
    until = (STORE_DAY + dt.timedelta(days=19)).date()
    options = DraftOptions(since=STORE_DAY.date(), until=until, max_items=max_items,
                           timeline="mining")  # fmt: skip
    outcome = make_draft(stored, 24, options, now=NOW)
    span = outcome.draft.range
    with open_store(stored) as store:
        items = store.items_in_range(span.since, span.until)
        others = store.also_feeds([i.id for i in items])
    feeds = {item_id: set(found) for item_id, found in others.items()}
    settings = DraftSettings(section_order=("China", "Hong Kong", "Singapore"),
                             max_items=max_items, timeline_topic="mining")  # fmt: skip
    whole = build_draft(24, items, Memory(), settings, stored.taxonomy, span, feeds_by_item=feeds)
    assert outcome.path.read_text("utf-8") == draft_yaml(whole)
    assert whole.stats.off_topic > 0 and whole.issue.items


# ---------------------------------------------------------------- follow-ups

SICHUAN = ("<p>Sichuan miners shut rigs as the hydropower ban starts.</p>",
           "<p>Miners in Sichuan shut rigs after the hydropower ban.</p>")  # fmt: skip


def test_a_later_report_of_a_covered_story_is_a_follow_up(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    root = tmp_path / "nl"
    feed_server.route("/a.xml", body=rss(
        rss_item("Upbit lists a new token in Seoul", "https://a.example.com/u",
                 summary="<p>Upbit exchange listing in Korea.</p>", date=days_ago(10)),
        rss_item("Bitcoin miners leave Sichuan after hydropower ban", "https://a.example.com/m",
                 summary=SICHUAN[0], date=days_ago(10)),
    ))  # fmt: skip
    make_newsletter(root, [{"name": "A", "url": feed_server.url("/a.xml"), "country": "CN"}])
    since = (dt.date.today() - dt.timedelta(days=20)).isoformat()
    assert digest(root, "fetch").returncode == 0
    assert digest(root, "draft", "21", "--since", since).returncode == 0
    path = root / "issues" / "21.yaml"
    text = path.read_text("utf-8").replace("draft: true\n", "")  # published, finished
    text = text.replace("TODO: title of issue 21", "Miners leave").replace("intro: ''", "intro: Hi")
    path.write_text(text, "utf-8")
    assert digest(root, "build", "21", "--no-pdf").returncode == 0
    covered, covered_id = next((n, entry.id) for n, entry in
                               enumerate(load_issue_file(path, TAXONOMY).items, 1)
                               if "Sichuan" in entry.title)  # fmt: skip
    # a later report of the same story, from another outlet
    feed_server.route("/b.xml", body=rss(
        rss_item("Sichuan hydropower ban: bitcoin miners leave", "https://b.example.com/s",
                 summary=SICHUAN[1], date=days_ago(8)),
    ))  # fmt: skip
    feeds = yaml.safe_load((root / "feeds.yaml").read_text("utf-8"))
    feeds["feeds"].append({"name": "B", "url": feed_server.url("/b.xml")})
    (root / "feeds.yaml").write_text(yaml.safe_dump(feeds), "utf-8")
    assert digest(root, "fetch").returncode == 0

    unused = digest(root, "items", "--unused")
    assert unused.returncode == 0, unused.stderr
    assert unused.stdout.count("\n") == 1 and "(follow-up to #21)" in unused.stdout
    rows = json.loads(digest(root, "items", "--unused", "--json").stdout)
    assert [(r["title"], r["follow_up"]) for r in rows] == [
        ("Sichuan hydropower ban: bitcoin miners leave", 21)]  # fmt: skip

    done = digest(root, "draft", "22", "--since", since)
    assert done.returncode == 0, done.stderr
    assert "(1 follow-ups)" in done.stdout
    (entry,) = load_issue_file(root / "issues" / "22.yaml", TAXONOMY).items
    assert entry.title == "Sichuan hydropower ban: bitcoin miners leave"
    assert covered_id and entry.follow_up == FollowUp(21, f"item-{covered}", entry=covered_id)
    assert 21 not in entry.previously
    assert digest(root, "build", "22", "--no-pdf").returncode == 0
    folder = root / ".digest" / "preview" / "issues" / "22"
    page = (folder / "index.html").read_text("utf-8")
    assert f'Follow-up to <a href="../../issues/21/index.html#item-{covered}">#21</a>' in page
    markdown = (folder / "22.md").read_text("utf-8")
    assert f"Follow-up to [\\#21](<https://news.example.org/issues/21/#item-{covered}>)" in markdown
    assert "Previously" not in markdown  # the follow-up's link says it already

    # The editor reorders issue 21: the follow-up's link follows its entry to its new place.
    data = yaml.safe_load(path.read_text("utf-8"))
    data["sections"] = [{**s, "items": s["items"][::-1]} for s in data["sections"][::-1]]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    moved = next(n for n, e in enumerate(load_issue_file(path, TAXONOMY).items, 1)
                 if e.id == covered_id)  # fmt: skip
    assert moved != covered
    assert digest(root, "build", "22", "--no-pdf").returncode == 0
    page = (folder / "index.html").read_text("utf-8")
    assert f'Follow-up to <a href="../../issues/21/index.html#item-{moved}">#21</a>' in page
    markdown = (folder / "22.md").read_text("utf-8")
    assert f"(<https://news.example.org/issues/21/#item-{moved}>)" in markdown
