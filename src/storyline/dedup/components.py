"""Connected components of verified pairs: each text gets the smallest index of its group."""
from __future__ import annotations

import numpy as np


def components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Label per text (the smallest index in its component), by min-label propagation with pointer jumping."""
    label = np.arange(n, dtype=np.int64)
    if pairs.size == 0:
        return label
    a, b = pairs[:, 0], pairs[:, 1]
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        while True:  # pointer jumping: follow labels to their root
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label, before):
            return label
