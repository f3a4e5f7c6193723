"""TF-IDF term vectors for story grouping.

Document frequencies come from the store's own pages plus a background table
of news document frequencies shipped with the package (built from the
Timeline17 news articles by tools/build_background_df.py), so that a small
pile still knows that "said" or "minister" are common in news and "Choe" is not.
"""
from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from functools import lru_cache
from importlib import resources

from ..extract.lines import STOPWORDS

_TERM = re.compile(r"[^\W\d_][\w’'-]*", re.UNICODE)
MAX_TERMS = 300


def term_counts(title: str | None, text: str) -> dict[str, int]:
    """Counts of content words; the title counts twice (it names the event)."""
    counts: Counter[str] = Counter()
    for source, weight in ((title or "", 2), (text, 1)):
        for match in _TERM.finditer(source.lower()):
            term = match.group(0).strip("’'-")
            if len(term) > 1 and term not in STOPWORDS:
                counts[term] += weight
    return dict(counts.most_common(MAX_TERMS))


@lru_cache(maxsize=1)
def background() -> tuple[int, dict[str, int]]:
    with resources.files(__package__).joinpath("background_df.json.gz").open("rb") as raw:
        data = json.loads(gzip.decompress(raw.read()))
    return int(data["n_docs"]), data["df"]


def tfidf(counts: dict[str, int], n_docs: int, df: dict[str, int]) -> dict[str, float]:
    """Unit-length vector with sublinear tf and smoothed idf over store + background."""
    bg_n, bg_df = background()
    total = n_docs + bg_n
    vec = {t: (1 + math.log(c)) * (math.log((total + 1) / (df.get(t, 0) + bg_df.get(t, 0) + 1)) + 1)
           for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())
