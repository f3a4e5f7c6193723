"""Imported once by the fork server that starts a run's worker processes (run/workers.py
`preload`), so that every worker it forks starts with this loaded, copy-on-write, instead of
loading it itself: the module of the workers' task, and spaCy with the NER model, which take
about 2 s to load (as long as extracting 80 pages), once per extraction worker and once more
per report process before.
"""
import gc
import signal
from importlib import import_module

# The fork server shares the terminal's process group, and Python's own code has it ignore Ctrl-C
# only once its preload is done: a Ctrl-C during these 2 s would print a traceback from it. A server
# started from the main thread already ignores it (workers.py `_starting`); one started from another
# thread (a Dask worker's task) is covered here for the model's load. The handler is put back after,
# as the workers it forks take it from here.
_handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
try:
    from ..cluster.ner import load_nlp
    import_module(f"{__package__}.local")  # the workers' task (`prepare`) is unpickled from it

    try:
        load_nlp()
    except Exception:  # noqa: BLE001 - no model, or a broken one: each worker that needs it fails as before
        pass
finally:
    signal.signal(signal.SIGINT, _handler)
# What is loaded stays as it is: out of the garbage collector's sight, a worker does not write
# to (and so copy) every page of it on its first collection.
gc.freeze()
