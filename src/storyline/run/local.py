"""The local executor: read -> extract -> fingerprint -> store, then copy groups and stories.

Pages are committed in batches; a batch is one transaction, so a crash loses at
most the batch in flight, and the re-run picks it up again (ids are stable).
Extraction, the slow stage, runs in worker processes (`workers`) with a time
and memory limit per page (run/workers.py).
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..cluster.terms import term_counts
from ..cluster.vectors import story_counts
from ..config import Config
from ..dedup import UnionFind, fingerprint
from ..dedup.pairs import JudgedCandidates
from ..extract import extract_page
from ..forensics import judge_alone
from ..forensics.timex import find_mentions
from ..read import read_inputs
from ..records import Article, Mention, Page, Signature, Skipped
from ..store.sqlite import SqliteStore
from .working import (add_page, assess_pages, assign_stories, relate_and_refresh, remove_pages, review_stories,
                      update_groups, update_storylines, upgrade)
from .reports import Mapper, refresh_reports, report_mapper
from .readahead import Ahead, read_ahead
from .workers import NER_PRELOAD, preload, run_in_workers, start_fork_server

log = logging.getLogger(__name__)
# Pages stored per transaction. A page adds about 240 random keys to the LSH index B-tree, and a
# commit writes out every index page its batch touched: a batch of 100 pages touched most of them.
# At most BATCH_SECONDS of input wait in memory (what a killed run loses, and how long readers wait).
BATCH = 1000
BATCH_SECONDS = 5.0
# A long run settles (copies, stories, dates, storylines) every SETTLE_EVERY new pages, as that
# many runs one after the other would: the stages' working set, and so memory and the cost per
# page, stay bounded however large the input (one pass over 100k pages held them all at once).
SETTLE_EVERY = 10_000
# Memory for pages extracted ahead of the run while it settles (run/readahead.py). A settle
# takes 2-3 minutes on one core from 20k pages on (bench/scale), the workers extract about 25
# pages/s on the other, and an extracted page holds about 12 bytes per character of its text
# (terms, mentions, signature: 46 KB for a page of 3,800 characters): room for about 5,500
# such pages. With 2,000 pages of room, a 30,000-page run gained only 4 %.
READ_AHEAD_BYTES = 256 * 1024 * 1024
# A mark in the store's meta, set with the first new version a run --update stores and cleared
# when the whole store is settled again: a run stopped in between leaves it, and the next run
# settles the whole store.
SETTLE_ALL_DUE = "settle_all_due"
# Limits under which a page may be skipped; a page skipped under them is tried again when they change.
LIMIT_SETTINGS = ("max_page_bytes", "max_text_chars", "max_seconds_per_page", "max_worker_memory_mb")


@dataclass(slots=True, frozen=True)
class Prepared:
    """An article with what storing it needs, computed in a worker process."""

    article: Article
    signature: Signature
    terms: dict[str, int]
    story_counts: dict  # headline and name counts, and the page's own best date (cluster/vectors.py)
    content_hash: str
    mentions: tuple[Mention, ...]  # time expressions of the text, for forensics


def _held_bytes(item: Any) -> int:
    """About what an extracted page holds in memory while it waits to be stored."""
    return 12 * len(item.article.text) + 2048 if isinstance(item, Prepared) else 512


@dataclass(slots=True, frozen=True)
class _Stored:
    """In place of a page read that the store already has (or has skipped, and is not to retry)."""

    source: str
    reason: str | None  # why it was skipped, if it was


@dataclass(slots=True, frozen=True)
class _Superseding:
    """Before a page read again with other content (run --update): its stored version goes once
    the new one is extracted, and stays when the new one cannot be (it is skipped with the reason)."""

    page_id: str
    digest: str  # of the new version's content


def _not_stored(items: Iterable[Page | Skipped], stored: SqliteStore, settings: str, update: bool,
                before_first_page: Callable[[], None]) -> Iterator[Page | Skipped | _Stored | _Superseding]:
    """Drop what the store already has before the costly extraction; `stored` is only read.
    `before_first_page()` is called before the first page to extract is handed on."""
    first = True
    for item in items:
        if stored.has_page(item.id):
            reason = stored.skip_reason(item.id)
            stored_hash = stored.stored_content_hash(item.id)
            if isinstance(item, Page) and stored_hash and stored_hash != content_hash(item):
                if not update:
                    yield reused_id(item.id, item.source, content_hash(item))
                    continue
                yield _Superseding(item.id, content_hash(item))
            elif isinstance(item, Skipped) and reason is None:  # a broken record under a stored page's id
                yield not_a_new_version(item.id, item, hashlib.sha1(item.reason.encode("utf-8", "surrogatepass"))
                                        .hexdigest())
                continue
            elif not (isinstance(item, Page) and reason is not None and stored.worth_retrying(item.id, settings)):
                yield _Stored(item.source, reason)
                continue
            # else: skipped before by a crash, or under other limits: tried again
        if first and isinstance(item, Page):
            first = False
            before_first_page()
        yield item


def _record_id(page_id: str, digest: str) -> str:
    """The id of a record skipped beside a stored page of the same id: derived from its content."""
    return f"{page_id}~{digest[:12]}"


def not_a_new_version(page_id: str, skipped: Skipped, digest: str) -> Skipped:
    """A record of a stored page that could not be read or extracted: the stored version stays, and
    the record is a skipped page of its own (an id derived from its content), listed by `pages --errors`."""
    return Skipped(_record_id(page_id, digest), skipped.source,
                   f"this record of stored page {page_id!r} was not stored ({skipped.reason}); "
                   "the stored version is kept")


def content_hash(page: Page) -> str:
    return hashlib.sha1(page.content.encode("utf-8", "surrogatepass")).hexdigest()


def prepare(page: Page, config: Config) -> Prepared | Skipped:
    """The per-page work of a run: extract, fingerprint, count terms, date the page on its own."""
    article = extract_page(page, config)
    if isinstance(article, Skipped):
        return article
    terms = term_counts(article.title, article.text)
    # The page's date as judged alone (a content farm's claimed date is not trusted):
    # the time feature of story grouping, until forensics dates the page in its story.
    mentions = find_mentions(article.text)
    alone = judge_alone(article, mentions).published.value
    day = alone.toordinal() if alone else None
    counts = story_counts(article.title, article.text, terms, day)
    return Prepared(article, fingerprint(article, config), terms, counts.as_json(), content_hash(page),
                    tuple(mentions))


@dataclass(slots=True)
class RunSummary:
    read: int = 0
    added: int = 0
    already_stored: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    still_skipped: int = 0  # of those, skipped by an earlier run and not tried again (same limits)
    unread: list[str] = field(default_factory=list)  # files in input folders of a kind storyline does not read
    new_duplicates: int = 0
    new_stories: int = 0
    joined_stories: int = 0
    split_reports: int = 0
    merged_stories: int = 0
    storylines: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per phase
    on_phase: Callable[[str], None] | None = None  # told the name of each phase as it starts
    # Pages another run stored (still reading, or killed) that this run put into stories: the
    # stories opened and joined count them too.
    settled_for_others: int = 0
    superseded: int = 0  # stored pages replaced by a new version (run --update)
    reports_built: int = 0  # story reports built or brought up to date
    # Copies, dates, stories and storylines recomputed for the whole store (pages replaced, or a
    # run that replaced pages stopped before it did): the counts above are then the store's.
    settled_whole_store: bool = False
    notes: list[str] = field(default_factory=list)  # what the user should know about this run

    def count(self, store: SqliteStore) -> None:
        """The store's totals, once the work is written."""
        self.totals = store.counts()
        self.storylines = self.totals["storylines"]

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        if self.on_phase is not None:
            self.on_phase(phase)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[phase] = round(self.seconds.get(phase, 0.0) + time.perf_counter() - start, 3)

    def as_dict(self) -> dict:
        return {"pages_read": self.read, "pages_added": self.added, "already_stored": self.already_stored,
                "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
                "still_skipped": self.still_skipped,
                "not_read": self.unread, "pages_of_other_runs_settled": self.settled_for_others,
                "superseded": self.superseded, "settled_whole_store": self.settled_whole_store, "notes": self.notes,
                "new_duplicates": self.new_duplicates, "new_stories": self.new_stories,
                "pages_joining_stories": self.joined_stories, "reports_split_off": self.split_reports,
                "stories_merged": self.merged_stories, "storylines": self.storylines,
                "reports_built": self.reports_built, "store": self.totals,
                "seconds": self.seconds}


