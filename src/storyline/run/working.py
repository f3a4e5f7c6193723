"""The stages after extraction, over the store: load a working set, call the stage, write its result.

Only run/ and store/ touch SQLite. Each function here reads what one stage needs
from the store (a bounded working set: the pages a run added, their copies,
copy groups and stories, their date anchors), calls the stage, a function of
records, and writes what it returns, inside the run's transaction.
"""
from __future__ import annotations

import logging
from collections import deque
from datetime import date

import numpy as np

from .. import cluster, dedup, forensics
from ..cluster.terms import term_counts
from ..cluster.vectors import ENTITY_PREFIX, FEATURES_VERSION, story_counts
from ..config import Config
from ..dedup.lsh import window_keys
from ..dedup.shingles import shingle_sequence
from ..dedup.batch import fingerprint_texts
from ..dedup.pairs import JudgedCandidates
from ..forensics.anchors import NEIGHBOURS
from ..forensics.assess import ANCHOR_CONFIDENCE, MAX_DATED_PAGES
from ..records import (CONTENT_FARM_AT, Article, CopyLink, DatedPage, Forensics, Mention, Signature,
                       StoredPage)
from ..store.rows import document_keys
from ..store.sqlite import SqliteStore

log = logging.getLogger(__name__)
MAX_GROUP = 1_000_000  # pages read per regrouping; beyond it, far members keep their old group
REINDEX_SLICE = 20_000  # texts fingerprinted at a time when a store is re-indexed


# -- the LSH index ------------------------------------------------------------------------------
def ensure_index(store: SqliteStore, config: Config) -> None:
    """A store whose LSH keys come from an older fingerprint scheme is re-indexed from its
    stored texts, once, with this run's settings."""
    settings = {"shingle_size": config.shingle_size, "num_perm": config.num_perm, "lsh_bands": config.lsh_bands}
    with store.transaction():
        if store.meta("fingerprint") != dedup.FINGERPRINT:
            if store.has_pages():
                store.reset_lsh_index()
                last = -1
                while rows := store.texts_after(last, REINDEX_SLICE):
                    _index_texts(store, rows, config)
                    last = rows[-1][0]
            store.set_meta({"fingerprint": dedup.FINGERPRINT, **settings})
    store.check_settings(settings)


def _index_texts(store: SqliteStore, rows: list[tuple[int, str]], config: Config) -> int:
    """The LSH keys of stored texts, (seq, text): band keys, and a long text's window keys. Returns
    how many had keys (a text without shingles has none)."""
    fp = fingerprint_texts([text for _, text in rows], config)
    has_text = fp.shingle_counts > 0
    store.index_keys(np.array([seq for seq, _ in rows], dtype=np.int64)[has_text], fp.keys[has_text])
    for seq, text in rows:  # long texts: their windows too (window_keys is () for the others)
        keys = window_keys(shingle_sequence(text, config.shingle_size), config.num_perm, config.lsh_bands)
        if keys:
            store.index_keys(np.array([seq], dtype=np.int64), np.array([keys], dtype=np.int64))
    return int(has_text.sum())


def remove_pages(store: SqliteStore, ids: list[str], config: Config) -> int:
    """Remove pages for good (store.delete_pages: their links, index keys, counts; the copy groups
    they were in come apart until update_groups regroups them from the links that remain). Where
    a page removed was the first of an exact text, the next page with that text stands for it, as
    if it had come first: it takes the text's index keys, and the other exact copies link to it."""
    led = store.hashes_led_by(ids)
    removed = store.delete_pages(ids, ENTITY_PREFIX)
    for exact_hash in sorted(led):
        twins = store.pages_with_hash(exact_hash)
        if not twins:
            continue
        (first, seq), rest = twins[0], twins[1:]
        if not _index_texts(store, [(seq, store.page_text(first))], config):
            continue  # no keys, no exact links: as add_page treats a text without shingles
        for other, _seq in rest:
            store.add_link(CopyLink(other, first, "exact", 1.0))
    return removed


def upgrade(store: SqliteStore, config: Config) -> None:
    """What every writing command does first: an older store's LSH keys and grouping counts are
    brought up to this release, once."""
    ensure_index(store, config)
    ensure_story_features(store)


def ensure_story_features(store: SqliteStore) -> None:
    """A store whose grouping counts (terms, names) come from an older version gets them
    recounted from its stored texts, once; story states are then rebuilt from the new counts
    (assign_stories) and storylines relinked. Stories and their members stay as they were. The
    storylines are kept, marked for relinking, not cleared: the relinking (update_storylines) then
    notes their pages first, and the ids it makes go resolve to their successors (store/aliases.py)."""
    with store.transaction():
        if store.meta("story_features") == str(FEATURES_VERSION):
            return
        if store.has_pages():
            log.warning("recounting story-grouping terms and names of the stored pages (older store)")
            last = -1
            while rows := store.grouping_inputs_after(last, REINDEX_SLICE):
                updated = []
                for _, pid, title, text, old in rows:
                    terms = term_counts(title, text)
                    counts = story_counts(title, text, terms, (old or {}).get("day"))
                    updated.append((pid, terms, counts.as_json()))
                store.replace_grouping_counts(updated)
                last = rows[-1][0]
            store.recount_document_frequencies(ENTITY_PREFIX)
            store.forget_story_states()
            store.mark_storylines_for_relinking()
        store.set_meta({"story_features": FEATURES_VERSION})


