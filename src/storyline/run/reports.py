"""Reports from the store: read a story's (or a storyline's) pages as report records and
call the report stage. Only this side touches the store."""
from __future__ import annotations

from datetime import date

from ..report import Report, ReportPage, build_report
from ..store import SqliteStore

COPY_RELATIONS = ("exact", "near", "contained")


def report_page(row: dict) -> ReportPage:
    published = (row.get("published") or {}).get("value")
    return ReportPage(id=row["id"], text=row.get("text") or "", title=row.get("title"),
                      day=date.fromisoformat(published) if published else None,
                      site=row.get("site_name"), agency=row.get("agency"),
                      original=row["duplicate_of"] if row.get("relation") in COPY_RELATIONS else None)


def story_report(store: SqliteStore, story_ids: list[str]) -> Report:
    rows = [r for s in story_ids for r in store.pages(story=s) if r.get("status") == "ok"]
    return build_report([report_page(r) for r in rows])
