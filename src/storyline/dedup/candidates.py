"""Candidate pairs from LSH band keys, without a Python loop per text.

For each band the texts are sorted by key; texts sharing a key form a bucket.
A bucket of up to MAX_BUCKET texts yields all its pairs; a larger one (the same
boilerplate on many pages) yields a star and a chain through it, ordered by a
content key, so its texts still end up linked and the answer does not depend
on input order.
"""
from __future__ import annotations

import numpy as np

MAX_BUCKET = 64


def candidate_pairs(keys: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Unique (i, j) index pairs, i < j, of texts sharing a band key. `order` is a content key per text."""
    found = []
    n = keys.shape[0]
    bits = max(16, int(n).bit_length() + 2)
    mask = np.int64((1 << bits) - 1)
    for band in range(keys.shape[1]):
        column = keys[:, band]  # a view: a contiguous copy of all bands costs 670 MB at 1M texts
        # Only texts whose key's low bits are shared can share the key: sort just those.
        slot = column & mask
        maybe = np.flatnonzero(np.bincount(slot, minlength=int(mask) + 1)[slot] > 1)
        if maybe.size < 2:
            continue
        by_key = np.lexsort((order[maybe], column[maybe]))  # by key, then by content key
        idx = maybe[by_key]
        sorted_keys = column[idx]
        new_run = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
        run_id = np.cumsum(new_run) - 1
        run_start = np.flatnonzero(new_run)
        run_len = np.diff(np.append(run_start, idx.size))
        length = run_len[run_id]
        small = length <= MAX_BUCKET
        longest = int(length[small].max()) if small.any() else 1
        for gap in range(1, longest):
            same = (run_id[gap:] == run_id[:-gap]) & small[gap:]
            if not same.any():
                break
            found.append(np.stack((idx[:-gap][same], idx[gap:][same]), axis=1))
        big = ~small
        if big.any():
            pos = np.flatnonzero(big)
            first = idx[run_start[run_id[pos]]]
            not_first = idx[pos] != first
            found.append(np.stack((first[not_first], idx[pos][not_first]), axis=1))  # star
            chain = pos[:-1][run_id[pos[1:]] == run_id[pos[:-1]]]
            found.append(np.stack((idx[chain], idx[chain + 1]), axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(found), axis=1)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    # The same pair turns up in many bands: unique on one int64 code per pair, i * n + j, is
    # several times faster than np.unique(axis=0) and gives the same sorted pairs.
    code = np.unique(pairs[:, 0] * np.int64(n) + pairs[:, 1])
    return np.stack((code // n, code % n), axis=1)
