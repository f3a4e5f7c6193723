"""Stories and storylines on real labelled data, beside the textbook baseline in the same run.

    python bench/cluster/stories.py     # about 5 minutes on 2 cores; writes stories.md / stories.json

1. UCI headline stories (../shared/data/uci-stories, 2,657 headlines, 41 stories), cross-validated
   by story (uci.fold_of: 5 folds of whole stories). For each fold: the headline coefficients of
   the join model are fitted on the other four folds (fit.fit_headline_model), and the fold's
   headlines go through `storyline run` as JSONL records {id, title, date, source, url}; B-cubed
   of stories against the labels. Baseline: TF-IDF of the headline (scikit-learn's defaults),
   average-linkage clustering, its one similarity threshold chosen on the other four folds.
   Figures are pooled over the folds (each headline scored once, in its own fold's run).
   "In one pile": the same, but each run holds all 2,657 headlines (41 stories side by side,
   as in a real feed; the held-out check is one pile of 46 stories) and only the fold's
   headlines are scored; the baseline clusters the whole file at the threshold chosen on the
   other folds, scored the same way.
2. Many topics as storylines: a set built here from real text, shaped like newswire topic sets
   (dozens of topics, reports spread over months): each of the 41 UCI stories is a topic of up
   to 25 headlines whose dates are spread evenly over 60 to 720 days from a start in 2013-2015
   (seeded), and each of the 4 Timeline17 topics gives 25 full-text articles spread over its real
   span. Everything goes through one `storyline run`; storylines are scored against the topics.
   Baseline: TF-IDF of the text (the headline for headline records), average linkage, threshold
   chosen on the other half of the topics (split by fold_of parity), scored on the other.
   storyline's storyline settings (merge bar, decay width) were chosen on the dev half (even
   fold_of; bench/cluster/storyline_grid.py): both halves are scored in the one run, each page
   against its whole storyline (pages of the other half in it count as wrong).
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import uci  # noqa: E402
from data import timeline17  # noqa: E402
from fit import fit_headline_model  # noqa: E402
from metrics import bcubed  # noqa: E402

import storyline  # noqa: E402
from storyline import Storyline  # noqa: E402
from storyline.config import Config  # noqa: E402

MODEL = json.loads((HERE.parents[1] / "src" / "storyline" / "cluster" / "join_model.json").read_text())


def uci_cross_validated(rows: list[dict]) -> dict:
    truth, ours, base = [], [], []
    folds = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(uci.FOLDS):
            train = [r for r in rows if uci.fold_of(r["story"]) != k]
            test = [r for r in rows if uci.fold_of(r["story"]) == k]
            model = dict(MODEL, headline_model=fit_headline_model(train, MODEL["weights"]["time"]))
            path = Path(tmp) / f"model{k}.json"
            path.write_text(json.dumps(model))
            start = time.perf_counter()
            got = uci.product(test, Config(story_model=str(path)), workers=2, labels=True)
            seconds = time.perf_counter() - start
            b = uci.baseline(train, test)
            folds.append({"fold": k, "stories": len({r["story"] for r in test}), "headlines": len(test),
                          "storyline": round(got["f1"], 4), "baseline": round(b["f1"], 4),
                          "baseline_threshold": b["threshold"], "storyline_stories": got["stories"],
                          "seconds": round(seconds, 1)})
            truth += got["truth"]
            ours += [f"{k}/{s}" for s in got["predicted"]]
            base += [f"{k}/{s}" for s in b["labels"]]
    return {"storyline": bcubed(truth, ours), "baseline": bcubed(truth, base), "folds": folds,
            "headlines": len(truth), "stories_found": len(set(ours)), "stories_true": len(set(truth))}


def uci_one_pile(rows: list[dict]) -> dict:
    truth, ours, base = [], [], []
    merges = uci.baseline_merges(rows)
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(uci.FOLDS):
            train = [r for r in rows if uci.fold_of(r["story"]) != k]
            model = dict(MODEL, headline_model=fit_headline_model(train, MODEL["weights"]["time"]))
            path = Path(tmp) / f"model{k}.json"
            path.write_text(json.dumps(model))
            got = uci.product(rows, Config(story_model=str(path)), workers=2, labels=True)
            scored = {r["id"] for r in rows if uci.fold_of(r["story"]) == k}
            ids = [r["id"] for r in rows if r["id"] in scored]
            story_of = dict(zip([r["id"] for r in rows if r["id"] in set(got["ids"])], got["predicted"]))
            truth += [r["story"] for r in rows if r["id"] in scored]
            ours += [f"{k}/{story_of[i]}" for i in ids]
            train_merges = uci.baseline_merges(train)
            labels_train = [r["story"] for r in train]
            best = max(uci.THRESHOLDS, key=lambda t: bcubed(labels_train, uci.cut(len(train), train_merges, t))["f1"])
            whole = uci.cut(len(rows), merges, best)
            base += [f"{k}/{whole[j]}" for j, r in enumerate(rows) if r["id"] in scored]
    return {"storyline": bcubed(truth, ours), "baseline": bcubed(truth, base)}


def many_topics(rows: list[dict], seed: int = 14) -> list[dict]:
    rng = random.Random(seed)
    records = []
    by_story: dict[str, list[dict]] = {}
    for r in rows:
        by_story.setdefault(r["story"], []).append(r)
    for story, items in sorted(by_story.items()):
        items = rng.sample(items, min(25, len(items)))
        start = date(2013, 1, 1) + timedelta(days=rng.randrange(3 * 365))
        span = rng.randrange(60, 721)
        for i, r in enumerate(sorted(items, key=lambda r: r["date"])):
            day = start + timedelta(days=round(i * span / max(len(items) - 1, 1)))
            records.append({"id": r["id"], "title": r["title"], "date": day.isoformat(), "topic": f"uci/{story}",
                            "baseline_text": r["title"]})
    by_topic: dict[str, list] = {}
    for a in timeline17():
        by_topic.setdefault(a.topic, []).append(a)
    for topic, arts in sorted(by_topic.items()):
        arts = sorted(arts, key=lambda a: a.day)
        picked = [arts[round(i * (len(arts) - 1) / 24)] for i in range(25)]
        for a in picked:
            records.append({"id": a.key, "text": a.text, "date": a.date, "topic": f"t17/{topic}",
                            "baseline_text": a.text})
    return sorted(records, key=lambda r: (r["date"], r["id"]))


def storyline_run(records: list[dict]) -> tuple[dict, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "topics.jsonl"
        with stream.open("w", encoding="utf-8") as out:
            for r in records:
                out.write(json.dumps({k: v for k, v in r.items() if k not in ("topic", "baseline_text")}) + "\n")
        start = time.perf_counter()
        with Storyline(Path(tmp) / "s.db", Config()) as sl:
            summary = sl.run([stream], workers=2)
            seconds = time.perf_counter() - start
            story_of = {p["id"]: p["story"] for p in sl.pages() if p["story"]}
            stories = sl.stories()
            names = [(line["name"], len(line["stories"])) for line in sl.storylines()]
    line_of = {s["id"]: s["storyline"] for s in stories}
    ids = [r["id"] for r in records if r["id"] in story_of]
    topic = {r["id"]: r["topic"] for r in records}
    line = {i: line_of[story_of[i]] for i in ids}
    halves = {half: bcubed_of([topic[i] for i in ids], [line[i] for i in ids],
                              [uci.fold_of(topic[i]) % 2 == (half == "held_out") for i in ids])
              for half in ("dev", "held_out")}
    return ({"storylines": bcubed([topic[i] for i in ids], [line[i] for i in ids]), "halves": halves,
             "stories": len(set(story_of.values())), "pages": len(ids), "storyline_count": len(set(line_of.values())),
             "seconds": round(seconds, 1), "skipped": len(summary.skipped)},
            {"largest": sorted(names, key=lambda n: -n[1])[:12]})


def bcubed_of(truth: list, predicted: list, scored: list[bool]) -> dict:
    """B-cubed over the items marked `scored`, each against its whole cluster (items not scored
    still count in a cluster they share), so a half's score sees merges with the other half."""
    members: dict = {}
    for t, c in zip(truth, predicted):
        members.setdefault(c, Counter())[t] += 1
    size = Counter(truth)
    p = r = n = 0.0
    for t, c, keep in zip(truth, predicted, scored):
        if keep:
            p += members[c][t] / sum(members[c].values())
            r += members[c][t] / size[t]
            n += 1
    p, r = p / n, r / n
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def topics_baseline(records: list[dict]) -> dict:
    halves = [[r for r in records if uci.fold_of(r["topic"]) % 2 == h] for h in (0, 1)]
    truth, pred = [], []
    for h in (0, 1):
        train, test = halves[1 - h], halves[h]
        train_rows = [{"title": r["baseline_text"], "story": r["topic"]} for r in train]
        test_rows = [{"title": r["baseline_text"], "story": r["topic"]} for r in test]
        b = uci.baseline(train_rows, test_rows)
        truth += [r["topic"] for r in test]
        pred += [f"{h}/{x}" for x in b["labels"]]
    return bcubed(truth, pred)


