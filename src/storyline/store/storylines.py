"""The storylines tables: each storyline's state and key terms, and the stories it holds."""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from .rows import chunks
from .tables import has_table


class StorylineTables:
    """Storyline methods of SqliteStore (a mixin: it uses the store's connection `db` and its
    `_recent` reads of a key-term index)."""

    def storyline_inputs(self, story_ids: Iterable[str] | None = None
                         ) -> list[tuple[str, dict, str | None, str | None, str | None]]:
        """(story id, state, first_date, last_date, title) of these stories (default: every story) with a state."""
        if story_ids is None:
            rows = self.db.execute("SELECT id, state, first_date, last_date, title FROM stories "
                                   "WHERE state IS NOT NULL ORDER BY id").fetchall()
            return [(r[0], json.loads(r[1]), r[2], r[3], r[4]) for r in rows]
        return self._story_rows("stories", "id", story_ids)

    def storyline_leaving(self, story_ids: Iterable[str]
                          ) -> list[tuple[str, dict, str | None, str | None, str | None]]:
        """(story id, state, first_date, last_date, title) of these stories as their storyline last took
        them in, for those changed or removed since (a trigger keeps them, tables.py)."""
        return self._story_rows("storyline_leaving", "story", story_ids)

    def _story_rows(self, table: str, id_column: str, story_ids: Iterable[str]
                    ) -> list[tuple[str, dict, str | None, str | None, str | None]]:
        rows = []
        for chunk, marks in chunks(sorted(set(story_ids))):
            rows += self.db.execute(f"SELECT {id_column}, state, first_date, last_date, title FROM {table} "
                                    f"WHERE {id_column} IN ({marks}) AND state IS NOT NULL ORDER BY {id_column}",
                                    chunk).fetchall()
        return [(r[0], json.loads(r[1]), r[2], r[3], r[4]) for r in rows]

    def forget_leaving(self, story_ids: Iterable[str]) -> None:
        """These stories are in their storylines as they are now."""
        for chunk, marks in chunks(sorted(set(story_ids))):
            self.db.execute(f"DELETE FROM storyline_leaving WHERE story IN ({marks})", chunk)

    def story_titles(self, story_ids: Iterable[str]) -> dict[str, str]:
        return self._story_column("title", story_ids)

    def storylines_of(self, story_ids: Iterable[str]) -> dict[str, str]:
        """story -> its storyline, for these stories (a story not in one, or gone, is left out)."""
        return self._story_column("storyline", story_ids)

    def _story_column(self, column: str, story_ids: Iterable[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for chunk, marks in chunks(sorted(set(story_ids))):
            out.update(self.db.execute(
                f"SELECT id, {column} FROM stories WHERE id IN ({marks}) AND {column} IS NOT NULL", chunk).fetchall())
        return out

    def storyline_candidates(self, terms: list[str], depth: int) -> list[str]:
        """Storylines filed under these key terms, the most recently used `depth` per term."""
        return self._recent("storyline_keys", "storyline", terms, depth)

    def storyline_states(self, ids: Iterable[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for chunk, marks in chunks(sorted(set(ids))):
            for row in self.db.execute(
                    f"SELECT id, state FROM storylines WHERE id IN ({marks}) AND state IS NOT NULL", chunk):
                out[row[0]] = json.loads(row[1])
        return out

    def storylines_need_relinking(self) -> bool:
        """Storylines of an older store: kept without the state that relinking some stories needs, or
        none at all beside stories from before storylines."""
        return self.db.execute(
            "SELECT 1 FROM storylines WHERE state IS NULL UNION ALL "
            "SELECT 1 FROM stories WHERE storyline IS NULL AND state IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM storylines) LIMIT 1").fetchone() is not None

    def mark_storylines_for_relinking(self) -> None:
        """Storylines kept as they are, without the state relinking some stories needs: the next
        update links every story again (storylines_need_relinking), as for an older store."""
        self.db.execute("UPDATE storylines SET state = NULL")

    def clear_storylines(self) -> None:
        self.db.execute("DELETE FROM storylines")
        self.db.execute("DELETE FROM storyline_keys")
        self.db.execute("UPDATE stories SET storyline = NULL")
        self.db.execute("DELETE FROM storyline_leaving")
        self.db.execute("DELETE FROM storyline_aliases")

    def save_storylines(self, saved: list[tuple[str, str, str | None, str | None, tuple[str, ...], dict, tuple[str, ...]]],
                        deleted: list[str], left: Mapping[str, str | None] = {}) -> None:
        """Write storylines whole: (id, name, first_date, last_date, story ids, state, key terms);
        remove the deleted ones, whose ids become aliases of the storylines their pages went to
        (`left`: stories removed since, story -> its storyline; a story merged away took its pages
        to the story it joined)."""
        gone = self.pages_of_storylines(deleted, left)
        for line_id in deleted:
            self.db.execute("DELETE FROM storylines WHERE id = ?", (line_id,))
            self.db.execute("DELETE FROM storyline_keys WHERE storyline = ?", (line_id,))
            self.db.execute("UPDATE stories SET storyline = NULL WHERE storyline = ?", (line_id,))
        if saved:
            used = self.db.execute("SELECT coalesce(max(used), 0) FROM storyline_keys").fetchone()[0]
        for line_id, name, first, last, stories, state, keys in saved:
            self.db.execute("INSERT OR REPLACE INTO storylines (id, name, first_date, last_date, state) "
                            "VALUES (?, ?, ?, ?, ?)", (line_id, name, first, last, json.dumps(state, ensure_ascii=False)))
            self.db.executemany("UPDATE stories SET storyline = ? WHERE id = ?", [(line_id, s) for s in stories])
            used += 1
            self.db.executemany("INSERT INTO storyline_keys (term, storyline, used) VALUES (?, ?, ?) "
                                "ON CONFLICT (term, storyline) DO UPDATE SET used = excluded.used",
                                [(t, line_id, used) for t in keys])
        self.db.executemany("DELETE FROM storyline_aliases WHERE alias = ?", [(s[0],) for s in saved])
        self.alias_gone_storylines(gone)

    _STORYLINE_SELECT = """SELECT l.id, l.name, l.first_date, l.last_date,
                      (SELECT json_group_array(id) FROM (SELECT id FROM stories WHERE storyline = l.id
                                                         ORDER BY first_date, id)) AS ids,
                      (SELECT count(*) FROM pages WHERE story IN (SELECT id FROM stories WHERE storyline = l.id)),
                      {aliases} AS aliases
               FROM storylines l"""
    _ALIASES = """(SELECT json_group_array(alias) FROM (SELECT alias FROM storyline_aliases WHERE storyline = l.id
                                                     ORDER BY alias))"""

    def has_storyline_aliases(self) -> bool:
        """An older store opened read-only has no aliases table (a reader never adds tables) until a
        run upgrades it: asked again until it has one."""
        if not getattr(self, "_has_storyline_aliases", False):
            self._has_storyline_aliases = has_table(self.db, "storyline_aliases")
        return self._has_storyline_aliases

    def _storyline_select(self) -> str:
        return self._STORYLINE_SELECT.format(aliases=self._ALIASES if self.has_storyline_aliases() else "'[]'")

    @staticmethod
    def _storyline_dict(r) -> dict:
        return {"id": r[0], "name": r[1], "stories": json.loads(r[4]), "story_count": len(json.loads(r[4])),
                "page_count": r[5], "first_date": r[2], "last_date": r[3], "aliases": json.loads(r[6])}

    def storylines(self) -> list[dict]:
        rows = self.db.execute(self._storyline_select() + " ORDER BY l.first_date, l.id")
        return [self._storyline_dict(r) for r in rows]

    def storyline(self, storyline_id: str) -> dict | None:
        row = self.db.execute(self._storyline_select() + " WHERE l.id = ?", (storyline_id,)).fetchone()
        return self._storyline_dict(row) if row else None

