"""Corrections: pages removed or replaced by a new version, and stories edited by hand (pages
pinned to a story, pairs of stories kept apart). A mixin of SqliteStore: it uses the store's
connection `db`."""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable

from .rows import chunks, document_keys, now


class Corrections:
    """Correction methods of SqliteStore (a mixin)."""

    def page_ids_of_sources(self, sources: Iterable[str]) -> list[str]:
        """Ids of the pages read from these sources: a file, a URL, or a container and its records
        ("feed.jsonl" gives "feed.jsonl#L1", "feed.jsonl#L2", ..., and its records whose source
        is their URL, by where they were read)."""
        out: list[str] = []
        for source in sources:
            out += [r[0] for r in self.db.execute(
                "SELECT id FROM pages WHERE source = ? OR substr(source, 1, ?) = ? "
                "OR read_from = ? OR substr(read_from, 1, ?) = ? ORDER BY seq",
                (source, len(source) + 1, source + "#") * 2)]
        return out

    def record_superseded(self, page_id: str) -> None:
        """A page re-read with new content: its old version is recorded as superseded (the caller
        then removes it)."""
        self.db.execute("INSERT INTO superseded SELECT id, source, title, content_hash, ? FROM pages WHERE id = ?",
                        (now(), page_id))

    def hashes_led_by(self, ids: Iterable[str]) -> set[str]:
        """The exact texts whose first stored page is one of these: the page that holds the text's
        index keys and that its exact copies link to."""
        ids = set(ids)
        out: set[str] = set()
        for chunk, marks in chunks(sorted(ids)):
            for (exact_hash,) in self.db.execute(
                    f"SELECT exact_hash FROM pages WHERE id IN ({marks}) AND status = 'ok' AND exact_hash IS NOT NULL",
                    chunk).fetchall():
                out.add(exact_hash)
        return {h for h in out if self.first_page_with_hash(h) in ids}

    def pages_with_hash(self, exact_hash: str) -> list[tuple[str, int]]:
        """(id, seq) of the stored pages with this exact text, in input order."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT id, seq FROM pages WHERE exact_hash = ? AND status = 'ok' ORDER BY seq", (exact_hash,))]

    def superseded(self, page_id: str) -> list[dict]:
        """Earlier versions of a page, oldest first."""
        return [{"source": r[0], "title": r[1], "content_hash": r[2], "replaced_at": r[3]} for r in self.db.execute(
            "SELECT source, title, content_hash, replaced_at FROM superseded WHERE id = ? ORDER BY rowid", (page_id,))]

    def delete_pages(self, ids: Iterable[str], name_prefix: str) -> int:
        """Remove pages (stored or skipped) with their copy links, index keys and counts (body terms,
        and names under `name_prefix`); pages that copied or retold them no longer point at them.
        Stories are for the caller to rebuild."""
        ids = sorted(set(ids))
        removed = 0
        counted: Counter[str] = Counter()  # keys of the stored articles removed, and how many hold each
        articles = 0
        for chunk, marks in chunks(ids):
            rows = self.db.execute(f"SELECT seq, status, terms, story_counts FROM pages WHERE id IN ({marks})",
                                   chunk).fetchall()
            for seq, status, terms, counts in rows:
                if status != "ok":
                    continue
                counted.update(document_keys(json.loads(terms or "{}"), json.loads(counts) if counts else None,
                                             name_prefix))
                articles += 1
                self.db.execute("DELETE FROM lsh_index WHERE page = ?", (seq,))
                self.pending_keys.discard(seq)
            self.db.execute(f"DELETE FROM links WHERE a IN ({marks}) OR b IN ({marks})", chunk + chunk)
            # The copy groups these pages were in may have been held together by them alone: their
            # members are no copies until the links that remain group them again (update_groups).
            groups = chunk + [r[0] for r in self.db.execute(
                f"SELECT DISTINCT duplicate_of FROM pages WHERE id IN ({marks}) AND duplicate_of IS NOT NULL", chunk)]
            for part, group_marks in chunks(groups):
                self.db.execute(f"UPDATE pages SET duplicate_of = NULL, relation = NULL, relation_score = NULL "
                                f"WHERE duplicate_of IN ({group_marks})", part)
                self.db.execute(f"UPDATE pages SET original_reasons = NULL WHERE id IN ({group_marks})", part)
            self.db.execute(f"UPDATE pages SET related_to = NULL, related_as = NULL, related_score = NULL "
                            f"WHERE related_to IN ({marks})", chunk)
            removed += self.db.execute(f"DELETE FROM pages WHERE id IN ({marks})", chunk).rowcount
        self.count_documents({k: -n for k, n in counted.items()}, -articles)
        self.db.execute("DELETE FROM term_df WHERE df <= 0")
        return removed

    def hand_edits(self) -> int:
        """How many pages are placed by hand (stories merge / split)."""
        return self.db.execute("SELECT count(*) FROM story_pins").fetchone()[0]

    def pin_pages(self, pages: Iterable[str], story_id: str) -> None:
        self.db.executemany("INSERT OR REPLACE INTO story_pins VALUES (?, ?)", [(p, story_id) for p in pages])

    def keep_apart(self, a: str, b: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO story_apart VALUES (?, ?)", tuple(sorted((a, b))))

    def pinned(self, ids: Iterable[str]) -> set[str]:
        """Which of these pages were placed in their story by hand."""
        ids = set(ids)
        out: set[str] = set()
        for chunk, marks in chunks(sorted(ids)):
            out.update(r[0] for r in self.db.execute(f"SELECT page FROM story_pins WHERE page IN ({marks})", chunk))
        return out

    def kept_apart(self, a: str, b: str) -> bool:
        """Whether two stories were split apart by hand (they never merge again)."""
        return self.db.execute("SELECT 1 FROM story_apart WHERE a = ? AND b = ?",
                               tuple(sorted((a, b)))).fetchone() is not None
