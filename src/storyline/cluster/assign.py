"""Stories over the store: pending pages join stories, stories merge and split, storylines link them.

Order in a run (run/local.py):
1. assign_stories: a copy never opens a story, it is in its original's story. A
   page that is no copy joins the story it most likely belongs to (online.py,
   with the store's key-term index as the source of candidates) or opens one.
   When copy groups changed, members follow their original's story.
2. (forensics dates the pages)
3. review_stories: with the dates now known, a report that no longer fits its
   story (join probability below story_split_probability against the rest)
   leaves it and is assigned again; two stories that now look like one
   (probability at least story_merge_probability) merge into the older one,
   whose id the merged one keeps resolving to.
4. update_storylines: stories are linked into storylines (storylines.py).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from ..config import Config
from ..dedup.original import candidates_from_rows, rank_originals
from ..store.sqlite import SqliteStore
from .model import JoinModel, load_model, time_decay
from .online import POSTING_DEPTH, StoryIndex, StoryState
from .storylines import StorySummary, link_storylines
from .vectors import ENTITY_PREFIX, PageVectors, StoryCounts, Weights, headline_text, story_counts


def story_id_for(page_id: str) -> str:
    return "s-" + hashlib.sha1(page_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _day(value: str | None) -> int | None:
    try:
        return date.fromisoformat(value[:10]).toordinal() if value else None
    except ValueError:
        return None


@dataclass(slots=True)
class _Grouping:
    """One run's view of the store for story grouping."""

    store: SqliteStore
    config: Config
    model: JoinModel
    index: StoryIndex
    weights: Weights
    counts: dict[str, StoryCounts] = field(default_factory=dict)

    @classmethod
    def open(cls, store: SqliteStore, config: Config) -> _Grouping:
        model, sigma = load_model(config.story_model)
        index = StoryIndex(model, config.story_join_probability, sigma,
                           lookup=lambda terms: store.story_candidates(terms, POSTING_DEPTH),
                           loader=lambda ids: {i: StoryState.from_json(i, d) for i, d in store.story_states(ids).items()})
        return cls(store, config, model, index, Weights())

    def load(self, ids: list[str]) -> dict[str, dict]:
        """Counts of these pages (computed from the stored text for a store older than them)."""
        rows = self.store.story_inputs(ids)
        loaded: list[StoryCounts] = []
        for pid, row in rows.items():
            stored = json.loads(row["story_counts"]) if row["story_counts"] else None
            body = json.loads(row["terms"] or "{}")
            if stored is None:
                counts = story_counts(row["title"], row["text"] or "", body)
                self.store.set_story_counts(pid, counts.as_json())
            else:
                counts = StoryCounts(stored["headline"], body, stored["entities"], stored.get("day"))
            # Once forensics has dated the page, its estimate is the day that counts.
            day = _day(row["published_value"]) or counts.day
            self.counts[pid] = StoryCounts(counts.headline, counts.body, counts.entities, day)
            loaded.append(self.counts[pid])
        # Frequencies of the new pages' terms join those already read: pages loaded
        # earlier in the run keep theirs.
        terms = {t for c in loaded for t in c.body} | {ENTITY_PREFIX + n for c in loaded for n in c.entities}
        self.weights.n_docs, df = self.store.document_frequencies(terms - self.weights.df.keys())
        self.weights.df.update(df)
        return rows

    def vectors(self, pid: str) -> PageVectors:
        return self.weights.vectors(pid, self.counts[pid])

    def rebuild(self, story_id: str) -> StoryState | None:
        """A story's state from its reports as they are now (after pages left, or dates moved)."""
        ids = self.store.story_reports_ids(story_id)
        if not ids:
            return None
        self.load([i for i in ids if i not in self.counts])
        state = StoryState(story_id)
        for pid in ids:
            state.add(self.vectors(pid))
        return state

    def save(self) -> None:
        for story_id in sorted(self.index.changed):
            state = self.index.stories.get(story_id)
            if state is not None and self.store.resolve_story(story_id) == story_id:
                self.store.save_story_state(story_id, state.as_json(), state.keys)
        self.index.changed.clear()


def assign_stories(store: SqliteStore, pending: list[str], regrouped: set[str],
                   config: Config) -> tuple[int, int, set[str]]:
    """Returns (stories opened, pages that joined an existing story, stories that gained or lost pages).

    Stories left without pages are removed; the caller refreshes the others (refresh_story) once
    the forensics pass has dated their pages."""
    if not pending and not regrouped:
        return 0, 0, set()
    grouping = _Grouping.open(store, config)
    for story_id in store.stories_without_state():  # a store from before story states: built once
        grouping.index.replace(story_id, grouping.rebuild(story_id))
    rows = grouping.load(pending)
    opened = joined = 0
    touched: set[str] = set()
    for pid in pending:
        if rows[pid]["duplicate_of"]:
            continue  # follows its original, below
        story_id = store.story_of_group(pid)
        vec = grouping.vectors(pid)
        if story_id is None:
            decision = grouping.index.decide(vec)
            if decision.story is None:
                story_id = story_id_for(pid)
                store.upsert_story(story_id)
                opened += 1
            else:
                story_id = decision.story
                joined += 1
        grouping.index.add(story_id, vec)
        store.set_story(pid, story_id)
        touched.add(story_id)
    moved_to: dict[str, str] = {}  # story a copy left -> its original's story
    for pid in sorted(set(pending) | regrouped):
        page = store.page(pid)
        if page is None or not page["duplicate_of"]:
            continue
        original_story = store.page(page["duplicate_of"])["story"]
        if original_story and original_story != page["story"]:
            if page["story"]:
                touched.add(page["story"])
                moved_to[page["story"]] = original_story
            store.set_story(pid, original_story)
            touched.add(original_story)
    for story_id in sorted(moved_to):  # a page that became a copy no longer counts in its old story
        grouping.index.replace(story_id, grouping.rebuild(story_id))
    changed = set()
    for story_id in sorted(touched):
        if store.delete_story_if_empty(story_id):
            grouping.index.replace(story_id, None)
            # Its reports became copies of another story's page: the id resolves there.
            store.delete_story(story_id, merged_into=moved_to.get(story_id))
        else:
            changed.add(story_id)
    grouping.save()
    return opened, joined, changed


