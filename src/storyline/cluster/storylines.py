"""Storylines: stories that continue each other, linked into one named thread.

The seeds' October visit (Lavrov in Pyongyang) and January visit (Choe in
Moscow) are two stories of one storyline: the same actors and places, months
apart. Stories are taken in date order; each joins the storyline whose names
and words it shares most, when that similarity, decayed by the gap between the
storyline's last day and the story's first day (a Gaussian of width
storyline_decay_days), reaches storyline_similarity; otherwise it starts a
storyline. A storyline is compared through the sum of its stories' unit
centroids, and candidates come from an inverted index on key terms, as for
stories. The id of a storyline derives from its first story; its name lists
its heaviest names (names.py `storyline_name`).
"""
from __future__ import annotations

import hashlib
import heapq
import math
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from ..config import Config
from .model import time_decay
from .names import storyline_name
from .online import POSTING_DEPTH, StoryState, _add_into, _dot, keep_heaviest, post
from .vectors import ENTITY_PREFIX, day_ordinal

MAX_COMPARED = 12  # storylines compared in full per story
SUMMARY_WORDS, SUMMARY_NAMES = 400, 100  # all a centroid keeps: cutting to 100 words cost 0.04 B-cubed F1 on Timeline17
NAME_WEIGHT = 0.5  # share of the names' cosine in the similarity (the rest: body words)