def run_pipeline(inputs: Iterable[str], store: SqliteStore, config: Config = Config(), *,
                 workers: int = 1, progress: Callable[[int], None] | None = None,
                 phase: Callable[[str], None] | None = None, update: bool = False,
                 reports: bool = True, records: Iterable[Page | Skipped] | None = None,
                 prepared: Iterable[Prepared | Skipped] | None = None, judged: JudgedCandidates | None = None,
                 reports_on: Mapper | None = None) -> RunSummary:
    """`records`: pages already read (an upload), taken instead of reading `inputs`. `prepared`:
    pages already extracted and fingerprinted (`storyline load` of a scaled-out run's output);
    `judged`: their copy candidates, judged on the cluster (dedup/pairs.py), taken only when the
    store holds no page yet (the candidates are those among the prepared pages alone).
    `progress(n)`: n more pages read; `phase(name)`: a stage after reading starts. `update`: a
    page stored before whose id comes again with other content is a new version of it (the old
    one is recorded as superseded); otherwise that record is skipped as a reused id. `reports`:
    build the reports of the stories this run changed (of two pages or more), after the rest, in
    `workers` processes or with `reports_on` (run/reports.py `Mapper`: a Dask cluster)."""
    summary = RunSummary(on_phase=phase)
    upgrade(store, config)
    if judged is not None and store.counts()["pages"]:
        judged = None  # pages stored before are candidates too: the store's index finds them

    settings = skip_settings(config)

    def extract_new(stop: threading.Event | None, checker: SqliteStore,
                    before_first_page: Callable[[], None] = lambda: None) -> Iterator[Any]:
        """The pages read, extracted in the workers, but for those `checker` (the store, or a
        reader's connection to it) says are stored: each of those comes as a marker in its place."""
        items = read_inputs(inputs, config) if records is None else records
        return run_in_workers(_not_stored(items, checker, settings, update, before_first_page), prepare, config,
                              workers, stop)

    def extract_ahead(ahead: Ahead) -> Iterator[Any]:
        reader = SqliteStore(store.path, read_only=True)  # this thread's own connection, for reading only
        try:
            yield from extract_new(ahead.stop, reader, lambda: ahead.call_in_caller(start_fork_server))
        finally:
            reader.close()

    def count_stored(source: str, reason: str | None) -> None:
        # Each page read is counted once: added, already stored, or skipped (pages_read is their sum).
        if reason is not None:  # still skipped: say so again, and exit 1 again
            summary.skipped.append((source, reason))
            summary.still_skipped += 1
        else:
            summary.already_stored += 1
        if progress:
            progress(1)

    def prepared_not_stored(items: Iterable[Prepared | Skipped]) -> Iterator[Prepared | Skipped | _Stored]:
        for item in items:
            page_id = item.id if isinstance(item, Skipped) else item.article.id
            if not store.has_page(page_id):
                yield item
                continue
            reason = store.skip_reason(page_id)
            if isinstance(item, Prepared) and reason is not None:
                yield item  # skipped before (a crash, other limits), extracted this time
                continue
            stored_hash = store.stored_content_hash(page_id)
            if isinstance(item, Prepared) and stored_hash and stored_hash != item.content_hash:
                yield reused_id(page_id, item.article.source, item.content_hash)
                continue
            yield _Stored(item.article.source if isinstance(item, Prepared) else item.source, reason)

    batch: list[Prepared | Skipped] = []
    replacing: set[str] = set()  # stored pages whose new version, extracted, waits in the batch
    same_text = UnionFind()
    settling = 0.0  # seconds spent settling while reading, not counted as reading
    added_at_settle = 0  # pages this run had added when it last settled

    def settle_pending() -> None:
        nonlocal settling, added_at_settle
        start = time.perf_counter()
        with store.transaction():
            # Pending work is read from the store, not from this run's memory: pages
            # stored by a run that was killed before this step, or by another run still
            # reading, are finished here, and counted apart.
            pending = store.pages_without_story()
            summary.settled_for_others += max(0, len(pending) - (summary.added - added_at_settle))
            added_at_settle = summary.added
            settle(store, pending, config, summary)
            if reports:  # with the stories themselves: a run stopped later has the next one build them
                store.add_reports_due(store.stories_of(pending))
        settling += time.perf_counter() - start

    batch_began = 0.0

    def take(result: Prepared | Skipped) -> None:
        nonlocal batch, batch_began
        if not batch:
            batch_began = time.monotonic()
        batch.append(result)
        if progress:
            progress(1)
        # A batch ends where a settle may be due (so each slice is exactly SETTLE_EVERY new pages,
        # however the batches fell), at BATCH pages, or after BATCH_SECONDS of slow input. Where it
        # ends changes no result: only how much a killed run loses, and how soon readers see pages.
        due = BATCH if summary.superseded else SETTLE_EVERY - (summary.added - added_at_settle)
        if len(batch) >= min(BATCH, due) or time.monotonic() - batch_began >= BATCH_SECONDS:
            _store_batch(store, batch, config, summary, same_text, judged, replacing)
            batch = []
            if summary.added - added_at_settle >= SETTLE_EVERY and not summary.superseded:
                settle_pending()
                if summary.on_phase is not None:
                    summary.on_phase("reading")

    extracting = time.perf_counter()
    preload(NER_PRELOAD)  # the workers' task and NER model, loaded once for all of them
    if prepared is not None:
        results: Iterator[Any] = prepared_not_stored(prepared)
    elif update or not store.path.is_file():  # a new version supersedes its old one here, as it is met
        results = extract_new(None, store)
    else:  # the workers go on while this thread settles (run/readahead.py)
        results = read_ahead(extract_ahead, READ_AHEAD_BYTES, _held_bytes)
    superseding: dict[str, _Superseding] = {}  # stored pages whose new version is being extracted
    with closing(results):  # on an error or Ctrl-C the workers stop now, not once the traceback is dropped
        for result in results:
            if isinstance(result, _Superseding):  # comes before the new version, which is counted
                superseding[result.page_id] = result
                continue
            summary.read += 1
            if isinstance(result, _Stored):
                count_stored(result.source, result.reason)
                continue
            old = superseding.pop(result.id if isinstance(result, Skipped) else result.article.id, None)
            if old is not None and isinstance(result, Skipped):
                result = not_a_new_version(old.page_id, result, old.digest)
            elif old is not None:
                replacing.add(old.page_id)  # in the transaction that stores the new version
            take(result)
    if batch:
        _store_batch(store, batch, config, summary, same_text, judged, replacing)
    summary.seconds["read_extract_store"] = round(time.perf_counter() - extracting - settling, 3)
    if summary.superseded or store.meta(SETTLE_ALL_DUE):
        with store.transaction():
            # Old versions left copy groups, stories and storylines: those are recomputed for the
            # whole store, as `storyline delete` does (also when a run that replaced pages was
            # stopped before this: the mark was stored with the first new version).
            if not summary.superseded:
                summary.notes.append("an earlier run that replaced pages (run --update) stopped before it settled the "
                                     "whole store: settled now")
            settle_all(store, config, summary)
            store.set_meta({SETTLE_ALL_DUE: ""})
            summary.settled_whole_store = True
            if reports:
                store.add_reports_due(s["id"] for s in store.stories())
    else:
        settle_pending()
    # The stories this run changed, noted as it settled them, and those an earlier run stopped
    # before reporting on (ids as they were then: resolved through merges).
    due = store.reports_due() if reports else set()
    if due:
        # After the stages' transaction, outside any (NER is slow): a run stopped here has the next
        # run build what is left (`show` builds any on demand).
        wanted = {live for s in due if (live := store.resolve_story(s)) is not None}
        with summary.timed("reports"):
            summary.reports_built = refresh_reports(store, wanted, reports_on or report_mapper(workers))
        with store.transaction():
            store.clear_reports_due(due)
    summary.count(store)
    return summary


