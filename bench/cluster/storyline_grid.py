"""The storyline settings, chosen on dev halves: relink stored stories under a grid of settings.

    python bench/cluster/storyline_grid.py build          # the stores, once (about 3 minutes)
    python bench/cluster/storyline_grid.py '{"similarity": [0.05, 0.07], "start_similarity": [0.14, 0.3]}'

`build` runs `storyline run` (default settings) on five inputs and keeps the stores in
$STORYLINE_GRID (default /tmp/storyline-grid): Timeline17 as one stream (dev sets:
DEV_SETS of run.py), the many-topic set of stories.py (dev half: topics with an even
fold_of), a week of BBC reports of three topics moved onto the same days (the scene of
tests/test_stories.py; no storyline may mix topics), AEB (no topic labels: how many pages
share a storyline; the start bar exists so that unrelated pages do not chain), and the seeds
(the two visits: one storyline). Stories stay as the run made them; only storylines are
relinked (link_storylines, the same as the incremental linking from an empty store).
Settings are chosen on the dev halves; the held-out halves are printed beside them.
"""
from __future__ import annotations

import itertools
import json
import os
import sys
from collections import Counter
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import stories as bench_stories  # noqa: E402  (puts src/ and bench/dedup on the path)
import uci  # noqa: E402
from data import SEEDS, timeline17  # noqa: E402
from metrics import bcubed  # noqa: E402

from storyline import Storyline  # noqa: E402
from storyline.cluster.storylines import link_storylines, story_summary  # noqa: E402
from storyline.config import Config  # noqa: E402
from storyline.store.sqlite import SqliteStore  # noqa: E402

STORES = Path(os.environ.get("STORYLINE_GRID", "/tmp/storyline-grid"))
DEV_SETS = {"H1N1_reuters", "MJ_bbc", "bpoil_reuters", "bpoil_guardian", "haiti_bbc"}
AEB = HERE.parents[2] / "shared" / "data" / "aeb" / "ground-truth.json"
SETS = ("t17", "topics", "week", "aeb", "seeds")


def inputs() -> dict[str, list[tuple[dict, str, bool]]]:
    """(record, label, is dev) per set."""
    arts = timeline17()
    out = {"t17": [({"id": a.key, "text": a.text, "date": a.date}, a.topic, a.key.split("/")[0] in DEV_SETS)
                   for a in arts]}
    out["topics"] = [({k: v for k, v in r.items() if k not in ("topic", "baseline_text")}, r["topic"],
                      uci.fold_of(r["topic"]) % 2 == 0) for r in bench_stories.many_topics(uci.load())]
    start = date(2010, 7, 12).toordinal()
    windows = {"bpoil_bbc": (date(2010, 7, 12), 7), "haiti_bbc": (date(2010, 1, 13), 1),
               "H1N1_bbc": (date(2009, 4, 27), 7)}
    week = []
    for a in arts:
        first, days = windows.get(a.key.split("/")[0], (None, 0))
        if first and 0 <= a.day - first.toordinal() < days and a.text.strip():
            moved = date.fromordinal(a.day - first.toordinal() + start).isoformat()
            week.append(({"id": a.key, "text": a.text, "date": moved}, a.topic, True))
    out["week"] = sorted(week, key=lambda x: (x[0]["date"], x[0]["id"]))
    aeb = json.loads(AEB.read_text(encoding="utf-8"))
    out["aeb"] = [({"id": k, "text": v["articleBody"]}, k, True) for k, v in sorted(aeb.items())]
    out["seeds"] = [({"id": p.name[:3], "text": p.read_text(encoding="utf-8")}, p.name[:3], True)
                    for p in sorted(SEEDS.glob("*.txt"))]
    return out


def build() -> None:
    STORES.mkdir(parents=True, exist_ok=True)
    for name, items in inputs().items():
        db, stream = STORES / f"{name}.db", STORES / f"{name}.jsonl"
        db.unlink(missing_ok=True)
        stream.write_text("".join(json.dumps(r) + "\n" for r, _, _ in items), encoding="utf-8")
        (STORES / f"{name}.labels.json").write_text(json.dumps({r["id"]: [t, dev] for r, t, dev in items}))
        with Storyline(db, Config()) as sl:
            sl.run([stream], workers=2)
        print("built", name, flush=True)


def evaluate(name: str, **settings) -> dict:
    labels = json.loads((STORES / f"{name}.labels.json").read_text())
    store = SqliteStore(STORES / f"{name}.db")
    summaries = [story_summary(*row) for row in store.storyline_inputs()]
    pages = [(p, s) for p, s in store.db.execute("SELECT id, story FROM pages WHERE story IS NOT NULL") if p in labels]
    c = Config()
    params = dict(similarity=c.storyline_similarity, decay_days=c.storyline_decay_days,
                  merge_similarity=c.storyline_merge_similarity, start_similarity=c.storyline_start_similarity)
    lines = link_storylines(summaries, **{**params, **settings})
    line_of = {s: line.id for line in lines for s in line.stories}
    out: dict = {"storylines": len(lines)}
    for half in ("dev", "held_out"):
        ids = [(p, s) for p, s in pages if labels[p][1] == (half == "dev")]
        out[half] = round(bcubed([labels[p][0] for p, _ in ids], [line_of[s] for _, s in ids])["f1"], 3) if ids else None
    sizes = Counter(line_of[s] for _, s in pages)
    out["pages_sharing"] = sum(n for n in sizes.values() if n > 1)
    out["mixed"] = sum(len({labels[p][0] for p, s in pages if line_of[s] == line.id}) > 1 for line in lines)
    return out


def main() -> None:
    if sys.argv[1:] == ["build"]:
        build()
        return
    grid = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    for values in itertools.product(*grid.values()):
        settings = dict(zip(grid, values))
        r = {name: evaluate(name, **settings) for name in SETS}
        print(json.dumps(settings), f"| T17 dev {r['t17']['dev']} held-out {r['t17']['held_out']}",
              f"| topics dev {r['topics']['dev']} held-out {r['topics']['held_out']}",
              f"| week: storylines mixing topics {r['week']['mixed']}",
              f"| AEB pages sharing a storyline {r['aeb']['pages_sharing']}",
              f"| seeds storylines {r['seeds']['storylines']}", flush=True)


if __name__ == "__main__":
    main()