def review_stories(store: SqliteStore, stories: set[str], config: Config) -> tuple[set[str], int, int]:
    """Split reports that no longer fit, merge stories that now look like one.

    Returns (stories changed, reports moved out by splits, stories merged away)."""
    grouping = _Grouping.open(store, config)
    index = grouping.index
    changed = set(stories)
    live = sorted(s for s in stories if store.resolve_story(s) == s)
    for story_id in live:  # states with the dates forensics has just estimated
        index.replace(story_id, grouping.rebuild(story_id))
    moved = 0
    for story_id in live:
        state = index.stories.get(story_id)
        if state is None or state.reports < 2:
            continue
        members = store.story_reports_ids(story_id)
        for pid in members:
            vec = grouping.vectors(pid)
            others = [d for m in members if m != pid and (d := grouping.counts[m].day) is not None]
            if _leave_one_out(state, vec, index, others) >= config.story_split_probability:
                continue
            decision = index.decide(vec, exclude=[story_id])
            target = decision.story or story_id_for(pid)
            if target == story_id:
                continue
            store.upsert_story(target)
            for member in [pid] + store.group_members(pid):
                store.set_story(member, target)
            index.add(target, vec)
            state = grouping.rebuild(story_id)
            index.replace(story_id, state)
            members = [m for m in members if m != pid]
            changed |= {story_id, target}
            moved += 1
            if state is None or state.reports < 2:
                break
    merged = 0
    for story_id in sorted(changed):
        state = index.stories.get(story_id)
        if state is None or store.resolve_story(story_id) != story_id:
            continue
        decision = index.decide(state.mean_vectors(), exclude=[story_id], threshold=config.story_merge_probability)
        if decision.story is None:
            continue
        keep, gone = sorted((story_id, decision.story), key=store.story_age)
        for pid in store.story_page_ids(gone):
            store.set_story(pid, keep)
        store.delete_story(gone, merged_into=keep)
        index.replace(gone, None)
        index.replace(keep, grouping.rebuild(keep))
        changed.add(keep)
        merged += 1
    grouping.save()
    return {s for s in changed if store.resolve_story(s) == s}, moved, merged


def _leave_one_out(state: StoryState, vec: PageVectors, index: StoryIndex, other_days: list[int]) -> float:
    """Join probability of a report against the rest of its story (its own vectors and day taken out)."""
    n = state.reports - 1
    features = state.features(vec, index.sigma_days)
    own = (sum(v * v for v in vec.headline.values()), sum(v * v for v in vec.body.values()),
           sum(v * v for v in vec.entities.values()))
    rest = tuple(max(0.0, (f * state.reports - o) / n) for f, o in zip(features[:3], own))
    decay = time_decay(vec.day, min(other_days, default=None), max(other_days, default=None), index.sigma_days)
    return index.model.probability(rest + (decay,))


def update_storylines(store: SqliteStore, config: Config) -> int:
    """Link every story into a storyline; returns the number of storylines."""
    summaries = []
    for story_id, data, first, last in store.storyline_inputs():
        state = StoryState.from_json(story_id, data)
        first_day, last_day = _day(first), _day(last)
        if first_day is None:
            first_day, last_day = state.first_day, state.last_day
        summaries.append(StorySummary.of(story_id, state.body, state.entities, first_day, last_day, state.reports))
    lines = link_storylines(summaries, similarity=config.storyline_similarity,
                            decay_days=config.storyline_decay_days,
                            merge_similarity=config.storyline_merge_similarity,
                            start_similarity=config.storyline_start_similarity)
    as_date = lambda d: date.fromordinal(d).isoformat() if d else None  # noqa: E731
    store.set_storylines([(l.id, l.name, as_date(l.first_day), as_date(l.last_day), l.stories) for l in lines])
    return len(lines)


def refresh_story(store: SqliteStore, story_id: str) -> None:
    """Recompute a story's original, title and date span from its pages."""
    pages = store.pages(story=story_id, with_text=False)
    ids = [p["id"] for p in pages if p["duplicate_of"] is None] or [p["id"] for p in pages]
    ranked = rank_originals(candidates_from_rows(store.rank_rows(ids)))
    original = ranked[0].id if ranked else None
    title = next((p["title"] for p in pages if p["id"] == original), None)
    if not title and original:  # a record without a title: its first words say what happened
        title = headline_text(None, store.page_text(original))[:200] or None
    store.refresh_story(story_id, original, title)
