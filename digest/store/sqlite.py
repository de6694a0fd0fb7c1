"""SQLite plumbing the store's modules share: transactions, and lookups by many values."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# Values bound in one IN (...) list: well under SQLite's limit on host parameters (999 in
# builds before 3.32), leaving room for the other parameters of the query.
IN_CHUNK = 500


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """All or nothing. Inside a transaction already open, a savepoint: the work is undone
    alone when it fails, and lands with the enclosing transaction."""
    if conn.in_transaction:
        conn.execute("SAVEPOINT part")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # some errors (disk full, I/O) end the whole transaction
                conn.execute("ROLLBACK TO part")
                conn.execute("RELEASE part")
            raise
        conn.execute("RELEASE part")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def select_in(
    conn: sqlite3.Connection,
    sql_template: str,
    values: Iterable[Any],
    params: Sequence[Any] = (),
    *,
    chunk: int = IN_CHUNK,
) -> Iterator[Any]:
    """The rows of a query whose `IN ({marks})` takes every value, run once per `chunk` values
    (each value once); `params` bind the placeholders after the IN list. No values, no query.

        select_in(conn, "SELECT id FROM items WHERE id IN ({marks}) AND feed = ?", ids, [feed])
    """
    distinct = list(dict.fromkeys(values))
    for start in range(0, len(distinct), chunk):
        part = distinct[start : start + chunk]
        sql = sql_template.replace("{marks}", ",".join("?" * len(part)))
        yield from conn.execute(sql, [*part, *params])


def like_pattern(word: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') that finds the word anywhere in a column."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
