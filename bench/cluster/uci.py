"""The UCI headline stories (../shared/data/uci-stories): folds by story, the join model's
training examples, the product's score, and the textbook baseline.

Folds: a story is in fold int(sha1(story)[:8], 16) % 5, so every fold holds whole
stories and a model is always scored on stories it never saw.
"""
from __future__ import annotations

import hashlib
import json
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE.parent / "dedup"))
from metrics import bcubed  # noqa: E402

from storyline import Storyline  # noqa: E402
from storyline.cluster.model import load_model  # noqa: E402
from storyline.cluster.online import StoryIndex  # noqa: E402
from storyline.cluster.vectors import Weights, day_ordinal, story_counts  # noqa: E402
from storyline.config import Config  # noqa: E402
from storyline.extract.meta import clean_title  # noqa: E402

UCI = HERE.parents[2] / "shared" / "data" / "uci-stories" / "headlines.jsonl"
FOLDS = 5


def load(path: Path = UCI) -> list[dict]:
    rows = [json.loads(line) for line in path.open(encoding="utf-8")]
    return sorted(rows, key=lambda r: (r["date"], r["id"]))


def fold_of(story: str) -> int:
    return int(hashlib.sha1(story.encode()).hexdigest()[:8], 16) % FOLDS


def oracle_examples(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Features of each headline against the candidate stories the index retrieves for it,
    labelled 1 for its true story; the stories are the true ones built so far (Miranda et al.)."""
    model, sigma = load_model()
    weights, index = Weights(), StoryIndex(model, 0.5, sigma)
    x, y = [], []
    for row in rows:
        title = clean_title(row["title"], "")[0] or row["title"]
        counts = story_counts(title, "", day=day_ordinal(row["date"]))
        weights.count(counts)
        vec = weights.vectors(row["id"], counts)
        for story in index.candidates(vec):
            x.append(index.stories[story].features(vec, sigma))
            y.append(1.0 if story == row["story"] else 0.0)
        index.add(row["story"], vec)
    return np.array(x), np.array(y)


def product(rows: list[dict], config: Config, workers: int = 2, labels: bool = False) -> dict:
    """The headlines through `storyline run` as JSONL records; B-cubed of stories against the labels."""
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "uci.jsonl"
        with stream.open("w", encoding="utf-8") as out:
            for r in rows:
                out.write(json.dumps({k: r[k] for k in ("id", "title", "date", "source", "url")}) + "\n")
        with Storyline(Path(tmp) / "s.db", config) as sl:
            sl.run([stream], workers=workers)
            story_of = {p["id"]: p["story"] for p in sl.pages()}
    ids = [r["id"] for r in rows if story_of.get(r["id"])]
    truth = {r["id"]: r["story"] for r in rows}
    out = bcubed([truth[i] for i in ids], [story_of[i] for i in ids])
    out.update(pages=len(ids), stories=len({story_of[i] for i in ids}))
    if labels:
        out.update(ids=ids, truth=[truth[i] for i in ids], predicted=[story_of[i] for i in ids])
    return out


# -- the textbook baseline: TF-IDF of the headline, average linkage, one threshold ------------

_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def tfidf_matrix(texts: list[str]) -> np.ndarray:
    """scikit-learn's TfidfVectorizer defaults: raw counts, smooth idf, unit rows."""
    docs = [Counter(_TOKEN.findall(t.lower())) for t in texts]
    vocab = {t: i for i, t in enumerate(sorted({t for d in docs for t in d}))}
    m = np.zeros((len(docs), len(vocab)))
    for row, d in enumerate(docs):
        for t, c in d.items():
            m[row, vocab[t]] = c
    df = (m > 0).sum(axis=0)
    m *= np.log((1 + len(docs)) / (1 + df)) + 1
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def average_linkage(sim: np.ndarray) -> list[tuple[float, int, int]]:
    """Merges of average-linkage agglomerative clustering on a similarity matrix:
    (similarity, a, b), the cluster of b joining a, in merge order."""
    n = len(sim)
    s = sim.astype(float).copy()
    np.fill_diagonal(s, -np.inf)
    size = np.ones(n)
    alive = np.ones(n, dtype=bool)
    merges = []
    for _ in range(n - 1):
        flat = int(np.argmax(s))
        a, b = divmod(flat, n)
        best = s[a, b]
        if best == -np.inf:
            break
        merges.append((float(best), a, b))
        row = (s[a] * size[a] + s[b] * size[b]) / (size[a] + size[b])  # Lance-Williams, average
        s[a], s[:, a] = row, row
        s[a, a] = -np.inf
        s[b], s[:, b] = -np.inf, -np.inf
        size[a] += size[b]
        alive[b] = False
        s[a, ~alive] = -np.inf
        s[~alive, a] = -np.inf
    return merges


def cut(n: int, merges: list[tuple[float, int, int]], threshold: float) -> list[int]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for similarity, a, b in merges:
        if similarity < threshold:
            break
        parent[find(b)] = find(a)
    return [find(i) for i in range(n)]


def baseline_merges(rows: list[dict]) -> list[tuple[float, int, int]]:
    m = tfidf_matrix([r["title"] for r in rows])
    return average_linkage(m @ m.T)


THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.01, 0.61, 0.01))


def baseline(train: list[dict], test: list[dict]) -> dict:
    """The threshold that scores best on `train`, applied to `test`."""
    train_merges = baseline_merges(train)
    truth = [r["story"] for r in train]
    best = max(THRESHOLDS, key=lambda t: bcubed(truth, cut(len(train), train_merges, t))["f1"])
    labels = cut(len(test), baseline_merges(test), best)
    out = bcubed([r["story"] for r in test], labels)
    out.update(threshold=best, labels=labels)
    return out
