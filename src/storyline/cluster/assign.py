"""Stories, as functions of records: pending pages join stories, stories merge and split.

Order in a run (the run loop, run/local.py, writes each step's changes before the next):
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
4. relate_reports (relations.py), head_story, update_storylines (storylines.py).

The stages never write: they read what lies beyond their working set through a
StorySource (read-only; run/ gives one over the store, a batch driver one over
memory) and return StoryChanges, an ordered log the run loop applies.
"""
from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Config
from ..dedup import candidate_of, rank_originals
from ..extract.readable import LEAD_TITLE_CHARS, lead_title
from ..records import StoredPage
from .model import JoinModel, load_model
from .online import POSTING_DEPTH, StoryIndex, StoryState
from .vectors import ENTITY_PREFIX, PageVectors, StoryCounts, Weights, day_ordinal, headline_text, story_counts


def story_id_for(page_id: str) -> str:
    return "s-" + hashlib.sha1(page_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


class StorySource(Protocol):
    """What story grouping reads beyond the pages it was given (read-only)."""

    def stored_pages(self, ids: list[str]) -> list[StoredPage]: ...
    def story_pages(self, story_ids: list[str]) -> list[StoredPage]: ...
    def copies_of(self, ids: list[str]) -> list[StoredPage]: ...
    def story_exists(self, story_id: str) -> bool: ...
    def story_candidates(self, terms: list[str], depth: int) -> list[str]: ...
    def story_states(self, ids: list[str]) -> dict[str, dict]: ...
    def story_keys(self, ids: list[str]) -> dict[str, list[str]]: ...  # story_states' key terms alone
    def stories_without_state(self) -> list[str]: ...
    def document_frequencies(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]: ...
    def pinned(self, ids: Iterable[str]) -> set[str]: ...  # pages placed in their story by hand
    def kept_apart(self, a: str, b: str) -> bool: ...  # stories split apart by hand


@dataclass(slots=True, frozen=True)
class StoryOpened:
    story: str


@dataclass(slots=True, frozen=True)
class PageMoved:
    """A page joins a story (from none, or from another story)."""

    page: str
    story: str


@dataclass(slots=True, frozen=True)
class StoryRemoved:
    """A story left without pages; its id resolves to `merged_into` when it has one."""

    story: str
    merged_into: str | None


@dataclass(slots=True, frozen=True)
class CountsComputed:
    """Grouping counts computed for a page of a store older than them."""

    page: str
    counts: dict


StoryOp = StoryOpened | PageMoved | StoryRemoved | CountsComputed


@dataclass(slots=True)
class StoryChanges:
    """What a grouping step decided, as an ordered log for the run loop to apply, and its counts.
    `states`: story states to save, in this order (it orders the key-term index)."""

    ops: list[StoryOp] = field(default_factory=list)
    states: list[tuple[str, StoryState]] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)  # live stories whose pages changed
    opened: int = 0
    joined: int = 0
    split: int = 0
    merged: int = 0


