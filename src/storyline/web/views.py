"""What each page of the web reader shows, as JSON-ready dicts: the HTML templates and the JSON
API render the same view. Views read through the Python API (`Storyline`), never SQLite.

The story list is what most requests ask for, so its per-story facts (sources, content-farm
share, misdated pages, names) are computed once per generation of the store and kept in
memory: a run, an upload or an edit moves the generation, and the next request recomputes them.
"""
from __future__ import annotations

import logging
import math
import os
import threading
import time
from datetime import date
from concurrent.futures import ThreadPoolExecutor, TimeoutError as Pending
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields
from pathlib import Path

from ..api import SORTS, Storyline
from ..records import CONTENT_FARM_AT, COPY_RELATIONS, PageFilter
from ..run.workers import ProcessPool
from ..schema import public_page
from ..store.rows import site_key
from .diff import side_by_side, title_segments

PER_PAGE, MAX_PER_PAGE = 25, 100
MAX_QUEUED = 32
# How long a view waits for a report it had to start building. 0.1 s is the bound under which a
# response still feels immediate; a longer build (NER of a long page takes up to ~0.4 s) shows the
# rest of the page at once, and the page reloads itself once (PENDING_REFRESH) to show the report.
REPORT_WAIT = 0.1
PENDING_REFRESH = 2  # seconds
# The report builder is a child process at this niceness: NER is background work, and on a busy
# server it must not take the CPU (or the GIL) from the requests being answered.
BUILDER_NICENESS = 10
SEARCHES = 256
log = logging.getLogger(__name__)


class ReportUnavailable(RuntimeError):
    """A report that could not be built; the page is shown without it, saying so."""


class BadRequest(ValueError):
    """A query the reader cannot answer as asked (400), with a message for the user."""


class PastTheEnd(LookupError):
    """A page of a list beyond its last (404), with a message for the user."""


@dataclass(slots=True)
class ListQuery:
    """The story list's search, filters, order and page, as the URL gives them."""

    q: str | None = None  # words in titles, texts or entity names (all of them)
    sort: str = "date"  # date (newest first), size (most pages), sources (most independent sources)
    since: str | None = None  # YYYY-MM-DD: a page estimated on or after this day
    until: str | None = None
    site: str | None = None
    agency: str | None = None
    min_farm: float | None = None  # share of the story's pages that are content-farm copies, 0..1
    max_farm: float | None = None
    misdated: bool | None = None  # True: a misdated page in it; False: none
    storyline: str | None = None
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def from_params(cls, params) -> "ListQuery":
        """From query parameters; an unreadable value is a BadRequest naming it."""
        out = cls()
        for name in ("q", "site", "agency", "storyline"):
            value = (params.get(name) or "").strip()
            setattr(out, name, value[:200] or None)
        out.sort = params.get("sort") or "date"
        if out.sort not in SORTS:
            raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not {out.sort[:40]!r}")
        for name in ("since", "until"):
            value = (params.get(name) or "").strip()
            if value:
                if not _is_day(value):
                    raise BadRequest(f"{name} must be a day as YYYY-MM-DD, not {value[:40]!r}")
                setattr(out, name, value)
        for name in ("min_farm", "max_farm"):
            value = (params.get(name) or "").strip()
            if value:
                try:
                    share = float(value)
                except ValueError:
                    share = math.nan
                if not 0.0 <= share <= 1.0:
                    raise BadRequest(f"{name} must be a share between 0 and 1, not {value[:40]!r}")
                setattr(out, name, share)
        misdated = (params.get("misdated") or "").strip().lower()
        if misdated:
            if misdated not in ("yes", "no", "true", "false", "1", "0"):
                raise BadRequest("misdated must be yes or no")
            out.misdated = misdated in ("yes", "true", "1")
        out.page, out.per_page = page_params(params)
        return out

    def params(self, **change) -> dict:
        """This query as URL parameters (defaults left out), with some changed: for links."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(change)
        defaults = ListQuery()
        out = {}
        for name, value in values.items():
            if value is None or value == getattr(defaults, name):
                continue
            out[name] = ("yes" if value else "no") if isinstance(value, bool) else value
        return out


def page_params(params) -> tuple[int, int]:
    """(page, per_page) of a list, as the URL gives them: the story list and a story's pages."""
    return (_int(params.get("page"), "page", 1, 1, 1_000_000),
            _int(params.get("per_page"), "per_page", PER_PAGE, 1, MAX_PER_PAGE))


