"""Readers: files, directories, WARC, JSONL and stdin in; Page / Skipped out.

`read_inputs(["pages/", "crawl.warc.gz", "-"])` yields one record per page.
A page that cannot be read is yielded as Skipped with its reason; reading goes on.
"""
from __future__ import annotations

import gzip
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import InputError
from ..config import Config
from ..records import Page, Skipped
from .files import FORMATS, format_of, read_file, read_stream

__all__ = ["check_inputs", "count_pages", "describe_unread", "read_inputs", "iter_files", "FORMATS"]


def _is_read(child: Path) -> bool:
    # A dangling link is kept so it is reported as unreadable, not lost; other
    # non-files (FIFOs, sockets) are left out: opening one would block.
    return format_of(child) is not None and (child.is_file() or (child.is_symlink() and not child.exists()))


def iter_files(path: Path) -> Iterator[Path]:
    """Files under `path` (recursive) whose extension storyline reads, sorted."""
    if path.is_dir():
        yield from (child for child in sorted(path.rglob("*")) if _is_read(child))
    else:
        yield path


def _survey(path: Path) -> tuple[bool, list[Path]]:
    """Of one input: whether it holds anything storyline reads, and the files of a folder that
    it does not read (their extension is none it knows). One walk of the folder."""
    if not path.is_dir():
        return True, []
    children = sorted(path.rglob("*"))
    return (any(_is_read(c) for c in children),
            [c for c in children if c.is_file() and format_of(c) is None])


def describe_unread(files: list[Path]) -> str:
    """'3 files (2 .md, 1 without extension)'."""
    kinds = Counter(f.suffix.lower() or "without extension" for f in files)
    listed = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{len(files)} file{'s' if len(files) != 1 else ''} ({listed})"


def check_inputs(inputs: Iterable[str | Path]) -> list[Path]:
    """Fail before any work when an input does not exist (a typo should not cost a long run) or
    when the inputs hold nothing storyline reads. Returns the files of input folders that are
    not read, so that the caller can say so."""
    inputs = [str(i) for i in inputs]
    missing = [i for i in inputs if i != "-" and not Path(i).exists() and not Path(i).is_symlink()]
    if missing:
        raise InputError(f"no such file or directory: {', '.join(missing)}")
    surveys = [(True, []) if i == "-" else _survey(Path(i)) for i in inputs]
    unread = [f for _, files in surveys for f in files]
    if not any(readable for readable, _ in surveys):
        what = f"; not read: {describe_unread(unread)}" if unread else ""
        raise InputError(f"nothing to read in {', '.join(inputs)}: no .txt, .html, .htm, .warc or .jsonl "
                         f"file (also gzipped){what}")
    return unread


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


COUNT_LINES_UP_TO = 1 << 30  # JSONL bytes worth a counting pass before a run, for a progress total


def count_pages(inputs: Iterable[str | Path]) -> int | None:
    """How many pages the inputs hold, when that is cheap to know (files, lines of JSONL up to
    COUNT_LINES_UP_TO bytes in all); None for stdin, WARC, or larger JSONL."""
    total, jsonl_bytes = 0, 0
    for item in inputs:
        if str(item) == "-":
            return None
        for file in iter_files(Path(item)):
            kind = format_of(file)
            if kind == "warc" or not file.is_file():  # a FIFO read to count its lines would be empty after
                return None
            if kind != "jsonl":
                total += 1
                continue
            try:
                jsonl_bytes += file.stat().st_size
                if jsonl_bytes > COUNT_LINES_UP_TO:
                    return None
                opener = gzip.open if file.suffix.lower() == ".gz" else open
                with opener(file, "rb") as handle:
                    total += sum(1 for line in handle if line.strip())
            except (OSError, EOFError, ValueError):
                return None
    return total

