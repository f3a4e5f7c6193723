"""The command line of the scaled-out engine: `run --engine dask` and `load`."""
from __future__ import annotations

import argparse
import json
import os
import sys

from .cli_read import OK, SKIPPED


def _at_least_one(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return number


def add_engine_options(run: argparse.ArgumentParser) -> None:
    run.add_argument("--engine", choices=("local", "dask"), default="local",
                     help="local (default): this machine, into --db; dask: extraction on a Dask cluster, written "
                          "as Parquet to --out, for `storyline load` (needs pip install 'storyline[dask]')")
    run.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: an existing cluster's scheduler "
                                                             "(tcp://host:8786); else a local cluster of --workers")
    run.add_argument("--out", metavar="DIR", help="with --engine dask: the folder the prepared pages go to "
                                                  "(a rerun on the same folder resumes)")
    run.add_argument("--pages-per-partition", type=_at_least_one, default=None, metavar="N",
                     help="with --engine dask: pages per partition of a JSONL file, files per partition of "
                          "single pages (default 1000)")


def add_load_parser(sub, common: argparse.ArgumentParser) -> None:
    load = sub.add_parser("load", parents=[common], help="store what `run --engine dask` prepared, and run the "
                                                         "stages after extraction on it")
    load.add_argument("prepared_dir", metavar="PARQUET_DIR")
    load.add_argument("--no-reports", action="store_true", help="leave story reports to `show`")
    load.add_argument("--scheduler", metavar="ADDRESS", help="build the story reports on this Dask cluster "
                                                             "(tcp://host:8786); else in --workers processes here")
    load.add_argument("--workers", type=_at_least_one, default=None,
                      help="processes that build the story reports here (default: one per core)")
    load.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")


def run_with_dask(args, config) -> int:
    from .errors import UsageError
    from .run.dask_engine import PAGES_PER_PARTITION, run_dask

    if not args.out:
        raise UsageError("--engine dask writes Parquet: give the folder with --out DIR, then `storyline load DIR`")
    if "-" in args.inputs:
        raise UsageError("--engine dask reads files and folders, not stdin")
    summary = run_dask(args.inputs, args.out, config, workers=args.workers or os.cpu_count() or 1,
                       scheduler=args.scheduler, pages_per_partition=args.pages_per_partition or PAGES_PER_PARTITION)
    if args.json:
        print(json.dumps(summary.as_dict(), indent=1))
    else:
        kept = f" and {summary.resumed} kept from an earlier run ({summary.kept_pages} pages)" if summary.resumed else ""
        print(f"{summary.partitions} partitions on {summary.workers} Dask worker(s): {summary.written} written "
              f"({summary.pages} pages){kept}; {summary.skipped} pages skipped in all; "
              f"{summary.seconds.get('total', 0):.1f} s", file=sys.stderr)
        if "copy_pairs" in summary.seconds:
            print(f"copy candidates: {summary.candidate_pairs} pairs judged on the cluster, {summary.copy_pairs} "
                  f"copies ({summary.shuffle_bytes / 1e6:.1f} MB of LSH keys shuffled)", file=sys.stderr)
        print(f"next: storyline load {args.out} --db {args.db}", file=sys.stderr)
    return SKIPPED if summary.skipped else OK


def cmd_load(args, config, print_summary, progress_bar) -> int:
    from .api import Storyline
    from .run.prepared_dir import prepared_files, prepared_rows

    files = prepared_files(args.prepared_dir, config)  # a folder that cannot be loaded is refused before the store is made
    # Pages against the rows the partitions' footers count, then each stage's name, as `run` shows them.
    bar, update, phase = progress_bar(sys.stderr.isatty() and not args.no_progress and not args.json,
                                      lambda: prepared_rows(files))
    try:
        with Storyline(args.db, config) as sl:
            summary = sl.load(args.prepared_dir, reports=not args.no_reports, scheduler=args.scheduler,
                              workers=args.workers or os.cpu_count() or 1, progress=update, phase=phase)
    finally:
        if bar is not None:
            bar.close()
    print_summary(summary, args)
    return SKIPPED if summary.skipped else OK
