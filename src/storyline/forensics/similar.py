"""Dated pages indexed by their heaviest terms, for the similar-page anchors of a page."""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from itertools import chain, count

import numpy as np

from ..cluster.terms import idf_weights, tfidf
from ..records import DatedPage

KEY_TERMS = 15
# Pages kept per key term, the most recent first. A common key term ("oil" in a year of a spill)
# files thousands of pages; scoring them all made a page's lookup cost grow with the store
# (bench/scale: nearest() took 1.8 ms per page at 10k pages and 3.4 ms at 30k). The nearest pages
# mostly share a rarer key term too: on Timeline17 (bench/dates/hidden.py) no estimate moved.
POSTINGS_PER_TERM = 256
# A page dated now re-dates the loosely dated pages of other stories it resembles at least this
# much (cosine of tf-idf vectors), among its NEIGHBOURS nearest: below it, an anchor weighs
# sim^4 < 0.002 against the page's others (anchors.similar_page_anchor), too little to move a date.
LATE_ANCHOR_MIN = 0.2
FLOOR_BLOCK_ROWS = 1024  # pages whose key-term floors are found at once (similar.SimilarDated)


class SimilarDated:
    """Dated pages indexed by their heaviest terms: the most similar ones to a page are found among
    those sharing a key term, not by a scan, and scored together (their vectors as one sparse matrix).
    `dated` comes most recent first: a key term keeps its POSTINGS_PER_TERM first pages."""

    def __init__(self, dated: list[DatedPage], n_docs: int, df: dict[str, int]) -> None:
        self.n_docs, self.df = n_docs, df
        self.pages = dated
        # Every page's tf-idf vector at once (cluster.terms.tfidf, to the bit): the index is built
        # again each time dates are settled, over up to MAX_DATED_PAGES pages plus the working set,
        # and one tfidf() call per page cost 3x more (2.07 s against 0.63 s for 8,512 pages).
        lengths = np.fromiter((len(d.terms) for d in dated), dtype=np.int64, count=len(dated))
        self.indptr = np.zeros(len(dated) + 1, dtype=np.int64)
        np.cumsum(lengths, out=self.indptr[1:])
        terms = list(chain.from_iterable(d.terms for d in dated))
        self.vocab = dict(zip(dict.fromkeys(terms), count()))
        self.indices = np.fromiter(map(self.vocab.__getitem__, terms), dtype=np.int64, count=len(terms))
        counts = np.fromiter(chain.from_iterable(d.terms.values() for d in dated), dtype=np.int64, count=len(terms))
        self.values = _unit_rows(_tf(counts) * np.array(idf_weights(self.vocab, n_docs, df))[self.indices], self.indptr)
        self._query = np.zeros(len(self.vocab) + 1)  # the page's vector, spread over the vocabulary
        # Per page: its story as a number, and its rank in id order (ties in score go by id).
        story_codes: dict[str | None, int] = {None: -1}
        self.story_code = np.array([story_codes.setdefault(d.story, len(story_codes)) for d in dated], dtype=np.int64)
        self._story_codes = story_codes
        self.at = {d.id: i for i, d in enumerate(dated)}
        self.id_rank = np.argsort(np.argsort(np.array([d.id for d in dated], dtype=object), kind="stable"))
        self.postings = self._key_term_postings(lengths)

    def _key_term_postings(self, lengths: np.ndarray) -> dict[str, np.ndarray]:
        """Each page filed under its KEY_TERMS heaviest terms (_key_terms: by weight, then term); each
        term keeps its POSTINGS_PER_TERM most recent pages (the first rows)."""
        if not len(self.indices):
            return {}
        rows = np.repeat(np.arange(len(lengths)), lengths)
        floor = self._key_term_floors(lengths)
        # Only the weights at or above their row's floor (ties included) are sorted, by row, weight and term.
        heavy = np.flatnonzero(self.values >= floor[rows])
        vocab = list(self.vocab)
        alphabetical = np.empty(len(vocab), dtype=np.int64)
        alphabetical[sorted(range(len(vocab)), key=vocab.__getitem__)] = np.arange(len(vocab))
        heavy = heavy[np.lexsort((alphabetical[self.indices[heavy]], -self.values[heavy], rows[heavy]))]
        first = np.searchsorted(rows[heavy], rows[heavy], side="left")
        key = heavy[np.arange(len(heavy)) - first < KEY_TERMS]
        by_term = np.lexsort((rows[key], self.indices[key]))  # rows ascending within each term
        terms, rows_of = self.indices[key][by_term], rows[key][by_term]
        cuts = np.flatnonzero(np.diff(terms)) + 1
        return {vocab[int(group[0])]: rows_part[:POSTINGS_PER_TERM] for group, rows_part in
                zip(np.split(terms, cuts), np.split(rows_of, cuts))}

    def _key_term_floors(self, lengths: np.ndarray) -> np.ndarray:
        """Each row's KEY_TERMS-th weight (at most its smallest for a row with fewer), from padded
        matrices of FLOOR_BLOCK_ROWS rows at a time. One matrix of every row, as wide as the longest
        page, took 20,000 x 300 cells (cluster.terms.MAX_TERMS) and two copies of them, 140 MB, each
        time dates were settled."""
        floor = np.empty(len(lengths))
        for lo in range(0, len(lengths), FLOOR_BLOCK_ROWS):
            hi = min(lo + FLOOR_BLOCK_ROWS, len(lengths))
            width = int(lengths[lo:hi].max())
            if width == 0:
                floor[lo:hi] = -np.inf
                continue
            part = lengths[lo:hi]
            start, stop = self.indptr[lo], self.indptr[hi]
            row = np.repeat(np.arange(hi - lo), part)
            column = np.arange(stop - start) - np.repeat(self.indptr[lo:hi] - start, part)
            # Weights negated, so that one in-place partition puts each row's KEY_TERMS-th largest at `depth`.
            block = np.full((hi - lo, width), np.inf)
            block[row, column] = -self.values[start:stop]
            depth = min(KEY_TERMS, width) - 1
            block.partition(depth, axis=1)
            floor[lo:hi] = -block[:, depth]
        return floor

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


