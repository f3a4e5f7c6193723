"""Reports from the store: read a story's (or a storyline's) pages as report records, call
the report stage, and keep what it costs to redo. Only this side touches the store.

What is kept: each page's entity mentions (NER is most of a report's cost: about 7× the
extraction of the page), by page version, so a page added to a 500-page story costs one
page of NER; and each report with the fingerprint of the pages it was built from (their
ids, versions, dates, copy links and sources), so `show` reads it back while none changed.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date

from ..report import Report, ReportPage, build_report
from ..report.entities import Span, page_spans
from ..records import COPY_RELATIONS
from ..schema import report_json
from ..store import SqliteStore

REPORT_VERSION = "1"  # bump when the report stage changes what it gives: stored reports are rebuilt
SPANS_VERSION = "en_core_web_sm-3.8/1"  # bump with the NER model or its reading: kept mentions are read again
MIN_PAGES_AT_RUN = 2  # a run builds reports of stories this large; smaller ones are built by `show`


def report_page(row: dict) -> ReportPage:
    published = (row.get("published") or {}).get("value")
    return ReportPage(id=row["id"], text=row.get("text") or "", title=row.get("title"),
                      day=date.fromisoformat(published) if published else None,
                      site=row.get("site_name"), agency=row.get("agency"),
                      original=row["duplicate_of"] if row.get("relation") in COPY_RELATIONS else None)


def text_hashes(pages: list[ReportPage]) -> dict[str, str]:
    """A hash of each page's text as stored (forensics rewrites it when it removes injections),
    with the NER model's version: what the kept entity mentions were read from."""
    return {p.id: hashlib.sha1(f"{SPANS_VERSION}\n{p.text}".encode("utf-8", "surrogatepass")).hexdigest()
            for p in pages}


def _fingerprint(pages: list[ReportPage], hashes: dict[str, str | None]) -> str:
    parts = sorted((p.id, hashes.get(p.id) or "", str(p.day), p.original or "", p.source) for p in pages)
    return hashlib.sha1(json.dumps([REPORT_VERSION, parts]).encode("utf-8", "surrogatepass")).hexdigest()


def _spans(store: SqliteStore, pages: list[ReportPage], hashes: dict[str, str | None],
           writable: bool) -> list[list[Span]]:
    """Each page's entity mentions: kept ones for the same page version, NER for the others. A
    copy names what its original names (a farm's copy adds spam, not people): it takes its
    original's mentions when the original is in the story, and NER never reads it."""
    at = {p.id: i for i, p in enumerate(pages)}
    copies = {i: at[p.original] for i, p in enumerate(pages) if p.original in at}
    kept = store.entity_spans(p.id for i, p in enumerate(pages) if i not in copies)
    fresh = [i for i, p in enumerate(pages)
             if i not in copies and (p.id not in kept or kept[p.id][0] != hashes.get(p.id))]
    found = page_spans([pages[i].text for i in fresh])
    out = [[Span(*s) for s in kept[p.id][1]] if p.id in kept else [] for p in pages]
    for i, spans in zip(fresh, found):
        out[i] = spans
    for i, original in copies.items():
        out[i] = out[original]
    if writable and fresh:
        store.save_entity_spans((pages[i].id, hashes.get(pages[i].id), [[s.key, s.type, s.start] for s in out[i]])
                                for i in fresh)
    return out


def report_of(store: SqliteStore, report_id: str, story_ids: list[str], *, writable: bool = False) -> dict:
    """The report (as `show --json` prints it) of these stories' pages, read back when stored
    for the same pages, else built (and stored when `writable`)."""
    return _report(store, report_id, story_ids, writable)[0]


def stored_report_of(store: SqliteStore, report_id: str, story_ids: list[str]) -> dict | None:
    """The stored report of these stories' pages when it is up to date, else None (nothing built:
    a reader that must answer fast asks this first)."""
    pages, hashes, fingerprint = _pages_of(store, story_ids)
    stored = store.stored_report(report_id)
    return stored[1] if stored is not None and stored[0] == fingerprint else None


def _pages_of(store: SqliteStore, story_ids: list[str]) -> tuple[list[ReportPage], dict[str, str], str]:
    rows = [r for s in story_ids for r in store.pages(story=s) if r.get("status") == "ok"]
    pages = [report_page(r) for r in rows]
    hashes = text_hashes(pages)
    return pages, hashes, _fingerprint(pages, hashes)


def _report(store: SqliteStore, report_id: str, story_ids: list[str], writable: bool) -> tuple[dict, bool]:
    """(report, whether it was built now rather than read back)."""
    pages, hashes, fingerprint = _pages_of(store, story_ids)
    stored = store.stored_report(report_id)
    if stored is not None and stored[0] == fingerprint:
        return stored[1], False
    report: Report = build_report(pages, _spans(store, pages, hashes, writable))
    out = report_json(report)
    if writable:
        store.save_report(report_id, fingerprint, out)
    return out, True


def refresh_reports(store: SqliteStore, story_ids: set[str]) -> int:
    """Build the reports of these stories (those of MIN_PAGES_AT_RUN pages or more) that are
    missing or out of date; drop those of stories gone. Returns how many were built."""
    sizes = {s["id"]: s["page_count"] for s in (store.story(i) for i in story_ids) if s is not None}
    built = 0
    # No transaction around the work: NER takes seconds per story, and another run waiting for the
    # write lock would time out. Each report and each page's mentions is written on its own
    # (autocommit), so a run killed here keeps what it wrote, and `show` builds the rest.
    for story_id in sorted(s for s, n in sizes.items() if n >= MIN_PAGES_AT_RUN):
        built += _report(store, story_id, [story_id], writable=True)[1]
    with store.transaction():
        store.drop_stale_reports()
    return built
