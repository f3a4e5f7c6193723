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

from ..config import Config
from .batch import fingerprint_texts

FINGERPRINT = "oph1"  # signature scheme of the stored keys; a store with other keys is re-indexed

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


def reindex(db: sqlite3.Connection, config: Config, chunk: int = 20_000) -> int:
    """Rebuild the index from the stored texts (a store made with an older fingerprint). Returns pages indexed."""
    index = LshIndex(db)
    db.execute("DROP TABLE IF EXISTS lsh")  # the first release's table: page ids as text, other keys
    db.execute("DROP TABLE IF EXISTS lsh_index")
    index.create()
    done, last = 0, -1
    while True:
        rows = db.execute("SELECT seq, text FROM pages WHERE status = 'ok' AND seq > ? ORDER BY seq LIMIT ?",
                          (last, chunk)).fetchall()
        if not rows:
            return done
        fp = fingerprint_texts([r[1] or "" for r in rows], config)
        seqs = np.array([r[0] for r in rows], dtype=np.int64)
        has_text = fp.shingle_counts > 0
        index.add_many(seqs[has_text], fp.keys[has_text])
        done += int(has_text.sum())
        last = rows[-1][0]