@dataclass(slots=True)
class _Book:
    """Who is in which story: what the source said, with this step's decisions on top."""

    source: StorySource
    changes: StoryChanges
    pages: dict[str, StoredPage] = field(default_factory=dict)
    story_of: dict[str, str | None] = field(default_factory=dict)
    by_story: dict[str, set[str]] = field(default_factory=dict)
    loaded: set[str] = field(default_factory=set)  # stories whose pages are all known
    copies: dict[str, list[str]] = field(default_factory=dict)
    exists: dict[str, bool] = field(default_factory=dict)

    def _see(self, pages: Iterable[StoredPage]) -> None:
        for page in pages:
            if page.id not in self.pages:
                self.pages[page.id] = page
                self.story_of[page.id] = page.story
                if page.story:
                    self.by_story.setdefault(page.story, set()).add(page.id)

    def page(self, pid: str) -> StoredPage | None:
        if pid not in self.pages:
            self._see(self.source.stored_pages([pid]))
        return self.pages.get(pid)

    def need(self, ids: list[str]) -> None:
        self._see(self.source.stored_pages([i for i in ids if i not in self.pages]))

    def members(self, story_id: str) -> list[str]:
        """A story's pages, in the order they were added."""
        if story_id not in self.loaded:
            self._see(self.source.story_pages([story_id]))
            self.loaded.add(story_id)
        return sorted(self.by_story.get(story_id, ()), key=lambda p: self.pages[p].seq)

    def reports(self, story_id: str) -> list[str]:
        """A story's pages that are no copies, in the order they were added."""
        return [p for p in self.members(story_id) if self.pages[p].duplicate_of is None]

    def copies_of(self, pid: str) -> list[str]:
        if pid not in self.copies:
            found = self.source.copies_of([pid])
            self._see(found)
            self.copies[pid] = [p.id for p in sorted(found, key=lambda p: p.seq)]
        return self.copies[pid]

    def story_of_group(self, pid: str) -> str | None:
        """The story of a page's copy group, when the page or one of its copies already has one."""
        ids = [pid] + self.copies_of(pid)
        with_story = [i for i in ids if self.story_of.get(i)]
        return self.story_of[min(with_story, key=lambda i: self.pages[i].seq)] if with_story else None

    def set_story(self, pid: str, story_id: str) -> None:
        old = self.story_of.get(pid)
        if old:
            self.by_story.get(old, set()).discard(pid)
        self.story_of[pid] = story_id
        self.by_story.setdefault(story_id, set()).add(pid)
        self.changes.ops.append(PageMoved(pid, story_id))

    def is_live(self, story_id: str) -> bool:
        if story_id not in self.exists:
            self.exists[story_id] = self.source.story_exists(story_id)
        return self.exists[story_id]

    def open(self, story_id: str) -> None:
        if not self.is_live(story_id):
            self.exists[story_id] = True
            self.changes.ops.append(StoryOpened(story_id))

    def delete(self, story_id: str, merged_into: str | None = None) -> None:
        self.exists[story_id] = False
        self.changes.ops.append(StoryRemoved(story_id, merged_into))

    def age(self, story_id: str) -> int:
        """Order of a story's first page (lower: older)."""
        members = self.members(story_id)
        return self.pages[members[0]].seq if members else 1 << 62


