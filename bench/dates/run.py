"""Publication dates on Timeline17: hide each article's date, estimate it from its text
and from the dates of the other articles (credible anchors, as in a crawl where most
pages carry honest dates).

    python bench/dates/run.py            # writes bench/dates/results.md and results.json

Anchors for an article: its most similar other articles (TF-IDF cosine, the terms
storyline uses for stories), each with its real date. Split: `dev` = sha1(set/id)
starting 0-7 (parameters were chosen there), `heldout` = the rest.
"""
from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np

from storyline.cluster.terms import term_counts, tfidf
from storyline.forensics.anchors import NEIGHBOURS, similar_page_anchor
from storyline.forensics.published import Habits, anchor_events, estimate_published, habit_counts
from storyline.forensics.timex import find_mentions

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared" / "data" / "timeline17"


def load(data: Path) -> list[dict]:
    rows = []
    for path in sorted(glob.glob(str(data / "*" / "articles.jsonl"))):
        name = Path(path).parent.name
        with open(path, encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                key = f"{name}/{r['id']}"
                rows.append({"key": key, "set": name, "topic": name.split("_")[0], "text": r["text"],
                             "day": date.fromisoformat(r["time"]),
                             "split": "dev" if hashlib.sha1(key.encode()).hexdigest()[0] in "01234567" else "heldout"})
    return rows


def similarity_matrix(rows: list[dict]) -> np.ndarray:
    counts = [term_counts(None, r["text"]) for r in rows]
    df: dict[str, int] = {}
    for c in counts:
        for t in c:
            df[t] = df.get(t, 0) + 1
    vocab = {t: i for i, t in enumerate(t for t, n in df.items() if n >= 2)}
    mat = np.zeros((len(rows), len(vocab)), dtype=np.float32)
    for i, c in enumerate(counts):
        for t, v in tfidf(c, len(rows), df).items():
            j = vocab.get(t)
            if j is not None:
                mat[i, j] = v
    sims = mat @ mat.T
    np.fill_diagonal(sims, -1.0)
    return sims


def score(rows: list[dict], preds: list) -> dict:
    out = {}
    for split in ("dev", "heldout", "all"):
        idx = [i for i, r in enumerate(rows) if split == "all" or r["split"] == split]
        errs, inside, widths, missing = [], 0, [], 0
        for i in idx:
            p = preds[i]
            if p.value is None:
                missing += 1
                continue
            errs.append(abs((p.value - rows[i]["day"]).days))
            inside += p.earliest <= rows[i]["day"] <= p.latest
            widths.append((p.latest - p.earliest).days + 1)
        n = len(idx)
        if not n:
            continue
        out[split] = {"n": n, "exact": sum(e == 0 for e in errs) / n, "within_1": sum(e <= 1 for e in errs) / n,
                      "within_3": sum(e <= 3 for e in errs) / n, "inside": inside / n,
                      "median_width": statistics.median(widths) if widths else None, "no_estimate": missing}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--neighbours", type=int, default=NEIGHBOURS)
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    rows = load(args.data)
    t0 = time.perf_counter()
    sims = similarity_matrix(rows)
    # What the other (credible) articles offer: the days their texts name, and their
    # site's dating habits (each set is one site). An article never sees its own date.
    mentions = [find_mentions(r["text"]) for r in rows]
    events = [anchor_events(m, r["day"]) for m, r in zip(mentions, rows)]
    own = [habit_counts(m, r["day"]) for m, r in zip(mentions, rows)]
    site: dict[str, Counter] = defaultdict(Counter)
    for r, counts in zip(rows, own):
        site[r["set"]].update(counts)
    preds = []
    t1 = time.perf_counter()
    for i, r in enumerate(rows):
        order = np.argsort(-sims[i])[: args.neighbours]
        anchors = [a for j in order if (a := similar_page_anchor(rows[j]["day"], float(sims[i, j]), events[j]))]
        habits_counts = site[r["set"]].copy()
        habits_counts.subtract(own[i])
        preds.append(estimate_published(r["text"], anchors=anchors, mentions=mentions[i],
                                        habits=Habits.learn(habits_counts)))
    t2 = time.perf_counter()
    result = score(rows, preds)
    for split, s in result.items():
        print(f"{split:8s} n={s['n']:5d} exact={s['exact']:.3f} ±1={s['within_1']:.3f} ±3={s['within_3']:.3f} "
              f"inside={s['inside']:.3f} median_width={s['median_width']}")
    print(f"similarities {t1 - t0:.1f}s, estimates {t2 - t1:.1f}s ({len(rows) / (t2 - t1):.0f} articles/s)")
    if not args.quiet:
        per_set = {}
        for name in sorted({r["set"] for r in rows}):
            sub = [i for i, r in enumerate(rows) if r["set"] == name]
            per_set[name] = score([rows[i] for i in sub], [preds[i] for i in sub])["all"]
        json.dump({"result": result, "per_set": per_set}, open(args.out / "last.json", "w"), indent=1, default=str)


if __name__ == "__main__":
    main()
