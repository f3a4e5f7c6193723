"""Publication dates on Timeline17 through the real product: a random 20 % of the articles'
dates hidden at once, the other 80 % kept as the crawl's honest dates.

    python bench/dates/hidden.py [--sets bpoil_bbc ...] [--out DIR] [--seed 0] [--slices 10] [--drop-repeated-lines N]
    # writes DIR/hidden.md and DIR/hidden.json (default: bench/dates/)

Each set is fed to `storyline run` alone, and all sets mixed into one stream (the main run);
the same articles are hidden in both (20 % of each set, drawn with --seed). With --slices N,
the mixed stream is also shuffled (as a crawl meets pages: not in date order) and fed as N runs,
one after another, into one store: a page's date must not depend on which pages came before it. Ids are "<set>/<id>",
`source` is the set (one site). Estimates come back from `storyline pages --json` (`published`).
Split: `dev` = sha1(set/id) starting 0-7, `heldout` = the rest.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent))
from environment import environment  # noqa: E402

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1].parent / "shared" / "data" / "timeline17"
TARGETS = {"exact": 0.62, "inside": 0.95, "median_width": 7}
CLI = [sys.executable, "-m", "storyline.cli"]


def load(data: Path, sets: list[str], seed: int, drop_repeated: int = 0) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for name in sets:
        with open(data / name / "articles.jsonl", encoding="utf-8") as f:
            part = [json.loads(line) for line in f if line.strip()]
        if drop_repeated:
            part = _without_repeated_lines(part, drop_repeated)
        # Stratified draw: exactly 20 % per set, so a set's figures never rest on a lucky share.
        hidden = set(rng.sample(range(len(part)), round(0.2 * len(part))))
        for i, r in enumerate(part):
            key = f"{name}/{r['id']}"
            rows.append({"key": key, "set": name, "text": r["text"], "title": r.get("title"),
                         "day": date.fromisoformat(r["time"][:10]), "hidden": i in hidden,
                         "split": "dev" if hashlib.sha1(key.encode()).hexdigest()[0] in "01234567" else "heldout"})
    return rows


def _without_repeated_lines(part: list[dict], at_least: int) -> list[dict]:
    """The set's texts without the lines found in `at_least` of its pages or more: its site's
    furniture ("Views expressed in the comments do not represent those of Reuters .", on 201 of
    bpoil_reuters' 298 pages), known from the whole set at once. An upper bound on what removing
    site furniture could do for dates; the product does not do it."""
    seen = Counter(line for r in part for line in {x.strip() for x in r["text"].split("\n")} if line)
    return [{**r, "text": "\n".join(x for x in r["text"].split("\n") if seen[x.strip()] < at_least)} for r in part]


def run_product(rows: list[dict], work: Path, name: str, workers: int, slices: int = 1) -> tuple[dict, float]:
    """Write the stream, run the CLI on it as a user would (in `slices` runs into one store), read
    every page back."""
    db = work / f"{name}.db"
    for old in work.glob(f"{name}.db*"):  # a kept store would keep the pages (and dates) of an earlier run
        old.unlink()
    seconds = 0.0
    for i in range(slices):
        stream = work / f"{name}-{i}.jsonl"
        with open(stream, "w", encoding="utf-8") as f:
            for r in rows[i * len(rows) // slices:(i + 1) * len(rows) // slices]:
                rec = {"id": r["key"], "text": r["text"], "source": r["set"]}
                if r["title"]:
                    rec["title"] = r["title"]
                if not r["hidden"]:  # only `date`: the reader would also take `time` as a claimed date
                    rec["date"] = r["day"].isoformat()
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        t0 = time.perf_counter()
        done = subprocess.run(CLI + ["run", "--db", str(db), "--workers", str(workers), "--no-progress", str(stream)],
                              capture_output=True, text=True)
        seconds += time.perf_counter() - t0
        if done.returncode not in (0, 1):  # 1: some pages skipped, they count as "no estimate"
            sys.exit(f"storyline run failed on {name}:\n{done.stderr}")
    pages = subprocess.run(CLI + ["pages", "--db", str(db), "--json"], capture_output=True, text=True, check=True)
    return {p["id"]: p for p in json.loads(pages.stdout)}, seconds


def estimate(page: dict | None) -> tuple[date | None, date | None, date | None]:
    pub = (page or {}).get("published") or {}
    if not pub.get("value"):
        return None, None, None
    return tuple(date.fromisoformat(pub[k]) for k in ("value", "earliest", "latest"))


def score(rows: list[dict], pages: dict) -> dict | None:
    """Shares over all given articles (an article with no estimate counts as a miss);
    width = latest - earliest + 1 days, median over the articles with an estimate."""
    if not rows:
        return None
    errs, inside, widths, missing, skipped = [], 0, [], 0, 0
    for r in rows:
        value, lo, hi = estimate(pages.get(r["key"]))
        if value is None:
            missing += 1
            skipped += (pages.get(r["key"]) or {}).get("status") != "ok"
            continue
        errs.append(abs((value - r["day"]).days))
        inside += lo <= r["day"] <= hi
        widths.append((hi - lo).days + 1)
    n = len(rows)
    return {"n": n, "exact": sum(e == 0 for e in errs) / n, "within_1": sum(e <= 1 for e in errs) / n,
            "within_3": sum(e <= 3 for e in errs) / n, "inside": inside / n,
            "median_width": statistics.median(widths) if widths else None, "no_estimate": missing, "skipped": skipped}


def report(rows: list[dict], pages: dict) -> dict:
    hidden = [r for r in rows if r["hidden"]]
    return {"splits": {s: score([r for r in hidden if s == "all" or r["split"] == s], pages) for s in ("dev", "heldout", "all")},
            "per_set": {name: score([r for r in hidden if r["set"] == name], pages) for name in sorted({r["set"] for r in rows})},
            "dated": score([r for r in rows if not r["hidden"]], pages)}


def failures(rows: list[dict], pages: dict, k: int = 5) -> list[dict]:
    """Hidden articles dated wrong, in sha1 order (stable): outside their own interval first, undated last."""
    out = []
    for r in sorted((r for r in rows if r["hidden"]), key=lambda r: hashlib.sha1(r["key"].encode()).hexdigest()):
        value, lo, hi = estimate(pages.get(r["key"]))
        if value != r["day"]:
            pub = (pages.get(r["key"]) or {}).get("published") or {}
            out.append({"id": r["key"], "true": r["day"].isoformat(), "value": pub.get("value"),
                        "interval": [pub.get("earliest"), pub.get("latest")], "evidence": pub.get("evidence"),
                        "inside": bool(value and lo <= r["day"] <= hi)})
    return sorted(out, key=lambda f: (f["value"] is None, f["inside"]))[:k]


def src_digest() -> str:
    """The version number stays while src changes (it is edited as we run): the code's digest tells runs apart."""
    return hashlib.sha1(b"".join(p.read_bytes() for p in sorted((HERE.parents[1] / "src").rglob("*.py")))).hexdigest()[:12]


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--sets", nargs="+", help="set names (default: every set under --data)")
    ap.add_argument("--out", type=Path, default=HERE, help="where hidden.md and hidden.json go")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--slices", type=int, default=0, help="also feed the mixed stream, shuffled, as this many runs")
    ap.add_argument("--only-mixed", action="store_true", help="skip the runs of each set alone")
    ap.add_argument("--drop-repeated-lines", type=int, default=0, metavar="N",
                    help="drop lines found in N or more pages of a set first (an upper bound for removing site furniture)")
    ap.add_argument("--work", type=Path, help="keep streams and stores here (default: a temporary folder, removed)")
    args = ap.parse_args(argv)
    sets = args.sets or sorted(p.parent.name for p in args.data.glob("*/articles.jsonl"))
    rows = load(args.data, sets, args.seed, args.drop_repeated_lines)
    src_sha1 = src_digest()
    work = args.work or Path(tempfile.mkdtemp(prefix="storyline-hidden-"))
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    try:
        # Main run: every set in one stream, so sites and topics share one store.
        pages, seconds = run_product(rows, work, "all", args.workers)
        mixed, fails, run_seconds = report(rows, pages), failures(rows, pages), {"all": round(seconds, 1)}
        sliced = None
        if args.slices:
            shuffled = random.Random(args.seed).sample(rows, len(rows))
            got, seconds = run_product(shuffled, work, "sliced", args.workers, args.slices)
            sliced, run_seconds[f"sliced into {args.slices}"] = report(rows, got), round(seconds, 1)
        alone_pages = {}
        for name in ([] if args.only_mixed else sets):
            got, seconds = run_product([r for r in rows if r["set"] == name], work, name, args.workers)
            alone_pages.update(got)
            run_seconds[name] = round(seconds, 1)
        alone = report(rows, alone_pages) if alone_pages else None
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    total = time.perf_counter() - t0
    if src_digest() != src_sha1:
        src_sha1 += " (CHANGED during the run: figures mix two versions, run again)"
        print("warning: src changed during the run")
    print(f"targets: exact >= {TARGETS['exact']:.0%}, inside >= {TARGETS['inside']:.0%}, median width <= {TARGETS['median_width']} days")
    for title, res in (("all sets mixed", mixed), (f"mixed, {args.slices} runs", sliced), ("each set alone", alone)):
        if res is None:
            continue
        for label, s in [*res["splits"].items(), ("dated 80 %", res["dated"])]:
            print(f"{title + ', ' + label:26s} n={s['n']:5d} exact={s['exact']:.3f} ±1={s['within_1']:.3f} ±3={s['within_3']:.3f} "
                  f"inside={s['inside']:.3f} median_width={s['median_width']} no_estimate={s['no_estimate']}")
    print(f"run time {total:.0f}s (storyline run: {run_seconds})")
    record = {
        **environment(),
        "src_sha1": src_sha1,
        "command": " ".join(["python bench/dates/hidden.py", *argv]), "seed": args.seed, "workers": args.workers,
        "articles": len(rows), "hidden": sum(r["hidden"] for r in rows), "seconds_total": round(total, 1),
        "seconds_storyline_run": run_seconds, "targets": TARGETS, "width": "latest - earliest + 1 days",
        "slices": args.slices, "mixed": mixed, "sliced": sliced, "alone": alone, "failures_mixed": fails,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "hidden.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    _write_markdown(args.out / "hidden.md", record)


def _row(label: str, s: dict) -> str:
    return (f"| {label} | {s['n']} | {s['exact']:.1%} | {s['within_1']:.1%} | {s['within_3']:.1%} | "
            f"{s['inside']:.1%} | {s['median_width'] if s['median_width'] is None else format(s['median_width'], 'g')} | "
            f"{s['no_estimate']} ({s['skipped']} skipped) |")


def _write_markdown(path: Path, r: dict) -> None:
    t = r["targets"]
    head = ["| {} | hidden | exact day | within ±1 d | within ±3 d | true date in [earliest, latest] | median width (days) | no estimate |",
            "|---|---|---|---|---|---|---|---|",
            f"| target |  | ≥ {t['exact']:.0%} |  |  | ≥ {t['inside']:.0%} | ≤ {t['median_width']} |  |"]
    lines = [f"# Publication dates on Timeline17, 20 % hidden, through `storyline run` ({r['date']})", "",
             f"Machine: {r['machine']}; Python {r['python']}; " + ", ".join(f"{k} {v}" for k, v in r["versions"].items())
             + f"; src/*.py sha1 {r['src_sha1']}", "", f"Command: `{r['command']}` ({r['seconds_total']:.0f} s in all; `storyline run` seconds per stream: "
             + ", ".join(f"{k} {v}" for k, v in r["seconds_storyline_run"].items()) + ").",
             f"{r['articles']} articles; {r['hidden']} of them ({r['hidden'] / r['articles']:.1%}, 20 % of each set, seed {r['seed']})",
             "go in without a date, the rest with their true date in `date` and the set as `source` (the site).",
             "Read back: `storyline pages --json`, `published.value` / `.earliest` / `.latest`. Figures over the hidden",
             "articles (no estimate counts as a miss; skipped = the product stored no article: empty text in the data,",
             "or 'no article text found'); width = latest - earliest + 1 days, median over those with an estimate.",
             "Split: dev = sha1(set/id) starts 0-7, heldout = the rest."]
    for title, key in (("All sets mixed into one stream (main run)", "mixed"),
                       (f"All sets mixed, shuffled, fed as {r.get('slices')} runs into one store", "sliced"),
                       ("Each set run alone (its own store)", "alone")):
        res = r.get(key)
        if res is None:
            continue
        lines += ["", f"## {title}", "", *[h.format("split") for h in head]]
        lines += [_row(split, s) for split, s in res["splits"].items()]
        d = res["dated"]
        lines += ["", f"Sanity, the dated 80 % (date given): exact day {d['exact']:.1%} of {d['n']}; {d['skipped']} skipped, "
                  f"so {d['exact'] * d['n'] / (d['n'] - d['skipped']):.1%} of the stored ones.", "",
                  "Per set (hidden articles):", "", *[h.format("set") for h in head]]
        lines += [_row(name, s) for name, s in res["per_set"].items()]
    lines += ["", "## Failures (main run): hidden articles dated wrong, outside their interval first", ""]
    for f in r["failures_mixed"]:
        lines.append(f"- `{f['id']}`: true {f['true']}, estimate {f['value']} in [{f['interval'][0]}, {f['interval'][1]}]"
                     + ("" if f["inside"] else " (outside)") + "; evidence: " + "; ".join(f["evidence"] or []))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
