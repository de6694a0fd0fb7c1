"""Full-text search over titles and summaries: trigrams, short words, the lazy index."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.storecase import entry, save, titles, two_feeds

from digest.models import Config
from digest.store import ItemQuery, open_store


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def found(config: Config, words: str) -> list[str]:
    return titles(config, ItemQuery(relevant_only=False, search=words))


def unindexed(config: Config) -> int:
    with open_store(config) as store:
        return int(
            store.conn.execute(
                "SELECT count(*) FROM items WHERE seq > (SELECT indexed FROM fts_state)"
            ).fetchone()[0]
        )


def test_search_finds_chinese_and_english_words(config: Config) -> None:
    save(
        config,
        "A",
        entry("四川比特币矿场关闭", "https://a.example.com/1", text="数字人民币试点扩大"),
        entry("Hong Kong licenses an exchange", "https://a.example.com/2", text="The SFC acted."),
        entry("Unrelated cooking news", "https://a.example.com/3", text="Noodles."),
    )
    assert found(config, "比特币") == ["四川比特币矿场关闭"]  # three characters: trigrams
    assert found(config, "矿场") == ["四川比特币矿场关闭"]  # two characters: the LIKE fallback
    assert found(config, "人民币") == ["四川比特币矿场关闭"]  # from the summary
    assert found(config, "licenses") == ["Hong Kong licenses an exchange"]
    assert found(config, "LICENSES sfc") == ["Hong Kong licenses an exchange"]
    assert found(config, "矿场 noodles") == []
    assert found(config, '"quoted') == []


def test_like_wildcards_in_short_words_match_only_themselves(config: Config) -> None:
    save(
        config,
        "A",
        entry("Fees cut by 5% at the exchange", "https://a.example.com/1"),
        entry("Fees cut by 50 at the exchange", "https://a.example.com/2"),
        entry("Token a_b listed", "https://a.example.com/3"),
        entry("Token axb listed", "https://a.example.com/4"),
    )
    assert found(config, "5%") == ["Fees cut by 5% at the exchange"]
    assert found(config, "_b") == ["Token a_b listed"]


def test_search_index_follows_new_and_changed_items(config: Config) -> None:
    """The index is filled by searches, not fetches; a change to an indexed item shows at once."""
    save(config, "A", entry("Mining ban in Sichuan", "https://a.example.com/1", guid="1"))
    assert unindexed(config) == 1  # fetching left the index alone
    assert found(config, "Sichuan") == ["Mining ban in Sichuan"]
    assert unindexed(config) == 0
    save(config, "A", entry("Mining ban in Inner Mongolia", "https://a.example.com/1", guid="1"))
    save(config, "B", entry("Upbit listing", "https://b.example.com/2", feed="B"))
    assert unindexed(config) == 1  # the new item waits; the changed one was reindexed in place
    assert found(config, "Sichuan") == []
    assert found(config, "Mongolia") == ["Mining ban in Inner Mongolia"]
    assert found(config, "Upbit") == ["Upbit listing"]
    with open_store(config) as store:
        check = "INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)"
        store.conn.execute(check)  # raises when the index and the items disagree


def test_update_search_index_says_how_many_it_added(config: Config) -> None:
    save(
        config,
        "A",
        entry("One", "https://a.example.com/1"),
        entry("Two", "https://a.example.com/2"),
    )
    with open_store(config) as store:
        assert store.update_search_index() == 2
        assert store.update_search_index() == 0