# -- copies ---------------------------------------------------------------------------------------
def add_page(store: SqliteStore, article: Article, sig: Signature, terms: dict[str, int], config: Config, *,
             content_hash: str | None, story_counts: dict, mentions: tuple[Mention, ...] | None = None,
             same_text: dedup.UnionFind | None = None, judged: JudgedCandidates | None = None) -> list[str]:
    """Store a page and its verified links to the pages stored before it. An exact copy links to
    the first stored page with the same text alone, and needs no LSH keys of its own. `same_text`:
    the pages this run has found to be near copies of one text (kept across the run's pages).
    `judged`: the page's candidates and their verdicts, found beforehand (a scaled-out run's copy
    pairs, dedup/pairs.py), instead of the LSH index and a verification here.
    Returns the keys whose document frequency the page raises: the caller counts them per batch
    (store.count_documents)."""
    twin = store.first_page_with_hash(sig.exact_hash) if sig.band_keys else None
    df_keys = document_keys(terms, story_counts, ENTITY_PREFIX)
    store.add_article(article, sig, terms, content_hash=content_hash, index_lsh=twin is None,
                      story_counts=story_counts, mentions=mentions)
    if twin is not None:
        store.add_link(CopyLink(article.id, twin, "exact", 1.0))
        return df_keys
    same_text = dedup.UnionFind() if same_text is None else same_text
    if judged is None or judged.withdrawn:
        candidates, verdict_of = store.lsh_candidates(sig.lsh_keys, article.id), None
    else:
        candidates, verdict_of = judged.candidates(article.id), judged.verdict_of(article.id)
    for page, original in store.near_copy_originals(candidates).items():  # copy groups of earlier runs
        same_text.union(page, original)
    for link in dedup.link_new_page(sig, candidates, store.page_text, same_text, config, verdict_of):
        store.add_link(link)
    return df_keys


def _reachable_links(store: SqliteStore, pending: list[str]) -> dict[str, dict[str, tuple[str, float]]]:
    """Every page linked to a pending page, directly or not, with its verified links."""
    links: dict[str, dict[str, tuple[str, float]]] = {}
    queue = deque(pending)
    while queue and len(links) < MAX_GROUP:
        page = queue.popleft()
        if page in links:
            continue
        links[page] = {other: (relation, score) for other, relation, score in store.links_of(page)}
        queue.extend(o for o in links[page] if o not in links)
    return links


def update_groups(store: SqliteStore, pending: list[str], config: Config) -> tuple[int, set[str]]:
    """Regroup the copy groups holding pending pages. Returns the number of pending pages that are
    copies, and every page of the groups touched (their original may have changed)."""
    links = _reachable_links(store, pending)
    linked = [pid for pid, others in links.items() if others]
    pages = {p.id: p for p in store.stored_pages(linked)}
    copies = 0
    pending_set = set(pending)
    for group in dedup.group_copies(links, pages, config):
        store.set_copy(group.original, None, None, None)
        store.set_original_reasons(group.original, list(group.reasons))
        for member in group.copies:
            store.set_copy(member.id, group.original, member.relation, member.score)
            copies += member.id in pending_set
    return copies, set(links)


# -- stories --------------------------------------------------------------------------------------
def apply_story_changes(store: SqliteStore, changes: cluster.StoryChanges) -> dict[str, str | None]:
    """Write a grouping step's decisions in the order they were taken. Returns the stories removed,
    each with the storyline it was in."""
    left: dict[str, str | None] = {}
    # The pages each story that merges away held, before they move: its id follows them after a rebuild.
    merging = {op.story for op in changes.ops if isinstance(op, cluster.StoryRemoved) and op.merged_into}
    held = {story: {p.id for p in store.story_pages([story])} for story in sorted(merging)}
    for op in changes.ops:
        match op:
            case cluster.StoryOpened(story):
                store.upsert_story(story)
            case cluster.PageMoved(page, story):
                store.set_story(page, story)
                if story in held:
                    held[story].add(page)
            case cluster.StoryRemoved(story, merged_into):
                left[story] = store.delete_story(story, merged_into=merged_into,
                                                 pages=sorted(held.get(story, ()))) or left.get(story)
            case cluster.CountsComputed(page, counts):
                store.set_story_counts(page, counts)
    for story_id, state in changes.states:
        store.save_story_state(story_id, state.as_json(), state.keys)
    return left


