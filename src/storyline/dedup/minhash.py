"""MinHash signatures by one-permutation hashing with optimal densification.

Classic MinHash applies k hash functions to every shingle: k times the work.
One-permutation hashing (Li, Owen & Zhang 2012) hashes each shingle once: the
high bits choose one of k bins, the low bits are its value, and each bin keeps
its minimum. A bin a short text leaves empty borrows the value of a bin chosen
by a fixed pseudo-random probe sequence of that bin (Shrivastava 2017, "optimal
densification"), so two texts' signatures agree in a bin with probability
equal to their Jaccard similarity, as with k permutations. The whole batch is
a handful of NumPy operations, with no Python loop per text. (Borrowing from
the next non-empty bin instead, "rotation", was measured worse on bench/dedup:
pair F1 0.953 against 0.982.)
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .shingles import ShingleBatch, mix64

EMPTY = np.uint32(0xFFFFFFFF)
_SEED = 0x5713
_PROBES = 64  # probe rounds; a text with so few shingles that some bins are still empty keeps its smallest value there


@lru_cache(maxsize=8)
def _probe_table(num_perm: int) -> np.ndarray:
    """For each round and bin, the bin it borrows from."""
    return np.random.default_rng(_SEED).integers(0, num_perm, size=(_PROBES, num_perm))


def signatures(batch: ShingleBatch, num_perm: int) -> np.ndarray:
    """(texts, num_perm) uint32 signature matrix; an empty text's row is all EMPTY."""
    texts = batch.token_counts.size
    h = mix64(batch.hashes ^ np.uint64(_SEED))
    bins = (((h >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)).astype(np.int64)
    values = (h & np.uint64(0xFFFFFFFE)).astype(np.uint32)  # even, so never EMPTY
    sig = np.full(texts * num_perm, EMPTY, dtype=np.uint32)
    np.minimum.at(sig, batch.doc * num_perm + bins, values)
    return _densify(sig.reshape(texts, num_perm))


def _densify(sig: np.ndarray) -> np.ndarray:
    """Fill each empty bin of a non-empty row from its probe sequence; work grows with the empty cells only."""
    empty = sig == EMPTY
    has_values = ~empty.all(axis=1)
    rows, cols = np.nonzero(empty & has_values[:, None])
    if rows.size == 0:
        return sig
    original = sig.copy()
    table = _probe_table(sig.shape[1])
    pending = np.arange(rows.size)
    for probe in table:
        borrowed = original[rows[pending], probe[cols[pending]]]
        found = borrowed != EMPTY
        sig[rows[pending[found]], cols[pending[found]]] = borrowed[found]
        pending = pending[~found]
        if pending.size == 0:
            return sig
    smallest = original.min(axis=1)  # EMPTY is the largest value, so this is the smallest real one
    sig[rows[pending], cols[pending]] = smallest[rows[pending]]
    return sig
