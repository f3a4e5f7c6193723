"""Executors: run the stages over inputs and keep the store up to date."""
from .local import RunSummary, run_pipeline

__all__ = ["RunSummary", "run_pipeline"]
