"""Timeline17 as the bench reads it: each topic's pooled articles and its reference timelines.

In the copy under shared/data/timeline17 each set (`bpoil_bbc`, `bpoil_guardian`, ...) holds
one reference timeline and a disjoint slice of the topic's articles (no article id or text is
shared between two sets of one topic), so a topic's input is the union of its sets' articles,
and each set's timeline is one reference for that topic.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "timeline17"
MIN_WORDS = 5  # shorter lines are captions, datelines and fragments, not statements

# A tokenised line holds one sentence, mostly; a few hold two (" . " then a capital or a quote).
_INNER_BOUNDARY = re.compile(r"(?<= [.!?]) (?=(?:[A-Z0-9]|`` ))")


@dataclass(slots=True, frozen=True)
class Article:
    id: str  # "<set>/<id>": ids are unique inside a set only
    day: date
    text: str
    title: str | None
    sentences: tuple[str, ...]


@dataclass(slots=True, frozen=True)
class Reference:
    set: str
    topic: str
    timeline: dict[date, list[str]]  # a date the file lists twice has both entries' sentences
    entries: int  # date lines in the file (a date may repeat)

    @property
    def dates(self) -> int:  # L
        return len(self.timeline)

    @property
    def per_date(self) -> int:  # k
        n = sum(len(s) for s in self.timeline.values())
        return max(1, round(n / len(self.timeline)))


def split_sentences(text: str) -> tuple[str, ...]:
    out = []
    for line in text.split("\n"):
        for piece in _INNER_BOUNDARY.split(line.strip()):
            piece = piece.strip()
            if len(piece.split()) >= MIN_WORDS:
                out.append(piece)
    return tuple(out)


def topic_of(name: str) -> str:
    return name.split("_")[0]


def all_sets(data: Path = DATA) -> list[str]:
    return sorted(p.parent.name for p in data.glob("*/timelines.jsonl"))


def load_articles(data: Path, sets: list[str]) -> list[Article]:
    out = []
    for name in sets:
        with open(data / name / "articles.jsonl", encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                out.append(Article(f"{name}/{r['id']}", date.fromisoformat(r["time"]), r["text"],
                                   r.get("title"), split_sentences(r["text"])))
    return out


def load_references(data: Path, name: str) -> list[Reference]:
    out = []
    with open(data / name / "timelines.jsonl", encoding="utf-8") as f:
        for line in f:
            raw = json.loads(line)
            if not raw:
                continue
            timeline: dict[date, list[str]] = defaultdict(list)
            for day, sentences in raw:
                timeline[date.fromisoformat(day)].extend(s.strip() for s in sentences if s.strip())
            out.append(Reference(name, topic_of(name), dict(timeline), len(raw)))
    return out


def load(data: Path, sets: list[str]) -> tuple[dict[str, list[Article]], list[Reference]]:
    """Articles per topic (from every set of the topic, whichever sets are scored) and the
    reference timelines of the chosen sets."""
    every = all_sets(data)
    topics = sorted({topic_of(s) for s in sets})
    articles = {t: load_articles(data, [s for s in every if topic_of(s) == t]) for t in topics}
    references = [r for s in sets for r in load_references(data, s)]
    return articles, references
