"""Imported once by the fork server that starts a run's worker processes (run/workers.py
`preload`), so that every worker it forks starts with this loaded, copy-on-write, instead of
loading it itself: the module of the workers' task, and spaCy with the NER model, which take
about 2 s to load (as long as extracting 80 pages), once per extraction worker and once more
per report process before.
"""
import gc

from ..cluster.ner import load_nlp
from . import local  # noqa: F401 - the workers' task (`prepare`) is unpickled from it

try:
    load_nlp()
except Exception:  # noqa: BLE001 - no model, or a broken one: the first worker that needs it says why
    pass
# What is loaded stays as it is: out of the garbage collector's sight, a worker does not write
# to (and so copy) every page of it on its first collection.
gc.freeze()
