"""Two commits side by side at one size: `storyline run` on the same stream, time per phase.

    .venv/bin/python bench/scale/compare.py --before REF [--size 40000] [--repeats 1] [--name results-compare]
    .venv/bin/python bench/scale/compare.py --before REF --size 2000 --onto 100000=STORE  # added to a large store
    .venv/bin/python bench/scale/compare.py --before REF --size 10000 --load  # `storyline load` alone

For a change meant to make a phase cheaper without changing what it gives (bench/engine/same_answer.py
checks the answers). The stream is bench/scale's (stream.py); REF's code is checked out into a
temporary git worktree and imported through PYTHONPATH, the working tree's as installed. The two
run one after the other, alternating when repeated, each on a fresh store (2 workers, whole command,
`--no-reports`); with --onto N=STORE, each on a fresh copy of STORE (a store of the stream's first N
records, as bench/scale/add.py builds it), adding the `size` records that follow them. With --load,
the stream is prepared once by this code's `storyline run --engine dask --workers 2` (not timed),
and each side runs `storyline load --no-reports` of it: the stages after extraction alone, on the
driver, as a scaled-out run ends (issue 19). Per phase: the median seconds of each, and after /
before; the ratio of whole-command wall time is also taken pair by pair. Each run's answer (every
page's story, original and date, every storyline's stories) is hashed, and the two sides' hashes
must agree. Results with date, machine and versions go to
bench/scale/NAME.md and .json (--name; one file per question asked).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "throughput"))
from run_aeb import code_at, machine  # noqa: E402
from stream import write_stream  # noqa: E402
from add import copy_lines, stored_pages  # noqa: E402


def run_once(stream: Path, src: Path | None, workers: int, base: Path | None = None, load: bool = False) -> dict:
    env = dict(os.environ)
    if src is not None:  # the workers' forkserver inherits sys.path, so they import the same code
        env["PYTHONPATH"] = str(src)
    with tempfile.TemporaryDirectory() as tmp:
        if base is not None:  # copied before the clock starts
            shutil.copyfile(base, f"{tmp}/s.db")
        command = ["load", "--db", f"{tmp}/s.db", "--json", "--no-progress", "--no-reports", str(stream)] if load \
            else ["run", "--db", f"{tmp}/s.db", "--workers", str(workers), "--json", "--no-progress", "--no-reports",
                  str(stream)]
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "storyline.cli", *command],
                              capture_output=True, text=True, env=env, check=False)
        wall = time.perf_counter() - start
        if done.returncode not in (0, 1):
            raise SystemExit(f"storyline {command[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
        answer = answer_digest(Path(f"{tmp}/s.db"))
    summary = json.loads(done.stdout)
    # (counts under their own names: "stories" and "storylines" are phases too)
    return {"wall": round(wall, 1), **summary["seconds"], "stories_stored": summary["store"]["stories"],
            "storylines_stored": summary["store"]["storylines"], "answer": answer}


def answer_digest(db: Path) -> str:
    """A hash of what the run answered: each page's story, original, relation and date, and each
    storyline's stories (ids are derived from content, so two runs that agree hash alike)."""
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT id, story, duplicate_of, relation, published FROM pages ORDER BY id").fetchall()
        rows += con.execute("SELECT id, storyline FROM stories ORDER BY id").fetchall()
    finally:
        con.close()
    return hashlib.sha256(repr(rows).encode()).hexdigest()[:16]


