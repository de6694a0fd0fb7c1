"""What every part of the store stands on: the connection and the newsletter's config."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator

from digest.models import Config


class StoreBase:
    def __init__(self, conn: sqlite3.Connection, config: Config) -> None:
        self.conn = conn
        self.config = config

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[None]:
        """Reads inside see one state of the store, whatever a fetch commits meanwhile."""
        if self.conn.in_transaction:
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            self.conn.execute("COMMIT")
