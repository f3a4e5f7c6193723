"""Pages added to a store that is already large: does their cost depend on the store's size?

    .venv/bin/python bench/scale/add.py [--bases 10000 100000] [--add 2000] [--repeats 2]
    .venv/bin/python bench/scale/add.py --store 100000=PATH   # a base store built already (see below)

Issue 13 asks that pages added to a large store cost the same whatever its size. Each base store
holds the first N records of the scale stream (stream.py, as bench/scale/run.py builds it); the
pages added are the same for every base: the `add` records that follow the largest base in the
stream (later replicas of the Timeline17 articles, one in ten a content farm's copy). Each add is
the whole command `storyline run --workers 2 --no-reports` on a fresh copy of the base store; the
bases are alternated within each repeat, and the median is reported. Base stores not given with
--store are built here by the same command (that build is not timed). A store given with --store
must hold the first N records of the stream of the same seed: the page count is checked.

Results with date, machine and versions go to bench/scale/results-add.md and results-add.json.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sqlite3
import statistics
import sys
import tempfile
from datetime import datetime, timezone
from importlib.metadata import version
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "throughput"))
from run import timed_command  # noqa: E402
from run_aeb import machine  # noqa: E402
from stream import write_stream  # noqa: E402


def _run(db: Path, stream: Path, workers: int) -> tuple[float, dict]:
    wall, _, out = timed_command(["run", "--db", str(db), "--workers", str(workers), "--json", "--no-progress",
                                  "--no-reports", str(stream)])
    return wall, json.loads(out)


def copy_lines(source: Path, target: Path, start: int, stop: int) -> None:
    with source.open(encoding="utf-8") as lines, target.open("w", encoding="utf-8") as out:
        out.writelines(islice(lines, start, stop))


def stored_pages(db: Path) -> int:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return con.execute("SELECT count(*) FROM pages").fetchone()[0]
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--add", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--store", action="append", default=[], metavar="N=PATH",
                        help="a store of the first N records, built already (copied, never changed)")
    parser.add_argument("--note", help="a note on the run for the results (what else ran beside it, the machine's state)")
    args = parser.parse_args()
    bases = sorted(set(args.bases))
    given = {int(n): Path(p) for n, p in (s.split("=", 1) for s in args.store)}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        stream = work / "stream.jsonl"
        write_stream(stream, bases[-1] + args.add)
        added = work / "added.jsonl"
        copy_lines(stream, added, bases[-1], bases[-1] + args.add)
        stores: dict[int, Path] = {}
        for n in bases:
            if n in given:
                stores[n] = given[n]
                continue
            part = work / f"base-{n}.jsonl"
            copy_lines(stream, part, 0, n)
            stores[n] = work / f"base-{n}.db"
            seconds, _ = _run(stores[n], part, args.workers)
            part.unlink()
            print(json.dumps({"built": n, "seconds": round(seconds, 1)}), flush=True)
        counts = {n: stored_pages(db) for n, db in stores.items()}
        for n, db in stores.items():
            if n in given and counts[n] != n:  # every record is a row, a skipped one too (with its reason)
                raise SystemExit(f"--store {n}={db}: {counts[n]} pages stored, not the first {n} records")
        runs: dict[int, list[dict]] = {n: [] for n in bases}
        for repeat in range(args.repeats):
            for n in bases if repeat % 2 == 0 else bases[::-1]:
                copy = work / "copy.db"
                shutil.copyfile(stores[n], copy)
                wall, summary = _run(copy, added, args.workers)
                runs[n].append({"wall_seconds": round(wall, 1), "phases": summary["seconds"],
                                "added": summary.get("pages_added"), "new_stories": summary.get("new_stories"),
                                "joined_stories": summary.get("pages_joining_stories")})
                print(json.dumps({"base": n, **runs[n][-1]}), flush=True)
                for leftover in work.glob("copy.db*"):
                    leftover.unlink()
    rows = [{"base_pages": n, "stored_before": counts[n], "given": n in given,
             "median_wall_seconds": statistics.median(r["wall_seconds"] for r in runs[n]),
             "runs": runs[n]} for n in bases]
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
              "versions": {p: version(p) for p in ("storyline", "trafilatura", "numpy")},
              "command": "python bench/scale/add.py " + " ".join(sys.argv[1:]), "add": args.add,
              "workers": args.workers, "rows": rows, **({"note": args.note} if args.note else {})}
    (HERE / "results-add.json").write_text(json.dumps(result, indent=2) + "\n")
    write_markdown(result)


def write_markdown(result: dict) -> None:
    rows = result["rows"]
    phases = sorted({k for row in rows for r in row["runs"] for k in r["phases"]})
    lines = [f"# {result['add']:,} pages added to a store that already holds N pages", "",
             f"- date: {result['date']}", f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `{result['command']}` ({result['workers']} workers, whole command on a fresh copy of "
             "the base store, `--no-reports`; bases alternated, median of the repeats)",
             *([f"- note: {result['note']}"] if result.get("note") else []), "",
             "| store before | wall s (median) | ms per added page | runs, wall s | "
             + " | ".join(f"{p} s" for p in phases) + " |",
             "|---|---|---|---|" + "---|" * len(phases)]
    for row in rows:
        median = row["median_wall_seconds"]
        phase = [statistics.median(r["phases"].get(p, 0.0) for r in row["runs"]) for p in phases]
        lines.append(f"| {row['stored_before']:,} pages | {median} | {1000 * median / result['add']:.1f} | "
                     + ", ".join(str(r["wall_seconds"]) for r in row["runs"]) + " | "
                     + " | ".join(f"{p:.1f}" for p in phase) + " |")
    small, large = rows[0], rows[-1]
    if len(rows) > 1:
        ratio = large["median_wall_seconds"] / small["median_wall_seconds"]
        size = large["stored_before"] / small["stored_before"]
        lines += ["", f"The same {result['add']:,} pages cost {ratio:.2f}× as much added to a store "
                  f"{size:.0f}× as large (growth exponent {math.log(ratio) / math.log(size):.2f}; 0 is "
                  "independent of the store's size, 1 is proportional to it)."]
    (HERE / "results-add.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
