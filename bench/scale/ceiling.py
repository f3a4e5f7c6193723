"""What two cores of this machine can give the per-page work at most: no engine, no coordination.

    .venv/bin/python bench/scale/ceiling.py STREAM [--pages 1000] [--processes 2]

The per-page work of a run (run/local.py `prepare`: extract, fingerprint, count terms, NER on the
lead, date the page alone) over the first `--pages` records of STREAM, in one process alone, then
in `--processes` processes at once, each over the same pages. Each process loads the NER model
before its clock starts. The speed-up is processes x (seconds alone) / (slowest seconds together):
what a perfect engine would get from that many workers, with nothing to read, send or write. When
both cores are busy the same work often runs slower (shared cache and memory), so this may fall below
the number of processes; on 2026-12-03 it gave 1.84x to 2.11x from one run to the next. Prints one
JSON line; bench/scale/run.py puts it beside the Dask rows.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time


def work(stream: str, pages: int) -> dict:
    from itertools import islice

    from storyline.cluster.ner import load_nlp
    from storyline.config import Config
    from storyline.read import read_inputs
    from storyline.records import Page
    from storyline.run.local import prepare

    config = Config()
    load_nlp()
    records = [p for p in islice(read_inputs([stream], config), pages) if isinstance(p, Page)]
    start, cpu = time.perf_counter(), time.process_time()
    for page in records:
        prepare(page, config)
    return {"pages": len(records), "seconds": time.perf_counter() - start, "cpu_seconds": time.process_time() - cpu}


def ceiling(stream: str, pages: int = 1000, processes: int = 2) -> dict:
    command = [sys.executable, __file__, stream, "--pages", str(pages), "--work"]
    alone = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    running = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    together = [json.loads(p.communicate()[0]) for p in running]
    slowest = max(t["seconds"] for t in together)
    return {"pages": alone["pages"], "processes": processes, "alone_seconds": round(alone["seconds"], 2),
            "together_seconds": [round(t["seconds"], 2) for t in together],
            "speed_up": round(processes * alone["seconds"] / slowest, 2),
            "ms_per_page_alone": round(1e3 * alone["seconds"] / alone["pages"], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stream")
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--work", action="store_true", help="(internal) one process's share, timed")
    args = parser.parse_args()
    print(json.dumps(work(args.stream, args.pages) if args.work else ceiling(args.stream, args.pages, args.processes)))


if __name__ == "__main__":
    main()