@dataclass(slots=True)
class _Grouping:
    """One step's view for story grouping: the book, the join model, the candidate index."""

    book: _Book
    config: Config
    model: JoinModel
    index: StoryIndex
    weights: Weights
    counts: dict[str, StoryCounts] = field(default_factory=dict)

    @classmethod
    def open(cls, source: StorySource, config: Config) -> _Grouping:
        model, sigma = load_model(config.story_model)
        book = _Book(source, StoryChanges())
        index = StoryIndex(model, config.story_join_probability, sigma,
                           lookup=lambda terms: [s for s in source.story_candidates(terms, POSTING_DEPTH)
                                                 if book.is_live(s)],
                           loader=lambda ids: {i: StoryState.from_json(i, d) for i, d in
                                               source.story_states([i for i in ids if book.is_live(i)]).items()},
                           key_loader=lambda ids: source.story_keys([i for i in ids if book.is_live(i)]))
        return cls(book, config, model, index, Weights())

    def load(self, ids: list[str]) -> None:
        """Counts of these pages (computed from the stored text for a store older than them)."""
        self.book.need(ids)
        loaded: list[StoryCounts] = []
        for pid in ids:
            page = self.book.pages.get(pid)
            if page is None:
                continue
            stored = page.story_counts
            if stored is None:
                counts = story_counts(page.title, page.text or "", page.terms)
                self.book.changes.ops.append(CountsComputed(pid, counts.as_json()))
            else:
                counts = StoryCounts.from_json(stored, page.terms)
            # Once forensics has dated the page, its estimate is the day that counts.
            day = day_ordinal(page.published_value) or counts.day
            self.counts[pid] = StoryCounts(counts.headline, counts.body, counts.entities, day, counts.headline_only)
            loaded.append(self.counts[pid])
        # Frequencies of the new pages' terms join those already read: pages loaded
        # earlier in the step keep theirs.
        terms = {t for c in loaded for t in c.body} | {ENTITY_PREFIX + n for c in loaded for n in c.entities}
        self.weights.n_docs, df = self.book.source.document_frequencies({t for t in terms if t not in self.weights.df})
        self.weights.df.update(df)

    def vectors(self, pid: str) -> PageVectors:
        return self.weights.vectors(pid, self.counts[pid])

    def rebuild(self, story_id: str) -> StoryState | None:
        """A story's state from its reports as they are now (after pages left, or dates moved)."""
        ids = self.book.reports(story_id)
        if not ids:
            return None
        self.load([i for i in ids if i not in self.counts])
        state = StoryState(story_id)
        for pid in ids:
            state.add(self.vectors(pid))
        return state

    def merge(self, a: str, b: str) -> str:
        """Two stories become one: the older keeps its id, the other's id resolves to it."""
        book = self.book
        keep, gone = sorted((a, b), key=book.age)
        for pid in book.members(gone):
            book.set_story(pid, keep)
        book.delete(gone, merged_into=keep)
        self.index.replace(gone, None)
        self.index.replace(keep, self.rebuild(keep))
        book.changes.merged += 1
        return keep

    def finish(self) -> StoryChanges:
        changes = self.book.changes
        for story_id in sorted(self.index.changed):
            state = self.index.state(story_id)
            if state is not None and self.book.is_live(story_id):
                changes.states.append((story_id, state))
        self.index.changed.clear()
        return changes


def assign_stories(source: StorySource, pending: list[str], regrouped: set[str], config: Config) -> StoryChanges:
    """Pending pages (in the order they were stored) join stories or open them; copies follow their
    original. `changed` holds the stories that gained or lost pages and still exist."""
    grouping = _Grouping.open(source, config)
    book, changes = grouping.book, grouping.book.changes
    # A store from before story states, or whose counts were recounted: states built once.
    for story_id in source.stories_without_state():
        grouping.index.replace(story_id, grouping.rebuild(story_id))
    if not pending and not regrouped:
        return grouping.finish()
    grouping.load(pending)
    touched: set[str] = set()
    for pid in pending:
        if book.pages[pid].duplicate_of:
            continue  # follows its original, below
        story_id = book.story_of_group(pid)
        vec = grouping.vectors(pid)
        bridged: list[str] = []
        if story_id is None:
            ranked = grouping.index.ranked(vec)
            fits = [s for p, s in ranked if p >= config.story_join_probability]
            if not fits:
                story_id = story_id_for(pid)
                book.open(story_id)
                changes.opened += 1
            else:
                story_id, bridged = fits[0], fits[1:]
                changes.joined += 1
        grouping.index.add(story_id, vec)
        book.set_story(pid, story_id)
        touched.add(story_id)
        for other in bridged:  # the page fits another story too: when the two now look like one, they merge
            if book.is_live(other) and book.is_live(story_id) and not source.kept_apart(story_id, other) and \
                    grouping.index.same_story(story_id, other, config.story_merge_probability):
                story_id = grouping.merge(story_id, other)
                touched.add(story_id)
    moved_to: dict[str, str] = {}  # story a copy left -> its original's story
    for pid in sorted(set(pending) | regrouped):
        page = book.page(pid)
        if page is None or not page.duplicate_of:
            continue
        book.page(page.duplicate_of)
        original_story = book.story_of.get(page.duplicate_of)
        own = book.story_of.get(pid)
        if original_story and original_story != own:
            if own:
                touched.add(own)
                moved_to[own] = original_story
            book.set_story(pid, original_story)
            touched.add(original_story)
    for story_id in sorted(moved_to):  # a page that became a copy no longer counts in its old story
        grouping.index.replace(story_id, grouping.rebuild(story_id))
    for story_id in sorted(touched):
        if not book.is_live(story_id):
            continue  # merged away above
        if not book.members(story_id):
            grouping.index.replace(story_id, None)
            # Its reports became copies of another story's page: the id resolves there.
            book.delete(story_id, merged_into=moved_to.get(story_id))
        else:
            changes.changed.add(story_id)
    return grouping.finish()


