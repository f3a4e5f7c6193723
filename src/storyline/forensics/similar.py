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
        by_term: dict[str, list[int]] = defaultdict(list)
        self.vocab: dict[str, int] = {}
        indices: list[int] = []
        values: list[float] = []
        self.indptr = np.zeros(len(dated) + 1, dtype=np.int64)
        for i, d in enumerate(dated):
            vec = tfidf(d.terms, n_docs, df)
            for term in _key_terms(vec):
                by_term[term].append(i)
            indices += [self.vocab.setdefault(t, len(self.vocab)) for t in vec]
            values += vec.values()
            self.indptr[i + 1] = len(indices)
        self.indices = np.array(indices, dtype=np.int64)
        self.values = np.array(values, dtype=np.float64)
        self._query = np.zeros(len(self.vocab) + 1)  # the page's vector, spread over the vocabulary
        # Per page: its story as a number, and its rank in id order (ties in score go by id).
        story_codes: dict[str | None, int] = {None: -1}
        self.story_code = np.array([story_codes.setdefault(d.story, len(story_codes)) for d in dated], dtype=np.int64)
        self._story_codes = story_codes
        self.at = {d.id: i for i, d in enumerate(dated)}
        self.id_rank = np.argsort(np.argsort(np.array([d.id for d in dated], dtype=object), kind="stable"))
        self.postings = {t: np.array(rows, dtype=np.int64) for t, rows in by_term.items()}

    def nearest(self, terms: dict[str, int], exclude: set[str], story: str | None,
                k: int) -> list[tuple[float, DatedPage]]:
        """The k dated pages most similar to `terms` among those sharing a key term with it, not in
        `exclude` nor in `story`; by score, then id. In NumPy: a key term's postings grow with the
        store (up to its cap on dated pages), and a Python loop over them cost 1.65x more."""
        vec = tfidf(terms, self.n_docs, self.df)
        lists = [self.postings[t] for t in _key_terms(vec) if t in self.postings]
        if not lists:
            return []
        rows = np.unique(np.concatenate(lists))
        keep = np.ones(len(rows), dtype=bool)
        if story is not None:
            keep &= self.story_code[rows] != self._story_codes.get(story, -2)
        left_out = [self.at[i] for i in exclude if i in self.at]
        if left_out:
            keep &= ~np.isin(rows, left_out)
        rows = rows[keep]
        if not len(rows):
            return []
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
        if len(rows) > k:  # every page scoring at least the k-th best, then the exact order among those
            floor = np.partition(sums, len(sums) - k)[len(sums) - k]
            top = sums >= floor
            rows, sums = rows[top], sums[top]
        order = np.lexsort((self.id_rank[rows], -sums))[:k]
        return [(float(sums[i]), self.pages[rows[i]]) for i in order]


def _key_terms(vec: dict[str, float]) -> list[str]:
    return sorted(vec, key=lambda t: (-vec[t], t))[:KEY_TERMS]
