"""Executors: run the stages over inputs and keep the store up to date.

Imported when first used, so that `run.workers` alone (the fork server's start, command.py)
does not load the pipeline."""
from importlib import import_module

__all__ = ["RunSummary", "run_pipeline"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module(".local", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