def review_stories(source: StorySource, stories: set[str], config: Config) -> StoryChanges:
    """Split reports that no longer fit, merge stories that now look like one.

    `changed` holds the stories changed that still exist; `split` counts the reports moved out,
    `merged` the stories merged away."""
    grouping = _Grouping.open(source, config)
    book, changes, index = grouping.book, grouping.book.changes, grouping.index
    changed = set(stories)
    live = sorted(s for s in stories if book.is_live(s))
    for story_id in live:  # states with the dates forensics has just estimated
        index.replace(story_id, grouping.rebuild(story_id))
    for story_id in live:
        state = index.state(story_id)
        if state is None or state.reports < 2:
            continue
        members = book.reports(story_id)
        placed_by_hand = source.pinned(members)
        days = sorted(d for m in members if (d := grouping.counts[m].day) is not None)
        for pid in members:
            if pid in placed_by_hand:
                continue
            vec = grouping.vectors(pid)
            own = grouping.counts[pid].day
            fit = index.model.probability(state.features_without(vec, index.sigma_days, _span_without(days, own)),
                                          vec.headline_only)
            if fit >= config.story_split_probability:
                continue
            decision = index.decide(vec, exclude=[story_id])
            target = decision.story or story_id_for(pid)
            if target == story_id:
                continue
            book.open(target)
            for member in [pid] + book.copies_of(pid):
                book.set_story(member, target)
            index.add(target, vec)
            state = grouping.rebuild(story_id)
            index.replace(story_id, state)
            members = [m for m in members if m != pid]
            if own is not None:
                days.remove(own)
            changed |= {story_id, target}
            changes.split += 1
            if state is None or state.reports < 2:
                break
    # A merged story is tried again: it may now reach a third story (a story grows by more
    # than one merge per pass). Each merge removes a story, so this ends.
    pending = deque(sorted(changed))
    while pending:
        story_id = pending.popleft()
        state = index.state(story_id)
        if state is None or not book.is_live(story_id):
            continue
        decision = index.decide(state.mean_vectors(), exclude=[story_id], threshold=config.story_merge_probability)
        if decision.story is None or source.kept_apart(story_id, decision.story):
            continue
        keep = grouping.merge(story_id, decision.story)
        changed.add(keep)
        pending.append(keep)
    changes.changed = {s for s in changed if book.is_live(s)}
    return grouping.finish()


def _span_without(days: list[int], own: int | None) -> list[int]:
    """The first and last of the sorted `days` of a story's reports once one report's day `own` is taken
    out: all the time feature reads of the others, without listing them for every report."""
    if own is None:
        return [days[0], days[-1]] if days else []
    if len(days) < 2:
        return []
    return [days[1] if days[0] == own else days[0], days[-2] if days[-1] == own else days[-1]]


def head_story(pages: list[StoredPage]) -> tuple[str | None, str | None]:
    """A story's original and title, from its pages (in the order they were added)."""
    ids = {p.id for p in pages if p.duplicate_of is None} or {p.id for p in pages}
    ranked = rank_originals([candidate_of(p) for p in sorted(pages, key=lambda p: p.id) if p.id in ids])
    original = next((p for p in pages if ranked and p.id == ranked[0].id), None)
    if original is None:
        return None, None
    title = original.title
    if not title:  # a record without a title: its first sentence says what happened
        title = lead_title(original.text or "") or headline_text(None, original.text or "")[:LEAD_TITLE_CHARS] or None
    return original.id, title
