"""LSH band keys: pages sharing any band key become candidate pairs."""
from __future__ import annotations

import numpy as np

from .shingles import mix64


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
