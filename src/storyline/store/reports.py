"""The report tables: each page's entity mentions, and each story's stored report."""
from __future__ import annotations

import json
from collections.abc import Iterable

from .rows import chunks
from .tables import has_table


class ReportTables:
    """Report methods of SqliteStore (a mixin: it uses the store's connection `db`). A store
    from before reports has no such tables until a run upgrades it: reads then find nothing."""

    def _has_reports(self) -> bool:
        return has_table(self.db, "reports")

    def entity_spans(self, page_ids: Iterable[str]) -> dict[str, tuple[str | None, list]]:
        """page -> (content hash it was read from, [[name, type, start], ...])."""
        if not self._has_reports():
            return {}
        out: dict[str, tuple[str | None, list]] = {}
        for chunk, marks in chunks(sorted(set(page_ids))):
            for page, digest, spans in self.db.execute(
                    f"SELECT page, content_hash, spans FROM page_entities WHERE page IN ({marks})", chunk):
                out[page] = (digest, json.loads(spans))
        return out

    def save_entity_spans(self, rows: Iterable[tuple[str, str | None, list]]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO page_entities (page, content_hash, spans) VALUES (?, ?, ?)",
                            [(page, digest, json.dumps(spans, ensure_ascii=False)) for page, digest, spans in rows])

    def stored_report(self, report_id: str) -> tuple[str, dict] | None:
        if not self._has_reports():
            return None
        row = self.db.execute("SELECT fingerprint, report FROM reports WHERE id = ?", (report_id,)).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def save_report(self, report_id: str, fingerprint: str, report: dict) -> None:
        self.db.execute("INSERT OR REPLACE INTO reports (id, fingerprint, report) VALUES (?, ?, ?)",
                        (report_id, fingerprint, json.dumps(report, ensure_ascii=False)))

    def report_entity_names(self) -> dict[str, str]:
        """story or storyline -> the names and aliases of its report's entities, lower-cased in one
        string (what a search over entity names reads), for every stored report."""
        if not self._has_reports():
            return {}
        rows = self.db.execute(
            "SELECT r.id, lower(group_concat(e.value ->> 'name' || ' ' || "
            "(SELECT coalesce(group_concat(a.value, ' '), '') FROM json_each(e.value -> 'aliases') a), ' ')) "
            "FROM reports r, json_each(r.report -> 'entities') e GROUP BY r.id")
        return {rid: names or "" for rid, names in rows}

    def reports_due(self) -> set[str]:
        """Stories (ids as they were then) whose reports a run set out to build and did not finish."""
        if not has_table(self.db, "reports_due"):
            return set()
        return {r[0] for r in self.db.execute("SELECT story FROM reports_due")}

    def add_reports_due(self, story_ids: Iterable[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO reports_due (story) VALUES (?)", [(s,) for s in story_ids])

    def clear_reports_due(self, story_ids: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM reports_due WHERE story = ?", [(s,) for s in story_ids])

    def drop_stale_reports(self) -> None:
        """Reports of stories and storylines that are gone (merged, split, deleted)."""
        self.db.execute("DELETE FROM reports WHERE id NOT IN (SELECT id FROM stories) "
                        "AND id NOT IN (SELECT id FROM storylines)")
        self.db.execute("DELETE FROM page_entities WHERE page NOT IN (SELECT id FROM pages)")
