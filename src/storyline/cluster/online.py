"""Online story grouping: each page joins the story it most likely belongs to, or opens one.

A story is kept as the sums of its reports' unit vectors (headline, body,
names) and its date span; a page is compared with the normalised sums (the
centroid's direction), so the terms a story's reports share weigh more as it
grows, and adding a page costs the page's size, not the story's. Candidate stories come from an inverted index on each story's key
terms; a posting list keeps only the stories that used the term most recently
(POSTING_DEPTH), and only the stories hit by most key terms are scored
(MAX_SCORED), so the cost of a page does not grow with the number of stories. Of a story
only the store knows, its key terms are read first (to file it, as the whole state would be) and
its whole state only once it is among those scored: most candidates never are.
The same engine runs over the store (assign.py, with the store as its source)
and over a corpus in memory (batch.py).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .model import JoinModel, time_decay
from .vectors import PageVectors

POSTING_DEPTH = 32  # stories kept per key term, most recently used first
MAX_SCORED = 12  # candidate stories scored in full per page
MAX_STORY_KEYS = 60  # key terms a story is filed under in the store
MAX_CENTROID_TERMS = 400  # a centroid keeps its heaviest terms (bounds memory and cost)
# States read from the store and not changed since, held at most: beyond, the least recently
# scored go back to being filed (their key terms stay posted) and are read again if scored again.
# Without a bound, a review of a large store held every candidate it had ever scored.
MAX_HELD_STATES = 2048


def _dot(small: dict[str, float], big: dict[str, float]) -> float:
    if len(small) > len(big):
        small, big = big, small
    # Only shared terms are multiplied (most are not shared): the same sum, in the same order, twice as fast.
    return sum([v * big[t] for t, v in small.items() if t in big], 0.0)


def _add_into(total: dict[str, float], vec: dict[str, float], sign: float = 1.0) -> None:
    for term, value in vec.items():
        total[term] = total.get(term, 0.0) + sign * value
    keep_heaviest(total, MAX_CENTROID_TERMS)


def keep_heaviest(weights: dict, limit: int) -> None:
    """Cut `weights` to its `limit` heaviest entries (ties by key) once it holds a quarter more."""
    if len(weights) > limit * 5 // 4:
        kept = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        weights.clear()
        weights.update(dict(kept))  # dict(): a Counter would count the pairs themselves


@dataclass(slots=True)
class StoryState:
    """A story as the join decision sees it."""

    id: str
    reports: int = 0  # pages that are no copies
    headline: dict[str, float] = field(default_factory=dict)
    body: dict[str, float] = field(default_factory=dict)
    entities: dict[str, float] = field(default_factory=dict)
    first_day: int | None = None
    last_day: int | None = None
    keys: list[str] = field(default_factory=list)  # terms the story is indexed under
    headline_reports: int = 0  # reports that are headline-only records
    _norms: tuple[float, float, float] | None = None  # lengths of the three sums, when known

    def norms(self) -> tuple[float, float, float]:
        if self._norms is None:
            self._norms = tuple(math.sqrt(sum(v * v for v in vec.values())) or 1.0
                                for vec in (self.headline, self.body, self.entities))
        return self._norms

    def add(self, page: PageVectors) -> None:
        """Count a report in; the story is filed under its first MAX_STORY_KEYS key terms."""
        for term in page.key_terms():
            if len(self.keys) < MAX_STORY_KEYS and term not in self.keys:
                self.keys.append(term)
        self.reports += 1
        self.headline_reports += page.headline_only
        self._norms = None
        _add_into(self.headline, page.headline)
        _add_into(self.body, page.body)
        _add_into(self.entities, page.entities)
        if page.day is not None:
            self.first_day = page.day if self.first_day is None else min(self.first_day, page.day)
            self.last_day = page.day if self.last_day is None else max(self.last_day, page.day)

    def _scales(self, headline_only: bool) -> tuple[float, float, float]:
        # Articles: the sums over the number of reports, so a feature is the page's average
        # cosine to the story's reports (average linkage), as the article coefficients were
        # fitted on pairs. Headline-only records share few words each, so they are compared
        # with the centroid's direction: the words a story's headlines share weigh more as it
        # grows, and a large story still draws its headlines (fitted so, on UCI stories).
        return self.norms() if headline_only else (max(self.reports, 1),) * 3

    def features(self, page: PageVectors, sigma_days: float) -> tuple[float, float, float, float]:
        """Similarity of the page to the story (headline, body, names), and the time decay."""
        sh, sb, se = self._scales(page.headline_only)
        return (_dot(page.headline, self.headline) / sh, _dot(page.body, self.body) / sb,
                _dot(page.entities, self.entities) / se,
                time_decay(page.day, self.first_day, self.last_day, sigma_days))

    def features_without(self, page: PageVectors, sigma_days: float,
                         other_days: list[int]) -> tuple[float, float, float, float]:
        """The features of one of the story's reports against the rest of the story."""
        out = []
        for vec, total, norm in zip((page.headline, page.body, page.entities),
                                    (self.headline, self.body, self.entities), self.norms()):
            dot, own = _dot(vec, total), sum(v * v for v in vec.values())
            if page.headline_only:
                rest = math.sqrt(max(norm * norm - 2 * dot + own, 0.0))
                out.append(max(0.0, (dot - own) / rest) if rest > 1e-9 else 0.0)
            else:
                out.append(max(0.0, (dot - own) / (self.reports - 1)) if self.reports > 1 else 0.0)
        return (*out, time_decay(page.day, min(other_days, default=None), max(other_days, default=None),
                                 sigma_days))

    def mean_vectors(self, story_id: str | None = None) -> PageVectors:
        """The story as one pseudo-page, to compare stories with each other: its mean vectors,
        or for a story of headlines, its centroid's direction."""
        mid = None if self.first_day is None else (self.first_day + self.last_day) // 2
        headline_only = self.reports > 0 and self.headline_reports == self.reports
        sh, sb, se = self._scales(headline_only)
        return PageVectors(story_id or self.id, {t: v / sh for t, v in self.headline.items()},
                           {t: v / sb for t, v in self.body.items()},
                           {t: v / se for t, v in self.entities.items()}, mid, headline_only)

    def as_json(self) -> dict:
        return {"reports": self.reports, "headline": self.headline, "body": self.body, "entities": self.entities,
                "first_day": self.first_day, "last_day": self.last_day, "keys": self.keys,
                "headline_reports": self.headline_reports}

    @classmethod
    def from_json(cls, story_id: str, data: dict) -> StoryState:
        return cls(story_id, int(data["reports"]), data["headline"], data["body"], data["entities"],
                   data["first_day"], data["last_day"], list(data.get("keys", [])),
                   int(data.get("headline_reports", 0)))


