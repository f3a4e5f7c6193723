"""`storyline run` at scale: pages/s, peak memory and time per phase at 10k and 100k pages.

    .venv/bin/python bench/scale/run.py [--sizes 10000 100000] [--workers 2]
    .venv/bin/python bench/scale/run.py --engine dask [--sizes 10000] [--dask-workers 1 2] [--repeat 3]
    .venv/bin/python bench/scale/run.py --engine dask --sizes 100000 --dask-workers 2 --no-load --keep-sizes

The input: JSONL text records built from real text with stories and copies planted
(stream.py): replicas of the 2,304 Timeline17 articles, each replica with half of its
words renamed and its dates shifted, so that replicas are different stories running in
parallel over the same months; one record in ten is a content farm's copy of an earlier
record (spam words, page furniture, or cut), with a fake later date.

Each size runs the whole command (`python -m storyline.cli run --json`) on a fresh store, as
a user would. Measured: wall seconds, pages/s, the peak resident memory of the largest
process (the run's own, or a worker's), and the run's own time per phase (`seconds` in its
JSON summary). Growth exponent between two sizes: log(t2 / t1) / log(n2 / n1) (1.0 is linear).
The run is `--no-reports` (the ingest; reports cost is measured in bench/throughput and
results-dask.md) unless --reports is given. Results with date, machine and versions go to
bench/scale/results.md and results.json, with the previous run's figures beside them.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import resource
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
from run_aeb import machine  # noqa: E402
from stream import write_stream  # noqa: E402
from ceiling import ceiling  # noqa: E402


def run_one(n: int, workers: int, reports: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / f"stream-{n}.jsonl"
        made = write_stream(stream, n)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "storyline.cli", "run", "--db", f"{tmp}/s.db", "--workers",
                               str(workers), "--json", "--no-progress", str(stream)]
                              + ([] if reports else ["--no-reports"]),
                              capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        if done.returncode not in (0, 1):
            raise SystemExit(f"storyline run failed ({done.returncode}): {done.stderr[-2000:]}")
        summary = json.loads(done.stdout)
    return {"pages": n, "copies_planted": made["copies"], "stories_planted": made["stories"],
            "wall_seconds": round(wall, 1), "pages_per_second": round(n / wall, 1),
            "peak_mb": round(max(peak_kb, before) / 1024) if peak_kb > before else None,
            "phases": summary["seconds"], "store": summary["store"]}


def timed_command(args: list[str]) -> tuple[float, int, str]:
    """(wall seconds, peak resident KB of any child process so far, stdout) of one storyline command."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "storyline.cli", *args], capture_output=True, text=True, check=False,
                          env=USER_ENV)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"storyline {args[0]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.stdout


# The environment the bench started with: a LocalCluster started here sets Dask's worker settings in
# this process's environment (OMP_NUM_THREADS=1, MALLOC_TRIM_THRESHOLD_=65536, ...), which every
# command started later would inherit. On 3,000 pages that made load's dates stage about 20 % slower.
USER_ENV = dict(os.environ)


