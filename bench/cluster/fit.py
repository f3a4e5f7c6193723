"""Fit the join model (storyline/cluster/join_model.json): articles on hand-labelled
pairs, headline-only records on the UCI headline stories.

    python bench/cluster/fit.py            # fit, report
    python bench/cluster/fit.py --write    # also write the fitted model into the package

Headline-only records: the examples are each UCI headline against the candidate
stories the index retrieves for it, with the true stories built so far
(uci.oracle_examples); label 1 for its true story. All 41 dev stories are used for
the shipped model; bench/cluster/run.py scores it cross-validated by story (a
model fitted on four folds, scored on the fifth). The UCI headlines span three
days, so the time weight cannot be learnt from them: the headline model takes the
article model's, and its intercept absorbs the mean decay of the examples.

labels/story-pairs.jsonl: 240 Timeline17 pairs (same topic, at most 3 days
apart, sampled evenly over body-cosine bands by sample_pairs.py), each judged
"same story" or not by a reader (labels/README.md). Split: a pair is dev when
the first hex digit of sha1("a|b") is below 8, else held out; the decay width
sigma and the coefficients are chosen on dev alone.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE))
import uci  # noqa: E402
from data import timeline17  # noqa: E402

from storyline.cluster.model import FEATURES, time_decay  # noqa: E402
from storyline.cluster.online import _dot  # noqa: E402
from storyline.cluster.vectors import Weights, story_counts  # noqa: E402

SIGMAS = (1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0)
L2 = 0.01


def is_dev(a: str, b: str) -> bool:
    return int(hashlib.sha1(f"{a}|{b}".encode()).hexdigest()[0], 16) < 8


def pair_features(labels: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[bool]]:
    articles = {a.key: a for a in timeline17()}
    weights = Weights()
    counts = {}
    for key, art in articles.items():  # document frequencies over the whole stream
        counts[key] = story_counts(None, art.text, day=art.day)
        weights.count(counts[key])
    sims, gaps, y, dev = [], [], [], []
    for lab in labels:
        va, vb = (weights.vectors(k, counts[k]) for k in (lab["a"], lab["b"]))
        sims.append((_dot(va.headline, vb.headline), _dot(va.body, vb.body), _dot(va.entities, vb.entities)))
        gaps.append(abs(va.day - vb.day))
        y.append(1.0 if lab["same_story"] else 0.0)
        dev.append(is_dev(lab["a"], lab["b"]))
    return np.array(sims), np.array(gaps, dtype=float), np.array(y), dev


def design(sims: np.ndarray, gaps: np.ndarray, sigma: float) -> np.ndarray:
    decay = np.array([time_decay(0, int(g), int(g), sigma) for g in gaps])
    return np.column_stack([np.ones(len(sims)), sims, decay])


def fit_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression with non-negative feature weights: more similarity, or a
    smaller gap, never lowers the probability. A feature whose weight comes out
    negative (it only repeats another one) is left out and the rest refitted."""
    active = np.ones(x.shape[1], dtype=bool)
    while True:
        w = np.zeros(x.shape[1])
        w[active] = _newton(x[:, active], y)
        negative = [i for i in range(1, x.shape[1]) if active[i] and w[i] < 0]
        if not negative:
            return w
        active[min(negative, key=lambda i: w[i])] = False


def _newton(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Newton's method with a small L2 penalty (not on the intercept)."""
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], L2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) + penalty * w
        hess = x.T @ (x * (p * (1 - p))[:, None]) + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def fit_headline_model(rows: list[dict], time_weight: float) -> dict:
    """Coefficients for headline-only records, fitted on the UCI stories in `rows`."""
    x, y = uci.oracle_examples(rows)
    w = fit_logistic(np.column_stack([np.ones(len(x)), x[:, :3]]), y)
    intercept = float(w[0]) - time_weight * float(np.mean(x[:, 3]))
    return {"intercept": round(intercept, 4),
            "weights": {f: round(float(v), 4) for f, v in zip(FEATURES, [*w[1:], time_weight])},
            "fitted_on": f"{len(rows)} UCI headlines in {len({r['story'] for r in rows})} stories: "
                         f"{len(y)} (headline, candidate story) examples, {int(y.sum())} true"}


def report(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> dict:
    p = 1 / (1 + np.exp(-x @ w))
    pred = p >= 0.5
    tp = float(((pred == 1) & (y == 1)).sum())
    prec = tp / max(pred.sum(), 1)
    rec = tp / max(y.sum(), 1)
    eps = 1e-9
    return {"pairs": int(len(y)), "same_story": int(y.sum()), "accuracy": float((pred == y).mean()),
            "precision": prec, "recall": rec, "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
            "log_loss": float(-np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)))}


def cross_validated_loss(x: np.ndarray, y: np.ndarray, folds: int = 5) -> float:
    idx = np.arange(len(y))
    losses = []
    for k in range(folds):
        test = idx % folds == k
        w = fit_logistic(x[~test], y[~test])
        losses.append(report(x[test], y[test], w)["log_loss"] * test.sum())
    return float(sum(losses) / len(y))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the fitted model into the package")
    args = parser.parse_args()
    labels = [json.loads(line) for line in (HERE / "labels" / "story-pairs.jsonl").open()]
    sims, gaps, y, dev = pair_features(labels)
    dev_mask = np.array(dev)
    by_sigma = {s: cross_validated_loss(design(sims[dev_mask], gaps[dev_mask], s), y[dev_mask]) for s in SIGMAS}
    sigma = min(by_sigma, key=by_sigma.get)
    x = design(sims, gaps, sigma)
    w = fit_logistic(x[dev_mask], y[dev_mask])
    result = {
        "intercept": round(float(w[0]), 4), "weights": {f: round(float(v), 4) for f, v in zip(FEATURES, w[1:])},
        "sigma_days": sigma,
        "fitted_on": f"bench/cluster/labels/story-pairs.jsonl, dev half ({int(dev_mask.sum())} pairs), "
                     f"bench/cluster/fit.py, {date.today().isoformat()}",
        "cv_log_loss_by_sigma": {str(k): round(v, 4) for k, v in by_sigma.items()},
        "dev": report(x[dev_mask], y[dev_mask], w), "held_out": report(x[~dev_mask], y[~dev_mask], w),
    }
    result["headline_model"] = fit_headline_model(uci.load(), result["weights"]["time"])
    print(json.dumps(result, indent=1))
    if args.write:
        out = HERE.parents[1] / "src" / "storyline" / "cluster" / "join_model.json"
        out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
