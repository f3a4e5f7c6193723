"""Listing and search: which pages pass a filter (SQLite FTS5 over titles and text), and each
story's independent sources. A mixin of SqliteStore: it uses the store's connection `db`."""
from __future__ import annotations

from ..records import CONTENT_FARM_AT, PageFilter
from .rows import site_key

# Full-text index of titles and texts, kept by triggers (external content: the text is not stored twice).
FTS_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS pages_fts USING fts5(title, text, content='pages', content_rowid='seq');
CREATE TRIGGER IF NOT EXISTS pages_fts_insert AFTER INSERT ON pages BEGIN
    INSERT INTO pages_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
END;
CREATE TRIGGER IF NOT EXISTS pages_fts_delete AFTER DELETE ON pages BEGIN
    INSERT INTO pages_fts (pages_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
END;
CREATE TRIGGER IF NOT EXISTS pages_fts_update AFTER UPDATE OF title, text ON pages BEGIN
    INSERT INTO pages_fts (pages_fts, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text);
    INSERT INTO pages_fts (rowid, title, text) VALUES (new.seq, new.title, new.text);
END;
"""


class Listing:
    """Listing methods of SqliteStore (a mixin: it uses the store's `db` and `_has_table`)."""

    def matching_pages(self, where: PageFilter) -> list[tuple[str, str | None]]:
        """(page id, story) of the stored articles that pass the filter, in the order they were added."""
        sql, args = ["status = 'ok'"], []
        if where.since:
            sql.append("published_value >= ?")
            args.append(where.since)
        if where.until:
            sql.append("published_value <= ?")
            args.append(where.until)
        if where.site:
            site = where.site.lower()
            sql.append("(lower(site_name) = ? OR instr(lower(coalesce(url, '')), '://' || ?) > 0 "
                       "OR instr(lower(coalesce(url, '')), '.' || ?) > 0)")
            args += [site, site, site]
        if where.agency:
            sql.append("upper(agency) = upper(?)")
            args.append(where.agency)
        if where.content_farm is not None:
            score = "coalesce(json_extract(content_farm, '$.score'), 0)"
            sql.append(f"{score} >= ?" if where.content_farm else f"{score} < ?")
            args.append(CONTENT_FARM_AT)
        if where.misdated is not None:
            sql.append("coalesce(misdated, 0) = ?")
            args.append(1 if where.misdated else 0)
        if where.story:
            sql.append("story = ?")
            args.append(self.resolve_story(where.story) or where.story)
        words = [w for w in (where.query or "").replace('"', " ").replace("\x00", " ").split()]
        if words:
            if self._has_table("pages_fts"):
                sql.append("seq IN (SELECT rowid FROM pages_fts WHERE pages_fts MATCH ?)")
                args.append(" ".join('"' + w.replace('"', '""') + '"' for w in words))  # every word, literally
            else:  # a read-only store from before full-text search
                for w in words:
                    sql.append("(instr(lower(coalesce(title, '')), ?) > 0 OR instr(lower(coalesce(text, '')), ?) > 0)")
                    args += [w.lower(), w.lower()]
        elif (where.query or "").strip():  # only quotes: no word to look for, so no page (not every page)
            sql.append("0")
        rows = self.db.execute(f"SELECT id, story FROM pages WHERE {' AND '.join(sql)} ORDER BY seq", args)
        return [(r[0], r[1]) for r in rows]

    def page_facts(self) -> list[dict]:
        """Per stored article in a story, what the story list counts: its site, whether it is a
        copy, its agency, its content-farm score and whether it is misdated."""
        rows = self.db.execute(
            "SELECT story, site_name, url, source, duplicate_of, agency, "
            "json_extract(content_farm, '$.score') AS farm_score, misdated FROM pages "
            "WHERE status = 'ok' AND story IS NOT NULL")
        return [dict(r) for r in rows]

    def story_sources(self, story_id: str | None = None) -> dict[str, int]:
        """story -> its independent sources: distinct sites of its pages, a copy group counting once
        (every story, or one)."""
        sites: dict[str, set[str]] = {}
        for story, site, url, source in self.db.execute(
                "SELECT story, site_name, url, source FROM pages WHERE status = 'ok' AND story IS NOT NULL "
                "AND duplicate_of IS NULL" + (" AND story = ?" if story_id else ""), (story_id,) if story_id else ()):
            sites.setdefault(story, set()).add(site_key(site, url, source))
        return {story: len(found) for story, found in sites.items()}