def run_dask_rows(n: int, worker_counts: list[int], load: bool = True, repeat: int = 1) -> dict:
    """`run --engine dask` with each number of workers (the whole command: cluster start included),
    `repeat` times, the worker counts alternating (1 2 1 2 ...: drift hits both alike); a row gives
    the median run's figures, every run's wall seconds, and the speed-up taken run by run. Then
    (unless `load` is false) `load` of the output into fresh stores."""
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / f"stream-{n}.jsonl"
        write_stream(stream, n)
        # The most 2 workers could give: the per-page work in independent processes, no engine.
        limit = ceiling(str(stream), min(n, 1000), max(worker_counts)) if max(worker_counts) > 1 else None
        print(json.dumps({"ceiling": limit}), flush=True)
        runs: dict[int, list[dict]] = {w: [] for w in worker_counts}
        for _ in range(repeat):
            for workers in worker_counts:
                shutil.rmtree(f"{tmp}/out-{workers}", ignore_errors=True)  # each run from nothing, not resumed
                runs[workers].append(_dask_run(n, workers, stream, tmp))
                print(json.dumps(runs[workers][-1]), flush=True)
        rows = []
        for workers in worker_counts:
            walls = [r["wall_seconds"] for r in runs[workers]]
            middle = sorted(runs[workers], key=lambda r: r["wall_seconds"])[(len(walls) - 1) // 2]
            rows.append(dict(middle, wall_runs=walls))
            if workers != worker_counts[0] and worker_counts[0] == 1:
                ratios = [a["wall_seconds"] / b["wall_seconds"] for a, b in zip(runs[1], runs[workers])]
                rows[-1]["speed_up_runs"] = [round(x, 2) for x in ratios]
                rows[-1]["speed_up"] = round(statistics.median(ratios), 2)
        loads = []
        if not load:
            return {"pages": n, "runs": rows, "loads": loads, "ceiling": limit}
        # The same folder loaded into fresh stores: without reports, with the copy candidates the
        # cluster judged and then with them moved aside (copies found in load, as before the shuffle:
        # the same store, side by side); then with reports built on a Dask cluster of the largest
        # worker count (`load --scheduler`, as on a real cluster).
        folder = Path(f"{tmp}/out-{worker_counts[-1]}")
        for where in ("pairs", "no pairs", "cluster"):
            command = ["load", str(folder), "--db", f"{tmp}/s-{where.replace(' ', '-')}.db", "--json"]
            if where != "cluster":
                aside = folder / "copies-aside"
                if where == "no pairs":
                    (folder / "copies").rename(aside)
                wall, peak_kb, out = timed_command([*command, "--no-reports"])
                if where == "no pairs":
                    aside.rename(folder / "copies")
            else:
                from distributed import LocalCluster
                with LocalCluster(n_workers=worker_counts[-1], threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
                    wall, peak_kb, out = timed_command([*command, "--scheduler", cluster.scheduler_address])
            summary = json.loads(out)
            loads.append({"reports_on": {"pairs": "none (copy pairs from the cluster)",
                                         "no pairs": "none (copies found in load)"}.get(
                              where, f"{worker_counts[-1]} Dask workers"),
                          "report_workers": 0 if where != "cluster" else worker_counts[-1],
                          "wall_seconds": round(wall, 1), "phases": summary["seconds"],
                          "reports_built": summary.get("reports_built"), "stories": summary["store"].get("stories"),
                          "peak_mb": round(peak_kb / 1024)})
            print(json.dumps(loads[-1]), flush=True)
    return {"pages": n, "runs": rows, "loads": loads, "ceiling": limit}


def _dask_run(n: int, workers: int, stream: Path, tmp: str) -> dict:
    wall, _, out = timed_command(["run", "--engine", "dask", "--workers", str(workers),
                                  "--out", f"{tmp}/out-{workers}", "--json", str(stream)])
    summary = json.loads(out)
    parquet = sum(f.stat().st_size for f in Path(f"{tmp}/out-{workers}/prepared").glob("*.parquet"))
    return {"workers": workers, "wall_seconds": round(wall, 1), "pages_per_second": round(n / wall, 1),
            "prepare_seconds": summary["seconds"]["prepare"],
            "copy_pairs_seconds": summary["seconds"].get("copy_pairs"),
            "candidate_pairs": summary.get("candidate_pairs"), "copy_pairs": summary.get("copy_pairs"),
            "shuffle_bytes": summary.get("shuffle_bytes"),
            "start_seconds": round(wall - summary["seconds"]["prepare"] - summary["seconds"].get("copy_pairs", 0), 1),
            "partitions": summary["partitions"], "parquet_bytes": parquet,
            "worker_peak_mb": summary.get("worker_peak_mb")}


def projection(size: dict) -> list[str]:
    """Costs per million pages from the measured run with one worker, and what a day's crawl needs."""
    one = size["runs"][0]
    if one["workers"] != 1 or not size.get("loads"):
        return [f"- {size['pages']:,} pages: no 1-worker run or load at this size; see the rows above"]
    per_page = one["prepare_seconds"] / size["pages"]  # worker-seconds a page costs in the map
    best = size["runs"][-1]
    efficiency = (one["prepare_seconds"] / best["prepare_seconds"]) / best["workers"]
    load = size["loads"][-1] if "loads" in size else size["load"]
    load_per_page = load["wall_seconds"] / size["pages"]
    reports_per_page = load["phases"].get("reports", 0) / size["pages"]
    report_cost = reports_per_page * load.get("report_workers", 1)  # worker-seconds per page
    driver_per_page = load_per_page - reports_per_page
    parquet_per_page = one["parquet_bytes"] / size["pages"]
    return [
        f"- map (read, extract, fingerprint): {per_page * 1e3:.1f} ms per page per worker, "
        f"{per_page * 1e6 / 3600:.1f} worker-hours per million pages; {best['workers']} workers ran at "
        f"{efficiency:.0%} of linear",
        f"- Parquet written: {parquet_per_page / 1e3:.1f} KB per page, {parquet_per_page * 1e6 / 1e9:.1f} GB per "
        f"million, {parquet_per_page * 1e8 / 1e12:.2f} TB for 100M pages",
        f"- copy pairs (LSH keys shuffled by key, pairs judged on the cluster): {_shuffle_line(one, size['pages'])}",
        f"- a day's crawl of 3M pages in one hour, map only: {3e6 * per_page / 3600 / efficiency:.0f} workers of "
        "this machine's cores",
        f"- `load`, reports on {load.get('reports_on', 'this machine')}: {load_per_page * 1e3:.0f} ms per page of "
        f"wall time ({reports_per_page * 1e3:.0f} of them reports)",
        f"- reports: {report_cost * 1e3:.0f} worker-ms per page, so a day's crawl of 3M pages needs "
        f"{3e6 * report_cost / 3600:.0f} workers for its reports in one hour, and 100M pages "
        f"{1e8 * report_cost / 3600:,.0f} worker-hours",
        *_pairs_effect(size),
        f"- the stages before reports (storing with copy links, dates, stories, storylines) run on the driver alone: "
        f"{driver_per_page * 1e3:.0f} ms per page here, {driver_per_page * 3e6 / 3600:.0f} hours for 3M pages, "
        f"{driver_per_page * 1e8 / 86400:.0f} days for 100M (and they grow faster than linearly: bench/scale's "
        "local rows). Until they are distributed (issue 19), they bound a run however many workers there are",
    ]


def growth_lines(results: list[dict]) -> list[str]:
    """How the map's cost, the shuffle and the candidate pairs grow from the smallest to the largest size,
    with the same number of workers."""
    if len(results) < 2:
        return []
    small, large = results[0], results[-1]
    workers = large["runs"][-1]["workers"]
    a = next((r for r in small["runs"] if r["workers"] == workers), None)
    b = large["runs"][-1]
    if a is None:
        return []
    ratio = large["pages"] / small["pages"]
    out = ["", f"From {small['pages']:,} to {large['pages']:,} pages ({ratio:.0f}× the pages), {workers} workers:", ""]
    figures = [("LSH key bytes shuffled", "shuffle_bytes"), ("candidate pairs", "candidate_pairs"),
               ("copy pairs", "copy_pairs"), ("worker peak MB", "worker_peak_mb")]
    machines = {s.get("machine") for s in (small, large)}
    if len(machines) == 1:  # seconds only compare on one machine: these differ twofold from one to another
        figures = [("map seconds", "prepare_seconds"), ("copy pairs seconds", "copy_pairs_seconds"), *figures]
    else:
        out.append(f"- seconds not compared: the two sizes were measured on different machines "
                   f"({' / '.join(str(m) for m in machines)})")
    for name, key in figures:
        if a.get(key) and b.get(key):
            out.append(f"- {name}: {a[key]:,} -> {b[key]:,} ({b[key] / a[key]:.2f}×; growth exponent "
                       f"{math.log(b[key] / a[key]) / math.log(ratio):.2f})")
    return out


def _pairs_effect(size: dict) -> list[str]:
    """Storing (with copy links) in load, with the cluster's copy pairs and without, side by side."""
    by = {load["reports_on"]: load for load in size.get("loads", [])}
    with_pairs, without = by.get("none (copy pairs from the cluster)"), by.get("none (copies found in load)")
    if not with_pairs or not without:
        return []
    a, b = with_pairs["phases"]["read_extract_store"], without["phases"]["read_extract_store"]
    return [f"- `load` storing the pages with their copy links: {a} s with the cluster's copy pairs, {b} s finding "
            f"them itself ({b / a:.2f}×); whole load without reports {with_pairs['wall_seconds']} s against "
            f"{without['wall_seconds']} s"]


def _shuffle_line(run: dict, pages: int) -> str:
    if run.get("shuffle_bytes") is None:
        return "not run (copies were found in load)"
    per_page = run["shuffle_bytes"] / pages
    return (f"{run['copy_pairs_seconds']} s on {run['workers']} worker(s), {per_page:.0f} bytes of keys shuffled per "
            f"page ({per_page * 1e6 / 1e9:.2f} GB per million, {per_page * 1e8 / 1e12:.2f} TB for 100M pages), "
            f"{run['candidate_pairs']:,} candidate pairs, {run['copy_pairs']:,} of them copies")


def dask_main(args) -> None:
    if args.report_only:
        result = json.loads((HERE / "results-dask.json").read_text())
        results = result["sizes"]
    else:
        results = [dict(run_dask_rows(n, args.dask_workers, load=not args.no_load, repeat=args.repeat), machine=machine())
                   for n in sorted(args.sizes)]
        if args.keep_sizes and (HERE / "results-dask.json").exists():  # the other sizes' rows, as last measured
            kept = json.loads((HERE / "results-dask.json").read_text())
            results = sorted([{"measured": kept["date"], "machine": kept["machine"], **s} for s in kept["sizes"]
                              if s["pages"] not in set(args.sizes)] + results, key=lambda s: s["pages"])
        result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
                  "versions": {p: version(p) for p in ("storyline", "dask", "distributed", "pyarrow")},
                  "command": "python bench/scale/run.py " + " ".join(sys.argv[1:]), "sizes": results,
                  "note": args.note}
        (HERE / "results-dask.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["# run --engine dask, then load (JSONL text records, stories and copies planted)", "",
             f"- date: {result['date']}", f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `{result['command']}` (whole commands, a local cluster started by each)",
             *([f"- note: {result['note']}"] if result.get("note") else []), "",
             "| pages | workers | wall s | pages/s | prepare s | copy pairs s | shuffle MB | start and plan s | "
             "partitions | Parquet MB | speed-up | worker peak MB |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for size in results:
        base = size["runs"][0]["wall_seconds"] if size["runs"][0]["workers"] == 1 else None
        for r in size["runs"]:
            if r.get("speed_up_runs"):  # median of the run-by-run ratios
                speed = f"{r['speed_up']:.2f}× ({', '.join(map(str, r['speed_up_runs']))})"
            else:  # against the size's 1-worker run
                speed = f"{base / r['wall_seconds']:.2f}×" if base else "-"
            wall = ", ".join(map(str, r["wall_runs"])) if len(r.get("wall_runs", [])) > 1 else r["wall_seconds"]
            shuffle = f"{r['shuffle_bytes'] / 1e6:.1f}" if r.get("shuffle_bytes") is not None else "-"
            lines.append(f"| {size['pages']:,} | {r['workers']} | {wall} | {r['pages_per_second']} | "
                         f"{r['prepare_seconds']} | {r.get('copy_pairs_seconds') or '-'} | {shuffle} | "
                         f"{r['start_seconds']} | {r['partitions']} | "
                         f"{r['parquet_bytes'] / 1e6:.1f} | {speed} | "
                         f"{r.get('worker_peak_mb') or '-'} |")
    limits = [(size["pages"], size["ceiling"]) for size in results if size.get("ceiling")]
    if limits:
        lines += ["", "The ceiling (bench/scale/ceiling.py): the per-page work of a run (`prepare`) over the first pages "
                  "of the same stream, in one process alone, then in as many independent processes as the largest "
                  "row's workers, at once, each over the same pages; no engine, nothing read, sent or written. "
                  "Its speed-up is the most any engine can get from this machine's cores for this work:", "",
                  "| stream | pages | processes | alone s | together s | speed-up | ms per page alone |",
                  "|---|---|---|---|---|---|---|"]
        for pages, c in limits:
            lines.append(f"| {pages:,} | {c['pages']:,} | {c['processes']} | {c['alone_seconds']} | "
                         f"{', '.join(map(str, c['together_seconds']))} | **{c['speed_up']}×** | "
                         f"{c['ms_per_page_alone']} |")
    lines += ["", "`load` (the stages after extraction on the driver, reports where the row says; each into a "
              "fresh store):", "",
              "| pages | reports on | wall s | peak MB | stories | reports built | phases s |", "|---|---|---|---|---|---|---|"]
    for size in results:
        for load in size.get("loads", [size.get("load")] if size.get("load") else []):
            lines.append(f"| {size['pages']:,} | {load.get('reports_on', '1 process')} | {load['wall_seconds']} | "
                         f"{load['peak_mb']} | {load.get('stories', '')} | {load.get('reports_built', '')} | "
                         + ", ".join(f"{k} {v}" for k, v in load["phases"].items()) + " |")
    lines += ["", "Peak MB: the largest resident memory of any process the bench started so far (a Dask worker's "
              "or load's)."]
    full = [s for s in results if s["runs"][0]["workers"] == 1 and s.get("loads")]
    if full:
        lines += ["", f"Projection from {full[-1]['pages']:,} pages (the largest size with a 1-worker run and a "
                  "load):", ""] + projection(full[-1])
    lines += growth_lines(results)
    (HERE / "results-dask.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reports", action="store_true",
                        help="build story reports in the run too (by default `run --no-reports`: the ingest)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local")
    parser.add_argument("--dask-workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--report-only", action="store_true", help="rewrite results-dask.md from results-dask.json")
    parser.add_argument("--no-load", action="store_true", help="dask: the run only, no load (its stages are the "
                        "local engine's, measured by the local rows)")
    parser.add_argument("--note", help="dask: a note on the run for the results (what else ran beside it)")
    parser.add_argument("--keep-sizes", action="store_true", help="dask: keep the other sizes' rows of results-dask.json")
    parser.add_argument("--repeat", type=int, default=1, help="dask: runs per worker count, alternating; medians quoted")
    args = parser.parse_args()
    if args.engine == "dask":
        dask_main(args)
        return
    rows = []
    for n in sorted(args.sizes):
        rows.append(run_one(n, args.workers, args.reports))
        print(json.dumps(rows[-1]), flush=True)
    growth = None
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        growth = round(math.log(b["wall_seconds"] / a["wall_seconds"]) / math.log(b["pages"] / a["pages"]), 3)
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
              "versions": {p: version(p) for p in ("storyline", "trafilatura", "numpy")},
              "command": "python bench/scale/run.py " + " ".join(sys.argv[1:]), "workers": args.workers,
              "runs": rows, "growth_exponent": growth}
    previous = json.loads((HERE / "results.json").read_text()) if (HERE / "results.json").exists() else None
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    phases = sorted({p for r in rows for p in r["phases"]})
    lines = ["# storyline run at scale (JSONL text records, stories and copies planted)", "",
             f"- date: {result['date']}", f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `{result['command']}` ({args.workers} workers, whole command, fresh store, "
             + ("reports built" if args.reports else "`--no-reports`") + ")", "",
             "| pages | wall s | pages/s | peak MB | stories | copies | " + " | ".join(f"{p} s" for p in phases) + " |",
             "|---" * (6 + len(phases)) + "|"]
    for r in rows:
        lines.append(f"| {r['pages']:,} | {r['wall_seconds']} | {r['pages_per_second']} | {r['peak_mb']} | "
                     f"{r['store']['stories']:,} | {r['store']['duplicates']:,} | "
                     + " | ".join(str(r["phases"].get(p, "")) for p in phases) + " |")
    if growth is not None:
        lines += ["", f"Growth exponent of wall time from {rows[0]['pages']:,} to {rows[-1]['pages']:,} pages: "
                      f"**{growth}** (1.0 is linear)."]
    if previous:
        lines += ["", f"The run before this one ({previous['date']}): "
                      + ", ".join(f"{r['pages']:,} pages {r['wall_seconds']} s ({r['peak_mb']} MB)" for r in previous["runs"])
                      + f"; growth exponent {previous.get('growth_exponent')}."]
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
