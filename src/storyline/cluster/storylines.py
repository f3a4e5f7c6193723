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
its heaviest names.
"""
from __future__ import annotations

import hashlib
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from .model import time_decay
from .online import POSTING_DEPTH, _add_into, _dot
from .vectors import ENTITY_PREFIX

NAME_PARTS = 3
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

    def key_terms(self) -> list[str]:
        return _heaviest(self.body, self.entities)

    @classmethod
    def of(cls, story_id: str, body: dict[str, float], entities: dict[str, float], first_day: int | None,
           last_day: int | None, reports: int) -> StorySummary:
        """From a story's centroid sums: the heaviest terms only (what tells threads apart), unit length."""
        return cls(story_id, _unit(_top(body, SUMMARY_WORDS)), _unit(_top(entities, SUMMARY_NAMES)),
                   first_day, last_day, reports)


def _similarity(a: tuple[dict[str, float], dict[str, float]], b: tuple[dict[str, float], dict[str, float]]) -> float:
    """Of two (body, names) unit vector pairs: half names, half body words (NAME_WEIGHT)."""
    return (1 - NAME_WEIGHT) * _dot(a[0], b[0]) + NAME_WEIGHT * _dot(a[1], b[1])


def _top(vec: dict[str, float], n: int) -> dict[str, float]:
    return vec if len(vec) <= n else dict(sorted(vec.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


def _heaviest(body: dict[str, float], entities: dict[str, float], words: int = 20, names: int = 10) -> list[str]:
    return (sorted(body, key=lambda t: (-body[t], t))[:words]
            + [ENTITY_PREFIX + n for n in sorted(entities, key=lambda t: (-entities[t], t))[:names]])


@dataclass(slots=True)
class _Line:
    id: str
    body: dict[str, float] = field(default_factory=dict)
    entities: dict[str, float] = field(default_factory=dict)
    names: Counter = field(default_factory=Counter)
    first_day: int | None = None
    last_day: int | None = None
    stories: list[str] = field(default_factory=list)
    _units: tuple[dict[str, float], dict[str, float]] | None = None  # unit centroids, until the next story

    def units(self) -> tuple[dict[str, float], dict[str, float]]:
        if self._units is None:
            self._units = (_unit(self.body), _unit(self.entities))
        return self._units


@dataclass(slots=True, frozen=True)
class Storyline:
    id: str
    name: str
    stories: tuple[str, ...]
    first_day: int | None
    last_day: int | None


def required_similarity(similarity: float, start_similarity: float, stories: int) -> float:
    """What a story needs to join a storyline of `stories` stories.

    A storyline of one story is just that story: joining it takes a real resemblance
    (start_similarity). A storyline of many stories has a broad centroid that a
    continuing story matches only loosely, and is a profile stable enough to trust
    at that level: the bar falls towards `similarity` as 1/stories."""
    return similarity + max(start_similarity - similarity, 0.0) / max(stories, 1)


def link_storylines(stories: Iterable[StorySummary], *, similarity: float, decay_days: float,
                    merge_similarity: float = 1.0, start_similarity: float = 0.0) -> list[Storyline]:
    """Link stories into storylines; every story lands in exactly one.

    One pass in date order can start two storylines of one thread in its first days
    (two stories of day one that share little); they then grow side by side. So
    storylines whose centroids reach merge_similarity (decayed by the gap between
    their spans) are merged afterwards, largest first."""
    ordered = sorted(stories, key=lambda s: (s.first_day is None, s.first_day or 0, s.id))
    lines: dict[str, _Line] = {}
    postings: dict[str, deque[str]] = {}
    for story in ordered:
        hits: Counter[str] = Counter()
        keys = story.key_terms()
        for term in keys:
            hits.update(postings.get(term, ()))
        best, best_score = None, 0.0
        for line_id, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COMPARED]:
            line = lines[line_id]
            sim = _similarity((story.body, story.entities), line.units())
            if story.first_day is not None and line.last_day is not None:
                sim *= time_decay(story.first_day, line.first_day, line.last_day, decay_days)
            sim -= required_similarity(similarity, start_similarity, len(line.stories)) - similarity
            if sim > best_score:
                best, best_score = line_id, sim
        if best is None or best_score < similarity:
            best = storyline_id_for(story.id)
            lines[best] = _Line(best)
        line = lines[best]
        _add_into(line.body, story.body)
        _add_into(line.entities, story.entities)
        line._units = None
        line.names.update({n: w * story.reports for n, w in story.entities.items()})
        line.stories.append(story.id)
        if story.first_day is not None:
            line.first_day = story.first_day if line.first_day is None else min(line.first_day, story.first_day)
            line.last_day = max(line.last_day or story.last_day, story.last_day)
        # Filed under the story's key terms and the storyline's own heaviest ones, so a
        # later story finds the storyline by what it is mostly about.
        for term in keys + _heaviest(line.body, line.entities):
            posting = postings.setdefault(term, deque(maxlen=POSTING_DEPTH))
            if best in posting:
                posting.remove(best)
            posting.appendleft(best)
    _merge_lines(lines, merge_similarity, decay_days)
    return [Storyline(line.id, storyline_name(line.names), tuple(line.stories), line.first_day, line.last_day)
            for line in lines.values()]


def _line_similarity(a: _Line, b: _Line, decay_days: float) -> float:
    sim = _similarity(a.units(), b.units())
    if None in (a.first_day, b.first_day):
        return sim
    gap = max(a.first_day - b.last_day, b.first_day - a.last_day, 0)
    return sim * time_decay(gap, 0, 0, decay_days)


def _merge_lines(lines: dict[str, _Line], merge_similarity: float, decay_days: float) -> None:
    if merge_similarity >= 1.0 or len(lines) < 2:
        return
    postings: dict[str, deque[str]] = {}  # the latest storylines per term, as in linking
    for line in sorted(lines.values(), key=lambda l: (l.last_day or 0, l.id)):
        for term in _heaviest(line.body, line.entities):
            postings.setdefault(term, deque(maxlen=POSTING_DEPTH)).appendleft(line.id)
    by_size = sorted(lines, key=lambda i: (-len(lines[i].stories), i))
    for line_id in by_size:
        line = lines.get(line_id)
        if line is None:
            continue
        hits: Counter[str] = Counter()
        for term in _heaviest(line.body, line.entities):
            hits.update(o for o in postings.get(term, ()) if o != line_id and o in lines)
        for other_id, _ in sorted(hits.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COMPARED]:
            other = lines[other_id]
            if _line_similarity(line, other, decay_days) < merge_similarity:
                continue
            keep, gone = (line, other) if (line.first_day or 0, line.id) <= (other.first_day or 0, other.id) \
                else (other, line)
            _add_into(keep.body, gone.body)
            _add_into(keep.entities, gone.entities)
            keep._units = None
            keep.names.update(gone.names)
            keep.stories.extend(gone.stories)
            keep.first_day = min(d for d in (keep.first_day, gone.first_day) if d is not None) \
                if (keep.first_day or gone.first_day) else None
            keep.last_day = max((d for d in (keep.last_day, gone.last_day) if d is not None), default=None)
            del lines[gone.id]
            for term in _heaviest(keep.body, keep.entities):
                postings.setdefault(term, deque(maxlen=POSTING_DEPTH)).appendleft(keep.id)
            if gone is line:
                break
            line = keep


def storyline_name(names: Counter) -> str:
    """The heaviest names, shortest spelling first when one contains another ("Lavrov" in
    "Sergei Lavrov" counts once)."""
    chosen: list[str] = []
    for name, _ in names.most_common(30):
        if any(name in other or other in name for other in chosen):
            continue
        chosen.append(name)
        if len(chosen) == NAME_PARTS:
            break
    return " · ".join(chosen) if chosen else "(untitled)"
