"""The persistent, incremental LSH index.

One row per (band key, page) in a WITHOUT ROWID SQLite B-tree, in the store's
own file: adding a page inserts its band keys (O(bands log n)), a lookup is one
range read per key, and nothing is ever rebuilt. Pages are named by their
integer sequence number, so a row costs a few bytes more than its two integers.
Memory does not grow with the index: SQLite reads the B-tree pages it needs
through its bounded page cache.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import numpy as np

DDL = """CREATE TABLE IF NOT EXISTS lsh_index (
    key INTEGER NOT NULL, page INTEGER NOT NULL, PRIMARY KEY (key, page)) WITHOUT ROWID"""


class LshIndex:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def create(self) -> None:
        self.db.execute(DDL)

    def add(self, page: int, keys: Iterable[int]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO lsh_index VALUES (?, ?)", ((int(k), page) for k in keys))

    def add_many(self, pages: np.ndarray, keys: np.ndarray) -> None:
        """Bulk insert, in key order so the B-tree is written front to back."""
        flat_keys = keys.reshape(-1)
        flat_pages = np.repeat(pages, keys.shape[1])
        order = np.lexsort((flat_pages, flat_keys))
        rows = zip(flat_keys[order].tolist(), flat_pages[order].tolist())
        self.db.executemany("INSERT OR IGNORE INTO lsh_index VALUES (?, ?)", rows)

    def candidates(self, keys: Iterable[int]) -> list[int]:
        """Pages sharing at least one band key, in page order."""
        keys = [int(k) for k in keys]
        found: set[int] = set()
        for start in range(0, len(keys), 500):  # SQLite's bound on host parameters
            part = keys[start:start + 500]
            marks = ",".join("?" * len(part))
            found.update(r[0] for r in self.db.execute(f"SELECT page FROM lsh_index WHERE key IN ({marks})", part))
        return sorted(found)

    def rows(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM lsh_index").fetchone()[0]
