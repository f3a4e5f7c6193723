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
import logging
from itertools import chain, islice
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from ..report import Report, ReportPage, build_report
from ..report.entities import Span, page_spans
from ..records import COPY_RELATIONS
from ..schema import report_json
from ..store import SqliteStore
from .workers import NER_PRELOAD, pool_map, preloaded

log = logging.getLogger(__name__)

REPORT_VERSION = "3"  # bump when the report stage changes what it gives: stored reports are rebuilt
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


@dataclass(slots=True)
class ReportJob:
    """What building one report needs, read from the store: a function of this alone builds it,
    in this process, a worker process or on a Dask worker."""

    report_id: str
    pages: list[ReportPage]
    hashes: dict[str, str]  # page -> hash of the text its mentions are read from
    fingerprint: str
    kept: dict[str, list]  # page -> its kept mentions ([[key, type, start], ...]) for the same text


@dataclass(slots=True)
class ReportBuilt:
    report_id: str
    fingerprint: str
    report: dict  # as `show --json` prints it
    fresh: list[tuple[str, str, list]]  # (page, text hash, mentions) read by NER now: to keep


def build_job(job: ReportJob) -> ReportBuilt:
    """Build one report from its job; touches no store. Each page's entity mentions are the kept
    ones, else NER's. A copy names what its original names (a farm's copy adds spam, not people):
    it takes its original's mentions when the original is in the report, and NER never reads it."""
    pages = job.pages
    at = {p.id: i for i, p in enumerate(pages)}
    copies = {i: at[p.original] for i, p in enumerate(pages) if p.original in at}
    fresh = [i for i, p in enumerate(pages) if i not in copies and p.id not in job.kept]
    found = page_spans([pages[i].text for i in fresh])
    spans = [[Span(*s) for s in job.kept.get(p.id, ())] for p in pages]
    for i, page_found in zip(fresh, found):
        spans[i] = page_found
    for i, original in copies.items():
        spans[i] = spans[original]
    report: Report = build_report(pages, spans)
    return ReportBuilt(job.report_id, job.fingerprint, report_json(report),
                       [(pages[i].id, job.hashes[pages[i].id], [[s.key, s.type, s.start] for s in spans[i]])
                        for i in fresh])


def _job(store: SqliteStore, report_id: str, story_ids: list[str]) -> tuple[ReportJob, tuple[str, dict] | None]:
    """The job of a report, and the report stored under its id (fingerprint, report) if any."""
    pages, hashes, fingerprint = _pages_of(store, story_ids)
    at = {p.id for p in pages}
    readers = [p.id for p in pages if p.original not in at]
    kept = {page: spans for page, (digest, spans) in store.entity_spans(readers).items() if digest == hashes.get(page)}
    return ReportJob(report_id, pages, hashes, fingerprint, kept), store.stored_report(report_id)


def _save(store: SqliteStore, built: ReportBuilt) -> None:
    if built.fresh:
        store.save_entity_spans(built.fresh)
    store.save_report(built.report_id, built.fingerprint, built.report)


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
    job, stored = _job(store, report_id, story_ids)
    if stored is not None and stored[0] == job.fingerprint:
        return stored[1], False
    built = build_job(job)
    if writable:
        _save(store, built)
    return built.report, True


Mapper = Callable[[Callable[[ReportJob], ReportBuilt], Iterable[ReportJob]], Iterable[ReportBuilt]]


def serial_map(fn: Callable[[ReportJob], ReportBuilt], jobs: Iterable[ReportJob]) -> Iterator[ReportBuilt]:
    return map(fn, jobs)


def report_mapper(workers: int) -> Mapper:
    """Reports in `workers` processes (NER is most of a run's time after extraction). Where they
    start with the NER model loaded (forked from a fork server that loaded it for the extraction
    workers, run/preload.py), even one worker builds them there: here, the model would be loaded
    once more. Where each would load the model itself, one worker or one report runs here."""
    model_loaded = preloaded(NER_PRELOAD)  # unless it failed there: then each report says why
    if workers <= 1 and not model_loaded:
        return serial_map

    def in_processes(fn: Callable[[ReportJob], ReportBuilt], jobs: Iterable[ReportJob]) -> Iterator[ReportBuilt]:
        def failed(job: ReportJob, err: BaseException) -> None:
            log.warning("the report of %s could not be built (%s: %s); `show` builds it later",
                        job.report_id, type(err).__name__, err)
        jobs = iter(jobs)
        head = list(islice(jobs, 2))
        if not head or len(head) < 2 and not model_loaded:
            return map(fn, head)
        return pool_map(fn, chain(head, jobs), max(1, workers), on_error=failed)
    return in_processes


def refresh_reports(store: SqliteStore, story_ids: set[str], mapper: Mapper = serial_map) -> int:
    """Build the reports of these stories (those of MIN_PAGES_AT_RUN pages or more) that are
    missing or out of date; drop those of stories gone. Returns how many were built. `mapper`
    runs `build_job` over the jobs (in this process, worker processes, a Dask cluster), in any
    order; the jobs are read from the store as it asks for them."""
    sizes = {s["id"]: s["page_count"] for s in (store.story(i) for i in story_ids) if s is not None}

    def jobs() -> Iterator[ReportJob]:
        for story_id in sorted(s for s, n in sizes.items() if n >= MIN_PAGES_AT_RUN):
            job, stored = _job(store, story_id, [story_id])
            if stored is None or stored[0] != job.fingerprint:
                yield job

    built = 0
    # No transaction around the work: NER takes seconds per story, and another run waiting for the
    # write lock would time out. Each report and its pages' mentions is written on its own
    # (autocommit), so a run killed here keeps what it wrote, and `show` builds the rest.
    for done in mapper(build_job, jobs()):
        _save(store, done)
        built += 1
    with store.transaction():
        store.drop_stale_reports()
    return built
