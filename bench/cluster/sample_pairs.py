"""Sample Timeline17 article pairs for hand-labelling as the same story or not, evenly over cosine bands.

    python bench/cluster/sample_pairs.py                       # the 240 pairs at most 3 days apart
    python bench/cluster/sample_pairs.py --min-gap 4 --max-gap 45 --per-band 16 --seed 7 --parts 1 --name gap

Pairs are of one topic, within the gap in days, drawn evenly from six bands of
body cosine (0.1 wide, the last 0.5 and above). Writes pairs-<name>.jsonl (both
texts clipped) in the working directory for a reader; the verdicts are in
labels/story-pairs.jsonl.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))
from storyline.cluster.terms import cosine, term_counts, tfidf  # noqa: E402

ROOT = HERE.parents[2] / "shared" / "data" / "timeline17"
BANDS = 6


def articles() -> list[dict]:
    out = []
    for folder in sorted(ROOT.iterdir()):
        for line in open(folder / "articles.jsonl", encoding="utf-8"):
            record = json.loads(line)
            out.append({"key": f"{folder.name}/{record['id']}", "topic": folder.name.split("_")[0],
                        "day": date.fromisoformat(record["time"]).toordinal(), "time": record["time"],
                        "text": record["text"]})
    return out


def sample(arts: list[dict], min_gap: int, max_gap: int, per_band: int, seed: int) -> list[tuple[int, int, float]]:
    df: Counter[str] = Counter()
    counts = [term_counts(None, a["text"]) for a in arts]
    for c in counts:
        df.update(c.keys())
    vecs = [tfidf(c, len(arts), df) for c in counts]
    rng = random.Random(seed)
    bands: dict[int, list[tuple[int, int, float]]] = {b: [] for b in range(BANDS)}
    by_topic: dict[str, list[int]] = {}
    for i, a in enumerate(arts):
        by_topic.setdefault(a["topic"], []).append(i)
    for idx in by_topic.values():
        for x, i in enumerate(idx):
            for j in idx[x + 1:]:
                if not min_gap <= abs(arts[i]["day"] - arts[j]["day"]) <= max_gap:
                    continue
                c = cosine(vecs[i], vecs[j])
                bands[min(int(c / 0.1), BANDS - 1)].append((i, j, c))
    pairs = []
    for items in bands.values():
        rng.shuffle(items)
        pairs += items[:per_band]
    rng.shuffle(pairs)
    print({b: len(v) for b, v in bands.items()}, len(pairs))
    return pairs


def clip(text: str, n: int = 1100) -> str:
    return text[:n] + (" …" if len(text) > n else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-gap", type=int, default=0)
    parser.add_argument("--max-gap", type=int, default=3)
    parser.add_argument("--per-band", type=int, default=40)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--parts", type=int, default=2, help="files to split the pairs into (one per reader)")
    parser.add_argument("--name", default="", help="file name: pairs-<name>.jsonl, or pairs-1.jsonl ... by part")
    args = parser.parse_args()
    arts = articles()
    pairs = sample(arts, args.min_gap, args.max_gap, args.per_band, args.seed)
    size = -(-len(pairs) // args.parts)
    for part in range(args.parts):
        name = args.name or str(part + 1)
        with open(f"pairs-{name}.jsonl", "w", encoding="utf-8") as out:
            for i, j, _ in pairs[part * size:(part + 1) * size]:
                out.write(json.dumps({"a": arts[i]["key"], "b": arts[j]["key"], "a_date": arts[i]["time"],
                                      "b_date": arts[j]["time"], "a_text": clip(arts[i]["text"]),
                                      "b_text": clip(arts[j]["text"])}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
