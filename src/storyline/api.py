"""The Python API; the CLI is a thin layer over it.

    from storyline import Storyline, extract
    with Storyline("news.db") as sl:
        summary = sl.run(["pages/"])
        for story in sl.stories(): ...
"""
from __future__ import annotations

import logging
from contextlib import nullcontext
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TextIO

from .errors import UsageError
from .export import FORMATS, write_jsonl, write_tables
from .config import Config, load_config
from .read import check_inputs, read_inputs
from .records import Page, PageFilter, Skipped
from .run import RunSummary, run_pipeline
from .extract import extract_page
from .forensics import judge_alone
from .run.edits import merge_stories, split_story
from .run.rebuild import delete_pages, rebuild
from .run.reports import report_of, stored_report_of
from .run.workers import run_in_workers
from .schema import (COPY_LINK_FIELDS, MEMBER_FIELDS, PAGE_FIELDS, REPORT_ROW_FIELDS, STORY_FIELDS, STORYLINE_FIELDS,
                     article_json, public_page, skipped_json)
from .store import SqliteStore

log = logging.getLogger(__name__)

# Story orders, each (key, descending): newest first (undated last), most pages, most sources.
SORTS = {"date": (lambda s: s["last_date"] or "", True), "size": (lambda s: s["page_count"], True),
         "sources": (lambda s: s["sources"], True)}


