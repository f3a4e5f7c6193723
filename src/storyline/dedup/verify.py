"""A candidate pair counts only after its real overlap is measured.

LSH collisions are probabilistic: two texts sharing one band may have little
in common. Each pair is judged on its exact shingle sets:
near copy       Jaccard >= near_jaccard (injected words, other furniture)
contained       the smaller text's shingles found in the larger >= contained_ratio
                (a truncated or excerpted copy), or >= partial_ratio when that
                share is also >= partial_min_shingles shingles: a copy both cut
                and padded with page furniture (a quoted statement shared by two
                articles is far shorter than that, or a far smaller share)
"""
from __future__ import annotations

import numpy as np

from ..config import Config

def shared(a: np.ndarray, b: np.ndarray) -> int:
    """Shingles two sorted unique hash arrays have in common."""
    return int(np.intersect1d(a, b, assume_unique=True).size) if a.size and b.size else 0


def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """(Jaccard, containment of the smaller in the larger) of two sorted unique hash arrays."""
    common = shared(a, b)
    if not common:
        return 0.0, 0.0
    return common / (a.size + b.size - common), common / min(a.size, b.size)


def judge(size_a: int, size_b: int, common: int, config: Config = Config()) -> tuple[str, float] | None:
    """The copy relation implied by two set sizes and their intersection, or None."""
    if not common:
        return None
    jaccard = common / (size_a + size_b - common)
    containment = common / min(size_a, size_b)
    if jaccard >= config.near_jaccard:
        return "near", round(float(jaccard), 4)
    if containment >= config.contained_ratio or (
            containment >= config.partial_ratio and common >= config.partial_min_shingles):
        return "contained", round(float(containment), 4)
    return None


def overlap_relation(a: np.ndarray, b: np.ndarray, config: Config = Config()) -> tuple[str, float] | None:
    """("near", Jaccard) or ("contained", containment) of two shingle sets, or None."""
    return judge(a.size, b.size, shared(a, b), config)
