"""Copy groups over the store: link each new page to what it copies, then regroup.

add_page() runs as a page is stored: an exact copy links to the first
stored page with the same text (one link, however many copies); any other
page is matched through its LSH keys, each candidate verified by its real
shingle overlap. update_groups() runs at the end of a run: union-find over
the verified links reachable from the pending pages gives the copy groups; the
likeliest original of each (original.py) is marked, and every other member
points at it with its relation and overlap score with that original.
"""
from __future__ import annotations

from collections import deque

from ..config import Config
from ..records import Article, Signature
from ..store.sqlite import SqliteStore
from . import overlap_relation, text_shingles
from .original import candidates_from_rows, rank_originals, why_original
from .unionfind import UnionFind

MAX_GROUP = 1_000_000  # pages read per regrouping; beyond it, far members keep their old group


def add_page(store: SqliteStore, article: Article, sig: Signature, terms: dict[str, int], config: Config, *,
             content_hash: str | None = None, story_counts: dict | None = None) -> None:
    """Store a page and record its verified links to the pages stored before it."""
    twin = store.first_page_with_hash(sig.exact_hash) if sig.band_keys else None
    store.add_article(article, sig, terms, content_hash=content_hash, index_lsh=twin is None,
                      story_counts=story_counts)
    if twin is not None:
        store.add_link(article.id, twin, "exact", 1.0)
        return
    for other in store.lsh_candidates(sig.band_keys, article.id):
        verdict = overlap_relation(sig.shingles, text_shingles(store.page_text(other), config), config)
        if verdict:
            store.add_link(article.id, other, *verdict)


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
    """Regroup (union-find over verified links) the groups holding pending pages.

    Returns the number of pending pages that are copies, and every page of the
    groups touched (their original may have changed: stories must follow).
    """
    links = _reachable_links(store, pending)
    groups = UnionFind()
    for page, others in links.items():
        groups.find(page)
        for other in others:
            if other in links:
                groups.union(page, other)
    copies = 0
    pending_set = set(pending)
    for members in groups.groups().values():
        if len(members) == 1:
            continue
        ranked = rank_originals(candidates_from_rows(store.rank_rows(members)))
        original = ranked[0]
        store.set_copy(original.id, None, None, None)
        store.set_original_reasons(original.id, why_original(original, ranked[1:]))
        original_shingles = None
        for member in ranked[1:]:
            direct = links[member.id].get(original.id)
            if direct is None:  # linked through other copies: measure against the original itself
                if original_shingles is None:
                    original_shingles = text_shingles(original.text, config)
                direct = overlap_relation(original_shingles, text_shingles(member.text, config), config) \
                    or _best_link(links[member.id])
            store.set_copy(member.id, original.id, *direct)
            copies += member.id in pending_set
    return copies, set(links)


def _best_link(links: dict[str, tuple[str, float]]) -> tuple[str, float]:
    order = {"exact": 0, "near": 1, "contained": 2}
    return min(links.values(), key=lambda v: (order[v[0]], -v[1]))
