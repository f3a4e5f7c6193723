"""Do stories depend on the order pages come in? The same headlines fed four ways.

    python bench/cluster/order.py     # about 4 minutes on 2 cores; writes order.md / order.json

A user feeds a crawl as it comes: day by day, in whatever order the crawler wrote it. The
stories should not depend on that. This bench feeds the 2,657 UCI dev headlines
(../shared/data/uci-stories, 41 stories) through `storyline run` four ways, each into a
fresh store, and scores the stories against the labels (B-cubed):

- in date order, one run;
- in date order, as 10 runs one after the other (a daily crawl);
- shuffled (seed 0), one run;
- shuffled, as 10 runs.

The join model is the shipped one (src/storyline/cluster/join_model.json), whose headline
coefficients were fitted on these same headlines (bench/cluster/fit.py): the absolute figures
are therefore in-sample, and bench/cluster/stories.py gives the cross-validated ones. What this
bench measures is the spread between feeds, which fitting does not favour. The textbook
baseline (TF-IDF, average linkage) sees the whole set at once, so it has no feed order.
Timeline17 fed in one run against 20 runs is in bench/engine/same_answer.py (timeline17-sliced).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "throughput"))
import uci  # noqa: E402
from metrics import bcubed  # noqa: E402
from run_aeb import machine  # noqa: E402

from storyline import Storyline  # noqa: E402
from storyline.config import Config  # noqa: E402

FIELDS = ("id", "title", "date", "source", "url")


def feed(rows: list[dict], runs: int, workers: int) -> dict:
    """The rows as `runs` consecutive `storyline run`s into one fresh store; B-cubed of its stories."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        with Storyline(Path(tmp) / "s.db", Config()) as sl:
            for k in range(runs):
                part = rows[k * len(rows) // runs:(k + 1) * len(rows) // runs]
                stream = Path(tmp) / f"part{k}.jsonl"
                stream.write_text("".join(json.dumps({f: r[f] for f in FIELDS}) + "\n" for r in part),
                                  encoding="utf-8")
                sl.run([stream], workers=workers)
            story_of = {p["id"]: p["story"] for p in sl.pages()}
        seconds = time.perf_counter() - start
    ids = [r["id"] for r in rows if story_of.get(r["id"])]
    truth = {r["id"]: r["story"] for r in rows}
    score = bcubed([truth[i] for i in ids], [story_of[i] for i in ids])
    return {**{k: round(v, 4) for k, v in score.items()}, "pages": len(ids),
            "stories": len({story_of[i] for i in ids}), "seconds": round(seconds, 1),
            "story_of": {i: story_of[i] for i in ids}}


def agreement(a: dict[str, str], b: dict[str, str]) -> float:
    """B-cubed F1 of one feed's stories against another's: 1.0 when both group the pages alike."""
    ids = sorted(set(a) & set(b))
    return round(bcubed([a[i] for i in ids], [b[i] for i in ids])["f1"], 4)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    in_date_order = uci.load()
    shuffled = in_date_order[:]
    random.Random(0).shuffle(shuffled)
    feeds = {"date order, one run": (in_date_order, 1), "date order, 10 runs": (in_date_order, 10),
             "shuffled, one run": (shuffled, 1), "shuffled, 10 runs": (shuffled, 10)}
    results = {}
    for name, (rows, runs) in feeds.items():
        results[name] = feed(rows, runs, args.workers)
        print(name, {k: v for k, v in results[name].items() if k != "story_of"}, flush=True)
    first = results["date order, one run"]["story_of"]
    for r in results.values():
        r["agreement_with_date_order_one_run"] = agreement(first, r.pop("story_of"))
    f1s = [r["f1"] for r in results.values()]
    out = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine(),
           "versions": {p: version(p) for p in ("storyline", "numpy")},
           "command": "python bench/cluster/order.py", "headlines": len(in_date_order),
           "stories_true": len({r["story"] for r in in_date_order}), "feeds": results,
           "f1_spread": round(max(f1s) - min(f1s), 4)}
    (args.out / "order.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    lines = [f"# Stories and feed order: UCI headlines ({out['date']})", "",
             f"Machine: {out['machine']}; " + ", ".join(f"{k} {v}" for k, v in out["versions"].items()), "",
             f"Command: `{out['command']}` (see its docstring). {out['headlines']} headlines, "
             f"{out['stories_true']} true stories; each feed into a fresh store; shipped join model (in-sample "
             "for these headlines: compare the feeds, not the level).", "",
             "| feed | B-cubed P / R / F1 | stories | agreement with date order, one run (B-cubed F1) | seconds |",
             "|---|---|---|---|---|"]
    lines += [f"| {name} | {r['precision']:.3f} / {r['recall']:.3f} / **{r['f1']:.3f}** | {r['stories']} | "
              f"{r['agreement_with_date_order_one_run']:.3f} | {r['seconds']} |" for name, r in results.items()]
    lines += ["", f"Spread of F1 over the four feeds: {out['f1_spread']:.3f}."]
    (args.out / "order.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
