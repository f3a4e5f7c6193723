"""The library's exceptions: each carries a message for the user.

The CLI prints a StorylineError's message and exits 2. Any other exception is a
bug and shows its traceback.
"""
from __future__ import annotations


class StorylineError(Exception):
    """Base of every error storyline reports to its user."""


class ConfigError(StorylineError, ValueError):
    """A setting, config file or model file that cannot be used."""


class InputError(StorylineError, FileNotFoundError):
    """An input path that does not exist or cannot be read as a whole."""


class StoreError(StorylineError):
    """A store that cannot be opened, or was built with other settings."""


class UsageError(StorylineError, ValueError):
    """An argument the API or the command line cannot act on (an unknown export format, ...)."""


class ClusterError(StorylineError):
    """A Dask cluster that went away in the middle of a run (its scheduler died, the network failed)."""