def assign_stories(store: SqliteStore, pending: list[str], regrouped: set[str],
                   config: Config) -> tuple[cluster.StoryChanges, dict[str, str | None]]:
    """The stories' changes, and the stories removed with the storyline each was in."""
    changes = cluster.assign_stories(store, pending, regrouped, config)
    return changes, apply_story_changes(store, changes)


def review_stories(store: SqliteStore, stories: set[str],
                   config: Config) -> tuple[cluster.StoryChanges, dict[str, str | None]]:
    changes = cluster.review_stories(store, stories, config)
    return changes, apply_story_changes(store, changes)


def relate_and_refresh(store: SqliteStore, story_ids: set[str], config: Config) -> None:
    """Each story's version / rewrite relations between its reports, then its original, title and
    date span: from its pages as they are now, read once for both."""
    for story_id in sorted(story_ids):
        pages = store.story_pages([story_id])
        reports = [p for p in pages if p.duplicate_of is None]
        for relation in cluster.relate_reports(reports, store.document_frequencies, config):
            store.set_related(relation)
        original, title = cluster.head_story(pages)  # reads no relation: the pages as read serve
        store.refresh_story(story_id, original, title)


def update_storylines(store: SqliteStore, changed: set[str], left: dict[str, str | None], config: Config) -> None:
    """Relink the stories a run changed, and drop those it removed (`left`: story -> its storyline).
    Storylines of an older store, without the state that this needs, are linked again from scratch, once."""
    remembered = False
    if store.storylines_need_relinking():
        remembered = store.remember_placements()
        store.clear_storylines()
        changed, left = {s for s, *_ in store.storyline_inputs()}, {}
    changes = cluster.update_storylines(store, changed, left, config)
    as_date = lambda d: date.fromordinal(d).isoformat() if d else None  # noqa: E731
    store.save_storylines([(l.id, l.name, as_date(l.first_day), as_date(l.last_day), l.stories, l.state, l.keys)
                           for l in changes.saved], changes.deleted, left)
    if remembered:
        store.carry_ids_over()
    store.forget_leaving(changes.settled)


# -- forensics ------------------------------------------------------------------------------------
def assess_pages(store: SqliteStore, ids: set[str]) -> set[str]:
    """Judge and date `ids` and the pages related to them (their stories and copy groups), then
    the loosely dated pages of other stories that those of `ids` now dated would anchor (late
    anchors: they are dated again, with their own related pages). Returns the pages dated again
    whose date or verdict moved: their stories and copy groups are to be reviewed."""
    if not ids:
        return set()
    pages = _judge(store, store.related_ids(ids))
    fresh = [DatedPage(p.id, p.story, v.published.value.isoformat(), p.terms) for p, v in pages
             if p.id in ids and _anchors_others(v)]
    if not fresh:
        return set()
    judged = {p.id for p, _ in pages}
    late = forensics.pages_to_redate(fresh, store.loosely_dated_pages(MAX_DATED_PAGES, ANCHOR_CONFIDENCE, CONTENT_FARM_AT),
                                     judged, store.document_frequencies, NEIGHBOURS)
    if not late:
        return set()
    # A page judged above (the original of a late page, in another story) keeps that verdict: it
    # was made with its own story around it.
    return {p.id for p, verdict in _judge(store, store.related_ids(late), keep=judged) if _date_moved(p, verdict)}


def _judge(store: SqliteStore, ids: set[str], keep: set[str] = frozenset()) -> list[tuple[StoredPage, Forensics]]:
    """forensics.assess over these pages, against the store's anchors; each verdict written (but
    for the pages in `keep`) and returned."""
    pages = store.stored_pages(ids)
    if not pages:
        return []
    dated = store.dated_pages(MAX_DATED_PAGES, ANCHOR_CONFIDENCE, CONTENT_FARM_AT)
    verdicts = [v for v in forensics.assess(pages, dated, store.document_frequencies, store.page_text_and_mentions)
                if v.page_id not in keep]
    for verdict in verdicts:
        store.set_forensics(verdict)
    by_id = {p.id: p for p in pages}
    return [(by_id[v.page_id], v) for v in verdicts]


def _date_moved(before: StoredPage, verdict: Forensics) -> bool:
    """What stories and copy groups read of a page's verdict changed: its date, interval, flags."""
    was, now = before.published, verdict.published
    return (was is None or before.content_farm is None
            or (was.value, was.earliest, was.latest) != (now.value, now.earliest, now.latest)
            or before.misdated != verdict.misdated or before.content_farm.is_farm != verdict.content_farm.is_farm)


def _anchors_others(verdict: Forensics) -> bool:
    """The condition of store.dated_pages: a date other pages may lean on."""
    return (verdict.published.value is not None and verdict.published.confidence >= ANCHOR_CONFIDENCE
            and not verdict.content_farm.is_farm)
