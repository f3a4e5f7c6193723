"""CPU seconds of a command's process tree, by role: where a run's CPU goes, and how much more
the same work costs when two workers share the machine.

    python bench/scale/cpu_roles.py storyline run --engine dask --workers 2 --out DIR stream.jsonl

Samples the tree (psutil) every 0.3 s until the command ends and keeps each process's last CPU
time (user + system), so a process that lives less than 0.3 s is missed. Roles: the processes
forked for per-page extraction (the fork server's children), Dask's workers and nannies (spawned),
the command itself. Prints wall seconds, CPU seconds per role, and the command's last lines.
"""
from __future__ import annotations

import collections
import subprocess
import sys
import time

import psutil


def role(cmdline: str) -> str:
    if "multiprocessing.forkserver" in cmdline:
        return "extraction processes (fork server and its children)"
    if "multiprocessing.spawn" in cmdline:
        return "Dask workers and nannies"
    if "resource_tracker" in cmdline:
        return "resource tracker"
    return "the command"


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    started = time.monotonic()
    command = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(command.pid)
    seen: dict[int, tuple[str, float]] = {}  # pid -> (command line as first read, last CPU seconds)
    while command.poll() is None:
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            break
        for process in tree:
            try:
                cpu = process.cpu_times()
                cmdline = seen[process.pid][0] if process.pid in seen else " ".join(process.cmdline())
            except psutil.Error:
                continue
            seen[process.pid] = (cmdline, cpu.user + cpu.system)
        time.sleep(0.3)
    wall = time.monotonic() - started
    by_role: collections.Counter = collections.Counter()
    for cmdline, cpu in seen.values():
        by_role[role(cmdline)] += cpu
    print(f"wall {wall:.1f} s, CPU {sum(by_role.values()):.1f} s ({sum(by_role.values()) / wall:.2f} cores busy)")
    for name, cpu in by_role.most_common():
        print(f"  {cpu:8.1f} s  {name}")
    print(command.stderr.read().decode(errors="replace")[-600:])


if __name__ == "__main__":
    main()
