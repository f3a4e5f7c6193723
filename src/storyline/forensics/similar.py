"""Dated pages indexed by their heaviest terms, for the similar-page anchors of a page."""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from ..cluster.terms import tfidf
from ..records import DatedPage

KEY_TERMS = 15


class SimilarDated:
    """Dated pages indexed by their heaviest terms: the most similar ones to a page are found among
    those sharing a key term, not by a scan, and scored together (their vectors as one sparse matrix)."""

    def __init__(self, dated: list[DatedPage], n_docs: int, df: dict[str, int]) -> None:
        self.n_docs, self.df = n_docs, df
        self.pages = dated
        self.by_term: dict[str, list[int]] = defaultdict(list)
        self.vocab: dict[str, int] = {}
        indices: list[int] = []
        values: list[float] = []
        self.indptr = np.zeros(len(dated) + 1, dtype=np.int64)
        for i, d in enumerate(dated):
            vec = tfidf(d.terms, n_docs, df)
            for term in _key_terms(vec):
                self.by_term[term].append(i)
            indices += [self.vocab.setdefault(t, len(self.vocab)) for t in vec]
            values += vec.values()
            self.indptr[i + 1] = len(indices)
        self.indices = np.array(indices, dtype=np.int64)
        self.values = np.array(values, dtype=np.float64)
        self._query = np.zeros(len(self.vocab) + 1)  # the page's vector, spread over the vocabulary

    def nearest(self, terms: dict[str, int], exclude: set[str], story: str | None,
                k: int) -> list[tuple[float, DatedPage]]:
        vec = tfidf(terms, self.n_docs, self.df)
        found = sorted({i for t in _key_terms(vec) for i in self.by_term.get(t, ())
                        if self.pages[i].id not in exclude and (story is None or self.pages[i].story != story)})
        if not found:
            return []
        rows = np.array(found, dtype=np.int64)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        at = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(lengths.sum())
        known = [(self.vocab[t], v) for t, v in vec.items() if t in self.vocab]
        slots = np.array([i for i, _ in known], dtype=np.int64)
        self._query[slots] = [v for _, v in known]
        products = self.values[at] * self._query[self.indices[at]]
        self._query[slots] = 0.0
        sums = np.zeros(len(rows))
        nonempty = lengths > 0
        if products.size:
            sums[nonempty] = np.add.reduceat(products, np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty])
        scored = [(float(score), self.pages[i]) for score, i in zip(sums, found)]
        return sorted(scored, key=lambda x: (-x[0], x[1].id))[:k]


def _key_terms(vec: dict[str, float]) -> list[str]:
    return sorted(vec, key=lambda t: (-vec[t], t))[:KEY_TERMS]
