"""What `storyline load` holds in memory, phase by phase, at two sizes.

    .venv/bin/python bench/scale/load_memory.py [--sizes 10000 30000] [--before REF]

For each size, the first pages of bench/scale's stream (stream.py) are prepared by
`storyline run --engine dask --workers 2`, then stored by `storyline load --no-reports` into a
fresh store, in a child process that samples its own resident memory (VmRSS) every 20 ms and
hears each stage start (`Storyline.load(phase=...)`). Per phase: the resident MB when it first
starts and the most it reached while it ran (a phase that runs again at each settle, every
10,000 pages, is taken over all its runs); Python's own heap (`sys.getallocatedblocks`, in
blocks) at the end of the load. Two sizes separate what grows with the pages from what a load
costs whatever its size (Python and NumPy, spaCy's NER model in the parent, SQLite's page cache
of up to 256 MB). With --before REF (a commit from b2f417a on, whose `Storyline.load` takes
`phase`), the same prepared folder is loaded again by REF's code (PYTHONPATH), right after this
code's load. Results go to bench/scale/results-load-memory.md and .json (--out NAME: NAME.md and
.json), with date, machine and versions.
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

SAMPLE_SECONDS = 0.02


def _resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(prepared: str, db: str) -> None:
    """In a fresh interpreter: the load, its memory sampled; prints one JSON line."""
    import threading

    at_start = _resident_mb()
    from storyline import Storyline
    from storyline.config import Config

    imported = _resident_mb()
    steps: list[list] = [["storing (read, store, link copies)", round(imported, 1), imported]]  # name, start, peak
    done = threading.Event()

    lock = threading.Lock()

    def sample() -> None:
        while not done.is_set():
            # A reading is credited to the phase that ran when it began: reading /proc lets the
            # load run on, and a phase that began meanwhile was credited with the one before's
            # peak (a short phase after dates showed the dates' peak).
            with lock:
                running = steps[-1]
            resident = _resident_mb()
            with lock:
                running[2] = max(running[2], resident)
            time.sleep(SAMPLE_SECONDS)

    def phase(name: str) -> None:
        name = "storing (read, store, link copies)" if name == "reading" else name
        now = round(_resident_mb(), 1)
        with lock:
            steps[-1][2] = max(steps[-1][2], now)  # the phase ending: its last reading
            steps.append([name, now, now])

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    began = time.perf_counter()
    with Storyline(db, Config()) as sl:
        summary = sl.load(prepared, reports=False, phase=phase)
    wall = time.perf_counter() - began
    done.set()
    sampler.join()
    import resource

    print(json.dumps({"start_mb": round(at_start, 1), "imported_mb": round(imported, 1),
                      "phases": _by_phase(steps),
                      "steps": [[n, a, round(b, 1)] for n, a, b in steps],
                      "end_mb": round(_resident_mb(), 1), "allocated_blocks": sys.getallocatedblocks(),
                      "ru_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "wall": round(wall, 1), "pages": summary.added, "stories": summary.totals.get("stories"),
                      "seconds": summary.seconds}))


def _by_phase(steps: list[list]) -> dict[str, dict]:
    """Per phase name: the resident MB when it first started, and the most over all its runs."""
    out: dict[str, dict] = {}
    for name, start, top in steps:
        seen = out.setdefault(name, {"first_mb": start, "peak_mb": 0.0})
        seen["peak_mb"] = max(seen["peak_mb"], round(top, 1))
    return out


def measure(size: int, tmp: Path, before: Path | None = None) -> dict:
    """This code's load of `size` pages; with `before` (another commit's src/), then that code's too."""
    from stream import write_stream

    stream = tmp / f"stream-{size}.jsonl"
    write_stream(stream, size)
    out = tmp / f"out-{size}"
    prepared = subprocess.run([sys.executable, "-m", "storyline", "run", "--engine", "dask", "--workers", "2",
                               "--out", str(out), "--json", str(stream)], capture_output=True, text=True)
    if prepared.returncode not in (0, 1):  # 1: the stream's hostile records are skipped
        raise RuntimeError(f"run --engine dask failed:\n{prepared.stderr[-2000:]}")
    row = _load(out, tmp / f"load-{size}.db", None)
    if before is not None:
        row["before"] = _load(out, tmp / f"load-{size}-before.db", before)
    return row


