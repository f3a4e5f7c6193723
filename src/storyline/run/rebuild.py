"""`storyline rebuild`: recompute derived data after a setting or model change, from the stored
pages, without reading the inputs again.

Stages depend on each other in this order: copies -> stories and dates (each leans on the other:
dates are anchored on a page's story, and review splits and merges stories by date) ->
storylines. Rebuilding a stage clears it and every stage after it, then settles every stored
page as a run would settle new ones (SETTLE_EVERY pages at a time, in input order, so memory
follows the slice and not the store), in one transaction: a rebuild that fails or is killed
leaves the store as it was.

Kept as they are: the clean text (a copy's text keeps the injected words forensics removed
from it, and those injections stay recorded) and the LSH index (its keys are the fingerprint
of the text as stored; a change of shingle_size, num_perm or lsh_bands needs a new store).
"""
from __future__ import annotations

from ..config import Config
from ..dedup import fingerprint, link_page
from ..errors import UsageError
from ..records import Article, CopyLink
from ..store.sqlite import SqliteStore
from .local import RunSummary, settle_all
from .working import remove_pages, update_storylines, upgrade

STAGES = ("copies", "dates", "stories", "storylines")


def rebuild(store: SqliteStore, stage: str, config: Config) -> RunSummary:
    if stage not in STAGES:
        raise UsageError(f"unknown stage {stage!r} (one of: {', '.join(STAGES)})")
    upgrade(store, config)
    summary = RunSummary()
    with store.transaction():
        if stage == "storylines":
            store.remember_placements()
            store.clear_storylines()
            update_storylines(store, {s for s, *_ in store.storyline_inputs()}, {}, config)
            store.carry_ids_over()
        else:
            if stage == "copies":
                store.clear_copies()
                _relink(store, config)
            settle_all(store, config, summary)
    summary.count(store)
    return summary


def delete_pages(store: SqliteStore, ids: list[str], config: Config) -> tuple[int, RunSummary]:
    """Remove pages for good, then recompute what leaned on them, in one transaction: copy groups
    from the copy links that remain, dates, stories and storylines of every stored page (as
    `rebuild --stage stories` does; its cost follows the store's size)."""
    upgrade(store, config)
    summary = RunSummary()
    with store.transaction():
        removed = remove_pages(store, ids, config)
        if removed:
            settle_all(store, config, summary)
    summary.count(store)
    return removed, summary


def _relink(store: SqliteStore, config: Config) -> None:
    """Verified copy links between all stored pages, with this config's thresholds: each page
    against the pages stored before it (the same pairs a run of the same input verifies)."""
    seqs = store.page_seqs()
    for page in store.iter_pages():
        sig = fingerprint(Article(page.id, page.source, page.title, page.text), config)
        # The exact hash as stored is that of the text as extracted (forensics may have cleaned a copy's
        # text since): exact copies are the ones the run found.
        twin = store.first_page_with_hash(store.exact_hash(page.id)) if sig.band_keys else None
        if twin is not None and twin != page.id:
            store.add_link(CopyLink(page.id, twin, "exact", 1.0))
            continue
        earlier = [o for o in store.lsh_candidates(sig.lsh_keys, page.id) if seqs.get(o, 1 << 62) < page.seq]
        for link in link_page(sig, ((o, store.page_text(o)) for o in earlier), config):
            store.add_link(link)
