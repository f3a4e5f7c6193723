"""A candidate pair counts only after its real overlap is measured.

LSH collisions are probabilistic: two texts sharing one band may have little
in common. Each pair is judged on its exact shingle sets:
near copy       Jaccard >= near_jaccard (injected words, other furniture)
contained       the smaller text's shingles found in the larger >= contained_ratio
                (a truncated or excerpted copy)
"""
from __future__ import annotations

import numpy as np

from ..config import Config

RELATION_ORDER = {"exact": 0, "near": 1, "contained": 2, "version": 3, "rewrite": 4}


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Jaccard, containment of the smaller in the larger) of two sorted unique hash arrays."""
    if not a.size or not b.size:
        return 0.0, 0.0
    common = np.intersect1d(a, b, assume_unique=True).size
    return common / (a.size + b.size - common), common / min(a.size, b.size)


def overlap_relation(a: np.ndarray, b: np.ndarray, config: Config = Config()) -> tuple[str, float] | None:
    """("near", Jaccard) or ("contained", containment) of two shingle sets, or None."""
    jaccard, containment = overlap(a, b)
    if jaccard >= config.near_jaccard:
        return "near", round(float(jaccard), 4)
    if containment >= config.contained_ratio:
        return "contained", round(float(containment), 4)
    return None
