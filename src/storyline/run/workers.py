"""Per-page work in worker processes, with a time and memory limit per page.

A page that makes a parser hang or blow up (deeply nested HTML, pathological
text) must not stop the run: a worker that spends longer than
`max_seconds_per_page` on one page is killed and replaced, and that page is
recorded as skipped with the reason; pages queued behind it are handed to
another worker. Each worker keeps a small queue so it never waits for the
parent. Results come back in input order. Workers ignore Ctrl-C; the parent
stops them.
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import Connection, wait
from typing import Any

from ..config import Config
from ..records import Page, Skipped

_CONTEXT = multiprocessing.get_context("forkserver" if "forkserver" in multiprocessing.get_all_start_methods()
                                       else "spawn")
FORKS = _CONTEXT.get_start_method() == "forkserver"
_preload = ["storyline.extract"]  # import once; each worker starts fast
NER_PRELOAD = "storyline.run.preload"  # the module that loads the NER model in the fork server
_server_preloaded: tuple[str, ...] | None = None  # what the fork server imported, once it started
if FORKS:
    _CONTEXT.set_forkserver_preload(_preload)

QUEUE_PER_WORKER = 3
# Workers yield the CPU to the run's own process: it settles (copies, dates, stories) while they
# extract the pages after (run/readahead.py), and on two cores, at equal priority, three processes
# made the settles 43 % slower and the whole run gained 7 % instead of the idle core's worth.
WORKER_NICENESS = 5
STOP_POLL_SECONDS = 0.2  # how often a pool driven from a thread looks whether it is to stop


def preload(*modules: str) -> None:
    """Have the fork server import these modules too before it starts its first process: each
    worker then starts with them loaded (see run/preload.py). It only counts before this process
    starts its first worker; after that, workers load what they need themselves, as without it."""
    if FORKS and _server_preloaded is None:
        _preload.extend(m for m in modules if m not in _preload)
        _CONTEXT.set_forkserver_preload(_preload)


def preloaded(module: str) -> bool:
    """Whether processes started from now on come from a fork server that was given `module` to
    import (it may have failed there: run/preload.py swallows a missing model)."""
    return FORKS and module in (_server_preloaded if _server_preloaded is not None else _preload)


def start_fork_server() -> None:
    """Start the fork server now, with the preload as it is, instead of at the first process: a
    long-lived process (the web server) calls this at start, so that processes it starts later
    (uploads' workers, the report builder) come with the preload whatever starts first. The
    server does its preload in the background; this returns at once."""
    _starting()


def _starting() -> None:
    """Before a process starts: the first start starts the fork server, with the preload as it is.
    The server starts with Ctrl-C ignored: it shares the terminal's process group, and a Ctrl-C
    during its preload (seconds of imports) printed a traceback from it. The processes it forks
    keep ignoring it; the parent, which gets the Ctrl-C, stops them."""
    global _server_preloaded
    if not FORKS or _server_preloaded is not None:
        return
    _server_preloaded = tuple(_preload)
    from multiprocessing import forkserver

    # As for any process start, the server must not import __main__.
    with _main_module_hidden(), _ctrl_c_ignored():
        forkserver.ensure_running()


@contextmanager
def _on_ctrl_c(handler) -> Iterator[bool]:
    """Ctrl-C handled by `handler` for a while; yields whether it is. Only the main thread may set
    handlers: elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield True
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """A Ctrl-C while a pool's process starts is taken once it has started and the pool knows it (so
    that `_stop` ends it): one taken mid-start left a process that outlived the run and printed a
    traceback."""
    caught: list[int] = []
    with _on_ctrl_c(lambda signum, frame: caught.append(signum)):
        yield
    if caught:
        signal.raise_signal(signal.SIGINT)  # to the handler that was there: Python's raises KeyboardInterrupt


def _ctrl_c_ignored():
    """Ctrl-C ignored while a process is started (it inherits that across exec, and Python keeps a
    handler it finds set so)."""
    return _on_ctrl_c(signal.SIG_IGN)


Task = Callable[[Page, Config], Any]  # a module-level function, so it pickles


NEAR_LIMIT = 0.95  # a page that took the process this close to its memory limit was stopped by it


def _peak_mb() -> int | None:
    """The most address space this process has held (what RLIMIT_AS bounds), where Linux says it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            return next((int(line.split()[1]) // 1024 for line in status if line.startswith("VmPeak:")), None)
    except MemoryError:  # so near the limit that reading a small file fails
        return sys.maxsize
    except (OSError, ValueError):
        return None


def _serve(conn: Connection, task: Task, config: Config) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        os.nice(WORKER_NICENESS)
    except OSError:  # not allowed here: the run is only slower
        pass
    limit_mb = config.max_worker_memory_mb
    if limit_mb:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (limit_mb * 1024 * 1024, limit_mb * 1024 * 1024))
    too_big = f"page needs more than {limit_mb} MB to extract (max_worker_memory_mb)"
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        seq, page = message
        conn.send(("started", seq, None))
        refused = False
        try:
            result = task(page, config)
        except MemoryError:  # an allocation refused (extract_page lets it through to here)
            result, refused = Skipped(page.id, page.source, too_big), True
        peak = _peak_mb() if limit_mb else None
        if refused or (peak is not None and peak >= NEAR_LIMIT * limit_mb):
            # The parsers also swallow a refused allocation: lxml gives no tree and trafilatura no
            # text, so the page came back as "no article text found". The process's peak tells:
            # the limit stopped it. This process then ends (its peak stays at the limit, and an
            # allocation failure may have left a library in a bad state), and the parent starts a
            # fresh one for the next page.
            if isinstance(result, Skipped) and not result.transient:
                result = Skipped(page.id, page.source, too_big)
            conn.send(("done, retire me", seq, result))
            return
        conn.send(("done", seq, result))


@contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start processes without the caller's main module: a new process would otherwise run it again
    (a script without `if __name__ == "__main__":` would start a run in every worker), and cannot
    find it at all when it came from stdin or a notebook. Workers need nothing from it: their task
    is a function of storyline's own modules."""
    main = sys.modules.get("__main__")
    saved = {name: main.__dict__.pop(name) for name in ("__file__", "__spec__") if main and name in main.__dict__}
    if main is not None:
        main.__spec__ = None
    try:
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


class _Worker:
    """A worker process and its pipe. Pages go out through a thread of their own: a large page
    fills the pipe, and a parent blocked sending it while the worker is blocked sending back a
    large result would wait forever; the parent's own thread only ever receives."""

    def __init__(self, task: Task, config: Config) -> None:
        self.conn, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_serve, args=(child, task, config), daemon=True)
        _starting()
        with _main_module_hidden():
            self.process.start()
        child.close()
        self.queue: deque[tuple[int, Page]] = deque()  # sent, not finished; head is running or next
        self.started: float | None = None  # when the head task started
        self.outbox: queue.SimpleQueue = queue.SimpleQueue()
        self.sender = threading.Thread(target=self._send_all, daemon=True)
        self.sender.start()

    def _send_all(self) -> None:
        while True:
            message = self.outbox.get()
            try:
                self.conn.send(message)
            except (OSError, ValueError):  # the worker died or was stopped: the parent sees it on receiving
                return
            except BaseException:  # a page that cannot be sent (pickling, memory): the worker is ended,
                self.process.kill()  # so the parent sees it crash and skips the page instead of waiting
                return
            if message is None:
                return

    def give(self, seq: int, page: Page) -> None:
        self.queue.append((seq, page))
        self.outbox.put((seq, page))

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        self.outbox.put(None)  # after a kill, the sender's next send fails at once and it ends
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.sender.join(timeout=5)
        self.conn.close()