def r3(d: dict) -> str:
    return f"{d['precision']:.3f} / {d['recall']:.3f} / **{d['f1']:.3f}**"


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    rows = uci.load()
    started = time.perf_counter()
    cv = uci_cross_validated(rows)
    pile = uci_one_pile(rows)
    records = many_topics(rows)
    ours, extra = storyline_run(records)
    base = topics_baseline(records)
    result = {"date": date.today().isoformat(), "machine": f"{platform.machine()}, {__import__('os').cpu_count()} cores",
              "python": platform.python_version(), "storyline": storyline.__version__,
              "uci": cv, "uci_one_pile": pile, "many_topics": {"storyline": ours, "baseline": base, **extra,
                                         "topics": len({r["topic"] for r in records}), "records": len(records)},
              "seconds": round(time.perf_counter() - started, 1)}
    (HERE / "stories.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    lines = [f"# bench/cluster: stories on real labels ({result['date']}, {result['machine']}, "
             f"Python {result['python']})", "",
             "`python bench/cluster/stories.py` (see its docstring for the protocol).", "",
             "## UCI headline stories, cross-validated by story (5 folds)", "",
             "| method | B-cubed P / R / F1 |", "|---|---|",
             f"| storyline run (headline coefficients fitted on the other folds) | {r3(cv['storyline'])} |",
             f"| baseline: TF-IDF headline, average linkage, threshold from the other folds | {r3(cv['baseline'])} |",
             f"| in one pile: storyline run | {r3(pile['storyline'])} |",
             f"| in one pile: baseline | {r3(pile['baseline'])} |",
             "", f"{cv['headlines']} headlines; {cv['stories_true']} true stories, storyline finds "
             f"{cv['stories_found']}.", "", "| fold | stories | headlines | storyline F1 | baseline F1 (threshold) |",
             "|---|---|---|---|---|"]
    lines += [f"| {f['fold']} | {f['stories']} | {f['headlines']} | {f['storyline']} | {f['baseline']} "
              f"({f['baseline_threshold']}) |" for f in cv["folds"]]
    m = result["many_topics"]
    lines += ["", f"## Many topics as storylines ({m['topics']} topics, {m['records']} records)", "",
              "| method | B-cubed P / R / F1 |", "|---|---|",
              f"| storyline run: storylines vs topics | {r3(m['storyline']['storylines'])} |",
              f"| the same run, dev half's topics (settings chosen on them) | {r3(m['storyline']['halves']['dev'])} |",
              f"| the same run, held-out half's topics | {r3(m['storyline']['halves']['held_out'])} |",
              f"| baseline: TF-IDF text, average linkage, threshold from the other half of the topics | {r3(m['baseline'])} |",
              "", f"storyline: {m['storyline']['stories']} stories, {m['storyline']['storyline_count']} storylines, "
              f"{m['storyline']['seconds']} s. Largest storylines (name, stories):", ""]
    lines += [f"- {n} ({c})" for n, c in m["largest"]]
    lines += ["", f"Whole bench: {result['seconds']} s."]
    (HERE / "stories.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
