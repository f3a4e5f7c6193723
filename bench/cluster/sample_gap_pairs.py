"""Sample Timeline17 article pairs for hand-labelling same story / not, evenly over cosine bands.

Writes pairs-<part>.jsonl (both texts clipped) in the working directory for a reader;
the verdicts are in labels/story-pairs.jsonl."""
import json, random, hashlib, sys
from pathlib import Path
from datetime import date
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))
from storyline.cluster.terms import term_counts, tfidf, cosine
root = HERE.parents[2] / "shared" / "data" / "timeline17"
arts = []
for d in sorted(root.iterdir()):
    for line in open(d / "articles.jsonl"):
        r = json.loads(line)
        arts.append({"key": f"{d.name}/{r['id']}", "topic": d.name.split("_")[0], "day": date.fromisoformat(r["time"]).toordinal(), "time": r["time"], "text": r["text"]})
from collections import Counter
df = Counter()
counts = [term_counts(None, a["text"]) for a in arts]
for c in counts: df.update(c.keys())
vecs = [tfidf(c, len(arts), df) for c in counts]
rng = random.Random(7)
bins = {i: [] for i in range(6)}
by_topic = {}
for i, a in enumerate(arts): by_topic.setdefault(a["topic"], []).append(i)
seen = set()
for topic, idx in by_topic.items():
    for x, i in enumerate(idx):
      for j in idx[x+1:]:
        g = abs(arts[i]["day"] - arts[j]["day"])
        if not (4 <= g <= 45): continue
        c = cosine(vecs[i], vecs[j])
        b = min(int(c / 0.1), 5)
        bins[b].append((i, j, c))
pairs = []
for b, items in bins.items():
    rng.shuffle(items)
    pairs += items[:16]
rng.shuffle(pairs)
print({b: len(v) for b, v in bins.items()}, len(pairs))
def clip(t, n=1100):
    return t[:n] + (" …" if len(t) > n else "")
half = len(pairs) // 2
for part, chunk in (("gap", pairs),):
    with open(f"pairs-{part}.jsonl", "w") as out:
        for i, j, c in chunk:
            out.write(json.dumps({"a": arts[i]["key"], "b": arts[j]["key"], "a_date": arts[i]["time"], "b_date": arts[j]["time"],
                                  "a_text": clip(arts[i]["text"]), "b_text": clip(arts[j]["text"])}, ensure_ascii=False) + "\n")
