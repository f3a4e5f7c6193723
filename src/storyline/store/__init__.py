"""Storage: the embedded SQLite store (default) behind one small interface."""
from .sqlite import SqliteStore

__all__ = ["SqliteStore"]
