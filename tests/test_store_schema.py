"""The store's schema: versions, upgrades, a damaged or newer file refused cleanly."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.storecase import ALL, entry, save, titles, two_feeds

from digest.errors import StoreError
from digest.models import Config
from digest.store import ItemQuery, open_store, schema


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return two_feeds(tmp_path)


def test_a_new_store_has_the_latest_schema(config: Config) -> None:
    with open_store(config) as store:
        version = store.conn.execute("PRAGMA user_version").fetchone()[0]
        mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert version == len(schema.MIGRATIONS)
    assert mode == "wal"


def test_a_store_from_a_newer_digest_is_refused(config: Config) -> None:
    config.state_dir.mkdir(parents=True)
    conn = sqlite3.connect(config.store_path)
    conn.execute(f"PRAGMA user_version = {len(schema.MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this digest knows"), open_store(config):
        pass


def test_an_appended_migration_upgrades_an_existing_store(
    config: Config, monkeypatch: pytest.MonkeyPatch
) -> None:
    save(config, "A", entry("Kept across upgrades", "https://a.example.com/1"))
    extended = [*schema.MIGRATIONS, "CREATE TABLE later_feature (note TEXT);"]
    monkeypatch.setattr(schema, "MIGRATIONS", extended)
    with open_store(config) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(extended)
        store.conn.execute("INSERT INTO later_feature VALUES ('works')")
        assert [i.title for i in store.list_items(ALL)] == ["Kept across upgrades"]


def test_a_damaged_store_is_a_clean_error(config: Config) -> None:
    config.state_dir.mkdir(parents=True)
    config.store_path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="the store is damaged"), open_store(config):
        pass


def test_a_store_indexed_item_by_item_keeps_its_search_index(config: Config) -> None:
    """A store from before the lazy index: its items were indexed when saved."""
    config.state_dir.mkdir(parents=True)
    conn = sqlite3.connect(config.store_path, isolation_level=None)
    for number, script in enumerate(schema.MIGRATIONS[:2], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.execute(
        "INSERT INTO items (id, feed, title, summary_html, summary_text, first_seen, "
        "content_hash) VALUES ('000000000001', 'A', 'Old Sichuan story', '', '', "
        "'2021-06-01T00:00:00Z', 'x')"
    )
    conn.close()
    save(config, "A", entry("New Sichuan story", "https://a.example.com/new"))
    found = titles(config, ItemQuery(relevant_only=False, search="Sichuan"))
    assert sorted(found) == ["New Sichuan story", "Old Sichuan story"]
    with open_store(config) as store:
        store.conn.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")


def test_an_upgraded_store_keeps_its_summary_lengths(config: Config) -> None:
    """The items of a store from before summary_sizes are measured by the upgrade."""
    config.state_dir.mkdir(parents=True)
    conn = sqlite3.connect(config.store_path, isolation_level=None)
    before = schema.MIGRATIONS.index(next(m for m in schema.MIGRATIONS if "summary_sizes" in m))
    for number, script in enumerate(schema.MIGRATIONS[:before], start=1):
        conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
    conn.executemany(
        "INSERT INTO items (id, feed, title, summary_html, summary_text, first_seen, "
        "content_hash) VALUES (?, 'A', 'Sichuan', '', ?, '2021-06-01T00:00:00Z', 'x')",
        [("000000000001", " Miners\u3000 leave. \n"), ("000000000002", "NUL\x00 inside")],
    )
    conn.close()
    with open_store(config) as store:
        sizes = store.conn.execute("SELECT seq, chars FROM summary_sizes").fetchall()
    assert sizes == [(1, len("Miners\u3000 leave."))]