def run_in_workers(items: Iterable[Any], task: Task, config: Config, workers: int,
                   stop: threading.Event | None = None) -> Iterator[Any]:
    """`task(page, config)` for each Page, in `workers` processes; other items (Skipped, a caller's
    markers) pass through. Yields results in input order. `stop`: when set, the pool is stopped
    and this ends within moments (run/readahead.py drives it from a thread of its own)."""
    limit = config.max_seconds_per_page
    pool: list[_Worker] = []  # started at the first page: a run of pages all stored starts none
    source = enumerate(items)
    retry: deque[tuple[int, Page]] = deque()  # pages queued behind a page that timed out
    done: dict[int, Any] = {}
    next_out = 0
    exhausted = False

    def next_page() -> tuple[int, Page] | None:
        nonlocal exhausted
        while retry or not exhausted:
            if retry:
                return retry.popleft()
            nxt = next(source, None)
            if nxt is None:
                exhausted = True
            elif not isinstance(nxt[1], Page):
                done[nxt[0]] = nxt[1]
            else:
                return nxt
        return None

    try:
        while stop is None or not stop.is_set():
            if not pool and (first := next_page()) is not None:  # none: the end below, with no pool
                retry.appendleft(first)
                pool = [_Worker(task, config) for _ in range(max(1, workers))]
            for worker in pool:
                while len(worker.queue) < QUEUE_PER_WORKER and (nxt := next_page()) is not None:
                    worker.give(*nxt)
            while next_out in done:
                yield done.pop(next_out)
                next_out += 1
            busy = [w for w in pool if w.queue]
            if not busy:
                if exhausted and not retry:
                    while next_out in done:
                        yield done.pop(next_out)
                        next_out += 1
                    return
                continue
            timeout = None
            if limit:
                running = [w.started for w in busy if w.started is not None]
                timeout = max(0.0, min(running) + limit - time.monotonic()) if running else limit
            if stop is not None:
                timeout = STOP_POLL_SECONDS if timeout is None else min(timeout, STOP_POLL_SECONDS)
            ready = wait([w.conn for w in busy], timeout=timeout)
            for i, worker in enumerate(pool):
                if not worker.queue:
                    continue
                if worker.conn in ready:
                    try:
                        kind, seq, result = worker.conn.recv()
                    except (EOFError, OSError):  # died: out of memory, or a crash in C code
                        seq, page = worker.queue.popleft()
                        done[seq] = Skipped(page.id, page.source, "extraction crashed its worker process",
                                            transient=True)
                        pool[i] = _replace(worker, task, config, retry)
                        continue
                    if kind == "started":
                        worker.started = time.monotonic()
                    else:
                        worker.queue.popleft()
                        worker.started = None
                        done[seq] = result
                        if kind == "done, retire me":  # it reached its memory limit and ended
                            pool[i] = _replace(worker, task, config, retry)
                elif limit and worker.started is not None and time.monotonic() - worker.started >= limit:
                    seq, page = worker.queue.popleft()
                    done[seq] = Skipped(page.id, page.source,
                                        f"extraction took longer than {limit:g} s (max_seconds_per_page)")
                    pool[i] = _replace(worker, task, config, retry)
    finally:
        for worker in pool:
            worker.stop(kill=bool(worker.queue))


