"""LSH band keys: pages sharing any band key become candidate pairs."""
from __future__ import annotations

import hashlib

import numpy as np


def band_keys(sig: np.ndarray, bands: int) -> list[int]:
    """One signed 63-bit key per band (fits an SQLite INTEGER)."""
    rows = len(sig) // bands
    keys = []
    for band in range(bands):
        chunk = sig[band * rows:(band + 1) * rows].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, person=band.to_bytes(2, "little")).digest()
        keys.append(int.from_bytes(digest, "little") >> 1)
    return keys