def prepare_for_load(stream: Path, out: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "storyline.cli", "run", "--engine", "dask", "--workers", "2",
                           "--out", str(out), "--json", str(stream)], capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        raise SystemExit(f"storyline run --engine dask failed ({done.returncode}): {done.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="git ref of the earlier code")
    parser.add_argument("--size", type=int, default=40_000)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--name", default="results-compare", help="file name of the results, without suffix")
    parser.add_argument("--onto", metavar="N=STORE",
                        help="add the pages to copies of this store of the first N records")
    parser.add_argument("--load", action="store_true",
                        help="time `storyline load` of the stream prepared on a local Dask cluster, not `run`")
    args = parser.parse_args()
    if args.load and args.onto:
        raise SystemExit("--load loads into a fresh store: it does not take --onto")
    onto_n, onto = (int(args.onto.split("=", 1)[0]), Path(args.onto.split("=", 1)[1])) if args.onto else (0, None)
    if onto is not None and (stored := stored_pages(onto)) != onto_n:  # every record is a row, a skipped one too
        raise SystemExit(f"--onto {args.onto}: {stored} pages stored, not the first {onto_n} records")
    git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True,  # noqa: E731
                                    check=True).stdout.strip()
    ref, head = git("rev-parse", "--short", args.before), git("rev-parse", "--short", "HEAD")
    runs: dict[str, list[dict]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory() as tmp, code_at(ref) as before_src:
        stream = Path(tmp) / "stream.jsonl"
        write_stream(stream, onto_n + args.size)
        if onto is not None:
            copy_lines(stream, Path(tmp) / "added.jsonl", onto_n, onto_n + args.size)
            stream = Path(tmp) / "added.jsonl"
        if args.load:
            prepare_for_load(stream, Path(tmp) / "prepared")
            stream = Path(tmp) / "prepared"
        for _ in range(args.repeats):
            for side, src in (("before", before_src), ("after", None)):
                runs[side].append(run_once(stream, src, args.workers, onto, args.load))
                print(side, json.dumps(runs[side][-1]), flush=True)
    phases = [k for k in runs["after"][0] if not k.endswith("_stored") and k != "answer"]
    answers = {side: sorted({r.pop("answer") for r in rs}) for side, rs in runs.items()}
    medians = {side: {k: statistics.median(r[k] for r in rs) for k in runs[side][0]} for side, rs in runs.items()}
    pair_ratios = [round(a["wall"] / b["wall"], 3) for a, b in zip(runs["after"], runs["before"])]
    out = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(), "before": ref,
           "after": f"{head} and the working tree", "size": args.size, "repeats": args.repeats, "onto": onto_n,
           "versions": {"storyline": version("storyline"), "python": sys.version.split()[0]},
           "load": args.load, "runs": runs, "medians": medians, "wall_ratio_per_pair": pair_ratios,
           "answers": answers, "same_answer": answers["before"] == answers["after"] and len(answers["after"]) == 1}
    (HERE / f"{args.name}.json").write_text(json.dumps(out, indent=2) + "\n")
    what = f"{args.size:,} pages" + (f" added to a store of {onto_n:,}" if onto else "")
    command = "storyline load` of" if args.load else "storyline run` on"
    lines = [f"# {ref} (before) against {out['after']}: `{command} {what}", "",
             f"- date: {out['date']}", f"- machine: {out['machine']}",
             f"- command: `python bench/scale/compare.py --before {args.before} --size {args.size} "
             f"--repeats {args.repeats} --name {args.name}" + (f" --onto {onto_n}=STORE" if onto else "")
             + (" --load" if args.load else "")
             + f"` ({'the stream prepared once on a local Dask cluster of 2 workers' if args.load else '2 workers'}"
             f", whole command, {'fresh copy of the base store' if onto else 'fresh store'}, `--no-reports`, the "
             "two sides alternating)", "",
             "| phase | before s | after s | after / before |", "|---|---|---|---|"]
    for k in phases:
        b, a = medians["before"][k], medians["after"][k]
        lines.append(f"| {k} | {b:.1f} | {a:.1f} | {a / b:.2f} |" if b else f"| {k} | {b} | {a} | - |")
    lines += ["", f"Stories {medians['before']['stories_stored']:.0f} before, {medians['after']['stories_stored']:.0f} "
                  f"after; storylines {medians['before']['storylines_stored']:.0f} before, "
                  f"{medians['after']['storylines_stored']:.0f} after. Whole command after / before, pair by pair: "
                  f"{', '.join(map(str, pair_ratios))} (median {statistics.median(pair_ratios):.2f}). Answers "
                  f"(story, original, date of every page; storyline of every story): "
                  f"{'the same' if out['same_answer'] else 'DIFFERENT: ' + json.dumps(answers)}."]
    (HERE / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