def _replace(worker: _Worker, task: Task, config: Config, retry: deque) -> _Worker:
    """Kill a worker; the pages it still had queued go to the front of the retry queue."""
    worker.stop(kill=True)
    retry.extendleft(reversed(worker.queue))
    return _Worker(task, config)


_END = object()


class ProcessPool(ProcessPoolExecutor):
    """A process pool with storyline's start method, whose processes start without the caller's
    main module (see `_main_module_hidden`): for work with no per-page limit (reports)."""

    def __init__(self, workers: int, **kwargs) -> None:
        super().__init__(max_workers=workers, mp_context=_CONTEXT, **kwargs)

    def submit(self, fn, /, *args, **kwargs):
        _starting()
        with _main_module_hidden(), _ctrl_c_deferred():  # processes start on submit
            return super().submit(fn, *args, **kwargs)


def _stop(pool: ProcessPool) -> None:
    """Drop the jobs not started and end the processes now: they ignore Ctrl-C (see `_starting`), and
    waiting for their jobs would hold a Ctrl-C up for as long as the slowest of them takes."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # CPython's pool keeps them here
    pool.shutdown(wait=False, cancel_futures=True)  # (and forgets them)
    for process in processes:
        process.terminate()


def pool_map(fn: Callable[[Any], Any], items: Iterable[Any], workers: int, *,
             on_error: Callable[[Any, BaseException], None]) -> Iterator[Any]:
    """`fn(item)` for each item in `workers` processes, results as they finish (any order). At most
    two items per worker are in flight, so a lazy `items` is read as the workers need it. An item
    whose call raises goes to `on_error(item, error)` and the rest go on; if the pool itself breaks
    (a worker killed), the items left run in this process. For work with no per-page limit (reports)."""
    source = iter(items)
    pending: dict = {}  # future -> item
    leftover: list = []  # items to run here once the pool broke
    broken = False
    pool = ProcessPool(workers)
    try:
        while not broken:
            while len(pending) < 2 * workers and (item := next(source, _END)) is not _END:
                try:
                    future = pool.submit(fn, item)
                except BrokenProcessPool:
                    leftover.append(item)
                    broken = True
                    break
                pending[future] = item
            if not pending:
                break
            done, _ = wait_futures(list(pending), return_when=FIRST_COMPLETED)
            for future in done:
                item = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    leftover.append(item)
                    broken = True
                    continue
                except Exception as err:  # noqa: BLE001 - one item's failure is reported, not fatal
                    on_error(item, err)
                    continue
                yield result
    except BaseException:  # Ctrl-C, or the caller stopped reading: what is in flight is of no use now
        _stop(pool)
        raise
    finally:
        pool.shutdown(wait=True)  # at once after _stop
    if broken:
        leftover.extend(pending.values())
        for item in (*leftover, *source):
            try:
                yield fn(item)
            except Exception as err:  # noqa: BLE001
                on_error(item, err)
