"""Extraction in worker processes, with a time limit per page.

A page that makes a parser hang or blow up (deeply nested HTML, pathological
text) must not stop the run: each worker handles one page at a time, and a
worker that takes longer than `max_seconds_per_page` is killed and replaced,
its page recorded as skipped with the reason. Results come back in input
order. Workers ignore Ctrl-C; the parent stops them.
"""
from __future__ import annotations

import multiprocessing
import signal
import time
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait

from ..config import Config
from ..extract import extract_page
from ..records import Article, Page, Skipped

_CONTEXT = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                       else "spawn")
if _CONTEXT.get_start_method() == "forkserver":
    _CONTEXT.set_forkserver_preload(["storyline.extract"])  # import once; each worker starts fast


def _extract_or_pass(item: Page | Skipped, config: Config) -> Article | Skipped:
    return item if isinstance(item, Skipped) else extract_page(item, config)


def _serve(conn: Connection, config: Config) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if config.max_worker_memory_mb:
        import resource

        limit = config.max_worker_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        seq, item = task
        try:
            result = _extract_or_pass(item, config)
        except MemoryError:
            result = Skipped(item.id, item.source, f"page needs more than {config.max_worker_memory_mb} MB to extract "
                                                   "(max_worker_memory_mb)")
        conn.send((seq, result))


class _Worker:
    def __init__(self, config: Config) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_serve, args=(child, config), daemon=True)
        self.process.start()
        child.close()
        self.task: tuple[int, Page | Skipped] | None = None
        self.started = 0.0

    def give(self, seq: int, item: Page | Skipped) -> None:
        self.task, self.started = (seq, item), time.monotonic()
        self.conn.send((seq, item))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


def extract_in_workers(items: Iterable[Page | Skipped], config: Config, workers: int) -> Iterator[Article | Skipped]:
    """Extract `items` in `workers` processes; yields results in input order."""
    limit = config.max_seconds_per_page
    pool = [_Worker(config) for _ in range(max(1, workers))]
    source = enumerate(items)
    done: dict[int, Article | Skipped] = {}
    next_out = 0
    exhausted = False
    try:
        while True:
            for worker in pool:
                if worker.task is None and not exhausted:
                    nxt = next(source, None)
                    if nxt is None:
                        exhausted = True
                    elif isinstance(nxt[1], Skipped):
                        done[nxt[0]] = nxt[1]
                    else:
                        worker.give(*nxt)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            busy = [w for w in pool if w.task is not None]
            if not busy:
                if exhausted:
                    return
                continue
            now = time.monotonic()
            timeout = max(0.0, min(w.started + limit for w in busy) - now) if limit else None
            ready = wait([w.conn for w in busy], timeout=timeout)
            for worker in busy:
                if worker.conn in ready:
                    try:
                        seq, result = worker.conn.recv()
                    except (EOFError, OSError):  # the worker died (out of memory, a crash in C code)
                        seq, item = worker.task
                        result = Skipped(item.id, item.source, "extraction crashed the worker process")
                        pool[pool.index(worker)] = _replace(worker, config)
                    done[seq] = result
                    worker.task = None
                elif limit and time.monotonic() - worker.started >= limit:
                    seq, item = worker.task
                    done[seq] = Skipped(item.id, item.source,
                                        f"extraction took longer than {limit:g} s (max_seconds_per_page)")
                    pool[pool.index(worker)] = _replace(worker, config)
    finally:
        for worker in pool:
            worker.stop(kill=worker.task is not None)


def _replace(worker: _Worker, config: Config) -> _Worker:
    worker.stop(kill=True)
    return _Worker(config)