def settle(store: SqliteStore, pending: list[str], config: Config, summary: RunSummary) -> None:
    """The stages after extraction, for pages stored but not yet in a story (in store order):
    copies, stories, dates, review, relations, storylines. Inside the caller's transaction. The
    summary's counts add up over the settles of a run (one per SETTLE_EVERY pages)."""
    with summary.timed("copies"):
        copies, regrouped = update_groups(store, pending, config)
    summary.new_duplicates += copies
    with summary.timed("stories"):
        assigned, left = assign_stories(store, pending, regrouped, config)
    summary.new_stories += assigned.opened
    summary.joined_stories += assigned.joined
    # Dates and content-farm verdicts lean on copies and stories: judged once those are known.
    touched = set(pending) | regrouped
    with summary.timed("dates"):
        # Pages of earlier runs that this run's dates re-anchor are touched too: their copy groups
        # and stories are reviewed as if all had come in one run.
        touched |= assess_pages(store, touched)
    with summary.timed("copies"):
        # Credible dates are known now: they weigh in the choice of each group's original.
        touched |= update_groups(store, sorted(touched), config)[1]
    with summary.timed("review"):
        # Dates are known now: reports that no longer fit leave, stories that now match merge.
        reviewed, left_in_review = review_stories(store, store.stories_of(touched) | assigned.changed, config)
    stories = reviewed.changed
    summary.split_reports += reviewed.split
    summary.merged_stories += assigned.merged + reviewed.merged
    with summary.timed("relations"):
        relate_and_refresh(store, stories, config)
    # A story removed, then opened again under the same id (a split), leaves its old storyline
    # and, being live again, is linked anew.
    left = {s: left_in_review.get(s) or left.get(s) for s in left.keys() | left_in_review.keys()}
    if stories or left:
        with summary.timed("storylines"):
            update_storylines(store, stories, left, config)


