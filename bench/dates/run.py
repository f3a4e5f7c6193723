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
import statistics
import sys
import time
from dataclasses import replace
import gzip
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import numpy as np

from storyline.cluster.terms import term_counts, tfidf
from storyline.forensics.anchors import NEIGHBOURS, similar_page_anchor
from storyline.records import Published
from storyline.forensics.events import anchor_events, event_sentences
from storyline.forensics.published import Habits, estimate_published, habit_counts
from storyline.forensics.timex import find_mentions
sys.path.insert(0, str(Path(__file__).resolve().parent))
from environment import environment  # noqa: E402

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


def farm_false_positives(aeb: Path, rows: list[dict]) -> dict:
    """Share of real news pages (AEB HTML, every Timeline17 article) that storyline calls content farms.
    Each page is judged alone (extract, no store): its own signals only."""
    from storyline.extract import extract_page
    from storyline.forensics import judge_alone
    from storyline.records import CONTENT_FARM_AT, Page, Skipped
    from storyline.schema import article_json

    def judge(page: Page) -> dict | None:
        article = extract_page(page)
        return None if isinstance(article, Skipped) else article_json(article, judge_alone(article))

    out = {}
    aeb_pages = []
    for path in sorted((aeb / "html").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        aeb_pages.append(judge(Page(id=path.name, source=str(path), kind="html", content=html)))
    t17 = [judge(Page(id=r["key"], source=r["key"], kind="text", content=r["text"])) for r in rows]
    for name, judged in (("aeb_html", aeb_pages), ("timeline17", t17)):
        judged = [j for j in judged if j is not None]
        flagged = [j for j in judged if j["content_farm"]["score"] >= CONTENT_FARM_AT]
        out[name] = {"pages": len(judged), "flagged": len(flagged), "rate": len(flagged) / max(1, len(judged)),
                     "examples": [{"id": j["id"], "reasons": j["content_farm"]["reasons"]} for j in flagged[:5]]}
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--neighbours", type=int, default=NEIGHBOURS)
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--quiet", action="store_true", help="print the figures only, write no results")
    ap.add_argument("--aeb", type=Path, default=DATA.parent / "aeb")
    args = ap.parse_args(argv)
    rows = load(args.data)
    t0 = time.perf_counter()
    sims = similarity_matrix(rows)
    # What the other (credible) articles offer: the days their texts name, and their
    # site's dating habits (each set is one site). An article never sees its own date.
    mentions = [find_mentions(r["text"]) for r in rows]
    events = [anchor_events(m, r["day"]) for m, r in zip(mentions, rows)]
    told = [event_sentences(r["text"], r["day"], m) for m, r in zip(mentions, rows)]
    own = [habit_counts(m, r["day"]) for m, r in zip(mentions, rows)]
    site: dict[str, Counter] = defaultdict(Counter)
    for r, counts in zip(rows, own):
        site[r["set"]].update(counts)
    preds = []
    t1 = time.perf_counter()
    for i, r in enumerate(rows):
        order = np.argsort(-sims[i])[: args.neighbours]
        anchors = [replace(a, event_sentences=told[j]) for j in order
                   if (a := similar_page_anchor(rows[j]["day"], float(sims[i, j]), events[j]))]
        habits_counts = site[r["set"]].copy()
        habits_counts.subtract(own[i])
        preds.append(estimate_published(r["text"], anchors=anchors, mentions=mentions[i],
                                        habits=Habits.learn(habits_counts)))
    t2 = time.perf_counter()
    result = score(rows, preds)
    # Baseline in the same run: the date of the single most similar article, as a 0-day interval.
    nearest = [Published(rows[j]["day"], rows[j]["day"], rows[j]["day"], 1.0, ())
               for j in (int(np.argmax(sims[i])) for i in range(len(rows)))]
    baseline = score(rows, nearest)
    for split, s in baseline.items():
        print(f"baseline {split:8s} exact={s['exact']:.3f} ±1={s['within_1']:.3f} ±3={s['within_3']:.3f}")
    for split, s in result.items():
        print(f"{split:8s} n={s['n']:5d} exact={s['exact']:.3f} ±1={s['within_1']:.3f} ±3={s['within_3']:.3f} "
              f"inside={s['inside']:.3f} median_width={s['median_width']}")
    print(f"similarities {t1 - t0:.1f}s, estimates {t2 - t1:.1f}s ({len(rows) / (t2 - t1):.0f} articles/s)")
    if args.quiet:
        return
    per_set = {}
    for name in sorted({r["set"] for r in rows}):
        sub = [i for i, r in enumerate(rows) if r["set"] == name]
        per_set[name] = score([rows[i] for i in sub], [preds[i] for i in sub])["all"]
    t3 = time.perf_counter()
    farms = farm_false_positives(args.aeb, rows)
    for name, f in farms.items():
        print(f"content-farm false positives, {name}: {f['flagged']}/{f['pages']} = {f['rate']:.2%}")
    print(f"content-farm check {time.perf_counter() - t3:.1f}s")
    record = {
        **environment(),
        "articles_per_second": round(len(rows) / (t2 - t1), 1),
        "dates": result, "nearest_article_baseline": baseline, "dates_per_set": per_set, "content_farm_false_positives": farms,
    }
    (args.out / "results.json").write_text(json.dumps(record, indent=1, ensure_ascii=False, default=str) + "\n")
    _write_markdown(args.out / "results.md", record)


def _write_markdown(path: Path, r: dict) -> None:
    lines = [f"# Publication dates on Timeline17 ({r['date']})", "",
             f"Machine: {r['machine']}; Python {r['python']}; " + ", ".join(f"{k} {v}" for k, v in r["versions"].items()),
             "", "Command: `python bench/dates/run.py`. Each article's own date hidden; its 10 most similar other",
             "articles (TF-IDF cosine) are anchors with their real dates; its site's dating habits are learned",
             "from the other articles of the same set. Split: dev = sha1(set/id) starts 0-7 (parameters chosen there).", "",
             "| split | articles | exact day | within ±1 d | within ±3 d | true date in [earliest, latest] | median width (days) |",
             "|---|---|---|---|---|---|---|"]
    for split, s in r["dates"].items():
        lines.append(f"| {split} | {s['n']} | {s['exact']:.1%} | {s['within_1']:.1%} | {s['within_3']:.1%} | "
                     f"{s['inside']:.1%} | {s['median_width']} |")
    lines += ["", "Baseline, same run: the date of the single most similar article:", "",
              "| split | exact day | within ±1 d | within ±3 d |", "|---|---|---|---|"]
    for split, s in r["nearest_article_baseline"].items():
        lines.append(f"| {split} | {s['exact']:.1%} | {s['within_1']:.1%} | {s['within_3']:.1%} |")
    lines += ["", "Per set (all articles):", "", "| set | articles | exact | ±1 | ±3 | inside | median width |", "|---|---|---|---|---|---|---|"]
    for name, s in r["dates_per_set"].items():
        lines.append(f"| {name} | {s['n']} | {s['exact']:.1%} | {s['within_1']:.1%} | {s['within_3']:.1%} | "
                     f"{s['inside']:.1%} | {s['median_width']} |")
    lines += ["", "Content-farm false positives (each page judged alone; score >= 0.5 counts):", "",
              "| pages | judged | called content farm | rate |", "|---|---|---|---|"]
    for name, f in r["content_farm_false_positives"].items():
        lines.append(f"| {name} | {f['pages']} | {f['flagged']} | {f['rate']:.2%} |")
        for ex in f["examples"]:
            lines.append(f"|  | `{ex['id']}` | {'; '.join(ex['reasons'])} | |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
