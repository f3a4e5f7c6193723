"""The persistent, incremental LSH index.

One row per (band key, page) in a WITHOUT ROWID SQLite B-tree, in the store's
own file: adding a page inserts its band keys (O(bands log n)), a lookup is one
range read per key, and nothing is ever rebuilt. Pages are named by their
integer sequence number, so a row costs a few bytes more than its two integers.
Memory does not grow with the index: SQLite reads the B-tree pages it needs
through its bounded page cache.

Inside a transaction a page's keys wait in `PendingKeys` and go in at its end, all the batch's
keys sorted: the keys are random 64-bit numbers, and inserted one page at a time each row went to
another leaf of the B-tree (10,000 pages of 200 keys: 11.2 s one page at a time, 2.9 s in key
order per 1,000 pages). Lookups see the waiting keys too, so a page still finds the pages stored
before it in its own batch.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

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
        """Bulk insert of pages with as many keys each."""
        self.add_rows(np.repeat(pages, keys.shape[1]), keys.reshape(-1))

    def add_rows(self, pages: np.ndarray, keys: np.ndarray) -> None:
        """(page, key) rows, inserted in key order so the B-tree is written front to back."""
        order = np.lexsort((pages, keys))
        self.db.executemany("INSERT OR IGNORE INTO lsh_index VALUES (?, ?)",
                            zip(keys[order].tolist(), pages[order].tolist()))

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


@dataclass(slots=True)
class PendingKeys:
    """Band keys of pages stored in the open transaction, not yet in the index."""

    pages: dict[int, list[int]] = field(default_factory=dict)  # page -> its keys
    # key -> the page filed under it, or the list of pages when several are (copies share keys)
    by_key: dict[int, int | list[int]] = field(default_factory=dict)

    def add(self, page: int, keys: Iterable[int]) -> None:
        keys = [int(k) for k in keys]
        self.pages.setdefault(page, []).extend(keys)
        by_key = self.by_key
        shared = by_key.keys() & keys  # few: the rest are filed in one C-level update
        for key in shared:
            held = by_key[key]
            if isinstance(held, list):
                if page not in held:
                    held.append(page)
            elif held != page:
                by_key[key] = [held, page]
        by_key.update(dict.fromkeys([k for k in keys if k not in shared] if shared else keys, page))

    def discard(self, page: int) -> None:
        for key in self.pages.pop(page, ()):
            held = self.by_key.get(key)
            if held == page:
                del self.by_key[key]
            elif isinstance(held, list) and page in held:
                held.remove(page)

    def candidates(self, keys: Iterable[int]) -> set[int]:
        found: set[int] = set()
        for key in keys:
            held = self.by_key.get(int(key))
            if held is not None:
                found.update(held) if isinstance(held, list) else found.add(held)
        return found

    def write(self, db: sqlite3.Connection) -> None:
        """Into the index, in key order; then nothing waits."""
        if self.pages:
            keys = np.fromiter((k for ks in self.pages.values() for k in ks), dtype=np.int64)
            pages = np.repeat(np.fromiter(self.pages, dtype=np.int64, count=len(self.pages)),
                              [len(ks) for ks in self.pages.values()])
            LshIndex(db).add_rows(pages, keys)
        self.clear()

    def clear(self) -> None:
        self.pages.clear()
        self.by_key.clear()