def storyline_id_for(story_id: str) -> str:
    return "l-" + hashlib.sha1(story_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def _unit(vec: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


@dataclass(slots=True, frozen=True)
class StorySummary:
    """A story as storylines see it: unit centroids of body words and names, and dates."""

    id: str
    body: dict[str, float]
    entities: dict[str, float]
    first_day: int | None
    last_day: int | None
    reports: int = 1
    title: str | None = None

    def key_terms(self) -> list[str]:
        return _heaviest(self.body, self.entities)

    @classmethod
    def of(cls, story_id: str, body: dict[str, float], entities: dict[str, float], first_day: int | None,
           last_day: int | None, reports: int, title: str | None = None) -> StorySummary:
        """From a story's centroid sums: the heaviest terms only (what tells threads apart), unit length."""
        return cls(story_id, _unit(_top(body, SUMMARY_WORDS)), _unit(_top(entities, SUMMARY_NAMES)),
                   first_day, last_day, reports, title)


def _similarity(a: tuple[dict[str, float], dict[str, float]], b: tuple[dict[str, float], dict[str, float]]) -> float:
    """Of two (body, names) unit vector pairs: half names, half body words (NAME_WEIGHT). When either
    side has no names (a headline in which NER found none: "ECB to reveal bad loan hurdles"), the
    names tell nothing, for or against: the body words alone."""
    if not a[1] or not b[1]:
        return _dot(a[0], b[0])
    return (1 - NAME_WEIGHT) * _dot(a[0], b[0]) + NAME_WEIGHT * _dot(a[1], b[1])


def _top(vec: dict[str, float], n: int) -> dict[str, float]:
    return vec if len(vec) <= n else dict(sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


# Names a storyline keeps, the heaviest, as its centroids keep MAX_CENTROID_TERMS terms: its name
# shows a few, and a thread of hundreds of stories gathers thousands. (bench/scale at 100k: no
# measurable change in the storylines phase; it bounds the state each run reads and writes.)
MAX_NAMES = 200
LEFTOVER = 1e-9  # what a subtraction leaves of a term that was all one story's: rounding, dropped


def _heaviest(body: dict[str, float], entities: dict[str, float], words: int = 20, names: int = 10) -> list[str]:
    # nsmallest is sorted()[:n] without sorting a long storyline's thousands of terms.
    return (heapq.nsmallest(words, body, key=lambda t: (-body[t], t))
            + [ENTITY_PREFIX + n for n in heapq.nsmallest(names, entities, key=lambda t: (-entities[t], t))])


@dataclass(slots=True)
class _Line:
    id: str
    body: dict[str, float] = field(default_factory=dict)
    entities: dict[str, float] = field(default_factory=dict)
    names: Counter = field(default_factory=Counter)
    first_day: int | None = None
    last_day: int | None = None
    stories: list[str] = field(default_factory=list)
    title: str | None = None  # of its first story with one: the name when no names are known
    # Each story's day span, so that a story can leave without the others being read again
    # (None: a storyline stored before spans were kept, rebuilt from its stories instead).
    spans: dict[str, tuple[int | None, int | None]] | None = field(default_factory=dict)
    _units: tuple[dict[str, float], dict[str, float]] | None = None  # unit centroids, until the next story

    def units(self) -> tuple[dict[str, float], dict[str, float]]:
        if self._units is None:
            self._units = (_unit(self.body), _unit(self.entities))
        return self._units

    def add(self, story: StorySummary) -> None:
        _add_into(self.body, story.body)
        _add_into(self.entities, story.entities)
        self._units = None
        self.names.update({n: w * story.reports for n, w in story.entities.items()})
        keep_heaviest(self.names, MAX_NAMES)
        self.stories.append(story.id)
        self.title = self.title or story.title
        if self.spans is not None:
            self.spans[story.id] = (story.first_day, story.last_day)
        if story.first_day is not None:
            self.first_day = story.first_day if self.first_day is None else min(self.first_day, story.first_day)
            self.last_day = max(self.last_day or story.last_day, story.last_day)

    def withdraw(self, story: StorySummary) -> None:
        """Take out a story as it was added (its summary then): the sums lose what it brought, and
        the span is that of the stories left. A term a cut had dropped (keep_heaviest) may go below
        zero here: it is dropped too. The title is cleared when it was this story's."""
        _add_into(self.body, story.body, -1.0)
        _add_into(self.entities, story.entities, -1.0)
        self.names.subtract({n: w * story.reports for n, w in story.entities.items()})
        for weights in (self.body, self.entities, self.names):
            for term in [t for t, w in weights.items() if w <= LEFTOVER]:
                del weights[term]
        self._units = None
        self.stories.remove(story.id)
        self.spans.pop(story.id, None)
        firsts = [f for f, _ in self.spans.values() if f is not None]
        self.first_day = min(firsts, default=None)
        self.last_day = max((l for f, l in self.spans.values() if f is not None), default=None)
        if story.title is not None and self.title == story.title:
            self.title = None

    def absorb(self, gone: _Line) -> None:
        _add_into(self.body, gone.body)
        _add_into(self.entities, gone.entities)
        self._units = None
        self.names.update(gone.names)
        keep_heaviest(self.names, MAX_NAMES)
        self.stories.extend(gone.stories)
        self.title = self.title or gone.title
        self.spans = None if self.spans is None or gone.spans is None else {**self.spans, **gone.spans}
        self.first_day = min(d for d in (self.first_day, gone.first_day) if d is not None) \
            if (self.first_day or gone.first_day) else None
        self.last_day = max((d for d in (self.last_day, gone.last_day) if d is not None), default=None)

    def as_json(self) -> dict:
        data = {"body": self.body, "entities": self.entities, "names": dict(self.names),
                "first_day": self.first_day, "last_day": self.last_day, "stories": self.stories, "title": self.title}
        if self.spans is not None:
            data["spans"] = [list(self.spans.get(s, (None, None))) for s in self.stories]  # in stories' order
        return data

    @classmethod
    def from_json(cls, line_id: str, data: dict) -> _Line:
        spans = None if "spans" not in data else {s: tuple(span) for s, span in zip(data["stories"], data["spans"])}
        return cls(line_id, data["body"], data["entities"], Counter(data["names"]), data["first_day"],
                   data["last_day"], list(data["stories"]), data.get("title"), spans)


@dataclass(slots=True, frozen=True)
class Storyline:
    id: str
    name: str
    stories: tuple[str, ...]
    first_day: int | None
    last_day: int | None
    state: dict | None = None  # what linking more stories into it later needs (StorylineIndex)
    keys: tuple[str, ...] = ()  # terms it is filed under, for later runs' candidates


def required_similarity(similarity: float, start_similarity: float, stories: int) -> float:
    """What a story needs to join a storyline of `stories` stories.

    A storyline of one story is just that story: joining it takes a real resemblance
    (start_similarity). A storyline of many stories has a broad centroid that a
    continuing story matches only loosely, and is a profile stable enough to trust
    at that level: the bar falls towards `similarity` as 1/stories."""
    return similarity + max(start_similarity - similarity, 0.0) / max(stories, 1)


# Storylines beyond the ones in memory (the store): those filed under key terms, and their states.
LineLookup = Callable[[list[str]], list[str]]
LineLoader = Callable[[list[str]], dict[str, dict]]


@dataclass(slots=True)
class StorylineIndex:
    """Storylines being linked: stories join the one they resemble most, or start one.

    Candidates come from postings on key terms, in memory and (through `lookup`) from
    storylines linked in earlier runs, whose states `loader` gives; so linking a story
    costs the same however many storylines exist."""

    similarity: float
    decay_days: float
    merge_similarity: float = 1.0
    start_similarity: float = 0.0
    lookup: LineLookup | None = None
    loader: LineLoader | None = None
    lines: dict[str, _Line] = field(default_factory=dict)
    postings: dict[str, list[str]] = field(default_factory=dict)
    keys: dict[str, dict[str, None]] = field(default_factory=dict)  # terms each storyline was filed under here
    touched: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)

    def _post(self, term: str, line_id: str) -> None:
        post(self.postings, term, line_id)
        self.keys.setdefault(line_id, {})[term] = None

    def load(self, ids: Iterable[str]) -> None:
        """States of storylines of earlier runs, put in memory."""
        wanted = [i for i in ids if i not in self.lines and i not in self.removed]
        if wanted and self.loader is not None:
            for line_id, data in sorted(self.loader(wanted).items()):
                self.lines[line_id] = _Line.from_json(line_id, data)

    def _hits(self, terms: list[str]) -> Counter[str]:
        hits: Counter[str] = Counter()
        for term in terms:
            hits.update(self.postings.get(term, ()))
        if self.lookup is not None:
            for line_id in self.lookup(terms):
                if line_id not in self.removed:
                    hits.setdefault(line_id, 1)  # a storyline only the store knows: one hit
            self.load(list(hits))
        return Counter({i: n for i, n in hits.items() if i in self.lines})

    def add(self, story: StorySummary) -> str:
        """Link a story (stories are given in date order); returns its storyline's id."""
        keys = story.key_terms()
        best, best_score = None, 0.0
        for line_id, _ in sorted(self._hits(keys).items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COMPARED]:
            line = self.lines[line_id]
            sim = _similarity((story.body, story.entities), line.units())
            if story.first_day is not None and line.last_day is not None:
                sim *= time_decay(story.first_day, line.first_day, line.last_day, self.decay_days)
            sim -= required_similarity(self.similarity, self.start_similarity, len(line.stories)) - self.similarity
            if sim > best_score:
                best, best_score = line_id, sim
        if best is None or best_score < self.similarity:
            best = self._new_id(story.id)
            self.lines[best] = _Line(best)
            self.removed.discard(best)
        line = self.lines[best]
        line.add(story)
        self.touched.add(best)
        # Filed under the story's key terms and the storyline's own heaviest ones, so a
        # later story finds the storyline by what it is mostly about.
        for term in keys + _heaviest(line.body, line.entities):
            self._post(term, best)
        return best

    def withdraw(self, line_id: str, stories: list[StorySummary]) -> None:
        """Stories leave a storyline of an earlier run (`stories`: as it took them in); it keeps its
        id, and is dropped when none is left."""
        line = self.lines[line_id]
        for story in stories:
            if story.id in line.stories:
                line.withdraw(story)
        if not line.stories:
            self.drop(line_id)
            return
        for term in _heaviest(line.body, line.entities):
            self._post(term, line_id)
        self.touched.add(line_id)

    def rebuild(self, line_id: str, stories: list[StorySummary]) -> None:
        """A storyline of an earlier run after some of its stories left: its id, the stories it keeps."""
        line = self.lines[line_id] = _Line(line_id)
        for story in stories:
            line.add(story)
        for term in _heaviest(line.body, line.entities):
            self._post(term, line_id)
        self.touched.add(line_id)

    def _new_id(self, story_id: str) -> str:
        """The id of a storyline a story starts: from the story; another when a storyline that
        story started earlier still lives on without it."""
        line_id = storyline_id_for(story_id)
        while line_id in self.lines or (line_id not in self.removed and self.loader is not None
                                        and self.loader([line_id])):
            line_id = storyline_id_for(line_id)
        return line_id

    def drop(self, line_id: str) -> None:
        self.lines.pop(line_id, None)
        self.touched.discard(line_id)
        self.removed.add(line_id)

    def merge(self, only: Iterable[str] | None = None) -> None:
        """Merge storylines whose centroids reach merge_similarity (decayed by the gap between their
        spans), largest first: one pass in date order can start two storylines of one thread in its
        first days (two stories of day one that share little); they then grow side by side.
        `only`: the storylines to try (the others are candidates); all by default."""
        if self.merge_similarity >= 1.0 or not self.lines:
            return
        tried = set(self.lines if only is None else only) & set(self.lines)
        if self.lookup is not None:  # candidates of earlier runs, in memory for the postings below
            self.load(self.lookup(sorted({t for i in tried for t in _heaviest(self.lines[i].body,
                                                                              self.lines[i].entities)})))
        postings: dict[str, deque[str]] = {}  # the latest storylines per term, as in linking
        for line in sorted(self.lines.values(), key=lambda l: (l.last_day or 0, l.id)):
            for term in _heaviest(line.body, line.entities):
                postings.setdefault(term, deque(maxlen=POSTING_DEPTH)).appendleft(line.id)
        lines = self.lines
        for line_id in sorted(tried, key=lambda i: (-len(lines[i].stories), i)):
            line = lines.get(line_id)
            if line is None:
                continue
            hits: Counter[str] = Counter()
            for term in _heaviest(line.body, line.entities):
                hits.update(o for o in postings.get(term, ()) if o != line_id and o in lines)
            for other_id, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COMPARED]:
                other = lines[other_id]
                if _line_similarity(line, other, self.decay_days) < self.merge_similarity:
                    continue
                keep, gone = (line, other) if (line.first_day or 0, line.id) <= (other.first_day or 0, other.id) \
                    else (other, line)
                keep.absorb(gone)
                self.drop(gone.id)
                self.touched.add(keep.id)
                for term in _heaviest(keep.body, keep.entities):
                    postings.setdefault(term, deque(maxlen=POSTING_DEPTH)).appendleft(keep.id)
                    self._post(term, keep.id)
                if gone is line:
                    break
                line = keep

    def storylines(self, ids: Iterable[str] | None = None) -> list[Storyline]:
        chosen = self.lines.values() if ids is None else [self.lines[i] for i in ids if i in self.lines]
        return [Storyline(line.id, storyline_name(line.names, line.title), tuple(line.stories), line.first_day, line.last_day,
                          line.as_json(), tuple(self.keys.get(line.id, ()))) for line in chosen]


def in_date_order(story_id: str, first_day: int | None) -> tuple:
    """The order stories are linked in (undated last, then by id): `_retitle` must pick the title a
    link in this order gives."""
    return first_day is None, first_day or 0, story_id


def link_storylines(stories: Iterable[StorySummary], *, similarity: float, decay_days: float,
                    merge_similarity: float = 1.0, start_similarity: float = 0.0) -> list[Storyline]:
    """Link stories into storylines from scratch; every story lands in exactly one."""
    index = StorylineIndex(similarity, decay_days, merge_similarity, start_similarity)
    for story in sorted(stories, key=lambda s: in_date_order(s.id, s.first_day)):
        index.add(story)
    index.merge()
    return index.storylines()


def _line_similarity(a: _Line, b: _Line, decay_days: float) -> float:
    sim = _similarity(a.units(), b.units())
    if None in (a.first_day, b.first_day):
        return sim
    gap = max(a.first_day - b.last_day, b.first_day - a.last_day, 0)
    return sim * time_decay(gap, 0, 0, decay_days)


def story_summary(story_id: str, state: dict, first: str | None, last: str | None,
                  title: str | None = None) -> StorySummary:
    """A story as storylines see it, from its stored state and date span."""
    story = StoryState.from_json(story_id, state)
    first_day, last_day = day_ordinal(first), day_ordinal(last)
    if first_day is None:
        first_day, last_day = story.first_day, story.last_day
    return StorySummary.of(story_id, story.body, story.entities, first_day, last_day, story.reports, title)


class StorylineSource(Protocol):
    """What linking storylines reads beyond the stories it was given (read-only)."""

    def storylines_of(self, story_ids: list[str]) -> dict[str, str]: ...  # story -> its storyline
    def storyline_candidates(self, terms: list[str], depth: int) -> list[str]: ...
    def storyline_states(self, ids: list[str]) -> dict[str, dict]: ...
    def storyline_inputs(self, story_ids: list[str]) -> list[tuple[str, dict, str | None, str | None, str | None]]: ...
    # The same, of stories as their storyline last took them in (changed or removed since)
    def storyline_leaving(self, story_ids: list[str]) -> list[tuple[str, dict, str | None, str | None, str | None]]: ...
    def story_titles(self, story_ids: list[str]) -> dict[str, str]: ...


@dataclass(slots=True)
class StorylineChanges:
    saved: list[Storyline]  # storylines written whole: name, span, stories, state, keys
    deleted: list[str]  # storylines left without stories, or merged into another
    settled: list[str]  # stories now in their storyline as they are (or gone from it)


def update_storylines(source: StorylineSource, changed: set[str], left: dict[str, str | None],
                      config: Config) -> StorylineChanges:
    """Relink the stories a run changed (`changed`: live stories) and account for those it removed
    (`left`: removed story -> the storyline it was in). They leave their storylines: each storyline
    subtracts them as it took them in (source.storyline_leaving), or, when that is not known (a
    storyline of an older store), is rebuilt from the stories it keeps; one left without stories is
    dropped. Then, in date order, each changed story joins the storyline it resembles most or starts
    one; storylines touched then merge with candidates that now look like one thread. The cost
    follows the changed stories, not the size of their storylines or the number in the store."""
    index = StorylineIndex(config.storyline_similarity, config.storyline_decay_days,
                           config.storyline_merge_similarity, config.storyline_start_similarity,
                           lookup=lambda terms: source.storyline_candidates(terms, POSTING_DEPTH),
                           loader=source.storyline_states)
    leaving = changed | set(left)
    affected = sorted(set(source.storylines_of(sorted(changed)).values()) | {l for l in left.values() if l})
    index.load(affected)
    members = {line_id: [s for s in index.lines[line_id].stories if s in leaving]
               for line_id in affected if line_id in index.lines}
    summaries = {s[0]: story_summary(*s) for s in source.storyline_inputs(sorted(changed))}
    # A leaving story as its storyline took it in: kept aside when it changed since (the store's
    # trigger), else as it is now.
    before = summaries | {s[0]: story_summary(*s) for s in source.storyline_leaving(
        sorted({s for stories in members.values() for s in stories}))}
    # A storyline subtracts its leaving stories when it knows each as it took it in; else (a storyline
    # of an older store, a story another run removed) it is rebuilt from the stories it keeps.
    rebuilt = sorted(line_id for line_id, stories in members.items()
                     if index.lines[line_id].spans is None or any(s not in before for s in stories))
    kept = {line_id: [s for s in index.lines[line_id].stories if s not in leaving] for line_id in rebuilt}
    if unread := {s for stories in kept.values() for s in stories} - summaries.keys():
        summaries |= {s[0]: story_summary(*s) for s in source.storyline_inputs(sorted(unread))}
    by_date = lambda ids, known: sorted((known[i] for i in ids if i in known),  # noqa: E731
                                        key=lambda s: in_date_order(s.id, s.first_day))
    untitled = set()
    for line_id in sorted(members):
        if line_id in kept:
            remaining = by_date(kept[line_id], summaries)  # stories gone from the store drop out here
            if remaining:
                index.rebuild(line_id, remaining)
            else:
                index.drop(line_id)
            continue
        had_title = index.lines[line_id].title
        index.withdraw(line_id, [before[s] for s in members[line_id]])
        if line_id in index.lines and had_title and index.lines[line_id].title is None:
            untitled.add(line_id)
    for story in by_date(changed, summaries):
        index.add(story)
    index.merge(sorted(index.touched))
    for line_id in sorted(untitled & set(index.lines)):
        _retitle(index.lines[line_id], source)
    settled = sorted(leaving | {s for line_id in kept if line_id in index.lines for s in index.lines[line_id].stories})
    return StorylineChanges(index.storylines(sorted(index.touched)), sorted(index.removed), settled)


def _retitle(line: _Line, source: StorylineSource) -> None:
    """A storyline whose title story left: the title of its first story (by date) that has one, as
    a rebuild would give it."""
    titles = source.story_titles(line.stories)
    first = {s: span[0] for s, span in (line.spans or {}).items()}
    order = sorted(line.stories, key=lambda s: in_date_order(s, first.get(s)))
    line.title = next((titles[s] for s in order if s in titles), None)
