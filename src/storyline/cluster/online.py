"""First story grouping: each new page joins the most similar story or opens one.

Similarity to a story is the average cosine (TF-IDF) to the story's pages
that are not copies (average linkage), so one loosely related page cannot pull
a different event in. Copies never reach this stage: a copy is in its
original's story. Candidate stories come from an inverted index on each
page's heaviest terms, not from a scan of all stories. Later work (issue 6)
adds time decay, entities and a calibrated join decision.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .terms import cosine

MAX_MEMBERS_COMPARED = 50  # most recent members of a story taken into the average
KEY_TERMS = 15  # heaviest terms of a page that index it


def _key_terms(vector: dict[str, float]) -> list[str]:
    return sorted(vector, key=lambda t: (-vector[t], t))[:KEY_TERMS]


@dataclass(slots=True)
class StoryIndex:
    threshold: float
    members: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    by_term: dict[str, set[str]] = field(default_factory=dict)

    def add(self, story_id: str, vector: dict[str, float]) -> None:
        self.members.setdefault(story_id, []).append(vector)
        for term in _key_terms(vector):
            self.by_term.setdefault(term, set()).add(story_id)

    def candidates(self, vector: dict[str, float]) -> set[str]:
        found: set[str] = set()
        for term in _key_terms(vector):
            found |= self.by_term.get(term, set())
        return found

    def best(self, vector: dict[str, float]) -> tuple[str | None, float]:
        best_id, best_score = None, 0.0
        for story_id in sorted(self.candidates(vector)):
            recent = self.members[story_id][-MAX_MEMBERS_COMPARED:]
            score = sum(cosine(vector, v) for v in recent) / len(recent)
            if score > best_score:
                best_id, best_score = story_id, score
        return (best_id, best_score) if best_score >= self.threshold else (None, best_score)