def settle_all(store: SqliteStore, config: Config, summary: RunSummary) -> None:
    """Dates, stories and storylines of every stored page recomputed from scratch (copy links are
    kept); the merges and splits made by hand go, and the summary says so. The pages are settled
    SETTLE_EVERY at a time in input order, as a run settles them, so memory follows the slice, not
    the store (one settle of a 25,000-page store held them all at once). A story or storyline id
    that goes resolves to the one that took most of its pages (store/aliases.py)."""
    store.clear_forensics()  # dates lean on stories: recomputed with them, never kept from before
    store.remember_placements()
    dropped = store.clear_stories()
    if dropped:
        summary.notes.append(f"stories were recomputed from scratch: the merges and splits made by hand ({dropped} "
                             "pages) are dropped; make them again with `storyline stories merge` / `split`")
    before: list[str] = []
    # Asked again after each slice: a slice's copy groups can bring later pages into its stories.
    while pending := store.pages_without_story(limit=SETTLE_EVERY):
        if pending == before:  # a settle leaves every page it is given in a story; never loop on one
            raise RuntimeError(f"settling left {len(pending)} pages without a story, first {pending[0]!r}")
        settle(store, pending, config, summary)
        before = pending
    store.carry_ids_over()


def skip_settings(config: Config) -> str:
    """The settings a skip may depend on: a page skipped under them is tried again when they change."""
    return json.dumps({k: getattr(config, k) for k in LIMIT_SETTINGS}, sort_keys=True)


