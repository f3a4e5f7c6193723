"""First story grouping: each new page joins the most similar story or opens one.

Similarity to a story is the average cosine (TF-IDF) to the story's pages
that are not copies (average linkage), so one loosely related page cannot pull
a different event in. Copies never reach this stage: a copy is in its
original's story. Later work (issue 6) adds time decay, entities and a
candidate index; this version compares against every story.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .terms import cosine

MAX_MEMBERS_COMPARED = 50  # most recent members of a story taken into the average


@dataclass(slots=True)
class StoryIndex:
    threshold: float
    members: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    def add(self, story_id: str, vector: dict[str, float]) -> None:
        self.members.setdefault(story_id, []).append(vector)

    def best(self, vector: dict[str, float]) -> tuple[str | None, float]:
        best_id, best_score = None, 0.0
        for story_id, vectors in self.members.items():
            recent = vectors[-MAX_MEMBERS_COMPARED:]
            score = sum(cosine(vector, v) for v in recent) / len(recent)
            if score > best_score or (score == best_score and best_id is not None and story_id < best_id):
                best_id, best_score = story_id, score
        return (best_id, best_score) if best_score >= self.threshold else (None, best_score)
