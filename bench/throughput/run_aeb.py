"""Throughput of `storyline run` on the 181 AEB pages, beside trafilatura alone.

    .venv/bin/python bench/throughput/run_aeb.py [--repeat 3]

Each repeat runs the whole command in a fresh process on an empty store
(reading, extraction, dedup, stories, SQLite writes, process start-up
included), with 1 and 2 workers; the reference is trafilatura.extract on the
same pages in one process (extraction only, no start-up). Medians are written
to bench/throughput/results.md and results.json with date, machine and versions.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
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
AEB = ROOT.parent / "shared/data/aeb/html"


def time_storyline(workers: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "storyline.cli", "run", "--db", f"{tmp}/s.db", "--workers",
                        str(workers), str(AEB)], check=True, stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def time_trafilatura(pages: list[bytes]) -> float:
    import trafilatura

    start = time.perf_counter()
    for html in pages:
        trafilatura.extract(html, include_comments=False)
    return time.perf_counter() - start


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(AEB.glob("*.html.gz"))
    pages = [gzip.decompress(f.read_bytes()) for f in files]
    n = len(pages)
    time_trafilatura(pages[:10])  # warm-up: imports and caches
    runs: dict[str, list[float]] = {"storyline run, 1 worker": [], "storyline run, 2 workers": [],
                                    "trafilatura.extract alone (in-process)": []}
    for _ in range(args.repeat):  # interleaved, so drift hits all alike
        runs["storyline run, 1 worker"].append(time_storyline(1))
        runs["storyline run, 2 workers"].append(time_storyline(2))
        runs["trafilatura.extract alone (in-process)"].append(time_trafilatura(pages))
    result = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
        "machine": machine(),
        "versions": {p: version(p) for p in ("storyline", "trafilatura", "htmldate", "lxml", "numpy")},
        "pages": n,
        "repeats": args.repeat,
        "pages_per_second_median": {k: round(n / statistics.median(v), 1) for k, v in runs.items()},
        "seconds": {k: [round(x, 2) for x in v] for k, v in runs.items()},
    }
    (HERE / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# storyline run on the AEB pages ({n} HTML pages)", "",
             f"- date: {result['date']}", f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `python bench/throughput/run_aeb.py --repeat {args.repeat}`", "",
             "| what | median pages/s | seconds per run |", "|---|---|---|"]
    for k, v in runs.items():
        lines.append(f"| {k} | {result['pages_per_second_median'][k]} | {', '.join(f'{x:.2f}' for x in v)} |")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