def reused_id(page_id: str, source: str, digest: str) -> Skipped:
    """A record reusing the id of another stored page (two feeds numbering from 1): recorded as a
    skipped page of its own (an id derived from its content), so that `pages --errors` lists it."""
    return Skipped(_record_id(page_id, digest), source,
                   f"id {page_id!r} is already used by another stored page with different content; "
                   "this record was not stored (`run --update` stores it as a new version of that page)")


def _store_batch(store: SqliteStore, batch: list[Prepared | Skipped], config: Config, summary: RunSummary,
                 same_text: UnionFind, judged: JudgedCandidates | None = None, replacing: set[str] = frozenset()) -> None:
    """Store a batch and link its pages to copies already stored; one transaction. `same_text`: the
    pages this run has linked as near copies of one text (dedup.link_new_page), across batches."""
    settings = skip_settings(config)
    document_keys: Counter[str] = Counter()
    added = 0
    with store.transaction():
        for item in batch:
            if isinstance(item, Prepared) and item.article.id in replacing:  # run --update: the old version goes
                replacing.discard(item.article.id)
                store.remember_placements([item.article.id])  # its story's id is carried over by settle_all
                store.record_superseded(item.article.id)
                remove_pages(store, [item.article.id], config)
                store.set_meta({SETTLE_ALL_DUE: "1"})  # the whole store is settled again at the end
                summary.superseded += 1
            if isinstance(item, Prepared) and store.skip_reason(item.article.id) is None and \
                    store.has_page(item.article.id):  # the same id twice in one input, or another run stored it
                if store.stored_content_hash(item.article.id) == item.content_hash:
                    summary.already_stored += 1
                    continue
                item = reused_id(item.article.id, item.article.source, item.content_hash)
            if isinstance(item, Skipped):
                store.add_skipped(item, settings)
                summary.skipped.append((item.source, item.reason))
                continue
            store.forget_skips(item.article.id, item.article.source)  # skipped by an earlier run
            document_keys.update(add_page(store, item.article, item.signature, item.terms, config,
                                          content_hash=item.content_hash, story_counts=item.story_counts,
                                          mentions=item.mentions, same_text=same_text, judged=judged))
            added += 1
        store.count_documents(document_keys, added)
    summary.added += added