def post(postings: dict[str, list[str]], term: str, item: str) -> None:
    """File `item` under `term`, most recently used first; beyond POSTING_DEPTH the oldest falls off.
    A list, not a deque(maxlen=...): most terms file one or two stories, and an index holds up to a
    few hundred thousand terms, where an empty bounded deque costs 760 bytes and a short list 64-88."""
    posting = postings.get(term)
    if posting is None:
        postings[term] = [item]
        return
    if item in posting:
        posting.remove(item)
    posting.insert(0, item)
    del posting[POSTING_DEPTH:]


# A source of stories beyond the ones in memory (the store): the stories filed under
# key terms, and loading a story's state.
CandidateLookup = Callable[[list[str]], list[str]]
StateLoader = Callable[[list[str]], dict[str, StoryState]]
KeyLoader = Callable[[list[str]], dict[str, list[str]]]  # a story's key terms, without its state


@dataclass(slots=True)
class Decision:
    story: str | None  # the story joined, None to open one
    probability: float  # of the best candidate (0.0 when there was none)


@dataclass(slots=True)
class StoryIndex:
    model: JoinModel
    join_probability: float = 0.5
    sigma_days: float = 3.0
    lookup: CandidateLookup | None = None
    loader: StateLoader | None = None
    key_loader: KeyLoader | None = None  # with it, a state is read only when the story is scored
    stories: dict[str, StoryState] = field(default_factory=dict)
    postings: dict[str, list[str]] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)
    filed: set[str] = field(default_factory=set)  # stories of the store filed by key term, state not read yet
    max_held: int = MAX_HELD_STATES
    _read: dict[str, None] = field(default_factory=dict)  # states read from the store, least recently scored first

    def candidates(self, page: PageVectors) -> list[str]:
        keys = page.key_terms()
        hits: Counter[str] = Counter()
        for term in keys:
            hits.update(self.postings.get(term, ()))
        if self.lookup is not None:
            for story_id in self.lookup(keys):
                hits.setdefault(story_id, 1)  # a story only the store knows: one hit
            self._load([s for s in hits if s not in self.stories and s not in self.filed])
        top = [s for s, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SCORED]]
        self._read_filed([s for s in top if s in self.filed])
        for story_id in top:  # scored now: the last to go back to being filed
            if story_id in self._read:
                self._read[story_id] = self._read.pop(story_id)
        self._evict(keep=top)
        return [s for s in top if s in self.stories]

    def _load(self, ids: list[str]) -> None:
        """File these stories of the store under their key terms: with their states, or (with a
        key loader) for now without."""
        if not ids or self.loader is None:
            return
        if self.key_loader is None:
            for story_id, state in self.loader(ids).items():
                self.stories[story_id] = state
                for term in state.keys:
                    post(self.postings, term, story_id)
            return
        for story_id, keys in self.key_loader(ids).items():
            self.filed.add(story_id)
            for term in keys:
                post(self.postings, term, story_id)

    def _read_filed(self, ids: list[str]) -> None:
        # Filed already: the state is read, and the story is not filed again (that would move
        # it up its terms' postings, and a later page would see other candidates). The two
        # loaders read the same stories (the same filter, in one transaction of the store).
        if ids:
            self.filed.difference_update(ids)
            states = self.loader(ids)
            self.stories.update(states)
            self._read.update(dict.fromkeys(states))

    def _evict(self, keep: Iterable[str]) -> None:
        """Beyond max_held states read and unchanged, the least recently scored go back to being
        filed. The store holds the same state (nothing is written to it while this index is open),
        and a story's postings stay as they were, so the answers do not change; the cost is reading
        a state again."""
        if len(self._read) <= self.max_held:
            return
        kept = set(keep)
        for story_id in list(self._read):
            if len(self._read) <= self.max_held:
                break
            if story_id in kept:
                continue
            del self._read[story_id]
            if story_id in self.changed or story_id not in self.stories:
                continue  # a changed state is this index's own until it is saved
            del self.stories[story_id]
            self.filed.add(story_id)

    def state(self, story_id: str) -> StoryState | None:
        """A story's state if this index holds it (read now if it was filed without it)."""
        if story_id in self.filed:
            self._read_filed([story_id])
            self._evict(keep=[story_id])
        return self.stories.get(story_id)

    def ranked(self, page: PageVectors, exclude: Iterable[str] = ()) -> list[tuple[float, str]]:
        """Candidate stories with the probability that the page belongs to each, most probable first."""
        skip = set(exclude)
        scored = [(self.model.probability(self.stories[s].features(page, self.sigma_days), page.headline_only), s)
                  for s in self.candidates(page) if s not in skip]
        return sorted(scored, key=lambda ps: (-ps[0], ps[1]))

    def decide(self, page: PageVectors, exclude: Iterable[str] = (), threshold: float | None = None) -> Decision:
        """The most probable candidate story, if its probability reaches the threshold
        (join_probability unless given)."""
        ranked = self.ranked(page, exclude)
        best_p, best = ranked[0] if ranked else (0.0, None)
        needed = self.join_probability if threshold is None else threshold
        return Decision(best if best_p >= needed else None, best_p)

    def same_story(self, a: str, b: str, threshold: float) -> bool:
        """Whether two stories' centroids are one story, by the join model at `threshold`."""
        first, second = self.state(a), self.state(b)
        if first is None or second is None or not first.reports or not second.reports:
            return False
        probe = second.mean_vectors()
        return self.model.probability(first.features(probe, self.sigma_days), probe.headline_only) >= threshold

    def add(self, story_id: str, page: PageVectors) -> StoryState:
        state = self.state(story_id)
        if state is None:
            self._load([story_id])
            state = self.state(story_id) or self.stories.setdefault(story_id, StoryState(story_id))
        state.add(page)
        for term in page.key_terms():
            post(self.postings, term, story_id)
        self.changed.add(story_id)
        return state

    def replace(self, story_id: str, state: StoryState | None) -> None:
        """Put a rebuilt state in place (after pages left the story), or drop a story."""
        self.filed.discard(story_id)
        if state is None:
            self.stories.pop(story_id, None)
        else:
            self.stories[story_id] = state
            for term in state.keys:
                post(self.postings, term, story_id)
        self.changed.add(story_id)

    def cluster(self, pages: Iterable[PageVectors], new_id: Callable[[str], str]) -> dict[str, str]:
        """Assign pages in order; returns page id -> story id."""
        out: dict[str, str] = {}
        for page in pages:
            decision = self.decide(page)
            story_id = decision.story or new_id(page.id)
            self.add(story_id, page)
            out[page.id] = story_id
        return out
