"""What story grouping compares: a page's headline, body and names as TF-IDF vectors, and its day.

A page's counts are computed once (in the extraction worker) and kept in the
store; the vectors are weighted when they are compared, with the document
frequencies known at that moment (`Weights`). A page without a title is headed
by its first words, which in news state the event as a headline does. A
headline-only record (a feed of titles) has the headline as its body too, and is
judged by the join model's headline coefficients (model.py).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from .names import capitalised_names
from .ner import entity_counts
from .terms import background, term_counts

MAX_NAMES = 100
LEAD_WORDS = 30  # words of the text that stand in for a missing title
_WORDS = re.compile(r"\S+")
ENTITY_PREFIX = "@"  # entity keys share the document-frequency table with words
# Version of the counts (terms, names): a store whose counts are older recomputes them
# from its stored text (run/working.py ensure_story_features).
FEATURES_VERSION = 2


@dataclass(slots=True, frozen=True)
class StoryCounts:
    """A page's counts for story grouping, as stored."""

    headline: dict[str, int]
    body: dict[str, int]
    entities: dict[str, int]
    day: int | None  # proleptic ordinal of the best date known for the page, if any
    headline_only: bool = False  # a record with no text beyond its headline

    def as_json(self) -> dict:
        return {"headline": self.headline, "entities": self.entities, "day": self.day,
                "headline_only": self.headline_only}

    @classmethod
    def from_json(cls, data: dict, body: dict[str, int], day: int | None = None) -> StoryCounts:
        return cls(data["headline"], body, data["entities"], day if day is not None else data.get("day"),
                   bool(data.get("headline_only")))


def day_ordinal(value: str | None) -> int | None:
    """The proleptic ordinal of a YYYY-MM-DD date (of its first ten characters), None when there is none."""
    try:
        return date.fromisoformat(value[:10]).toordinal() if value else None
    except ValueError:
        return None


def headline_text(title: str | None, text: str) -> str:
    if title and title.strip():
        return title
    return " ".join(_WORDS.findall(text[:2000])[:LEAD_WORDS])


def is_headline_only(title: str | None, text: str) -> bool:
    return not text.strip() or bool(title) and text.strip() == title.strip()


def story_counts(title: str | None, text: str, body: dict[str, int] | None = None,
                 day: int | None = None) -> StoryCounts:
    headline, headline_only = headline_text(title, text), is_headline_only(title, text)
    names = Counter(entity_counts(headline, "" if headline_only else text))
    if not headline_only:  # and the names of the whole text by their capitals: a name of the lead counts twice
        names.update(capitalised_names(title, text))
    return StoryCounts(headline=term_counts(headline, ""),
                       body=body if body is not None else term_counts(title, text),
                       entities=dict(names.most_common(MAX_NAMES)), day=day, headline_only=headline_only)


@dataclass(slots=True, frozen=True)
class PageVectors:
    """Unit TF-IDF vectors of one page (a copy group counts once) and its day."""

    id: str
    headline: dict[str, float]
    body: dict[str, float]
    entities: dict[str, float]
    day: int | None
    headline_only: bool = False

    def key_terms(self, words: int = 10, names: int = 5) -> list[str]:
        top_words = sorted(self.body, key=lambda t: (-self.body[t], t))[:words]
        top_names = sorted(self.entities, key=lambda t: (-self.entities[t], t))[:names]
        return top_words + [ENTITY_PREFIX + n for n in top_names]


@dataclass(slots=True)
class Weights:
    """Document frequencies: the pages seen so far plus the shipped news background (words only)."""

    n_docs: int = 0
    df: dict[str, int] = field(default_factory=dict)
    use_background: bool = True

    def count(self, counts: StoryCounts) -> None:
        self.n_docs += 1
        for term in counts.body:
            self.df[term] = self.df.get(term, 0) + 1
        for name in counts.entities:
            key = ENTITY_PREFIX + name
            self.df[key] = self.df.get(key, 0) + 1

    def _idf_words(self) -> tuple[float, Mapping[str, int]]:
        bg_n, bg_df = background() if self.use_background else (0, {})
        return self.n_docs + bg_n + 1, bg_df

    def vectors(self, page_id: str, counts: StoryCounts) -> PageVectors:
        total, bg_df = self._idf_words()
        df = self.df

        def weigh(c: Mapping[str, int], prefix: str = "", background_df: Mapping[str, int] = bg_df,
                  n: float = total) -> dict[str, float]:
            vec = {t: (1 + math.log(k)) * (math.log(n / (df.get(prefix + t, 0) + background_df.get(t, 0) + 1)) + 1)
                   for t, k in c.items() if k > 0}
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            return {t: v / norm for t, v in vec.items()}

        return PageVectors(page_id, weigh(counts.headline), weigh(counts.body),
                           weigh(counts.entities, ENTITY_PREFIX, {}, self.n_docs + 1), counts.day,
                           counts.headline_only)
