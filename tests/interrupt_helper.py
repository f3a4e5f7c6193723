"""Run by test_reliability's Ctrl-C tests in a child process: report jobs that take long, in a
pool of two storyline worker processes. Importable, so the pool's processes can unpickle `slow`."""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path


def slow(item: int) -> int:
    Path(sys.argv[1], f"started-{item}").touch()
    time.sleep(20)
    return item


def main() -> int:
    # As a terminal's command gets Ctrl-C: a shell's background job (`cmd &`, as CI may start the
    # suite) starts with it ignored, and Python then keeps it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    from storyline.run.workers import pool_map, preload
    from tests.interrupt_helper import slow  # by its module's name: run as __main__, it would not unpickle

    preload("storyline.run.preload")  # the fork server imports what a real run's does (seconds)
    Path(sys.argv[1], "go").touch()
    try:
        list(pool_map(slow, range(6), 2, on_error=print))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
