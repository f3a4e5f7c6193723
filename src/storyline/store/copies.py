"""The copy tables: verified copy links, each page's original and relation, and the LSH index
the links are found through (lsh_index.py)."""
from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np

from ..records import CopyLink
from .lsh_index import LshIndex
from .rows import chunks


class CopyTables:
    """Copy methods of SqliteStore (a mixin: it uses the store's connection `db`)."""

    def reset_lsh_index(self) -> None:
        """Drop the index (its keys come from another fingerprint scheme); index_texts refills it."""
        self.db.execute("DROP TABLE IF EXISTS lsh")  # the first release's table: page ids as text, other keys
        self.db.execute("DROP TABLE IF EXISTS lsh_index")
        LshIndex(self.db).create()

    def texts_after(self, seq: int, limit: int) -> list[tuple[int, str]]:
        """(seq, text) of stored articles after `seq`, in order: for re-indexing in slices."""
        return [(r[0], r[1] or "") for r in self.db.execute(
            "SELECT seq, text FROM pages WHERE status = 'ok' AND seq > ? ORDER BY seq LIMIT ?", (seq, limit))]

    def index_keys(self, seqs: np.ndarray, keys: np.ndarray) -> None:
        LshIndex(self.db).add_many(seqs, keys)

    def exact_hash(self, page_id: str) -> str | None:
        row = self.db.execute("SELECT exact_hash FROM pages WHERE id = ?", (page_id,)).fetchone()
        return row[0] if row else None

    def first_page_with_hash(self, exact_hash: str) -> str | None:
        """The first stored page with this exact text: an exact copy links to it alone."""
        row = self.db.execute("SELECT id FROM pages WHERE exact_hash = ? ORDER BY seq LIMIT 1", (exact_hash,)).fetchone()
        return row[0] if row else None

    def lsh_candidates(self, keys: Iterable[int], exclude: str) -> list[str]:
        keys = list(keys)
        seqs = sorted(set(LshIndex(self.db).candidates(keys)) | self.pending_keys.candidates(keys))
        ids = []
        for part, marks in chunks(seqs):
            ids += [r[0] for r in self.db.execute(f"SELECT id FROM pages WHERE seq IN ({marks})", part)]
        return sorted(i for i in ids if i != exclude)

    def near_copy_originals(self, ids: Iterable[str]) -> dict[str, str]:
        """page -> its original, for those of these pages stored as exact or near copies."""
        out: dict[str, str] = {}
        for part, marks in chunks(sorted(set(ids))):
            out.update(self.db.execute(f"SELECT id, duplicate_of FROM pages WHERE id IN ({marks}) "
                                       "AND relation IN ('exact', 'near')", part).fetchall())
        return out

    def add_link(self, link: CopyLink) -> None:
        a, b = sorted((link.a, link.b))
        self.db.execute("INSERT OR REPLACE INTO links VALUES (?, ?, ?, ?)", (a, b, link.relation, link.score))

    def links_of(self, page_id: str) -> list[tuple[str, str, float]]:
        """(other page, relation, score) for every verified link of a page."""
        rows = self.db.execute("SELECT b, relation, score FROM links WHERE a = ? UNION ALL "
                               "SELECT a, relation, score FROM links WHERE b = ?", (page_id, page_id))
        return [(r[0], r[1], r[2]) for r in rows]

    def copy_links(self) -> list[tuple[str, str, str, float]]:
        """Every verified pair (a, b, relation, score), in id order."""
        return [tuple(r) for r in self.db.execute("SELECT a, b, relation, score FROM links ORDER BY a, b")]

    def set_copy(self, page_id: str, original: str | None, relation: str | None, score: float | None) -> None:
        """Mark a page as a copy of `original` (None: not a copy). A copy keeps no reasons for being an
        original and no version / rewrite relation of its own: it is related through its original."""
        if original is None:
            self.db.execute("UPDATE pages SET duplicate_of = NULL, relation = NULL, relation_score = NULL "
                            "WHERE id = ?", (page_id,))
        else:
            self.db.execute("UPDATE pages SET duplicate_of = ?, relation = ?, relation_score = ?, "
                            "original_reasons = NULL, related_to = NULL, related_as = NULL, related_score = NULL "
                            "WHERE id = ?", (original, relation, score, page_id))

    def clear_copies(self) -> None:
        self.db.execute("DELETE FROM links")
        self.db.execute("UPDATE pages SET duplicate_of = NULL, relation = NULL, relation_score = NULL, "
                        "original_reasons = NULL")

    def set_original_reasons(self, page_id: str, reasons: list[str] | None) -> None:
        self.db.execute("UPDATE pages SET original_reasons = ? WHERE id = ?",
                        (json.dumps(reasons) if reasons else None, page_id))
