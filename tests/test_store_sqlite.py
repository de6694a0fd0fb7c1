"""The store's SQLite plumbing: lookups by many values in chunks, nested transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from digest.store import select_in, transaction
from digest.store.sqlite import IN_CHUNK


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(tmp_path / "numbers.sqlite", isolation_level=None)
    conn.execute("CREATE TABLE numbers (n INTEGER PRIMARY KEY, parity TEXT NOT NULL)")
    with transaction(conn):
        conn.executemany(
            "INSERT INTO numbers VALUES (?, ?)",
            [(n, "even" if n % 2 == 0 else "odd") for n in range(2 * IN_CHUNK + 10)],
        )
    yield conn
    conn.close()


def selects(conn: sqlite3.Connection) -> list[str]:
    """Where the SELECTs the connection runs from now on are written down."""
    seen: list[str] = []
    conn.set_trace_callback(lambda sql: seen.append(sql) if sql.startswith("SELECT") else None)
    return seen


@pytest.mark.parametrize(
    ("count", "queries"), [(0, 0), (1, 1), (IN_CHUNK, 1), (IN_CHUNK + 1, 2), (2 * IN_CHUNK, 2)]
)
def test_select_in_reads_every_value_one_chunk_at_a_time(
    conn: sqlite3.Connection, count: int, queries: int
) -> None:
    seen = selects(conn)
    rows = list(select_in(conn, "SELECT n FROM numbers WHERE n IN ({marks})", range(count)))
    assert sorted(n for (n,) in rows) == list(range(count))
    assert len(seen) == queries


@pytest.mark.parametrize(("count", "queries"), [(0, 0), (1, 1), (3, 1), (4, 2), (7, 3)])
def test_select_in_honours_a_smaller_chunk(
    conn: sqlite3.Connection, count: int, queries: int
) -> None:
    seen = selects(conn)
    sql = "SELECT n FROM numbers WHERE n IN ({marks})"
    rows = list(select_in(conn, sql, range(count), chunk=3))
    assert sorted(n for (n,) in rows) == list(range(count))
    assert len(seen) == queries


def test_select_in_asks_for_each_value_once(conn: sqlite3.Connection) -> None:
    seen = selects(conn)
    rows = list(
        select_in(conn, "SELECT n FROM numbers WHERE n IN ({marks})", [5, 5, 6, 5], chunk=2)
    )
    assert sorted(n for (n,) in rows) == [5, 6] and len(seen) == 1


def test_select_in_binds_the_other_parameters_after_the_values(conn: sqlite3.Connection) -> None:
    sql = "SELECT n FROM numbers WHERE n IN ({marks}) AND parity = ?"
    rows = select_in(conn, sql, range(10), ["odd"], chunk=4)
    assert sorted(n for (n,) in rows) == [1, 3, 5, 7, 9]


def test_a_failed_part_of_a_transaction_is_undone_alone(conn: sqlite3.Connection) -> None:
    with transaction(conn):
        conn.execute("DELETE FROM numbers WHERE n = 1")
        with pytest.raises(ZeroDivisionError), transaction(conn):
            conn.execute("DELETE FROM numbers WHERE n = 2")
            raise ZeroDivisionError
    left = {n for (n,) in conn.execute("SELECT n FROM numbers WHERE n < 3")}
    assert left == {0, 2}


def test_a_failed_transaction_leaves_nothing(conn: sqlite3.Connection) -> None:
    with pytest.raises(ZeroDivisionError), transaction(conn):
        conn.execute("DELETE FROM numbers")
        raise ZeroDivisionError
    assert not conn.in_transaction
    assert conn.execute("SELECT count(*) FROM numbers").fetchone()[0] == 2 * IN_CHUNK + 10