def paging(total: int, page: int, per_page: int, counted: str) -> dict:
    """{total, page, per_page, pages, next_page, previous_page} of a list of `total` items
    (`counted`: them, for a message: "the 31 stories listed"). A page beyond the last is
    PastTheEnd; page 1 of an empty list is a page (it says there is nothing)."""
    pages = max(1, -(-total // per_page))
    if page > pages:
        raise PastTheEnd(f"there is no page {page}: {counted} fill {pages} page{'s' if pages != 1 else ''} "
                         f"of {per_page}" if total else f"there is no page {page}: the list is empty")
    return {"total": total, "page": page, "per_page": per_page, "pages": pages,
            "next_page": page + 1 if page < pages else None, "previous_page": page - 1 if page > 1 else None}


def _is_day(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _int(value, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {str(value)[:40]!r}") from None
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return number


def _start_builder(server_pid: int) -> None:
    """In the builder process, first: lower its priority, and end it when the server is gone (a
    server killed outright never tells its children)."""
    os.nice(BUILDER_NICENESS)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(server_pid, 0)
            except (ProcessLookupError, PermissionError):  # gone (or its pid taken by another user's process)
                os._exit(0)
    threading.Thread(target=watch, daemon=True, name="storyline-server-watch").start()


def build_report_into(db: str, config, story_or_line: str) -> dict:
    """In the builder process: build the report and store it; returns it."""
    with Storyline(db, config) as writer:
        return writer.report(story_or_line) or {}


class Reader:
    """Read access to one store for many request threads: a read-only `Storyline` per thread
    (an SQLite connection belongs to its thread), the story list's facts cached per store state,
    and one writer at a time for uploads and for reports not yet built."""

    def __init__(self, db: str | Path, config=None, *, report_wait: float = REPORT_WAIT) -> None:
        self.db = Path(db)
        self.config = config
        self.report_wait = report_wait
        self._local = threading.local()
        self._facts: tuple[tuple, dict] | None = None
        self._facts_lock = threading.Lock()
        self._searches: dict[tuple[tuple, str], frozenset[str]] = {}  # (facts, q) -> stories, oldest first
        self._searches_lock = threading.Lock()  # guards _searches; never held while working
        self.write_lock = threading.Lock()
        # Reports not stored yet are built one at a time, off the request threads: a view waits
        # `report_wait` seconds for one, then shows the rest of the page and says it is coming.
        # A thread here queues them and holds `write_lock`; a low-priority child process builds.
        self._builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="storyline-report")
        self._process: ProcessPool | None = None
        self._building: dict[str, object] = {}
        self._building_lock = threading.Lock()

    def storyline(self) -> Storyline:
        sl = getattr(self._local, "sl", None)
        if sl is None:
            sl = self._local.sl = Storyline(self.db, self.config, read_only=True)
        return sl

    def writer(self) -> Storyline:
        """A writable store; hold `write_lock` while using it (SQLite also locks across processes)."""
        return Storyline(self.db, self.config)

    def build_report(self, story_or_line: str) -> dict | None:
        """Have the report built (one at a time, by the writer) and wait `report_wait` for it:
        None while it is not ready. A queue of MAX_QUEUED reports is the most readers may ask
        for at once (each costs NER); beyond it, the page says the report is coming, and a later
        view asks again. A build that fails raises ReportUnavailable."""
        with self._building_lock:
            job = self._building.get(story_or_line)
            if job is None:
                if len(self._building) >= MAX_QUEUED:
                    return None
                job = self._building[story_or_line] = self._builder.submit(self._build, story_or_line)
        try:
            return job.result(timeout=self.report_wait)
        except Pending:
            return None
        except Exception as err:  # the store cannot be written, NER failed, ...
            log.exception("building the report of %s", story_or_line)
            raise ReportUnavailable(f"the report could not be built ({type(err).__name__}); the server's log says "
                                    "why") from err

    def _build(self, story_or_line: str) -> dict:
        try:
            with self.write_lock:
                return self._build_in_child(story_or_line)
        finally:
            with self._building_lock:
                self._building.pop(story_or_line, None)

    def _build_in_child(self, story_or_line: str) -> dict:
        if self._process is None:
            self._process = ProcessPool(1, initializer=_start_builder, initargs=(os.getpid(),))
        try:
            return self._process.submit(build_report_into, str(self.db), self.config, story_or_line).result()
        except BrokenProcessPool:  # the builder died (killed, out of memory): a new one for the next report
            self._process = None
            raise

    def close(self) -> None:
        self._builder.shutdown(wait=False, cancel_futures=True)
        if self._process is not None:
            self._process.shutdown(wait=False, cancel_futures=True)

    def search(self, q: str, facts: dict) -> frozenset[str]:
        """Stories with a page whose title or text holds every word of `q`, or whose report names
        them. Kept per generation of the story list (the last SEARCHES queries): a common word
        matches most stories, and popular searches come back."""
        key = (facts["generation"], q)
        with self._searches_lock:
            found = self._searches.get(key)
        if found is None:
            found = {story for _, story in self.storyline().store.matching_pages(PageFilter(query=q))}
            words = q.replace('"', " ").lower().split()  # as the store reads it: a quote is no word
            found |= {s["id"] for s in facts["stories"]
                      if words and s["_names"] and all(w in s["_names"] for w in words)}
            found = frozenset(found)
            with self._searches_lock:
                if len(self._searches) >= SEARCHES:
                    self._searches.pop(next(iter(self._searches)))
                self._searches[key] = found
        return found

    def story_facts(self) -> dict:
        """{"stories": [story dicts, store order], "by_id": {...}, "sorted": {...}} with each
        story's sources, content-farm share, misdated pages, sites, agencies, storyline name and
        entity names. Recomputed when the store's generation moves (a run, an upload, an edit;
        not a report being stored); meanwhile other requests are served the facts before it."""
        stamp = self.storyline().store.generation()
        cached = self._facts
        if cached is not None and cached[0] == stamp:
            return cached[1]
        if not self._facts_lock.acquire(blocking=cached is None):
            return cached[1]  # another thread is recomputing: the previous facts for now
        try:
            if self._facts is not None and self._facts[0] == stamp:
                return self._facts[1]
            facts = _story_facts(self.storyline())
            facts["generation"] = stamp
            self._facts = (stamp, facts)
            return facts
        finally:
            self._facts_lock.release()


def _story_facts(sl: Storyline) -> dict:
    store = sl.store
    stories = store.stories()
    lines = {line["id"]: line["name"] for line in store.storylines()}
    per_story: dict[str, dict] = {}
    for row in store.page_facts():
        facts = per_story.setdefault(row["story"], {"farm": 0, "misdated": 0, "sites": set(), "agencies": set()})
        facts["farm"] += (row["farm_score"] or 0.0) >= CONTENT_FARM_AT
        facts["misdated"] += bool(row["misdated"])
        if row["duplicate_of"] is None:
            facts["sites"].add(site_key(row["site_name"], row["url"], row["source"]))
        if row["agency"]:
            facts["agencies"].add(row["agency"])
    names = store.report_entity_names()
    for story in stories:
        facts = per_story.get(story["id"], {"farm": 0, "misdated": 0, "sites": set(), "agencies": set()})
        story["sources"] = len(facts["sites"])  # independent sources: the sites of its pages that are no copies
        story["farm_share"] = round(facts["farm"] / story["page_count"], 3) if story["page_count"] else 0.0
        story["misdated_pages"] = facts["misdated"]
        story["sites"] = sorted(facts["sites"])
        story["agencies"] = sorted(facts["agencies"])
        story["storyline_name"] = lines.get(story["storyline"])
        story["_names"] = names.get(story["id"], "")
    return {"stories": stories, "by_id": {s["id"]: s for s in stories},
            "sorted": {name: sorted(stories, key=key, reverse=descending)
                       for name, (key, descending) in SORTS.items()}}


LIST_FIELDS = ("id", "title", "page_count", "sources", "first_date", "last_date", "storyline", "storyline_name",
               "farm_share", "misdated_pages", "sites", "agencies")


def story_list(reader: Reader, query: ListQuery) -> dict:
    """One page of the story list: the stories that pass the search and filters, in order."""
    facts = reader.story_facts()
    stories = facts["sorted"][query.sort]
    keep: set[str] | None = None
    where = PageFilter(since=query.since, until=query.until, site=query.site, agency=query.agency)
    if not where.is_empty():
        keep = {story for _, story in reader.storyline().store.matching_pages(where)}
    if query.q:
        found = reader.search(query.q, facts)
        keep = found if keep is None else keep & found
    chosen = []
    for s in stories:
        if keep is not None and s["id"] not in keep:
            continue
        if query.storyline and s["storyline"] != query.storyline:
            continue
        if query.min_farm is not None and s["farm_share"] < query.min_farm:
            continue
        if query.max_farm is not None and s["farm_share"] > query.max_farm:
            continue
        if query.misdated is not None and (s["misdated_pages"] > 0) != query.misdated:
            continue
        chosen.append(s)
    window = paging(len(chosen), query.page, query.per_page,
                    f"the {len(chosen)} stor{'y' if len(chosen) == 1 else 'ies'} listed")
    start = (query.page - 1) * query.per_page
    return {"stories": [{k: s[k] for k in LIST_FIELDS} for s in chosen[start:start + query.per_page]],
            **window, "query": query.params()}


def _role(page: dict, has_copies: set[str]) -> str:
    relation = page.get("relation")
    if relation in COPY_RELATIONS:
        return "copy"
    if relation in ("version", "rewrite"):
        return relation
    return "original" if page["id"] in has_copies else "report"


def _member(page: dict, has_copies: set[str]) -> dict:
    farm = page.get("content_farm") or {"score": 0.0, "reasons": []}
    return {
        "id": page["id"], "title": page.get("title"), "url": page.get("url"), "source": page.get("source"),
        "site": site_key(page.get("site_name"), page.get("url"), page.get("source") or ""),
        "claimed_date": page.get("claimed_date"), "rendered_date": page.get("rendered_date"),
        "published": page.get("published"), "misdated": bool(page.get("misdated")),
        "role": _role(page, has_copies), "relation": page.get("relation"),
        "duplicate_of": page.get("duplicate_of"), "relation_score": page.get("relation_score"),
        "agency": page.get("agency"), "content_farm": farm,
        "is_content_farm": (farm.get("score") or 0.0) >= CONTENT_FARM_AT,
        "injections": page.get("injections") or [],
    }


def story_view(reader: Reader, story_id: str, page: int = 1, per_page: int = PER_PAGE) -> dict | None:
    """A story: its pages as a sources table, a page of `per_page` at a time as the story list is
    (`paging` says where), its provenance (who copies whom, among them), and its report."""
    sl = reader.storyline()
    story = sl.show(story_id, report=False)
    if story is None:
        return None
    pages = [public_page(p) for p in sl.store.pages(story=story["id"], with_text=False)]
    has_copies = {p["duplicate_of"] for p in pages if p.get("duplicate_of")}  # over all of them: who is an original
    story["paging"] = paging(len(pages), page, per_page, f"the story's {len(pages)} page{'s' if len(pages) != 1 else ''}")
    start = (page - 1) * per_page
    story["members"] = [_member(p, has_copies) for p in pages[start:start + per_page]]
    _with_report(reader, story)
    story["diffs"] = [{"a": m["duplicate_of"], "b": m["id"], "relation": m["relation"]}
                      for m in story["members"] if m["duplicate_of"]]
    return story


def report(reader: Reader, story_or_line: str) -> dict | None:
    """The stored report; else it is built by the writer (NER: about a second per short story) and
    stored for the next reader, and None when that takes longer than the reader waits."""
    found = reader.storyline().report(story_or_line, build=False)
    return found if found is not None else reader.build_report(story_or_line)


def _with_report(reader: Reader, view: dict) -> dict:
    """The view with `report` (None while it is built), `report_pending` and `report_error`."""
    try:
        view["report"], view["report_error"] = report(reader, view["id"]), None
    except ReportUnavailable as err:
        view["report"], view["report_error"] = None, str(err)
    view["report_pending"] = view["report"] is None and view["report_error"] is None
    return view


def storyline_view(reader: Reader, storyline_id: str) -> dict | None:
    sl = reader.storyline()
    line = sl.show_storyline(storyline_id, report=False)
    if line is None:
        return None
    facts = reader.story_facts()["by_id"]
    line["story_list"] = [{k: facts[s["id"]][k] for k in LIST_FIELDS} if s["id"] in facts else s
                          for s in line["story_list"]]
    line["story_list"].sort(key=lambda s: (s.get("first_date") or "9999", s["id"]))
    _with_report(reader, line)
    return line


def page_view(reader: Reader, page_id: str) -> dict | None:
    """A page: its clean text (once, in `text`), and what was removed from it (injected words,
    page furniture)."""
    sl = reader.storyline()
    page = sl.page(page_id)
    if page is None:
        return None
    stored = sl.store.stored_pages([page_id])
    page["removed_lines"] = list(stored[0].signals.removed) if stored else []
    return page


def paragraphs(text: str | None) -> list[str]:
    """A clean text's paragraphs (separated by a blank line), for the HTML page: the JSON has the
    text once, in `text`."""
    return [p for p in (text or "").split("\n\n") if p.strip()]


def diff_view(reader: Reader, a: str, b: str) -> dict | None:
    """Two pages side by side, word by word, with injected words marked."""
    first, second = page_view(reader, a), page_view(reader, b)
    if first is None or second is None:
        return None
    left, right, similarity = side_by_side(first, second)
    keep = ("id", "title", "site_name", "url", "claimed_date", "published", "relation", "duplicate_of",
            "injections", "story")
    return {"a": {k: first.get(k) for k in keep}, "b": {k: second.get(k) for k in keep},
            "a_title": title_segments(first), "b_title": title_segments(second),
            "left": left, "right": right, "similarity": similarity}
