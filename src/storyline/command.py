"""The `storyline` command (and `python -m storyline`): cli.py, after one thing done first.

`storyline run` extracts in worker processes forked from a server that loads the pipeline and
the NER model (run/preload.py, about 1 s). That server is started here, before this process
loads the pipeline for itself (cli.py and what it imports, about 0.4 s), so that on two cores
the two load side by side instead of one after the other. Everything else is cli.py's.
"""
from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if _extracts_locally(argv) and _cores() > 1:  # on one core there is nothing to overlap
            from .run.workers import NER_PRELOAD, preload, start_fork_server

            preload(NER_PRELOAD)
            start_fork_server()
        from .cli import main as cli_main
    except KeyboardInterrupt:  # before the command began: a traceback of imports would say nothing
        print("\nstoryline: interrupted before the command began; nothing was changed.", file=sys.stderr)
        return 130
    return cli_main(argv)


def _extracts_locally(argv: list[str]) -> bool:
    """`storyline run` on this machine's worker processes (not --engine dask, not --help). A
    command line the parser then refuses only costs the server's start, in the background."""
    if not argv or argv[0] != "run" or {"-h", "--help"} & set(argv):
        return False
    engine = [a.split("=", 1)[1] for a in argv if a.startswith("--engine=")]
    engine += [b for a, b in zip(argv, argv[1:]) if a == "--engine"]
    return engine[-1:] != ["dask"]


def _cores() -> int:
    """The cores this process may run on (taskset), not the machine's."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
