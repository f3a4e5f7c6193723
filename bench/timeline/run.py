"""Timeline summarisation on Timeline17, scored as Gholipour Ghalandari & Ifrim (2020) score it.

    python bench/timeline/run.py                      # all sets; writes bench/timeline/results.md, .json
    python bench/timeline/run.py --sets MJ_bbc haiti_bbc --out /tmp/tl

For each reference timeline (one per set) every system gets the articles of the set's topic
(the union of the topic's sets) and must give L dates (the reference's number of dates) with
k sentences each (round(mean sentences per reference date), at least 1). Scores: date F1 and
alignment-based ROUGE-1/-2 F ("AR-1"/"AR-2", tilse's align_date_content_costs_many_to_one),
averaged over reference timelines as news-tls does (see scoring.py). Two inputs, both in one
run: `span`, the topic's articles published between the reference's first and last date (what
news-tls's evaluate.py feeds its systems on Timeline17, so what the published figures measure),
and `topic`, all of the topic's articles.

Systems: storyline's build_timeline (day-precise events only), datewise-lite (datewise.py) and
the publication-date lead floor. Nothing is tuned here; every set is reported.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import shlex
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from data import DATA, Article, Reference, all_sets, load  # noqa: E402
from datewise import datewise_lite, publication_lead  # noqa: E402
from scoring import average, normalise, perl_rouge_problem, score  # noqa: E402

try:
    from storyline.report.records import ReportPage
    from storyline.report.timeline import build_timeline
    STORYLINE_MISSING = None
except Exception as e:  # the builder is written in parallel: its row is reported missing
    STORYLINE_MISSING = f"{type(e).__name__}: {e}"

STORYLINE = "storyline"
DATEWISE = "datewise-lite (mention count + centroid)"
LEAD = "publication-date lead"
SYSTEMS = (STORYLINE, DATEWISE, LEAD)
INPUTS = {"span": "the topic's articles published within the reference's first..last date (news-tls's Timeline17 protocol)",
          "topic": "all of the topic's articles"}
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
LISTING = re.compile(r"Network Radio|Programme Information|Transmission details")

PUBLISHED = [  # Timeline17, all nine topics, as reported by Gholipour Ghalandari & Ifrim (2020)
    ("best published systems", 0.576, 0.136),
    ("DATEWISE", 0.544, 0.120),
    ("target for storyline", 0.58, 0.14),
]


def run_storyline(articles: list[Article], dates: int, per_date: int) -> tuple[dict, dict]:
    pages = [ReportPage(id=a.id, text=a.text, title=a.title, day=a.day) for a in articles]
    events = build_timeline(pages, dates=dates, per_date=per_date)
    out: dict[date, list[str]] = defaultdict(list)
    coarse = 0
    for e in events:
        if DAY.fullmatch(e.when):
            out[date.fromisoformat(e.when)].extend(e.sentences)
        else:
            coarse += 1
    return dict(out), {"events": len(events), "coarse_events_dropped": coarse}


SPLITS = {"dev (H1N1, MJ)": ("H1N1", "MJ"), "held-out (bpoil, haiti)": ("bpoil", "haiti")}

RUNNERS = {
    STORYLINE: run_storyline,
    DATEWISE: lambda a, L, k: (datewise_lite(a, L, k), {}),
    LEAD: lambda a, L, k: (publication_lead(a, L, k), {}),
}


def environment(rouge: str, rouge_note: str | None, load: tuple[float, ...]) -> dict:
    versions = {}
    for m in ("storyline", "numpy", "tilse", "scikit-learn"):
        try:
            versions[m] = importlib.metadata.version(m)
        except importlib.metadata.PackageNotFoundError:
            versions[m] = None
    try:
        commit = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or None
    except OSError:
        commit = None
    builder = None
    if STORYLINE_MISSING is None:
        import storyline.report.timeline as module
        builder = hashlib.sha1(Path(module.__file__).read_bytes()).hexdigest()[:12]
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "platform": platform.platform(), "machine": platform.machine(), "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": [round(x, 2) for x in load], "versions": versions, "git_head": commit,
            "storyline_timeline_py_sha1": builder,
            "rouge": ("ROUGE-1.5.5 Perl script via tilse/pyrouge (-m stemming, -s stopwords removed)" if rouge == "original"
                      else "tilse's Python ROUGE reimplementation (stemmed, stopwords removed)"),
            "rouge_note": rouge_note}


def _score_job(job):
    key, predicted, reference, rouge = job
    return key, score(predicted, reference, rouge)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", nargs="+", default=None, help="sets to score (default: all); a topic's articles come from all its sets")
    ap.add_argument("--out", type=Path, default=HERE, help="where results.md and results.json go")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--inputs", nargs="+", choices=list(INPUTS), default=list(INPUTS))
    ap.add_argument("--rouge", choices=("auto", "original", "reimpl"), default="auto",
                    help="auto: the original Perl ROUGE-1.5.5 when it runs here, else tilse's reimplementation")
    ap.add_argument("--save-timelines", type=Path, default=None,
                    help="also write the predicted timelines (article sentences: keep them out of the repo) to this JSON file")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for scoring")
    args = ap.parse_args(argv)
    command = "python " + " ".join(shlex.quote(x) for x in [os.path.relpath(__file__, HERE.parents[1]), *(argv if argv is not None else sys.argv[1:])])

    problem = perl_rouge_problem()
    rouge, rouge_note = args.rouge, None
    if rouge == "auto":
        rouge = "original" if problem is None else "reimpl"
        if problem:
            rouge_note = f"fell back to tilse's reimplementation: {problem}"
    elif rouge == "original" and problem:
        sys.exit(f"original ROUGE cannot run: {problem}")

    sets = args.sets or all_sets(args.data)
    unknown = set(sets) - set(all_sets(args.data))
    if unknown:
        sys.exit(f"unknown sets: {sorted(unknown)}")
    started, load_start = time.perf_counter(), os.getloadavg()
    articles, references = load(args.data, sets)
    print(f"{len(references)} reference timelines, {sum(map(len, articles.values()))} articles in {len(articles)} topics; "
          f"ROUGE: {rouge}; storyline: {STORYLINE_MISSING or 'present'}", flush=True)

    rows = []  # one per (input, reference, system)
    saved: dict[tuple, dict] = {}
    jobs = []
    for inp in args.inputs:
        for ref in references:
            first, last = min(ref.timeline), max(ref.timeline)
            pool = [a for a in articles[ref.topic] if inp == "topic" or first <= a.day <= last]
            for system in SYSTEMS:
                row = {"input": inp, "set": ref.set, "topic": ref.topic, "system": system, "L": ref.dates,
                       "k": ref.per_date, "reference_entries": ref.entries, "articles": len(pool)}
                if system == STORYLINE and STORYLINE_MISSING:
                    row["error"] = f"missing: {STORYLINE_MISSING}"
                    rows.append(row)
                    continue
                t0 = time.perf_counter()
                try:
                    predicted, info = RUNNERS[system](pool, ref.dates, ref.per_date)
                except Exception as e:  # a failing system is a row, not the end of the run
                    row["error"] = f"{type(e).__name__}: {e}"
                    row["seconds"] = time.perf_counter() - t0
                    rows.append(row)
                    continue
                row["seconds"] = time.perf_counter() - t0
                row.update(info)
                row["predicted_dates"] = len([d for d, s in predicted.items() if s])
                row["predicted_sentences"] = sum(len(s) for s in predicted.values())
                words = [len(normalise(x).split()) for ss in predicted.values() for x in ss]
                row["words_per_sentence"] = round(sum(words) / len(words), 1) if words else None
                row["dates"] = [d.isoformat() for d, ss in sorted(predicted.items()) if ss]
                if args.save_timelines:
                    saved[(inp, ref.set, system)] = {d.isoformat(): ss for d, ss in sorted(predicted.items())}
                rows.append(row)
                jobs.append((len(rows) - 1, predicted, ref.timeline, rouge))
                print(f"  {inp:5s} {ref.set:22s} {system[:20]:20s} L={ref.dates:3d} k={ref.per_date} "
                      f"{row['seconds']:6.2f}s {row['predicted_dates']} dates", flush=True)
    generated = time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        for i, s in ex.map(_score_job, jobs):
            rows[i]["scores"] = s
    scored = time.perf_counter()

    summary = summarise(rows, args.inputs)
    result = {"environment": environment(rouge, rouge_note, load_start), "command": command,
              "protocol": {"inputs": {k: INPUTS[k] for k in args.inputs},
                           "L": "number of distinct dates of the reference", "k": "max(1, round(mean sentences per reference date))",
                           "average": "news-tls: mean precision and mean recall over timelines, F of those (macro_f: mean of per-timeline F)",
                           "storyline": "only events whose `when` is a full day (YYYY-MM-DD) are scored"},
              "published": [{"system": s, "date_f1": d, "ar1_f": r} for s, d, r in PUBLISHED],
              "storyline_missing": STORYLINE_MISSING,
              "seconds": {"generate": round(generated - started, 1), "score": round(scored - generated, 1),
                          "total": round(scored - started, 1)},
              "summary": summary, "timelines": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "results.md").write_text(markdown(result, references, articles), encoding="utf-8")
    if args.save_timelines:
        args.save_timelines.write_text(json.dumps([{"input": i, "set": s, "system": y, "timeline": t}
                                                   for (i, s, y), t in saved.items()], indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {args.out / 'results.md'} and results.json in {scored - started:.0f} s "
          f"(generation {generated - started:.0f} s, scoring {scored - generated:.0f} s)")


def summarise(rows: list[dict], inputs: list[str]) -> dict:
    out = {}
    for inp in inputs:
        out[inp] = {}
        for system in SYSTEMS:
            mine = [r for r in rows if r["input"] == inp and r["system"] == system]
            groups = {"all": mine, **{t: [r for r in mine if r["topic"] == t] for t in sorted({r["topic"] for r in mine})},
                      **{name: [r for r in mine if r["topic"] in ts] for name, ts in SPLITS.items()}}
            out[inp][system] = {}
            for name, group in groups.items():
                ok = [r for r in group if "scores" in r]
                entry = {"timelines": len(group), "scored": len(ok),
                         "seconds": round(sum(r.get("seconds", 0.0) for r in group), 2)}
                n_sent = sum(r["predicted_sentences"] for r in ok)
                if n_sent:
                    entry["words_per_sentence"] = round(sum(r["words_per_sentence"] * r["predicted_sentences"]
                                                            for r in ok if r["words_per_sentence"]) / n_sent, 1)
                if ok and len(ok) == len(group):
                    entry.update(average([r["scores"] for r in ok]))
                else:
                    entry["missing"] = sorted({r.get("error", "?") for r in group if "scores" not in r})
                out[inp][system][name] = entry
    return out


def _f(entry: dict, metric: str) -> str:
    return f"{entry[metric]['f_score']:.3f}" if metric in entry else "—"


def markdown(result: dict, references: list[Reference], articles: dict[str, list[Article]]) -> str:
    env, summary = result["environment"], result["summary"]
    v = env["versions"]
    lines = [f"# Timeline summarisation on Timeline17 ({env['date']})", "",
             f"Machine: {env['machine']}, {env['cores']} cores, {env['platform']}; Python {env['python']}; "
             f"storyline {v['storyline']}, numpy {v['numpy']}, tilse {v['tilse']}, scikit-learn {v['scikit-learn']}"
             + (f"; git HEAD {env['git_head']} plus the working tree" if env["git_head"] else "")
             + (f" (storyline/report/timeline.py sha1 {env['storyline_timeline_py_sha1']})" if env["storyline_timeline_py_sha1"] else ""), "",
             f"Command: `{result['command']}` — {result['seconds']['total']:.0f} s in all "
             f"({result['seconds']['generate']:.0f} s building timelines, {result['seconds']['score']:.0f} s scoring).", "",
             f"ROUGE: {env['rouge']}." + (f" **{env['rouge_note']}**" if env["rouge_note"] else ""), ""]
    if result["storyline_missing"]:
        lines += [f"**storyline row missing**: `storyline.report.timeline` did not import ({result['storyline_missing']}).", ""]
    topics = sorted(articles)
    lines += ["## Protocol", "",
              "Gholipour Ghalandari & Ifrim (2020), *Examining the State-of-the-Art in News Timeline Summarization*, as their "
              "code (news-tls `experiments/evaluate.py`) runs it:", "",
              f"- Data: `shared/data/timeline17`, {len(references)} reference timelines (one per set) over {len(topics)} topics "
              f"({', '.join(f'{t}: {len(articles[t])} articles' for t in topics)}). A topic's input pools the articles of all its "
              "sets (the sets' articles are disjoint slices of the topic); each set's `timelines.jsonl` is one reference for it.",
              "- Per reference: L = its number of distinct dates, k = max(1, round(mean sentences per date)); each system is "
              "asked for L dates with k sentences each, once per reference timeline.",
              "- Inputs, both scored in this run: **span** = the topic's articles published between the reference's first and "
              "last date — what news-tls feeds its systems on Timeline17, so the setting of the published figures (news-tls's "
              "DATEWISE also drops candidate dates outside that span; no system here is told the span beyond its input); "
              "**topic** = all of the topic's articles.",
              "- Scores (tilse 0.2.1): date F1 of the predicted date set against the reference's; AR-1 / AR-2 F = "
              "`TimelineRougeEvaluator.evaluate_align_date_content_costs_many_to_one` (\"align+ m:1\"). Averages over "
              "timelines as news-tls computes them: mean precision and mean recall, then their F (`macro_f` in "
              "results.json is the mean of per-timeline F).",
              "- Preprocessing for scoring, the same on both sides: lower-cased; PTB tokens `-LRB-` `-RRB-` `` `` `` `''` back "
              "to `(` `)` `\"`; `<` `>` dropped; the reference's tokenised sentences as given. Input sentences (for the two "
              "baselines): each text line of the tokenised article, split again at ` . ` before a capital or a quote; lines "
              "under 5 tokens dropped. storyline gets the article text as given and splits it itself.",
              "- storyline: `build_timeline(pages, dates=L, per_date=k)` with `ReportPage(id, text, title, day)` for every "
              "input article; only events whose `when` is a full day (YYYY-MM-DD) are scored (month/year events dropped, "
              "counted in results.json).",
              f"- datewise-lite (mention count + centroid): {DATEWISE_NOTE}",
              "- publication-date lead (the floor): the L days with most articles published, each with its articles' lead "
              "sentences (first sentences first) up to k.",
              "- Split: every set is reported. storyline's summary sentence length and redundancy bar (SUMMARY_SENTENCE_WORDS, SUMMARY_REDUNDANT in "
              "report/timeline.py) were chosen on the dev topics H1N1 and MJ; bpoil and haiti are held out (rows below). "
              "Nothing is tuned by this bench itself.",
              f"- Speed: seconds spent building timelines (all timelines of the row), one process, nothing else of this run "
              f"running meanwhile (scoring comes after); load average when the run started: {env['load_average_at_start']}.", "",
              "## Published figures, for context", "",
              "| system | date F1 | AR-1 F |", "|---|---|---|"]
    lines += [f"| {s} | {d:.3f} | {r:.3f} |" for s, d, r in PUBLISHED]
    lines += ["", "Those are over all nine Timeline17 topics (19 timelines); `shared/` holds only 4 topics (10 timelines), "
              "so they are context, not a comparison: the comparison is against datewise-lite in the same run.", ""]
    for inp in summary:
        lines += [f"## Results — input: {inp}", "", INPUTS[inp][0].upper() + INPUTS[inp][1:] + ".", "",
                  "| system | timelines | date F1 | AR-1 F | AR-2 F | words / sentence | seconds | s / timeline |",
                  "|---|---|---|---|---|---|---|---|"]
        for system in SYSTEMS:
            e = summary[inp][system]["all"]
            per = f"{e['seconds'] / e['timelines']:.2f}" if e["scored"] else "—"
            lines.append(f"| {system} | {e['timelines']} | {_f(e, 'date')} | {_f(e, 'rouge_1')} | {_f(e, 'rouge_2')} | "
                         f"{e.get('words_per_sentence', '—')} | {e['seconds'] if e['scored'] else '—'} | {per} |")
        lines += ["", "By split (date F1 / AR-1 F / AR-2 F, news-tls averaging):", ""]
        for name in SPLITS:
            cells = [f"{system}: " + (f"{_f(e, 'date')} / {_f(e, 'rouge_1')} / {_f(e, 'rouge_2')}"
                                      if (e := summary[inp][system].get(name)) and e.get("timelines") and "date" in e else "—")
                     for system in SYSTEMS]
            lines.append(f"- {name}: " + "; ".join(cells))
        lines += ["", f"Reference sentences average {reference_words(references)} words (same normalisation).","", "Per topic (date F1 / AR-1 F / AR-2 F, seconds):", "",
                  "| topic | timelines | " + " | ".join(SYSTEMS) + " |", "|---|---|" + "---|" * len(SYSTEMS)]
        for t in topics:
            cells = []
            for system in SYSTEMS:
                e = summary[inp][system].get(t)
                cells.append(f"{_f(e, 'date')} / {_f(e, 'rouge_1')} / {_f(e, 'rouge_2')}, {e['seconds']} s"
                             if e and "date" in e else "missing")
            n = summary[inp][SYSTEMS[1]][t]["timelines"] if t in summary[inp][SYSTEMS[1]] else 0
            lines.append(f"| {t} | {n} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Per timeline", "", "date F1 / AR-1 F per system; L, k, the days from the reference's first to last date, "
              "and the input articles of each setting. With `span` input, L days drawn at random inside the span score date F1 "
              "L / days on average (the `chance` column): where the span is barely longer than L, date selection is trivial.", "",
              "| input | set | L | k | span days | chance | articles | " + " | ".join(SYSTEMS) + " |",
              "|---|---|---|---|---|---|---|" + "---|" * len(SYSTEMS)]
    by = {(r["input"], r["set"], r["system"]): r for r in result["timelines"]}
    for inp in summary:
        for ref in references:
            cells = []
            for system in SYSTEMS:
                r = by[(inp, ref.set, system)]
                if "scores" in r:
                    s = r["scores"]
                    short = f" ({r['predicted_dates']} dates)" if r["predicted_dates"] < ref.dates else ""
                    cells.append(f"{s['date']['f_score']:.3f} / {s['rouge_1']['f_score']:.3f}{short}")
                else:
                    cells.append("missing" if r.get("error", "").startswith("missing") else "error")
            days = (max(ref.timeline) - min(ref.timeline)).days + 1
            lines.append(f"| {inp} | {ref.set} | {ref.dates} | {ref.per_date} | {days} | {ref.dates / days:.2f} | {by[(inp, ref.set, SYSTEMS[1])]['articles']} | "
                         + " | ".join(cells) + " |")
    lines += ["", "A system that gave fewer than L dates shows how many it gave.", "", "## Data notes", ""]
    lines += [f"- {n}" for n in data_notes(references, articles)]
    errors = sorted({(r["system"], r["error"]) for r in result["timelines"] if "error" in r and not r["error"].startswith("missing")})
    if errors:
        lines += ["", "## Errors", ""] + [f"- {s}: `{e}`" for s, e in errors]
    return "\n".join(lines) + "\n"


DATEWISE_NOTE = ("each sentence is dated by the first day it writes (\"May 12 , 2010\", \"12 May\", \"on Tuesday\", "
                 "\"yesterday\"; not \"today\"; resolved against the article's publication day, a year-less day to the latest such day up to "
                 "publication unless the sentence speaks of the future), else by its article's publication day; dates ranked "
                 "by how many sentences name them (ties and unnamed days by assigned sentences); for each of the top L, the k "
                 "candidates nearest the TF-IDF centroid of its candidates, skipping near-copies (cosine >= 0.8). No learned "
                 "date ranker, no keyword filter, no knee-point pruning (DATEWISE has all three).")


def reference_words(references: list[Reference]) -> float:
    words = [len(normalise(x).split()) for r in references for ss in r.timeline.values() for x in ss]
    return round(sum(words) / len(words), 1)


def data_notes(references: list[Reference], articles: dict[str, list[Article]]) -> list[str]:
    notes = []
    repeated = [f"{r.set} ({r.entries} entries, {r.dates} dates)" for r in references if r.entries != r.dates]
    if repeated:
        notes.append("Reference timelines that list a date twice (the entries are merged; L counts distinct dates; "
                     "news-tls keeps only the last entry): " + ", ".join(repeated) + ".")
    for r in references:
        first, last = min(r.timeline), max(r.timeline)
        pool = articles[r.topic]
        inside = sum(first <= a.day <= last for a in pool)
        if inside < len(pool) / 4:
            notes.append(f"{r.set}: the reference spans {first}..{last} ({(last - first).days + 1} days); only {inside} of "
                         f"the topic's {len(pool)} articles were published in it.")
        pub_first, pub_last = min(a.day for a in pool), max(a.day for a in pool)
        outside = [d for d in r.timeline if not pub_first <= d <= pub_last]
        if outside:
            notes.append(f"{r.set}: {len(outside)} reference date(s) outside the topic's publication range "
                         f"{pub_first}..{pub_last}: {', '.join(map(str, sorted(outside)))}.")
    listings = {t: sum(bool(LISTING.search(a.text)) for a in pool) for t, pool in articles.items()}
    if any(listings.values()):
        notes.append("Not news: BBC programme-listing pages (\"Network Radio Programme Information\", schedules full of "
                     "\"today\" and \"tonight\"): " + ", ".join(f"{t} {n}" for t, n in sorted(listings.items()) if n) + ".")
    long = {t: sum(len(a.text.split()) > 10_000 for a in pool) for t, pool in articles.items()}
    if any(long.values()):
        notes.append("Pages over 10,000 words: " + ", ".join(f"{t} {n}" for t, n in sorted(long.items()) if n) + ".")
    copies = {t: len(pool) - len({a.text for a in pool}) for t, pool in articles.items()}
    notes.append(f"Articles carry no title; texts are tokenised (PTB style), mostly one sentence per line. Exact copies of "
                 f"another article's text: {', '.join(f'{t} {n}' for t, n in sorted(copies.items()))}.")
    return notes


if __name__ == "__main__":
    main()
