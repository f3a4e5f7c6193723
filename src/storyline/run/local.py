"""The local executor: read -> extract -> fingerprint -> store, then dedup and stories.

Pages are committed in batches; a batch is one transaction, so a crash loses at
most the batch in flight, and the re-run picks it up again (ids are stable).
Extraction, the slow stage, runs in worker processes (`workers`) with a time
and memory limit per page (run/workers.py).
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ..cluster.online import StoryIndex
from ..cluster.terms import term_counts, tfidf
from ..config import Config
from ..dedup import Candidate, UnionFind, compare, fingerprint, rank_originals
from ..extract import extract_page
from ..dedup.shingles import shingle_hashes, tokens
from ..read import read_inputs
from ..records import Article, Page, Signature, Skipped
from ..store.sqlite import SqliteStore
from .workers import run_in_workers

log = logging.getLogger(__name__)
BATCH = 100


@dataclass(slots=True, frozen=True)
class Prepared:
    """An article with what storing it needs, computed in a worker process."""

    article: Article
    signature: Signature
    terms: dict[str, int]


def prepare(page: Page, config: Config) -> Prepared | Skipped:
    """The per-page work of a run: extract, fingerprint, count terms."""
    article = extract_page(page, config)
    if isinstance(article, Skipped):
        return article
    return Prepared(article, fingerprint(article, config), term_counts(article.title, article.text))


@dataclass(slots=True)
class RunSummary:
    read: int = 0
    added: int = 0
    already_stored: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (source, reason)
    new_duplicates: int = 0
    new_stories: int = 0
    joined_stories: int = 0
    totals: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"pages_read": self.read, "pages_added": self.added, "already_stored": self.already_stored,
                "skipped": [{"source": s, "reason": r} for s, r in self.skipped],
                "new_duplicates": self.new_duplicates, "new_stories": self.new_stories,
                "pages_joining_stories": self.joined_stories, "store": self.totals}


def run_pipeline(inputs: Iterable[str], store: SqliteStore, config: Config = Config(), *,
                 workers: int = 1, progress: Callable[[int], None] | None = None) -> RunSummary:
    summary = RunSummary()

    def not_stored(items: Iterable[Page | Skipped]) -> Iterator[Page | Skipped]:
        # Drop what the store already has before the costly extraction.
        for item in items:
            summary.read += 1
            if store.has_page(item.id):
                summary.already_stored += 1
                reason = store.skip_reason(item.id)
                if reason is not None:  # still skipped: say so again, and exit 1 again
                    summary.skipped.append((item.source, reason))
                if progress:
                    progress(1)
                continue
            yield item

    batch: list[Prepared | Skipped] = []
    for result in run_in_workers(not_stored(read_inputs(inputs, config)), prepare, config, workers):
        batch.append(result)
        if len(batch) >= BATCH:
            _store_batch(store, batch, config, summary)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _store_batch(store, batch, config, summary)
        if progress:
            progress(len(batch))
    with store.transaction():
        # Pending work is read from the store, not from this run's memory: pages
        # stored by a run that was killed before this step are finished here.
        pending = store.pages_without_story()
        summary.new_duplicates = _update_copy_groups(store, pending)
        summary.new_stories, summary.joined_stories = _assign_stories(store, pending, config)
    summary.totals = store.counts()
    return summary


def _store_batch(store: SqliteStore, batch: list[Prepared | Skipped], config: Config, summary: RunSummary) -> None:
    """Store a batch and link its pages to copies already stored; one transaction."""
    with store.transaction():
        for item in batch:
            page_id = item.id if isinstance(item, Skipped) else item.article.id
            if store.has_page(page_id):  # the same page twice in one input, or another run stored it
                summary.already_stored += 1
                continue
            if isinstance(item, Skipped):
                store.add_skipped(item)
                summary.skipped.append((item.source, item.reason))
                continue
            store.add_article(item.article, item.signature, item.terms)
            _link_copies(store, item.article, item.signature, config)
            summary.added += 1


def _link_copies(store: SqliteStore, article: Article, sig: Signature, config: Config) -> None:
    """Verify every candidate (same hash, or an LSH collision) by its real overlap."""
    exact = set(store.page_ids_with_hash(sig.exact_hash, article.id)) if sig.band_keys else set()
    for other in sorted(exact):
        store.add_link(article.id, other, "exact", 1.0)
    for other in store.lsh_candidates(sig.band_keys, article.id):
        if other in exact:
            continue
        other_toks = tokens(store.page_text(other))
        other_sig = Signature(other, "", sig.minhash, shingle_hashes(other_toks, config.shingle_size), ())
        verdict = compare(sig, other_sig, config)
        if verdict:
            store.add_link(article.id, other, *verdict)


def _ranked(store: SqliteStore, ids: list[str]) -> list[Candidate]:
    rows = store.rank_rows(ids)
    return rank_originals([Candidate(id=r["id"], text=r["text"] or "", injected=json.loads(r["injections"]) != [],
                                     agency=r["agency"], claimed_date=r["claimed_date"]) for r in rows])


def _update_copy_groups(store: SqliteStore, new_ids: list[str]) -> int:
    """Union-find over verified links; every copy points at its group's original."""
    links = store.links()
    uf = UnionFind()
    direct: dict[tuple[str, str], tuple[str, float]] = {}
    for row in links:
        uf.union(row["a"], row["b"])
        direct[(row["a"], row["b"])] = (row["relation"], row["score"])
    touched = {uf.find(i) for i in new_ids if i in uf.parent}
    new_copies = 0
    new = set(new_ids)
    for root, members in uf.groups().items():
        if root not in touched:
            continue
        ranked = _ranked(store, members)
        original = ranked[0].id
        store.set_copy(original, None, None, None)
        for candidate in ranked[1:]:
            pid = candidate.id
            pair = tuple(sorted((pid, original)))
            relation, score = direct.get(pair) or _strongest(pid, direct)
            store.set_copy(pid, original, relation, score)
            new_copies += pid in new
    return new_copies