class Storyline:
    """A pile of pages in an embedded store: ingest, then list stories and pages."""

    def __init__(self, db: str | Path = "storyline.db", config: Config | None = None, *,
                 read_only: bool = False) -> None:
        """Open (or create) the store at `db`; `read_only` never writes nor waits for a writer."""
        self.config = config or load_config()
        self.store = SqliteStore(db, read_only=read_only)

    def __enter__(self) -> "Storyline":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.store.close()

    def run(self, inputs: Iterable[str | Path], *, workers: int = 1,
            progress: Callable[[int], None] | None = None, phase: Callable[[str], None] | None = None,
            update: bool = False, reports: bool = True) -> RunSummary:
        """Read, extract, deduplicate and group `inputs` (files, folders, '-' for stdin). `update`:
        a stored page whose id comes with new content is replaced by the new version. `reports`:
        build the changed stories' reports (NER over their pages' text) now rather than at `show`."""
        inputs = [str(i) for i in inputs]
        unread = check_inputs(inputs)
        summary = run_pipeline(inputs, self.store, self.config, workers=workers, progress=progress, phase=phase,
                               update=update, reports=reports)
        summary.unread = [str(f) for f in unread]
        return summary

    def add(self, records: Iterable[Page | Skipped], *, reports: bool = True) -> RunSummary:
        """Run pages already read (`read.read_stream` of an upload, say) through the same pipeline
        and store as `run`: a page the store holds is not added twice."""
        return run_pipeline([], self.store, self.config, reports=reports, records=records)

    def load(self, prepared_dir: str | Path, *, reports: bool = True, workers: int = 1,
             scheduler: str | None = None, progress: Callable[[int], None] | None = None,
             phase: Callable[[str], None] | None = None) -> RunSummary:
        """Store the pages a scaled-out run prepared (`run --engine dask`, run/dask_engine.py) and
        run the stages after extraction on them, as `run` does: the store ends as a local run
        of the same inputs would leave it. Reports are built on the Dask cluster at `scheduler`
        when given, else in `workers` processes. `progress` and `phase` are told as in `run`."""
        from .run.dask_engine import dask_report_mapper, judged_candidates
        from .run.prepared_dir import pages_of, prepared_files
        files = prepared_files(prepared_dir, self.config)  # checked once, before anything is stored
        # The cluster's copy pairs serve a store with no page yet (run_pipeline): they are those
        # among the folder's pages alone.
        judged = None if self.store.counts()["pages"] else judged_candidates(prepared_dir, files)

        def altered() -> None:  # a row changed after the run: the pairs may miss what it held
            if judged is not None and not judged.withdrawn:
                judged.withdrawn = True
                log.warning("a row of %s was altered after the run: copies are found in load from there on",
                            prepared_dir)
        return run_pipeline([], self.store, self.config, reports=reports, workers=workers, progress=progress,
                            phase=phase, prepared=pages_of(files, self.config, altered), judged=judged,
                            reports_on=dask_report_mapper(scheduler) if scheduler else None)

    def report(self, story_or_storyline: str, *, build: bool = True) -> dict | None:
        """The report of a story or a storyline (entities, quotes, claims, timeline, summary):
        read back when stored and up to date, else built (and stored, unless read-only). With
        `build=False`, None instead of building: a reader that must answer fast asks this first."""
        line = self.store.storyline(self.store.resolve_storyline(story_or_storyline) or story_or_storyline)
        if line is not None:
            report_id, story_ids = line["id"], line["stories"]
        else:
            resolved = self.store.resolve_story(story_or_storyline)
            if resolved is None:
                return None
            report_id, story_ids = resolved, [resolved]
        if not build:
            return stored_report_of(self.store, report_id, story_ids)
        return report_of(self.store, report_id, story_ids, writable=not self.store.read_only)

    def rebuild(self, stage: str = "copies") -> RunSummary:
        """Recompute `stage` (copies, dates, stories, storylines) and every stage after it from the stored
        pages, with this store's current settings (after a change of settings or of the join model)."""
        return rebuild(self.store, stage, self.config)

    def delete(self, page_ids: Iterable[str] = (), *, sources: Iterable[str] = ()) -> tuple[int, RunSummary]:
        """Remove pages (by id, or by the source they were read from: a file, a URL, or a container
        with all its records) and recompute copies, dates, stories and storylines without them.
        Returns how many pages went, and the recomputation's summary."""
        ids = list(page_ids) + self.store.page_ids_of_sources(sources)
        return delete_pages(self.store, ids, self.config)

    def merge_stories(self, keep: str, other: str) -> str:
        """Merge `other` into `keep` by hand; later runs keep them together. Returns `keep`'s id."""
        return merge_stories(self.store, keep, other, self.config)

    def split_story(self, story_id: str, page_ids: Iterable[str]) -> str:
        """Move pages (with their copies) out of a story into a new one; later runs keep them apart.
        Returns the new story's id."""
        return split_story(self.store, story_id, list(page_ids), self.config)

    def stories(self, storyline: str | None = None, *, where: PageFilter | None = None,
                sort: str | None = None, limit: int | None = None) -> list[dict]:
        """Stories, in the order they were opened: all, those of one storyline, or those with a page
        that passes `where`. `sort`: "date" (newest first), "size" (most pages first) or "sources"
        (most independent sources first). Each has `sources`: its distinct sites, a copy group
        counting once."""
        stories = self.store.stories()
        if storyline:
            storyline = self.store.resolve_storyline(storyline) or storyline
            stories = [s for s in stories if s["storyline"] == storyline]
        if where is not None and not where.is_empty():
            keep = {story for _, story in self.store.matching_pages(where)}
            stories = [s for s in stories if s["id"] in keep]
        sources = self.store.story_sources()
        for s in stories:
            s["sources"] = sources.get(s["id"], 0)
        if sort:
            if sort not in SORTS:
                raise UsageError(f"unknown sort {sort!r} (date, size or sources)")
            key, descending = SORTS[sort]
            stories.sort(key=key, reverse=descending)
        return stories[:limit] if limit is not None else stories

    def storylines(self) -> list[dict]:
        return self.store.storylines()

    def show(self, story_id: str, *, report: bool = True) -> dict | None:
        """One story with its pages (without text): which is the original, which are copies,
        and its report (entities, quotes, claims, timeline, summary; `report=False` skips it).
        The id of a story merged into another resolves to that story."""
        resolved = self.store.resolve_story(story_id)
        story = self.store.story(resolved) if resolved else None
        if story is None:
            return None
        story["sources"] = self.store.story_sources(resolved).get(resolved, 0)
        members = self.store.pages(story=resolved, with_text=False)
        story["members"] = [{k: public_page(p)[k] for k in MEMBER_FIELDS} for p in members]
        line = self.store.storyline(story["storyline"]) if story.get("storyline") else None
        story["storyline_name"] = line["name"] if line else None
        if report:
            story.update(report_of(self.store, resolved, [resolved], writable=not self.store.read_only))
        return story

    def show_storyline(self, storyline_id: str, *, report: bool = True) -> dict | None:
        """One storyline with its stories in time order, and the report over all their pages. An id
        that went in a merge or a rebuild gives the storyline that took most of its pages."""
        resolved = self.store.resolve_storyline(storyline_id)
        line = self.store.storyline(resolved) if resolved else None
        if line is None:
            return None
        storyline_id = line["id"]
        stories = [s for s in (self.store.story(i) for i in line["stories"]) if s is not None]
        line["story_list"] = [{k: s[k] for k in ("id", "title", "page_count", "first_date", "last_date")}
                              for s in stories]
        if report:
            line.update(report_of(self.store, storyline_id, line["stories"], writable=not self.store.read_only))
        return line

    def page(self, page_id: str) -> dict | None:
        """One page with its text, or None."""
        found = self.store.pages(page=page_id)
        return {k: public_page(found[0])[k] for k in PAGE_FIELDS} if found else None

    def pages(self, *, errors: bool = False, where: PageFilter | None = None, sort: str | None = None,
              limit: int | None = None) -> list[dict]:
        """Pages in the order they were added (or skipped pages only); those that pass `where`;
        `sort="date"`: newest estimated publication date first."""
        pages = [{k: public_page(p)[k] for k in PAGE_FIELDS} for p in self.store.pages(errors=errors)]
        if where is not None and not where.is_empty():
            keep = {pid for pid, _ in self.store.matching_pages(where)}
            pages = [p for p in pages if p["id"] in keep]
        if sort:
            if sort != "date":
                raise UsageError(f"pages sort by date only, not {sort!r}")
            pages.sort(key=lambda p: (p["published"] or {}).get("value") or "", reverse=True)  # undated last
        return pages[:limit] if limit is not None else pages

    def export(self, out: str | Path | TextIO, format: str = "jsonl") -> int:
        """Write every page, story, storyline, verified copy pair and stored story report: as JSON
        lines to a path or an open text stream ("jsonl"), or as five tables in the folder `out`
        ("csv", "parquet"). Returns the count."""
        if format not in FORMATS:
            raise UsageError(f"unknown export format {format!r} (supported: {', '.join(FORMATS)})")
        stories = self.stories()
        reports = ({"id": s["id"], "report": r} for s in stories if (r := self.report(s["id"], build=False)))
        tables = {"pages": self.pages(), "stories": stories, "storylines": self.storylines(),
                  "copy_links": [dict(zip(COPY_LINK_FIELDS, row)) for row in self.store.copy_links()],
                  "reports": list(reports)}
        if format == "jsonl":
            with (nullcontext(out) if hasattr(out, "write") else open(out, "w", encoding="utf-8")) as handle:
                return write_jsonl(handle, tables)
        if hasattr(out, "write") or str(out) == "-":
            raise UsageError(f"export --format {format} writes a folder of five tables: give its path, not stdout")
        return write_tables(Path(out), tables, {"pages": PAGE_FIELDS, "stories": STORY_FIELDS,
                                                "storylines": STORYLINE_FIELDS, "copy_links": COPY_LINK_FIELDS,
                                                "reports": REPORT_ROW_FIELDS}, format)


def extract(inputs: Iterable[str | Path], config: Config | None = None, *, workers: int = 1) -> Iterator[dict]:
    """Stateless: one JSON-ready dict per page (clean text and metadata), no store.

    Pages are extracted in worker processes, under the same per-page time and
    memory limits as `Storyline.run`.
    """
    config = config or load_config()
    for result in run_in_workers(read_inputs([str(i) for i in inputs], config), extract_page, config, workers):
        yield skipped_json(result) if isinstance(result, Skipped) else article_json(result, judge_alone(result))