def _load(out: Path, db: Path, src: Path | None) -> dict:
    import os

    env = dict(os.environ, PYTHONPATH=str(src)) if src else None
    loaded = subprocess.run([sys.executable, __file__, "--child", str(out), str(db)], capture_output=True, text=True,
                            env=env)
    if loaded.returncode != 0:
        raise RuntimeError(f"load failed:\n{loaded.stderr[-2000:]}")
    return json.loads(loaded.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000])
    parser.add_argument("--before", metavar="REF")
    parser.add_argument("--out", default="results-load-memory", metavar="NAME",
                        help="results go to bench/scale/NAME.md and .json (default: %(default)s)")
    args = parser.parse_args()
    from contextlib import nullcontext

    from run_aeb import code_at, machine  # noqa: E402  (bench/throughput)

    with tempfile.TemporaryDirectory() as tmp, (code_at(args.before) if args.before else nullcontext()) as before:
        rows = {size: measure(size, Path(tmp), before) for size in args.sizes}
    code = subprocess.run(["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
              "code": code.stdout.strip() or "unknown",
              "versions": {p: version(p) for p in ("storyline", "numpy", "spacy", "pyarrow")},
              "command": "python bench/scale/load_memory.py --sizes " + " ".join(map(str, args.sizes))
              + (f" --before {args.before}" if args.before else "")
              + (f" --out {args.out}" if args.out != "results-load-memory" else ""), "rows": rows}
    (HERE / f"{args.out}.json").write_text(json.dumps(result, indent=2) + "\n")
    phases = list(dict.fromkeys(p for r in rows.values() for p in r["phases"]))
    lines = ["# What `storyline load` holds in memory, phase by phase", "", f"- date: {result['date']}",
             f"- machine: {result['machine']}", "- versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()),
             f"- command: `{result['command']}`", f"- code: {result['code']} (the checkout this script is in)", "",
             "Resident MB of the load's process (`load --no-reports`, a fresh store): when the phase first started, "
             "and the most while it ran.", "",
             "| | " + " | ".join(f"{s:,} pages" for s in args.sizes) + " |", "|---|" + "---|" * len(args.sizes)]
    lines.append("| Python started | " + " | ".join(str(rows[s]["start_mb"]) for s in args.sizes) + " |")
    lines.append("| storyline imported | " + " | ".join(str(rows[s]["imported_mb"]) for s in args.sizes) + " |")
    for p in phases:
        cells = [f"{rows[s]['phases'][p]['first_mb']} → {rows[s]['phases'][p]['peak_mb']}" if p in rows[s]["phases"]
                 else "-" for s in args.sizes]
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines.append("| at the end | " + " | ".join(str(rows[s]["end_mb"]) for s in args.sizes) + " |")
    lines.append("| peak (ru_maxrss) | " + " | ".join(f"**{rows[s]['ru_maxrss_mb']}**" for s in args.sizes) + " |")
    lines.append("| Python heap at the end (allocated blocks) | "
                 + " | ".join(f"{rows[s]['allocated_blocks']:,}" for s in args.sizes) + " |")
    lines.append("| wall s | " + " | ".join(str(rows[s]["wall"]) for s in args.sizes) + " |")
    for size in args.sizes:
        lines += ["", f"{size:,} pages, phase by phase as they ran (a settle every 10,000 pages): resident MB at "
                  "the start → the most while it ran" + (f" (then {args.before}'s code)" if args.before else ""), ""]
        before_steps = rows[size].get("before", {}).get("steps")
        for i, (name, start, top) in enumerate(rows[size]["steps"]):
            other = before_steps[i] if before_steps and i < len(before_steps) and before_steps[i][0] == name else None
            lines.append(f"- {name}: {start} → {top}" + (f" ({other[1]} → {other[2]})" if other else ""))
    if args.before:
        lines += ["", f"The same folders loaded by {args.before}'s code, right after:", "",
                  "| | " + " | ".join(f"{s:,} pages" for s in args.sizes) + " |", "|---|" + "---|" * len(args.sizes)]
        for p in phases:
            cells = [f"{rows[s]['before']['phases'][p]['peak_mb']} (this code {rows[s]['phases'][p]['peak_mb']})"
                     if p in rows[s]["before"]["phases"] and p in rows[s]["phases"] else "-" for s in args.sizes]
            lines.append(f"| {p}, peak | " + " | ".join(cells) + " |")
        lines.append("| peak (ru_maxrss) | " + " | ".join(
            f"{rows[s]['before']['ru_maxrss_mb']} (this code **{rows[s]['ru_maxrss_mb']}**)" for s in args.sizes) + " |")
        lines.append("| wall s | " + " | ".join(f"{rows[s]['before']['wall']} (this code {rows[s]['wall']})"
                                                for s in args.sizes) + " |")
        lines.append("| stories | " + " | ".join(f"{rows[s]['before']['stories']} (this code {rows[s]['stories']})"
                                                 for s in args.sizes) + " |")
    (HERE / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
