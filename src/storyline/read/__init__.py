"""Readers: files, directories, WARC, JSONL and stdin in; Page / Skipped out.

`read_inputs(["pages/", "crawl.warc.gz", "-"])` yields one record per page.
A page that cannot be read is yielded as Skipped with its reason; reading goes on.
"""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError
from ..config import Config
from ..records import Page, Skipped
from .files import FORMATS, format_of, read_file, read_stream

__all__ = ["check_inputs", "read_inputs", "iter_files", "FORMATS"]


def iter_files(path: Path) -> Iterator[Path]:
    """Files under `path` (recursive) whose extension storyline reads, sorted."""
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            # A dangling link is kept so it is reported as unreadable, not lost;
            # other non-files (FIFOs, sockets) are left out: opening one would block.
            if format_of(child) is not None and (child.is_file() or (child.is_symlink() and not child.exists())):
                yield child
    else:
        yield path


def check_inputs(inputs: Iterable[str | Path]) -> None:
    """Fail before any work when an input does not exist (a typo should not cost a long run)."""
    missing = [str(i) for i in inputs if str(i) != "-" and not Path(i).exists() and not Path(i).is_symlink()]
    if missing:
        raise InputError(f"no such file or directory: {', '.join(missing)}")


def read_inputs(inputs: Iterable[str | Path], config: Config = Config()) -> Iterator[Page | Skipped]:
    for item in inputs:
        if str(item) == "-":
            yield from read_stream(sys.stdin.buffer, "<stdin>", config)
            continue
        path = Path(item)
        if not path.exists() and not path.is_symlink():
            raise InputError(f"no such file or directory: {item}")
        for file in iter_files(path):
            yield from read_file(file, config)
