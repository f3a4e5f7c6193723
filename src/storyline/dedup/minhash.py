"""MinHash signatures by one-permutation hashing with densification.

Classic MinHash applies k hash functions to every shingle: k times the work.
One-permutation hashing (Li, Owen & Zhang 2012) hashes each shingle once: the
high bits choose one of k bins, the low bits are its value, and each bin keeps
its minimum. A bin a short text leaves empty borrows the value of the next
non-empty bin to its right, circularly, plus a constant times the distance
(densification by rotation, Shrivastava & Li 2014), so two texts' signatures
agree in a bin with probability equal to their Jaccard similarity, as with k
permutations. The whole batch is a handful of NumPy operations over the
(texts x k) matrix, with no Python loop per text.
"""
from __future__ import annotations

import numpy as np

from .shingles import ShingleBatch, mix64

EMPTY = np.uint32(0xFFFFFFFF)
_SEED = 0x5713
_STEP = np.uint32(0x9E3779B1)  # added per bin of distance, so borrowed values differ from the lender's


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
    rows, k = sig.shape
    filled = sig != EMPTY
    partial = np.flatnonzero(~filled.all(axis=1) & filled.any(axis=1))
    if partial.size == 0:
        return sig
    part = sig[partial]
    positions = np.arange(k)
    owner = np.where(filled[partial], positions, 2 * k)
    # For each bin, the first non-empty bin at or after it, going round once.
    ahead = np.minimum.accumulate(np.concatenate((owner, owner + k), axis=1)[:, ::-1], axis=1)[:, ::-1][:, :k]
    distance = (ahead - positions).astype(np.uint32)
    with np.errstate(over="ignore"):
        borrowed = np.take_along_axis(part, ahead % k, axis=1) + distance * _STEP
    sig[partial] = np.where(filled[partial], part, borrowed)
    return sig
