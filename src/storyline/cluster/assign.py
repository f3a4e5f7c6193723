"""Stories over the store: pending pages join stories, and stories follow copy groups.

A copy never opens a story: it is in its original's story. A page that is no
copy joins the story it resembles most (online.py) or opens one. When a copy
group changed (a new original, two groups merged), every member moves to the
original's story; a story left without pages is removed, and the stories that
lost or gained pages are returned, for the run to refresh once pages are dated.
"""
from __future__ import annotations

import hashlib

from ..config import Config
from ..dedup.original import candidates_from_rows, rank_originals
from ..store.sqlite import SqliteStore
from .online import StoryIndex
from .terms import tfidf


def story_id_for(page_id: str) -> str:
    return "s-" + hashlib.sha1(page_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def assign_stories(store: SqliteStore, pending: list[str], regrouped: set[str],
                   config: Config) -> tuple[int, int, set[str]]:
    """Returns (stories opened, pages that joined an existing story, stories that gained or lost pages).

    Stories left without pages are removed; the caller refreshes the others (refresh_story) once
    the forensics pass has dated their pages."""
    if not pending and not regrouped:
        return 0, 0, set()
    members = store.story_members()
    vectors = store.term_vectors([m for ms in members.values() for m in ms] + pending)
    n_docs, df = store.document_frequencies({t for v in vectors.values() for t in v})
    index = StoryIndex(threshold=config.story_similarity)
    for story_id, ids in members.items():
        for pid in ids:
            index.add(story_id, tfidf(vectors[pid], n_docs, df))
    opened = joined = 0
    touched: set[str] = set()
    for pid in pending:
        page = store.page(pid)
        if page["duplicate_of"]:
            continue  # follows its original, below
        story_id = store.story_of_group(pid)
        if story_id is None:
            vec = tfidf(vectors[pid], n_docs, df)
            story_id, _score = index.best(vec)
            if story_id is None:
                story_id = story_id_for(pid)
                store.upsert_story(story_id)
                opened += 1
            else:
                joined += 1
            index.add(story_id, vec)
        store.set_story(pid, story_id)
        touched.add(story_id)
    for pid in sorted(set(pending) | regrouped):
        page = store.page(pid)
        if page is None or not page["duplicate_of"]:
            continue
        original_story = store.page(page["duplicate_of"])["story"]
        if original_story and original_story != page["story"]:
            if page["story"]:
                touched.add(page["story"])
            store.set_story(pid, original_story)
            touched.add(original_story)
    changed = {story_id for story_id in sorted(touched) if not store.delete_story_if_empty(story_id)}
    return opened, joined, changed


def refresh_story(store: SqliteStore, story_id: str) -> None:
    """Recompute a story's original, title and date span from its pages."""
    pages = store.pages(story=story_id, with_text=False)
    ids = [p["id"] for p in pages if p["duplicate_of"] is None] or [p["id"] for p in pages]
    ranked = rank_originals(candidates_from_rows(store.rank_rows(ids)))
    original = ranked[0].id if ranked else None
    title = next((p["title"] for p in pages if p["id"] == original), None)
    store.refresh_story(story_id, original, title)
