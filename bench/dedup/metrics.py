"""Pair precision / recall / F1 and B-cubed F1 of predicted copy groups against labelled groups."""
from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations


def _pairs(labels: list) -> set[tuple[int, int]]:
    members = defaultdict(list)
    for i, g in enumerate(labels):
        members[g].append(i)
    return {p for m in members.values() if len(m) > 1 for p in combinations(sorted(m), 2)}


def pair_scores(truth: list, predicted: list) -> dict:
    t, p = _pairs(truth), _pairs(predicted)
    hit = len(t & p)
    precision = hit / len(p) if p else 1.0
    recall = hit / len(t) if t else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs_true": len(t), "pairs_found": len(p), "precision": precision, "recall": recall, "f1": f1}


def bcubed(truth: list, predicted: list) -> dict:
    both = Counter(zip(truth, predicted))
    t_size, p_size = Counter(truth), Counter(predicted)
    n = len(truth)
    precision = sum(both[(t, p)] / p_size[p] for t, p in zip(truth, predicted)) / n
    recall = sum(both[(t, p)] / t_size[t] for t, p in zip(truth, predicted)) / n
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / (precision + recall)}
