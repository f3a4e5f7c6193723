"""Where a long run's cost per page grows: the phases of each settled slice of 10,000 pages.

    .venv/bin/python bench/scale/slices.py [--pages 30000] [--prepared DIR]

A long run settles every SETTLE_EVERY (10,000) new pages (run/local.py), so the stages after
extraction see one slice at a time beside a growing store. This bench prepares the scale
stream (stream.py: JSONL text records, stories and copies planted) once with
`storyline run --engine dask` (or takes a folder prepared that way: --prepared), then stores
it with the engine's own `run_pipeline` as `storyline load` does, and records when each phase
of each slice starts. Preparing first keeps extraction (constant per page) out of the figures:
what is left is storing, copies, stories, dates, review, relations and storylines, whose cost
per slice should not depend on the pages stored before it. A row per slice; the last column
divides the last slice's time by the first's. Results go to results-slices.md and .json.
"""
from __future__ import annotations

import argparse
import json
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

from storyline.api import Storyline  # noqa: E402
from storyline.run.prepared_dir import prepared_pages  # noqa: E402
from storyline.run.local import SETTLE_EVERY, run_pipeline  # noqa: E402


def timed_slices(prepared: Path, db: Path) -> tuple[list[dict], dict]:
    """Store a prepared folder into a fresh store; the seconds of each phase, slice by slice."""
    marks = [("reading", time.perf_counter())]
    with Storyline(db) as sl:
        summary = run_pipeline([], sl.store, sl.config, reports=False, prepared=prepared_pages(prepared, sl.config),
                               phase=lambda name: marks.append((name, time.perf_counter())))
    marks.append(("end", time.perf_counter()))
    slices: list[dict] = []
    for (name, start), (_, end) in zip(marks, marks[1:]):
        if name == "reading" or not slices:  # each slice starts by reading its pages
            slices.append({})
        slices[-1][name] = round(slices[-1].get(name, 0.0) + end - start, 2)
    return slices, summary.totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=30_000)
    parser.add_argument("--prepared", type=Path, help="a folder `storyline run --engine dask` wrote from the stream "
                                                      "of --pages pages (default: made here)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        prepared = args.prepared
        if prepared is None:
            stream = Path(tmp) / "stream.jsonl"
            write_stream(stream, args.pages)
            prepared = Path(tmp) / "out"
            subprocess.run([sys.executable, "-m", "storyline.cli", "run", "--engine", "dask", "--workers", "2",
                            "--out", str(prepared), str(stream)], check=True, capture_output=True)
        slices, store = timed_slices(prepared, Path(tmp) / "s.db")
    phases = list(dict.fromkeys(p for s in slices for p in s))
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(),
              "versions": {p: version(p) for p in ("storyline", "numpy")}, "settle_every": SETTLE_EVERY,
              "command": "python bench/scale/slices.py " + " ".join(sys.argv[1:]), "slices": slices, "store": store}
    (HERE / "results-slices.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["# A long run's phases, slice by slice (prepared pages stored as `load` does)", "",
             f"- date: {result['date']}", f"- machine: {result['machine']}",
             "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `{result['command']}`; a slice is {SETTLE_EVERY:,} pages (SETTLE_EVERY)",
             f"- store at the end: {store['pages']:,} pages, {store['stories']:,} stories, "
             f"{store['storylines']:,} storylines", "",
             "| phase | " + " | ".join(f"slice {i + 1} s" for i in range(len(slices))) + " | last / first |",
             "|---" * (len(slices) + 2) + "|"]
    for phase in phases + ["total"]:
        values = [sum(s.values()) if phase == "total" else s.get(phase, 0.0) for s in slices]
        ratio = f"{values[-1] / values[0]:.2f}" if values[0] else "-"
        lines.append(f"| {phase} | " + " | ".join(f"{v:.1f}" for v in values) + f" | {ratio} |")
    (HERE / "results-slices.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
