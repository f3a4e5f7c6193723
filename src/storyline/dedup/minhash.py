"""MinHash signatures, vectorised with NumPy.

Each permutation is a multiply-add hash h(x) = a*x + b (mod 2**64) with odd
`a`, followed by a xor-shift so low bits depend on high ones; the signature
keeps the minimum per permutation. The same seed gives the same signatures.
"""
from __future__ import annotations

import numpy as np

_SEED = 0x5713


def permutations(num_perm: int, seed: int = _SEED) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def signature(shingles: np.ndarray, perms: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    a, b = perms
    if shingles.size == 0:
        return np.full(a.shape, np.iinfo(np.uint64).max, dtype=np.uint64)
    with np.errstate(over="ignore"):
        h = shingles[:, None] * a[None, :] + b[None, :]
    h ^= h >> np.uint64(29)
    return h.min(axis=0)
