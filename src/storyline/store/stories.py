"""The stories tables: which pages a story holds, its grouping state and key terms, the ids of
stories merged into others, and the story list as read back."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from .rows import chunks, story_dict


class StoryTables:
    """Story methods of SqliteStore (a mixin: it uses the store's connection `db`, and
    `keep_apart` of Corrections when a merged story's hand edits follow it)."""

    def pages_without_story(self, limit: int | None = None) -> list[str]:
        """Stored articles not yet in a story (a run's last step, or a killed run's), in input order;
        the first `limit` of them when given."""
        rows = self.db.execute("SELECT id FROM pages WHERE status = 'ok' AND story IS NULL ORDER BY seq LIMIT ?",
                               (-1 if limit is None else limit,))
        return [r[0] for r in rows]

    def stories_of(self, ids: Iterable[str]) -> set[str]:
        ids = sorted(set(ids))
        out: set[str] = set()
        for chunk, marks in chunks(ids):
            out.update(r[0] for r in self.db.execute(
                f"SELECT DISTINCT story FROM pages WHERE id IN ({marks}) AND story IS NOT NULL", chunk))
        return out

    def upsert_story(self, story_id: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO stories (id) VALUES (?)", (story_id,))

    def refresh_story(self, story_id: str, original: str | None, title: str | None) -> None:
        self.db.execute("UPDATE stories SET original = ?, title = ? WHERE id = ?", (original, title, story_id))
        self.refresh_story_dates(story_id)

    def refresh_story_dates(self, story_id: str) -> None:
        """A story's date span: its pages' estimated dates (claimed where none is estimated)."""
        self.db.execute(
            """UPDATE stories SET
                   first_date = (SELECT min(coalesce(published_value, claimed_date)) FROM pages WHERE story = ?),
                   last_date = (SELECT max(coalesce(published_value, claimed_date)) FROM pages WHERE story = ?)
               WHERE id = ?""",
            (story_id, story_id, story_id),
        )

    # -- grouping state, key-term index, aliases, the story list ----------------
    def set_story_counts(self, page_id: str, counts: dict) -> None:
        self.db.execute("UPDATE pages SET story_counts = ? WHERE id = ?",
                        (json.dumps(counts, ensure_ascii=False), page_id))

    def grouping_inputs_after(self, seq: int, limit: int) -> list[tuple[int, str, str | None, str, dict | None]]:
        """(seq, id, title, text, story counts) of stored articles after `seq`, in order, in slices."""
        return [(r[0], r[1], r[2], r[3] or "", json.loads(r[4]) if r[4] else None) for r in self.db.execute(
            "SELECT seq, id, title, text, story_counts FROM pages WHERE status = 'ok' AND seq > ? ORDER BY seq LIMIT ?",
            (seq, limit))]

    def replace_grouping_counts(self, rows: list[tuple[str, dict[str, int], dict]]) -> None:
        """New (id, terms, story counts) of pages, for counts of a newer version; document
        frequencies are recounted by recount_document_frequencies."""
        self.db.executemany("UPDATE pages SET terms = ?, story_counts = ? WHERE id = ?",
                            [(json.dumps(t, ensure_ascii=False), json.dumps(c, ensure_ascii=False), i)
                             for i, t, c in rows])

    def recount_document_frequencies(self, prefix: str) -> None:
        """term_df from the stored counts: body terms, and names under `prefix`."""
        self.db.execute("DELETE FROM term_df")
        self.db.execute(
            "INSERT INTO term_df (term, df) SELECT key, count(*) FROM ("
            "  SELECT t.key AS key FROM pages, json_each(pages.terms) AS t WHERE pages.status = 'ok'"
            "  UNION ALL SELECT ? || e.key FROM pages, json_each(pages.story_counts, '$.entities') AS e"
            "  WHERE pages.status = 'ok') GROUP BY key", (prefix,))

    def forget_story_states(self, story_id: str | None = None) -> None:
        """States of every story (after the counts changed), or of one (after an edit by hand), are
        rebuilt from their pages by the next grouping step."""
        if story_id is None:
            self.db.execute("UPDATE stories SET state = NULL")
            self.db.execute("DELETE FROM story_keys")
        else:
            self.db.execute("UPDATE stories SET state = NULL WHERE id = ?", (story_id,))
            self.db.execute("DELETE FROM story_keys WHERE story = ?", (story_id,))

    def stories_without_state(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM stories WHERE state IS NULL ORDER BY id")]

    def story_candidates(self, terms: list[str], depth: int) -> list[str]:
        """Stories filed under these key terms, the most recently used `depth` per term."""
        return self._recent("story_keys", "story", terms, depth)

    def _recent(self, table: str, column: str, terms: list[str], depth: int) -> list[str]:
        """The `depth` most recently used entries of each term, in one statement: one index range
        read per term (a term's whole posting list is never read)."""
        out: list[str] = []
        for start in range(0, len(terms), 200):  # under SQLite's limit on compound SELECTs
            part = terms[start:start + 200]
            if not part:
                continue
            sql = " UNION ALL ".join(
                f"SELECT * FROM (SELECT {column} FROM {table} WHERE term = ? ORDER BY used DESC LIMIT {int(depth)})"
                for _ in part)
            out += [r[0] for r in self.db.execute(sql, part)]
        return out

    def story_states(self, ids: Iterable[str]) -> dict[str, dict]:
        ids = list(ids)
        out: dict[str, dict] = {}
        for chunk, marks in chunks(ids):
            for row in self.db.execute(f"SELECT id, state FROM stories WHERE id IN ({marks}) AND state IS NOT NULL",
                                       chunk):
                out[row[0]] = json.loads(row[1])
        return out

    def story_keys(self, ids: Iterable[str]) -> dict[str, list[str]]:
        """The key terms of these stories' states, in story_states' order, without reading the
        states into Python (SQLite reads the one field: most candidate stories are never scored)."""
        ids = list(ids)
        out: dict[str, list[str]] = {}
        for chunk, marks in chunks(ids):
            where = f"FROM stories WHERE id IN ({marks}) AND state IS NOT NULL"
            try:
                rows = [(i, json.loads(keys) if keys else None) for i, keys in
                        self.db.execute(f"SELECT id, json_extract(state, '$.keys') {where}", chunk)]
            except sqlite3.OperationalError:  # a state SQLite's JSON refuses (NaN): read as story_states does
                rows = [(i, json.loads(state).get("keys")) for i, state in
                        self.db.execute(f"SELECT id, state {where}", chunk)]
            for story_id, keys in rows:
                out[story_id] = keys or []
        return out

    def save_story_state(self, story_id: str, state: dict, keys: list[str]) -> None:
        self.db.execute("INSERT OR IGNORE INTO stories (id) VALUES (?)", (story_id,))
        self.db.execute("UPDATE stories SET state = ? WHERE id = ?", (json.dumps(state, ensure_ascii=False), story_id))
        used = self._next_use()
        self.db.executemany("INSERT INTO story_keys (term, story, used) VALUES (?, ?, ?) "
                            "ON CONFLICT (term, story) DO UPDATE SET used = excluded.used",
                            [(t, story_id, used) for t in keys])

    def _next_use(self) -> int:
        if getattr(self, "_use", None) is None:
            self._use = self.db.execute("SELECT coalesce(max(used), 0) FROM story_keys").fetchone()[0]
        self._use += 1
        return self._use

    def delete_story(self, story_id: str, merged_into: str | None = None, pages: Iterable[str] = ()) -> str | None:
        """Remove a story with no pages left; a merged story's id keeps resolving to the story it joined
        (`pages`: those it held before they moved, which its id follows after a rebuild).
        Returns the storyline it was in, which must now do without it."""
        row = self.db.execute("SELECT storyline FROM stories WHERE id = ?", (story_id,)).fetchone()
        if merged_into is not None:
            self.db.executemany("INSERT OR IGNORE INTO story_alias_pages VALUES (?, ?)",
                                [(story_id, page) for page in pages])
        self.db.execute("DELETE FROM stories WHERE id = ?", (story_id,))
        self.db.execute("DELETE FROM story_keys WHERE story = ?", (story_id,))
        if merged_into is not None:
            self.db.execute("INSERT INTO story_aliases VALUES (?, ?) ON CONFLICT (alias) DO UPDATE "
                            "SET story = excluded.story", (story_id, merged_into))
            self.db.execute("UPDATE story_aliases SET story = ? WHERE story = ?", (merged_into, story_id))
            # Hand edits follow the story they were about into the one it joined.
            self.db.execute("UPDATE story_pins SET story = ? WHERE story = ?", (merged_into, story_id))
            apart = self.db.execute("SELECT a, b FROM story_apart WHERE a = ? OR b = ?", (story_id, story_id)).fetchall()
            for a, b in apart:
                other = b if a == story_id else a
                if other != merged_into:
                    self.keep_apart(merged_into, other)  # stored in order, as kept_apart looks it up
        self.db.execute("DELETE FROM story_apart WHERE a = ? OR b = ?", (story_id, story_id))
        return row[0] if row else None

    def resolve_story(self, story_id: str) -> str | None:
        """A story id as it is now: itself, or the story a merged story joined."""
        if self.db.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone():
            return story_id
        row = self.db.execute("SELECT story FROM story_aliases WHERE alias = ?", (story_id,)).fetchone()
        return row[0] if row else None

    def story_aliases(self, story_id: str) -> list[str]:
        return [r[0] for r in self.db.execute(
            "SELECT alias FROM story_aliases WHERE story = ? ORDER BY alias", (story_id,))]

    _STORY_SELECT = """SELECT s.id, s.title, s.original, s.first_date, s.last_date, s.storyline,
            (SELECT json_group_array(alias) FROM (SELECT alias FROM story_aliases WHERE story = s.id
                                                  ORDER BY alias)) AS aliases,
            (SELECT json_group_array(id) FROM (SELECT id FROM pages WHERE story = s.id ORDER BY seq)) AS ids
        FROM stories s"""

    def stories(self) -> list[dict]:
        rows = self.db.execute(self._STORY_SELECT + " ORDER BY (SELECT min(seq) FROM pages WHERE story = s.id)")
        return [story_dict(r) for r in rows]

    def story(self, story_id: str) -> dict | None:
        row = self.db.execute(self._STORY_SELECT + " WHERE s.id = ?", (story_id,)).fetchone()
        return story_dict(row) if row else None
