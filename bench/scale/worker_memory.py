"""What a Dask worker's memory is made of, phase by phase, and the whole command beside another commit.

    .venv/bin/python bench/scale/worker_memory.py [--pages 10000] [--before REF] [--repeats 2]

On bench/scale's stream (stream.py, the first `--pages` records, partitions of 1,000), a local
cluster of 2 workers runs the steps of `storyline run --engine dask` one after the other, and each
worker's peak resident memory is read after each: the worker started (Python, Dask, NumPy), the map
(read, prepare each page in a child process, write the partition's Parquet file; pyarrow loaded), the
copy pairs (LSH key rows to the shuffle files, reducers, judging). The per-page work runs in child
processes forked from the worker's fork server, whose memory is apart and not counted here.

With --before REF, the whole command (`run --engine dask --workers 2 --json`) then runs at REF and at
this code, alternating, `--repeats` times each; its summary gives the workers' peak. Results go to
bench/scale/results-worker-memory.md and .json, with date, machine and versions.
"""
from __future__ import annotations

import argparse
import json
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


def phases(stream: Path, out: Path) -> dict[str, float]:
    """The largest worker peak (MB) after each step, this code."""
    from storyline.config import Config
    from storyline.run import dask_engine as de
    from storyline.run.partitions import plan_partitions
    from storyline.run.prepared_dir import check_manifest

    config = Config()
    parts = plan_partitions([str(stream)], 1000)
    token = check_manifest(out, [str(stream)], parts, config)
    client, cluster = de._client(2, None)
    try:
        peak = {"worker started, the engine module imported": max(client.run(de._peak_memory_mb).values())}
        client.gather(client.map(de.prepare_partition, parts, config=config, out_dir=str(out), pure=False))
        peak["map: partitions prepared and written"] = max(client.run(de._peak_memory_mb).values())
        de.copy_pairs(client, out, [out / "prepared" / f"{p.name}.parquet" for p in parts], config, token,
                      de.DaskSummary())
        peak["copy pairs found"] = max(client.run(de._peak_memory_mb).values())
    finally:
        client.close()
        cluster.close()
    return peak


def whole_command(stream: Path, out: Path, src: Path | None) -> dict:
    """`storyline run --engine dask --workers 2` as a process; `src`: another commit's code."""
    import os

    from run_aeb import storyline_command  # noqa: E402  (bench/throughput)

    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    done = subprocess.run(storyline_command(src) + ["run", "--engine", "dask", "--workers", "2", "--out", str(out),
                           "--json", str(stream)], capture_output=True, text=True, env=env)
    if done.returncode not in (0, 1):  # 1: some pages skipped, as the stream's hostile records are
        raise RuntimeError(f"storyline run --engine dask failed:\n{done.stderr[-2000:]}")
    summary = json.loads(done.stdout)
    return {"wall": round(time.perf_counter() - start, 1), "worker_peak_mb": summary["worker_peak_mb"],
            "candidate_pairs": summary["candidate_pairs"], "copy_pairs": summary["copy_pairs"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--before", metavar="REF")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    from run_aeb import code_at, machine  # noqa: E402  (bench/throughput)
    from stream import write_stream

    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "stream.jsonl"
        write_stream(stream, args.pages)
        peaks = phases(stream, Path(tmp) / "phases")
        runs: dict[str, list[dict]] = {"this code": []}
        if args.before:
            runs[args.before] = []
            with code_at(args.before) as before:
                for _ in range(args.repeats):
                    runs["this code"].append(whole_command(stream, Path(tmp) / "now", None))
                    runs[args.before].append(whole_command(stream, Path(tmp) / "before", before))
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
              "versions": {p: version(p) for p in ("storyline", "dask", "distributed", "pyarrow", "numpy")},
              "pages": args.pages, "phase_peaks_mb": peaks, "whole_command": runs}
    (HERE / "results-worker-memory.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["# A Dask worker's memory, phase by phase", "", f"- date: {result['date']}", f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `python bench/scale/worker_memory.py --pages {args.pages}"
             + (f" --before {args.before} --repeats {args.repeats}`" if args.before else "`"), "",
             "Largest worker peak (resident MB, 2 workers) after each step:", "", "| after | worker peak MB |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in peaks.items()]
    if args.before:
        lines += ["", "The whole command (`run --engine dask --workers 2`), alternating:", "",
                  "| code | worker peak MB (median) | per run | wall s per run | candidate pairs | copies |", "|---|---|---|---|---|---|"]
        for code, rs in runs.items():
            lines.append(f"| {code} | {statistics.median(r['worker_peak_mb'] for r in rs)} | "
                         f"{', '.join(str(r['worker_peak_mb']) for r in rs)} | {', '.join(str(r['wall']) for r in rs)} | "
                         f"{rs[0]['candidate_pairs']} | {rs[0]['copy_pairs']} |")
    (HERE / "results-worker-memory.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
