"""MinHash signatures by one-permutation hashing with optimal densification.

Classic MinHash applies k hash functions to every shingle: k times the work.
One-permutation hashing (Li, Owen & Zhang 2012) hashes each shingle once: the
high bits choose one of k bins, the low bits are its value, and each bin keeps
its minimum. Bins a short text leaves empty borrow the value of a bin chosen by
a fixed random probe sequence per bin (Shrivastava 2017, "optimal
densification"), so two texts' signatures agree in a bin with probability
equal to their Jaccard similarity, as with k permutations. The whole batch is
a handful of NumPy operations, with no Python loop per text.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .shingles import ShingleBatch, mix64

EMPTY = np.uint32(0xFFFFFFFF)
_PROBES = 64  # probe rounds for empty bins; a text with a single shingle falls back to its one value
_SEED = 0x5713


@lru_cache(maxsize=8)
def _probe_table(num_perm: int) -> np.ndarray:
    """For each round and bin, the bin it borrows from (a fixed pseudo-random sequence)."""
    rng = np.random.default_rng(_SEED)
    return rng.integers(0, num_perm, size=(_PROBES, num_perm))


def signatures(batch: ShingleBatch, num_perm: int) -> np.ndarray:
    """(texts, num_perm) uint32 signature matrix; an empty text's row is all EMPTY."""
    texts = batch.token_counts.size
    h = mix64(batch.hashes ^ np.uint64(_SEED))
    bins = (((h >> np.uint64(32)) * np.uint64(num_perm)) >> np.uint64(32)).astype(np.int64)
    values = (h & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    sig = np.full(texts * num_perm, EMPTY, dtype=np.uint32)
    np.minimum.at(sig, batch.doc * num_perm + bins, values)
    sig = sig.reshape(texts, num_perm)
    return _densify(sig, num_perm)


def _densify(sig: np.ndarray, num_perm: int) -> np.ndarray:
    empty = sig == EMPTY
    rows = np.flatnonzero(empty.any(axis=1) & ~empty.all(axis=1))
    if rows.size == 0:
        return sig
    part = sig[rows]
    original = part.copy()
    todo = part == EMPTY
    for probe in _probe_table(num_perm):
        borrowed = original[:, probe]
        fill = todo & (borrowed != EMPTY)
        part[fill] = borrowed[fill]
        todo &= ~fill
        if not todo.any():
            break
    if todo.any():  # very short texts: the smallest value they have
        smallest = np.where(original == EMPTY, EMPTY, original).min(axis=1)
        part[todo] = np.broadcast_to(smallest[:, None], part.shape)[todo]
    sig[rows] = part
    return sig