def _strongest(page_id: str, direct: dict[tuple[str, str], tuple[str, float]]) -> tuple[str, float]:
    """The page's best verified link, when it reaches the original only through others."""
    order = {"exact": 0, "near": 1, "contained": 2}
    options = [v for k, v in direct.items() if page_id in k]
    return min(options, key=lambda v: (order[v[0]], -v[1]))


def _assign_stories(store: SqliteStore, new_ids: list[str], config: Config) -> tuple[int, int]:
    """Put new pages into stories: copies follow their original, others join or open one."""
    if not new_ids:
        return 0, 0
    rows = {p["id"]: p for p in (store.page(i) for i in new_ids) if p}
    members = store.story_members()
    vectors = store.term_vectors([m for ms in members.values() for m in ms] + new_ids)
    n_docs, df = store.document_frequencies({t for v in vectors.values() for t in v})
    index = StoryIndex(threshold=config.story_similarity)
    for story_id, ids in members.items():
        for pid in ids:
            index.add(story_id, tfidf(vectors[pid], n_docs, df))
    opened = joined = 0
    touched: set[str] = set()
    for pid in new_ids:
        page = rows[pid]
        if page["duplicate_of"]:
            continue  # handled below, once originals have stories
        group_story = store.story_of_group(pid)
        if group_story:
            story_id = group_story
        else:
            vec = tfidf(vectors[pid], n_docs, df)
            story_id, _score = index.best(vec)
            if story_id is None:
                story_id = "s-" + hashlib.sha1(pid.encode("utf-8", "surrogatepass")).hexdigest()[:12]
                store.upsert_story(story_id)
                opened += 1
            else:
                joined += 1
            index.add(story_id, vec)
        store.set_story(pid, story_id)
        touched.add(story_id)
    for pid in new_ids:
        original = store.page(pid)["duplicate_of"]
        if original:
            story_id = store.page(original)["story"]
            if story_id:
                store.set_story(pid, story_id)
                touched.add(story_id)
    for story_id in touched:
        _refresh(store, story_id)
    return opened, joined


def _refresh(store: SqliteStore, story_id: str) -> None:
    pages = store.pages(story=story_id, with_text=False)
    ids = [p["id"] for p in pages if p["duplicate_of"] is None] or [p["id"] for p in pages]
    ranked = _ranked(store, ids)
    original = ranked[0].id if ranked else None
    title = next((p["title"] for p in pages if p["id"] == original), None)
    store.refresh_story(story_id, original, title)
