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

from collections.abc import Iterable, Mapping

from .rows import chunks

# (kind, alias table, its target column, the live table, the aliases' pages): stories, then storylines.
_KINDS = (("story", "story_aliases", "story", "stories", "story_alias_pages"),
          ("storyline", "storyline_aliases", "storyline", "storylines", "storyline_alias_pages"))
_KIND = {k[0]: k for k in _KINDS}
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
        for kind, table, target, _live, _pages in _KINDS:
            self.db.execute(f"INSERT OR IGNORE INTO aliases_before SELECT ?, alias, {target} FROM {table}", (kind,))
        return began

    def pages_of_storylines(self, storylines: Iterable[str], left: Mapping[str, str | None] = {}
                            ) -> dict[str, set[str]]:
        """storyline -> its pages, for these storylines as stored, and for the stories that left them
        (`left`: story -> its storyline) by merging into another story: the pages they held then."""
        wanted = set(storylines)
        out: dict[str, set[str]] = {}
        for chunk, marks in chunks(sorted(wanted)):
            for line, page in self.db.execute(
                    f"SELECT s.storyline, p.id FROM pages p JOIN stories s ON s.id = p.story "
                    f"WHERE s.storyline IN ({marks})", chunk):
                out.setdefault(line, set()).add(page)
        for story, line in sorted(left.items(), key=lambda kv: kv[0]):
            if line in wanted:
                out.setdefault(line, set()).update(r[0] for r in self.db.execute(
                    "SELECT page FROM story_alias_pages WHERE alias = ?", (story,)))
        return out

    def alias_gone_storylines(self, before: dict[str, set[str]]) -> None:
        """Storylines deleted by a run (`before`: their pages, as pages_of_storylines gave them) become
        aliases of the storyline that now holds most of their pages, and keep those pages for later."""
        for line, pages in sorted(before.items()):
            if self.db.execute("SELECT 1 FROM storylines WHERE id = ?", (line,)).fetchone():
                continue
            self.db.executemany("INSERT OR IGNORE INTO storyline_alias_pages VALUES (?, ?)",
                                [(line, page) for page in sorted(pages)])
            self._follow_pages("storyline", "a.alias = ?", [line])
            home = self.db.execute("SELECT storyline FROM storyline_aliases WHERE alias = ?", (line,)).fetchone()
            if home is None:  # its pages are in no storyline: nothing to name
                self.db.execute("DELETE FROM storyline_aliases WHERE storyline = ?", (line,))
            else:  # the aliases that named it name its successor
                self.db.execute("UPDATE storyline_aliases SET storyline = ? WHERE storyline = ?", (home[0], line))

    def carry_ids_over(self) -> None:
        """After a whole-store recompute: every noted story and storyline id that no longer exists
        keeps the pages it held (story_alias_pages, storyline_alias_pages), and every alias with pages,
        of now or of before, names the story or storyline holding most of them now (ties: the
        smaller id). An alias of before without pages follows its target. An id whose pages all went
        names nothing."""
        if not self._noted():
            return
        for kind, table, target, live, pages_table in _KINDS:
            self.db.execute(f"INSERT OR IGNORE INTO {pages_table} SELECT {kind}, page FROM placed_before "
                            f"WHERE {kind} IS NOT NULL AND {kind} NOT IN (SELECT id FROM {live})")
            # Aliases of before: to their target if it lives on, else to where that target's pages went.
            self.db.execute(
                f"""INSERT INTO {table} (alias, {target})
                    SELECT alias, new FROM (
                        SELECT a.alias, coalesce((SELECT id FROM {live} WHERE id = a.target),
                                                 (SELECT {target} FROM {table} WHERE alias = a.target)) AS new
                        FROM aliases_before a WHERE a.kind = ?)
                    WHERE new IS NOT NULL AND alias NOT IN (SELECT id FROM {live})
                    ON CONFLICT (alias) DO UPDATE SET {target} = excluded.{target}""", (kind,))
            self._follow_pages(kind)
            self.db.execute(f"DELETE FROM {pages_table} WHERE alias IN (SELECT id FROM {live})")
            # An alias pointing at an id that went (its pages all deleted) names nothing; an id in use is no alias.
            self.db.execute(f"DELETE FROM {table} WHERE alias IN (SELECT id FROM {live}) "
                            f"OR {target} NOT IN (SELECT id FROM {live})")
        self.db.execute("DELETE FROM placed_before")
        self.db.execute("DELETE FROM aliases_before")

    def follow_alias_pages(self, kind: str, targets: Iterable[str]) -> None:
        """The aliases that name these stories or storylines (`kind`) follow their pages again: a hand
        split moved some of them away."""
        for chunk, marks in chunks(sorted(set(targets))):
            self._follow_pages(kind, f"a.alias IN (SELECT alias FROM {_KIND[kind][1]} WHERE {kind} IN ({marks}))", chunk)

    def _follow_pages(self, kind: str, where: str = "1", args: list = ()) -> None:
        """Aliases with pages (`where` over `a`, the pages table) name the holder of most of them now."""
        _kind, table, target, live, pages_table = _KIND[kind]
        self.db.execute(
            f"""INSERT INTO {table} (alias, {target})
                SELECT alias, new FROM (
                    SELECT a.alias, {_NOW[kind]} AS new,
                           row_number() OVER (PARTITION BY a.alias ORDER BY count(*) DESC, {_NOW[kind]}) AS rank
                    FROM {pages_table} a JOIN pages p ON p.id = a.page
                    WHERE {_NOW[kind]} IS NOT NULL AND a.alias NOT IN (SELECT id FROM {live}) AND {where}
                    GROUP BY a.alias, {_NOW[kind]})
                WHERE rank = 1
                ON CONFLICT (alias) DO UPDATE SET {target} = excluded.{target}""", args)

    def _noted(self) -> bool:
        return self.db.execute("SELECT EXISTS (SELECT 1 FROM placed_before) OR EXISTS (SELECT 1 FROM aliases_before)"
                               ).fetchone()[0] == 1

    def resolve_storyline(self, storyline_id: str) -> str | None:
        """A storyline id as it is now: itself, or the storyline that took most of its pages."""
        if self.db.execute("SELECT 1 FROM storylines WHERE id = ?", (storyline_id,)).fetchone():
            return storyline_id
        if not self.has_storyline_aliases():
            return None
        row = self.db.execute("SELECT storyline FROM storyline_aliases WHERE alias = ?", (storyline_id,)).fetchone()
        return row[0] if row else None


