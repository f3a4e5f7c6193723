"""Extraction that goes on while the run settles.

A long run stops taking pages every SETTLE_EVERY pages to settle what it stored (copies, dates,
stories, storylines: a few minutes on one core at 100k pages). When the run's own thread also
drove the worker pool, the workers waited for it: on two cores one idled for the whole settle
(bench/scale: 37 % of a 30,000-page run). Here the pool is driven by a thread of its own, which
keeps the workers busy and puts their results, in input order, into a buffer bounded by the
memory they hold, that the run takes from.

Only the run's thread writes the store. Something that must happen on it (starting the fork
server, whose Ctrl-C handling only the main thread can set) is handed to it through the buffer.
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

POLL_SECONDS = 0.2  # how soon the producing thread sees that the run stopped taking
JOIN_SECONDS = 10.0  # how long a run that stopped waits for it to stop the workers


class _Buffer:
    """Items handed over and not yet taken, bounded by their total weight (one item heavier than
    the bound still passes, alone)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.items: deque[tuple[Any, int]] = deque()
        self.weight = 0
        self.changed = threading.Condition()

    def put(self, item: Any, weight: int, stop: threading.Event) -> bool:
        with self.changed:
            while self.items and self.weight + weight > self.capacity and not stop.is_set():
                self.changed.wait(POLL_SECONDS)
            if stop.is_set():
                return False
            self.items.append((item, weight))
            self.weight += weight
            self.changed.notify_all()
            return True

    def get(self) -> Any:
        with self.changed:
            while not self.items:
                self.changed.wait()
            item, weight = self.items.popleft()
            self.weight -= weight
            self.changed.notify_all()
            return item


@dataclass(slots=True)
class Ahead:
    """What the producing thread is given: `stop` is set when the run stops taking (done, an
    error, Ctrl-C); `call_in_caller(fn)` runs fn on the run's thread and waits for it."""

    stop: threading.Event
    _out: _Buffer
    _weigh: Callable[[Any], int]

    def put(self, item: Any) -> bool:
        """Hand an item over; False when the run has stopped taking."""
        return self._out.put(item, self._weigh(item), self.stop)

    def call_in_caller(self, fn: Callable[[], None]) -> None:
        call = _Call(fn)
        if self._out.put(call, 0, self.stop):
            while not call.done.wait(POLL_SECONDS) and not self.stop.is_set():
                pass


@dataclass(slots=True)
class _Call:
    fn: Callable[[], None]
    done: threading.Event = field(default_factory=threading.Event)


@dataclass(slots=True, frozen=True)
class _Failed:
    error: BaseException


_END = object()


def read_ahead(produce: Callable[[Ahead], Iterator[Any]], capacity: int,
               weigh: Callable[[Any], int] = lambda item: 1) -> Iterator[Any]:
    """The items of `produce(ahead)`, made in a thread of their own, in their order; those made
    and not yet taken weigh at most `capacity` together (`weigh(item)`: 1 each unless told). An
    exception in `produce` is raised here. When the caller stops (an exception, Ctrl-C, or it
    closes this generator), `ahead.stop` is set and the thread is waited for: `produce` must
    notice it within moments, and close what it opened."""
    ahead = Ahead(threading.Event(), _Buffer(capacity), weigh)

    def run() -> None:
        items = produce(ahead)
        try:
            for item in items:
                if not ahead.put(item):
                    return
            ahead._out.put(_END, 0, ahead.stop)
        except BaseException as err:  # noqa: BLE001 - handed to the caller, raised there
            ahead._out.put(_Failed(err), 0, ahead.stop)
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()  # a generator's finally (the worker pool's) runs on this thread

    thread = threading.Thread(target=run, name="storyline-read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = ahead._out.get()  # Ctrl-C interrupts the wait
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            if isinstance(item, _Call):
                try:
                    item.fn()
                finally:
                    item.done.set()
                continue
            yield item
    finally:
        ahead.stop.set()
        # Within moments, unless the thread is blocked reading its input (a pipe that has not
        # written yet): then it is left behind, a daemon, and the pool's processes end with this one.
        thread.join(timeout=JOIN_SECONDS)
