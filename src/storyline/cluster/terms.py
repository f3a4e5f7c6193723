"""TF-IDF term vectors for story grouping.

Document frequencies come from the store's own pages plus a background table
of news document frequencies shipped with the package (built from the
Timeline17 news articles by tools/build_background_df.py), so that a small
pile still knows that "said" or "minister" are common in news and "Choe" is not.
Terms are Snowball stems, so that "fails", "failed" and "failing" meet. A term
starts with a letter: "MH370" and "H1N1" are terms, bare numbers are not (years
and counts shared by unrelated reports would tie them together; the background
table knows no numbers).
"""
from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import snowballstemmer

from ..extract.lines import STOPWORDS

_TERM = re.compile(r"[^\W\d_][\w’'-]*", re.UNICODE)
MAX_TERMS = 300
# snowballstemmer hands out PyStemmer's C stemmer when it is installed (a dependency): the same
# Snowball stems (checked on 50k news words), at a fifteenth of the cost per word.
_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    return _STEMMER.stemWord(word)


def term_counts(title: str | None, text: str) -> dict[str, int]:
    """Counts of content words; the title counts twice (it names the event)."""
    counts: Counter[str] = Counter()
    for source, weight in ((title or "", 2), (text, 1)):
        for match in _TERM.finditer(source.lower()):
            term = match.group(0).strip("’'-")
            if len(term) > 1 and term not in STOPWORDS and (key := stem(term)) not in STOPWORDS:
                counts[key] += weight  # "its" stems to "it": a stop word
    return dict(counts.most_common(MAX_TERMS))


@lru_cache(maxsize=1)
def background() -> tuple[int, dict[str, int]]:
    with resources.files(__package__).joinpath("background_df.json.gz").open("rb") as raw:
        data = json.loads(gzip.decompress(raw.read()))
    n_docs = int(data["n_docs"])
    df: dict[str, int] = {}
    for word, count in data["df"].items():  # the table is by word: a stem is in the pages of any of its forms
        key = stem(word)
        df[key] = min(df.get(key, 0) + count, n_docs)
    return n_docs, df


def tfidf(counts: dict[str, int], n_docs: int, df: dict[str, int]) -> dict[str, float]:
    """Unit-length vector with sublinear tf and smoothed idf over store + background."""
    bg_n, bg_df = background()
    total = n_docs + bg_n
    vec = {t: (1 + math.log(c)) * (math.log((total + 1) / (df.get(t, 0) + bg_df.get(t, 0) + 1)) + 1)
           for t, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
    return {t: v / norm for t, v in vec.items()}


def idf_weights(terms: Iterable[str], n_docs: int, df: dict[str, int]) -> list[float]:
    """tfidf()'s idf of each term, to the bit, for vectors built many at once (forensics/similar.py).
    The formula is tfidf()'s, written out there too: a call per term would slow that hot loop."""
    bg_n, bg_df = background()
    total = n_docs + bg_n
    return [math.log((total + 1) / (df.get(t, 0) + bg_df.get(t, 0) + 1)) + 1 for t in terms]


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())
