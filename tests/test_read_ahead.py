"""The thread that extracts ahead of a run (run/readahead.py): order, errors, and stopping."""
from __future__ import annotations

import threading
import time

import pytest

from storyline.run.readahead import read_ahead


def test_items_come_in_order_and_a_producer_error_is_raised_in_the_run():
    threads = []

    def produce(ahead):
        ahead.call_in_caller(lambda: threads.append(threading.current_thread()))
        yield from range(50)
        raise ValueError("unreadable input")

    got = []
    with pytest.raises(ValueError, match="unreadable input"):
        for item in read_ahead(produce, capacity=4):
            got.append(item)
    assert got == list(range(50))
    assert threads == [threading.main_thread()]  # what only the main thread may do is done there


def test_a_run_that_stops_taking_stops_the_producer_at_once():
    closed = threading.Event()

    def produce(ahead):
        try:
            n = 0
            while not ahead.stop.is_set():  # as the worker pool does between pages
                yield n
                n += 1
        finally:
            closed.set()  # the pool's processes are stopped here

    items = read_ahead(produce, capacity=3)
    assert [next(items) for _ in range(5)] == [0, 1, 2, 3, 4]
    start = time.monotonic()
    items.close()  # an error or Ctrl-C in the run
    assert closed.is_set() and time.monotonic() - start < 3
