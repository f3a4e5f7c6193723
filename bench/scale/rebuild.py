"""`storyline rebuild --stage stories` of a large store: wall time and peak memory, beside another commit.

    .venv/bin/python bench/scale/rebuild.py --before REF [--size 25000 | --store PATH] [--repeat 2]

The store is built by `storyline run --workers 2 --no-reports` on the first --size records of
bench/scale's stream (stream.py), or given with --store (made by such a run; it is not changed).
Each rebuild runs on a fresh copy of it, in a child process that reports its own peak resident
memory (ru_maxrss) and the rebuild's time per stage; this code and REF's code (PYTHONPATH)
alternate, --repeat times each. The answer (stories, storylines) is printed beside the run's.
Results go to bench/scale/results-rebuild.md and .json, with date, machine and versions.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "throughput"))


def child(db: str) -> None:
    """In a fresh interpreter: the rebuild; prints one JSON line."""
    import resource

    from storyline import Storyline

    began = time.perf_counter()
    with Storyline(db) as sl:
        summary = sl.rebuild("stories")
    print(json.dumps({"wall": round(time.perf_counter() - began, 1),
                      "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "seconds": summary.seconds, "totals": summary.totals}))


def _rebuild(store: Path, work: Path, src: Path | None) -> dict:
    db = work / "rebuild.db"
    for old in work.glob("rebuild.db*"):
        old.unlink()
    shutil.copyfile(store, db)
    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    done = subprocess.run([sys.executable, __file__, "--child", str(db)], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"rebuild failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _build(size: int, work: Path) -> Path:
    from stream import write_stream

    stream, db = work / "stream.jsonl", work / "base.db"
    write_stream(stream, size)
    done = subprocess.run([sys.executable, "-m", "storyline", "run", "--workers", "2", "--no-reports",
                           "--no-progress", "--db", str(db), str(stream)], capture_output=True, text=True)
    if done.returncode not in (0, 1):  # 1: the stream's hostile records are skipped
        raise RuntimeError(f"run failed:\n{done.stderr[-2000:]}")
    return db


def _totals(db: Path) -> dict:
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        one = lambda sql: con.execute(sql).fetchone()[0]  # noqa: E731
        return {"pages": one("SELECT count(*) FROM pages WHERE status = 'ok'"),
                "stories": one("SELECT count(*) FROM stories"), "storylines": one("SELECT count(*) FROM storylines")}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    if sys.argv[1:] == ["--render"]:  # the tables again from results-rebuild.json
        render(json.loads((HERE / "results-rebuild.json").read_text()))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", metavar="REF", required=True)
    parser.add_argument("--size", type=int, default=25_000)
    parser.add_argument("--store", type=Path, help="a store made by `storyline run` on the stream (kept as it is)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--note", help="a note for the results (what else ran beside it)")
    args = parser.parse_args()
    from run_aeb import code_at, machine  # noqa: E402  (bench/throughput)

    runs: dict[str, list[dict]] = {"this": [], "before": []}
    with tempfile.TemporaryDirectory() as tmp, (code_at(args.before)) as before:
        work = Path(tmp)
        store = args.store or _build(args.size, work)
        as_run = _totals(store)
        for _ in range(args.repeat):
            runs["this"].append(_rebuild(store, work, None))
            runs["before"].append(_rebuild(store, work, before))
    med = {k: {"wall": round(statistics.median(r["wall"] for r in v), 1),
               "peak_mb": round(statistics.median(r["peak_mb"] for r in v), 1)} for k, v in runs.items()}
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
              "versions": {p: version(p) for p in ("storyline", "numpy", "spacy")},
              "command": "python bench/scale/rebuild.py --before " + args.before
              + (f" --store {args.store}" if args.store else f" --size {args.size}") + f" --repeat {args.repeat}",
              "note": args.note, "store_as_run": as_run, "runs": runs, "medians": med}
    (HERE / "results-rebuild.json").write_text(json.dumps(result, indent=2) + "\n")
    render(result)


def render(result: dict) -> None:
    runs, med, before = result["runs"], result["medians"], result["command"].split("--before ")[1].split()[0]
    as_run, note = result["store_as_run"], result.get("note")
    stages = list(dict.fromkeys(s for v in runs.values() for r in v for s in r["seconds"]))
    lines = ["# `storyline rebuild --stage stories` of a large store", "", f"- date: {result['date']}",
             f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `{result['command']}`", *([f"- note: {note}"] if note else []), "",
             f"The store as `storyline run` left it: {as_run['pages']:,} pages, {as_run['stories']:,} stories, "
             f"{as_run['storylines']:,} storylines. Each rebuild on a fresh copy; the two codes alternate.", "",
             "| code | wall s (median) | peak MB (median) | runs: wall s / peak MB | stories | storylines | "
             + " | ".join(f"{s} s" for s in stages) + " |",
             "|---|---|---|---|---|---|" + "---|" * len(stages)]
    for key, label in (("this", "this code"), ("before", before)):
        v = runs[key]
        lines.append(f"| {label} | {med[key]['wall']} | **{med[key]['peak_mb']}** | "
                     + ", ".join(f"{r['wall']} / {r['peak_mb']}" for r in v)
                     + f" | {v[0]['totals']['stories']} | {v[0]['totals']['storylines']} | "
                     + " | ".join(str(round(statistics.median(r["seconds"].get(s, 0) for r in v), 1)) for s in stages)
                     + " |")
    lines += ["", f"This code / {before}: wall {med['this']['wall'] / med['before']['wall']:.2f}×, "
              f"peak memory {med['this']['peak_mb'] / med['before']['peak_mb']:.2f}×."]
    (HERE / "results-rebuild.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
