"""The taxonomy: required countries and topics, several scripts, feeds.yaml additions, and the
`digest taxonomy` and `digest tag` commands."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from support.cli import CliResult, run_digest
from support.feedfolder import make_newsletter

from digest.config import load_config
from digest.fetch import FeedOutcome
from digest.models import Config, Entry
from digest.store import open_store
from digest.taxonomy import builtin_taxonomy, ignored_terms, incidents, relevance_terms

ASIA = ["CN", "HK", "TW", "JP", "KR", "SG", "TH", "MY", "ID", "PH", "VN", "IN", "KZ", "AE"]
ELSEWHERE = ["US", "CA", "SV", "RU", "GB", "DE"]
TOPICS = [
    "mining",
    "regulation",
    "cbdc",
    "exchanges",
    "investment",
    "defi",
    "stablecoins",
    "security",
    "adoption",
]
HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_required_country_and_topic_is_built_in() -> None:
    tax = builtin_taxonomy()
    for code in [*ASIA, *ELSEWHERE]:
        assert tax.countries[code].name and len(tax.countries[code].aliases) >= 3, code
    assert all(tax.countries[c].asian for c in ASIA)
    assert not any(tax.countries[c].asian for c in ELSEWHERE)
    for slug in TOPICS:
        assert tax.topics[slug].name and len(tax.topics[slug].keywords) >= 5, slug


@pytest.mark.parametrize("code", ["CN", "HK", "TW", "JP", "KR", "SG", "TH", "MY", "ID", "PH"])
def test_asian_countries_have_aliases_in_latin_and_chinese(code: str) -> None:
    aliases = builtin_taxonomy().countries[code].aliases
    assert any(a.isascii() for a in aliases)
    assert any(HAN.search(a) for a in aliases)


def test_regulators_cities_and_currencies_are_known() -> None:
    tax = builtin_taxonomy()
    expected = {
        "CN": ["Sichuan", "Shenzhen", "Inner Mongolia", "Xinjiang", "PBoC", "e-CNY", "DCEP",
               "DC/EP", "数字人民币", "數字人民幣"],
        "SG": ["MAS", "Project Ubin"],
        "JP": ["JFSA", "金融庁", "BoJ", "日本銀行"],
        "KR": ["FSC", "FSS", "금융위원회", "Upbit", "Bithumb"],
        "ID": ["Bappebti", "OJK"],
        "PH": ["BSP"],
        "IN": ["SEBI", "RBI"],
        "HK": ["HKMA", "SFC"],
        "TH": ["BOT", "Thai SEC"],
    }  # fmt: skip
    for code, aliases in expected.items():
        missing = set(aliases) - set(tax.countries[code].aliases)
        assert not missing, (code, missing)


def test_topics_have_keywords_in_several_scripts() -> None:
    tax = builtin_taxonomy()
    for slug in ("mining", "regulation", "cbdc", "exchanges", "stablecoins", "security"):
        keywords = tax.topics[slug].keywords
        assert any(HAN.search(k) for k in keywords), slug
        assert any(re.search(r"[\uac00-\ud7af]", k) for k in keywords), slug


def test_relevance_words_have_no_everyday_sense() -> None:
    words = {w.lower() for w in relevance_terms()}
    assert {"bitcoin", "blockchain", "stablecoin", "cbdc", "e-cny", "digital yuan"} <= words
    assert not words & {"mining", "token", "exchange", "digital", "miners", "digital economy"}
    assert {"exchange rate", "data mining", "token of appreciation"} <= set(ignored_terms())


def test_incidents_name_built_in_topics() -> None:
    rules = incidents()
    assert "security" in rules.topics and {"shut down", "red envelope"} <= set(rules.terms)
    named = {*rules.topics, *rules.title_only, *rules.title_named}
    assert named <= set(builtin_taxonomy().topics)


def feeds_yaml_with_additions(root: Path) -> Path:
    root.mkdir()
    (root / "feeds.yaml").write_text(
        "newsletter: {name: Test}\n"
        "feeds: []\n"
        "countries:\n"
        "  CN: {aliases: [Guangxi]}\n"
        "  XK: {name: Kosovo, aliases: [Pristina, 科索沃]}\n"
        "topics:\n"
        "  mining: {keywords: [hashing hall]}\n"
        "  gaming: {name: Gaming, keywords: [GameFi]}\n"
        "relevance: {terms: [Kaspa], ignore: [bitcoin bowl]}\n",
        encoding="utf-8",
    )
    return root


def digest(*args: str) -> CliResult:
    return run_digest(*args)


def test_digest_taxonomy_json_shows_built_in_and_feeds_yaml_additions(tmp_path: Path) -> None:
    root = feeds_yaml_with_additions(tmp_path / "nl")
    done = digest("--root", str(root), "taxonomy", "--json")
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert "Guangxi" in got["countries"]["CN"]["aliases"]
    assert "Sichuan" in got["countries"]["CN"]["aliases"]  # built-in ones stay
    assert got["countries"]["XK"] == {
        "name": "Kosovo",
        "asian": True,
        "aliases": ["Pristina", "科索沃"],
    }
    assert "hashing hall" in got["topics"]["mining"]["keywords"]
    assert got["topics"]["gaming"]["name"] == "Gaming"
    assert got["countries"]["US"]["asian"] is False
    assert "Kaspa" in got["relevance"]["terms"] and "bitcoin" in got["relevance"]["terms"]
    assert "bitcoin bowl" in got["relevance"]["ignore"]


def test_digest_taxonomy_text_lists_every_entry(tmp_path: Path) -> None:
    root = feeds_yaml_with_additions(tmp_path / "nl")
    done = digest("--root", str(root), "taxonomy")
    assert done.returncode == 0, done.stderr
    assert "  XK  Kosovo: Pristina, 科索沃" in done.stdout.splitlines()
    assert any(
        line.startswith("  US  United States (outside Asia):") for line in done.stdout.splitlines()
    )
    assert "  gaming  Gaming: GameFi" in done.stdout.splitlines()
    assert any(
        line.startswith("Relevant: ") and "Kaspa" in line for line in done.stdout.splitlines()
    )


# ---------------------------------------------------------------- digest tag


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Config, str]:
    config = make_newsletter(tmp_path / "nl", [{"name": "A", "url": "https://a.example.com/f"}])
    entry = Entry(
        feed="A", guid="g1", url="https://a.example.com/1",
        title="Singapore exchange lists bitcoin fund",
        summary_html="", summary_text="", published=dt.datetime(2021, 6, 1, tzinfo=dt.UTC),
    )  # fmt: skip
    with open_store(config) as store:
        store.save_feed_result(FeedOutcome(config.feeds[0], "ok", entries=(entry,)))
        (item,) = store.list_items()
    return config, item.id


def test_digest_tag_stores_a_correction_that_wins(stored: tuple[Config, str]) -> None:
    config, item_id = stored
    done = digest("--root", str(config.root), "tag", item_id, "+CN", "-SG", "+mining", "-relevant")
    assert done.returncode == 0, done.stderr
    assert "country CN: editor" in done.stdout
    with open_store(config) as store:
        item = store.get_item(item_id)
        assert item is not None
        assert item.countries == ("CN",) and "mining" in item.topics and not item.relevant
        store.reclassify()  # what a re-fetch or a taxonomy change does
        again = store.get_item(item_id)
    assert again is not None and again.countries == ("CN",) and not again.relevant


def test_digest_tag_refuses_unknown_tags_and_items(stored: tuple[Config, str]) -> None:
    config, item_id = stored
    unknown_tag = digest("--root", str(config.root), "tag", item_id, "+XX")
    assert unknown_tag.returncode == 2
    assert "unknown tag 'XX'" in unknown_tag.stderr and "mining" in unknown_tag.stderr
    assert "Traceback" not in unknown_tag.stderr
    unknown_item = digest("--root", str(config.root), "tag", "nopenope", "+CN")
    assert unknown_item.returncode == 2
    assert "no item with an id starting 'nopenope'" in unknown_item.stderr
    not_a_change = digest("--root", str(config.root), "tag", item_id, "CN")
    assert not_a_change.returncode == 2


# ---------------------------------------------------------------- taxonomy changes


def entry_of_a(title: str, text: str = "") -> Entry:
    return Entry(
        feed="A", guid="g1", url="https://a.example.com/1", title=title, summary_html="",
        summary_text=text, published=dt.datetime(2021, 6, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def save_one(config: Config, entry: Entry) -> None:
    with open_store(config) as store:
        store.save_feed_result(FeedOutcome(config.feeds[0], "ok", entries=(entry,)))


FINED = ("Regulator fines an exchange", "The bitcoin exchange was fined by the regulator.")
PRISTINA = "Exchange in Pristina lists a bitcoin fund"


def test_a_new_alias_in_feeds_yaml_tags_the_items_already_stored(tmp_path: Path) -> None:
    config = make_newsletter(tmp_path / "nl", [{"name": "A", "url": "https://a.example.com/f"}])
    save_one(config, entry_of_a(PRISTINA))
    before = digest("--root", str(config.root), "items", "--country", "XK", "--json")
    assert before.returncode == 2  # no such country yet
    with (config.root / "feeds.yaml").open("a", encoding="utf-8") as handle:
        handle.write("countries:\n  XK: {name: Kosovo, aliases: [Pristina]}\n")
    after = digest("--root", str(config.root), "items", "--country", "XK", "--json")
    assert after.returncode == 0, after.stderr
    assert "classifying 1 stored item again" in after.stderr
    [found] = json.loads(after.stdout)
    assert found["title"] == PRISTINA
    assert found["countries"] == ["XK"]


def test_a_feeds_new_default_country_reaches_its_stored_items(tmp_path: Path) -> None:
    feeds = [{"name": "A", "url": "https://a.example.com/f"}]
    config = make_newsletter(tmp_path / "nl", feeds)
    save_one(config, entry_of_a(*FINED))
    with open_store(config) as store:
        [item] = store.list_items()
    assert item.countries == ()
    moved = make_newsletter(tmp_path / "nl", [{**feeds[0], "country": "KR"}])
    with open_store(moved) as store:
        [item] = store.list_items()
    assert item.countries == ("KR",) and item.reasons["KR"] == ("feed default",)


def test_unchanged_rules_leave_the_stored_tags_alone(stored: tuple[Config, str]) -> None:
    config, item_id = stored
    with open_store(config) as store:
        store.conn.execute("UPDATE items SET countries = '[\"VN\"]' WHERE id = ?", (item_id,))
    with open_store(config) as store:  # the same feeds.yaml: nothing is classified again
        item = store.get_item(item_id)
    assert item is not None and item.countries == ("VN",)


def test_a_retired_feeds_items_keep_their_tags(tmp_path: Path) -> None:
    feeds = [
        {"name": "A", "url": "https://a.example.com/f", "country": "KR"},
        {"name": "B", "url": "https://b.example.com/f"},
    ]
    config = make_newsletter(tmp_path / "nl", feeds)
    save_one(config, entry_of_a(*FINED))
    retired = make_newsletter(tmp_path / "nl", feeds[1:])  # feed A dropped from feeds.yaml
    with open_store(retired) as store:
        [item] = store.list_items()
    assert item.countries == ("KR",)


def test_items_saved_under_rules_changed_meanwhile_are_classified_again(tmp_path: Path) -> None:
    feeds = [{"name": "A", "url": "https://a.example.com/f"}]
    old = make_newsletter(tmp_path / "nl", feeds)
    with open_store(old) as fetching:  # a fetch started under the old feeds.yaml...
        (config_path := old.root / "feeds.yaml").write_text(
            config_path.read_text("utf-8")
            + "countries:\n  XK: {name: Kosovo, aliases: [Pristina]}\n",
            encoding="utf-8",
        )
        new = load_config(old.root)
        with open_store(new):  # ...another command meanwhile follows the new one...
            pass
        outcome = FeedOutcome(old.feeds[0], "ok", entries=(entry_of_a(PRISTINA),))
        for _ in fetching.save_feed_results([outcome]):  # ...and the fetch saves afterwards
            pass
    with open_store(new) as store:
        [item] = store.list_items()
    assert item.countries == ("XK",)


# ---------------------------------------------------------------- the gazetteer


def test_the_gazetteer_maps_places_of_the_taxonomy_countries() -> None:
    from digest.taxonomy import gazetteer

    places = {name: code for name, code, _ in gazetteer()}
    assert places["Texas"] == "US" and places["Himachal Pradesh"] == "IN"
    assert places["Sichuan"] == "CN" and places["四川"] == "CN"
    assert places["喜马偕尔邦"] == "IN" and places["喜馬偕爾邦"] == "IN"
    assert set(places.values()) <= set(builtin_taxonomy().countries)


def test_the_gazetteer_leaves_out_words_and_shared_names() -> None:
    from digest.taxonomy import gazetteer

    names = {name for name, _, _ in gazetteer()}
    for word in ("Reading", "Mobile", "Split", "Nice", "Bath", "Victoria", "Georgia", "Una"):
        assert word not in names


def test_institutions_are_country_aliases_with_what_they_are() -> None:
    from digest.taxonomy import describe, institutions

    assert institutions()["US"]["SEC"] == "US regulator"
    assert "Upbit" in builtin_taxonomy().countries["KR"].aliases
    assert describe()[("Texas", "US")] == "US state"
