"""LSH band keys: pages sharing any band key become candidate pairs."""
from __future__ import annotations

import numpy as np

from .minhash import signatures
from .shingles import ShingleBatch, mix64

# Short parts of long pages. A 100-shingle excerpt of a 2,000-shingle padded page has Jaccard
# 0.05 with it, which LSH on whole texts almost never catches. So a long page is also indexed
# by windows of its shingle sequence, WINDOW_SHINGLES long every WINDOW_STRIDE: the excerpt has
# Jaccard 0.4-1 with the window around it. A window's keys are those of bands 0..WINDOW_BANDS-1
# of its own signature, the same key space as a whole text's: a short page finds the window of
# a long one with its ordinary keys, and a long page finds short ones with its window keys.
WINDOW_SHINGLES = 200
WINDOW_STRIDE = 100
WINDOW_BANDS = 24  # of 3 rows: a window at Jaccard 0.4 is caught with probability 0.80, at 0.55 0.98
MAX_WINDOWS = 200  # longer pages get a longer stride, so a page costs at most this many windows


def band_keys(sig: np.ndarray, bands: int) -> np.ndarray:
    """(texts, bands) int64 keys, non-negative (they fit an SQLite INTEGER); band b's keys differ from band c's."""
    texts, num_perm = sig.shape
    rows = num_perm // bands
    grouped = sig.reshape(texts, bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        key = np.broadcast_to(mix64(np.arange(bands, dtype=np.uint64) + np.uint64(1)), (texts, bands)).copy()
        for r in range(rows):
            key = mix64(key ^ grouped[:, :, r])
    return (key >> np.uint64(1)).astype(np.int64)


def window_keys(shingles: np.ndarray, num_perm: int, bands: int) -> tuple[int, ...]:
    """The LSH keys of the windows of one text's shingle sequence (in text order, not unique);
    () for a text short enough that its own keys do."""
    n = shingles.size
    if n <= 2 * WINDOW_SHINGLES:
        return ()
    stride = max(WINDOW_STRIDE, -(-(n - WINDOW_SHINGLES) // (MAX_WINDOWS - 1)))
    starts = np.unique(np.minimum(np.arange(0, n - WINDOW_SHINGLES + stride, stride), n - WINDOW_SHINGLES))
    positions = (starts[:, None] + np.arange(WINDOW_SHINGLES)[None, :]).ravel()
    batch = ShingleBatch(hashes=shingles[positions], doc=np.repeat(np.arange(starts.size), WINDOW_SHINGLES),
                         token_counts=np.zeros(starts.size, dtype=np.int64),
                         stream_hash=np.zeros(starts.size, dtype=np.uint64))
    keys = band_keys(signatures(batch, num_perm), bands)[:, :WINDOW_BANDS]
    return tuple(int(k) for k in np.unique(keys))
