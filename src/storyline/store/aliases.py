"""Ids that keep resolving when stories and storylines are recomputed.

A story or storyline id is a name users keep (a bookmark, a URL of the web reader, a note). When a
recompute (`rebuild`, `delete`, `run --update`, a storyline merge) makes an id vanish, it becomes an
alias of the story or storyline that now holds most of its pages, as a merged story's id already
does. Before the recompute the store notes where every page was (`remember_placements`, in tables
of the store, empty between recomputes: memory does not follow the store, and a `run --update`
stopped after it replaced pages but before its recompute leaves their notes to the next run); after
it, `carry_ids_over` aliases each vanished id, and moves the aliases of before onto the new ids.
"""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from .rows import chunks

# (kind, alias table, its target column, the live table): stories, then storylines.
_KINDS = (("story", "story_aliases", "story", "stories"), ("storyline", "storyline_aliases", "storyline", "storylines"))
# The story or storyline a page is in now, as SQL over `pages p`.
_NOW = {"story": "p.story", "storyline": "(SELECT storyline FROM stories WHERE id = p.story)"}


class AliasTables:
    """Alias methods of SqliteStore (a mixin: it uses the store's connection `db`)."""

    def remember_placements(self, pages: Iterable[str] | None = None) -> bool:
        """Note each page's story and storyline, and the aliases, before they are all recomputed;
        `pages`: only these, about to be replaced by their new version (`run --update`, whose
        whole-store recompute comes later in the run). A page noted earlier keeps its first note.
        Returns whether this call began the notes: a recompute inside another one (the relinking
        of an older store's storylines inside a rebuild) leaves carry_ids_over to the outer one."""
        began = not self._noted()
        select = ("INSERT OR IGNORE INTO placed_before SELECT p.id, p.story, s.storyline "
                  "FROM pages p JOIN stories s ON s.id = p.story")
        if pages is not None:
            for chunk, marks in chunks(sorted(set(pages))):
                self.db.execute(f"{select} WHERE p.id IN ({marks})", chunk)
            return began
        self.db.execute(select)
        for kind, table, target, _live in _KINDS:
            self.db.execute(f"INSERT OR IGNORE INTO aliases_before SELECT ?, alias, {target} FROM {table}", (kind,))
        return began

    def pages_by_story_of_storylines(self, storylines: Iterable[str], left: Mapping[str, str | None] = {}
                                     ) -> dict[str, dict[str, int]]:
        """storyline -> {story: its pages}, for these storylines as stored, and for the stories
        that left them (`left`: story -> its storyline) by merging into another story: that story."""
        wanted = set(storylines)
        out: dict[str, dict[str, int]] = {}
        for chunk, marks in chunks(sorted(wanted)):
            for line, story, pages in self.db.execute(
                    f"SELECT s.storyline, p.story, count(*) FROM pages p JOIN stories s ON s.id = p.story "
                    f"WHERE s.storyline IN ({marks}) GROUP BY s.storyline, p.story", chunk):
                out.setdefault(line, {})[story] = pages
        for story, line in sorted(left.items(), key=lambda kv: kv[0]):
            joined = self.resolve_story(story) if line in wanted else None
            if joined is not None and joined != story:
                pages = self.db.execute("SELECT count(*) FROM pages WHERE story = ?", (joined,)).fetchone()[0]
                out.setdefault(line, {}).setdefault(joined, pages)
        return out

    def alias_gone_storylines(self, before: dict[str, dict[str, int]]) -> None:
        """Storylines deleted by a run (`before`: their pages by story, as pages_by_story_of_storylines
        gave them) become aliases of the storyline that now holds most of their pages."""
        for line, stories in sorted(before.items()):
            if self.db.execute("SELECT 1 FROM storylines WHERE id = ?", (line,)).fetchone():
                continue
            homes: dict[str, int] = {}
            for story, home in self.storylines_of(stories).items():
                homes[home] = homes.get(home, 0) + stories[story]
            if not homes:
                self.db.execute("DELETE FROM storyline_aliases WHERE storyline = ?", (line,))
                continue
            home = min(homes, key=lambda h: (-homes[h], h))
            self.db.execute("INSERT INTO storyline_aliases VALUES (?, ?) ON CONFLICT (alias) DO UPDATE "
                            "SET storyline = excluded.storyline", (line, home))
            self.db.execute("UPDATE storyline_aliases SET storyline = ? WHERE storyline = ?", (home, line))

    def carry_ids_over(self) -> int:
        """Alias every remembered story and storyline id that no longer exists to the one holding
        most of its pages now (ties: the smaller id); an alias of before follows the pages its story
        held when it merged (story_alias_pages), else its target. An id whose pages all went stays
        unknown. Returns how many ids were aliased."""
        if not self._noted():
            return 0
        carried = 0
        for kind, table, target, live in _KINDS:
            carried += self.db.execute(
                f"""INSERT INTO {table} (alias, {target})
                    SELECT old, new FROM (
                        SELECT b.{kind} AS old, {_NOW[kind]} AS new,
                               row_number() OVER (PARTITION BY b.{kind} ORDER BY count(*) DESC, {_NOW[kind]}) AS rank
                        FROM placed_before b JOIN pages p ON p.id = b.page
                        WHERE b.{kind} IS NOT NULL AND {_NOW[kind]} IS NOT NULL
                        GROUP BY b.{kind}, {_NOW[kind]})
                    WHERE rank = 1 AND old NOT IN (SELECT id FROM {live})
                    ON CONFLICT (alias) DO UPDATE SET {target} = excluded.{target}""").rowcount
            # Aliases of before: to their target if it lives on, else to where its pages went.
            self.db.execute(
                f"""INSERT INTO {table} (alias, {target})
                    SELECT alias, new FROM (
                        SELECT a.alias, coalesce((SELECT id FROM {live} WHERE id = a.target),
                                                 (SELECT {target} FROM {table} WHERE alias = a.target)) AS new
                        FROM aliases_before a WHERE a.kind = ?)
                    WHERE new IS NOT NULL AND alias NOT IN (SELECT id FROM {live})
                    ON CONFLICT (alias) DO UPDATE SET {target} = excluded.{target}""", (kind,))
            if kind == "story":  # a merged story whose pages are known follows them, wherever its target went
                self.db.execute(
                    """INSERT INTO story_aliases (alias, story)
                       SELECT alias, new FROM (
                           SELECT a.alias, p.story AS new,
                                  row_number() OVER (PARTITION BY a.alias ORDER BY count(*) DESC, p.story) AS rank
                           FROM story_alias_pages a JOIN pages p ON p.id = a.page
                           WHERE p.story IS NOT NULL AND a.alias IN (SELECT alias FROM aliases_before)
                           GROUP BY a.alias, p.story)
                       WHERE rank = 1 AND alias NOT IN (SELECT id FROM stories)
                       ON CONFLICT (alias) DO UPDATE SET story = excluded.story""")
                self.db.execute("DELETE FROM story_alias_pages WHERE alias IN (SELECT id FROM stories)")
            # An alias pointing at an id that went (its pages all deleted) names nothing; an id in use is no alias.
            self.db.execute(f"DELETE FROM {table} WHERE alias IN (SELECT id FROM {live}) "
                            f"OR {target} NOT IN (SELECT id FROM {live})")
        self.db.execute("DELETE FROM placed_before")
        self.db.execute("DELETE FROM aliases_before")
        return carried

    def _noted(self) -> bool:
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM placed_before) OR EXISTS (SELECT 1 FROM aliases_before)"
                               ).fetchone()[0] == 1

    def resolve_storyline(self, storyline_id: str) -> str | None:
        """A storyline id as it is now: itself, or the storyline that took most of its pages."""
        if self.db.execute("SELECT 1 FROM storylines WHERE id = ?", (storyline_id,)).fetchone():
            return storyline_id
        try:
            row = self.db.execute("SELECT storyline FROM storyline_aliases WHERE alias = ?", (storyline_id,)).fetchone()
        except sqlite3.OperationalError:  # an older store opened read-only: no aliases yet
            return None
        return row[0] if row else None