def _tf(counts: np.ndarray) -> np.ndarray:
    """1 + log(count), with math.log: NumPy's log may differ in the last bit, and a tie in score
    would then break otherwise than tfidf() breaks it."""
    top = int(counts.max(initial=0))
    if top <= 4096:  # the usual case: a table of every count up to the largest
        return np.array([0.0] + [1 + math.log(c) for c in range(1, top + 1)])[counts]
    distinct, at = np.unique(counts, return_inverse=True)
    return np.array([1 + math.log(c) for c in distinct.tolist()])[at]


def _unit_rows(weights: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Each row (indptr) divided by its length, the squares summed left to right as tfidf() does
    (NumPy's sums are pairwise, and differ in the last bit)."""
    lengths = np.diff(indptr)
    squares = weights * weights
    sums = np.zeros(len(lengths))
    for j in range(int(lengths.max(initial=0))):  # position j of every row that long: a few hundred steps
        rows = np.flatnonzero(lengths > j)
        sums[rows] += squares[indptr[rows] + j]
    norms = np.sqrt(sums)
    norms[norms == 0] = 1.0
    return weights / np.repeat(norms, lengths)


def _key_terms(vec: dict[str, float]) -> list[str]:
    return sorted(vec, key=lambda t: (-vec[t], t))[:KEY_TERMS]


def pages_to_redate(anchors: list[DatedPage], loose: list[DatedPage], exclude: set[str],
                    frequencies: Callable[[Iterable[str]], tuple[int, dict[str, int]]], neighbours: int) -> set[str]:
    """The loosely dated pages (`loose`: dated from similar pages or from nothing, not anchors
    themselves; their `day` unused) that the pages dated just now (`anchors`) would anchor: each
    anchor's `neighbours` nearest in other stories, from cosine LATE_ANCHOR_MIN. A run dates its
    pages from the anchors stored before them; without this, a page that came before the pages
    that date it would keep the date it had alone, and a crawl's dates would depend on its order."""
    loose = [d for d in loose if d.id not in exclude]
    if not anchors or not loose:
        return set()
    n_docs, df = frequencies({t for d in chain(loose, anchors) for t in d.terms})
    index = SimilarDated(loose, n_docs, df)
    return {d.id for a in anchors for sim, d in index.nearest(a.terms, set(), a.story, neighbours)
            if sim >= LATE_ANCHOR_MIN}
