"""Inputs cut into partitions that workers read on their own, in an order that is the input
order: partition n holds the pages that `read_inputs` would yield after those of partitions
0..n-1, so results read back partition by partition meet the later stages in the same order as
a local run's.

- A plain JSONL file is cut into runs of lines; the planner scans it once for the byte offset
  of each run's first line (a worker seeks there and keeps the true line numbers, which ids of
  records without id or URL depend on).
- A gzipped JSONL file and a WARC file are one partition each (they cannot be entered in the
  middle; crawls come as many WARC files of about 1 GB).
- Single pages (HTML, text) are grouped, a run of files per partition.
"""
from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..read import iter_files
from ..read.files import format_of, read_file
from ..read.jsonl import read_jsonl
from ..records import Page, Skipped

PAGES_PER_PARTITION = 1000


@dataclass(slots=True, frozen=True)
class Partition:
    """One unit of work: some files, or a run of lines of one JSONL file."""

    index: int
    files: tuple[str, ...]  # absolute paths: a worker elsewhere has another working folder
    sources: tuple[str, ...]  # the same files as the user named them (pages' `source`, as a local run gives)
    offset: int = 0  # JSONL: byte offset of the first line of the run
    first_line: int = 1
    lines: int | None = None  # None: the whole file(s)

    @property
    def name(self) -> str:
        return f"part-{self.index:06d}"


def plan_partitions(inputs: list[str], pages_per_partition: int = PAGES_PER_PARTITION) -> list[Partition]:
    """The inputs' partitions, in input order. Folders are walked as `storyline run` walks them."""
    if pages_per_partition < 1:
        raise ValueError(f"pages per partition must be at least 1, not {pages_per_partition}")
    parts: list[Partition] = []
    singles: list[str] = []

    def flush_singles() -> None:
        if singles:
            parts.append(Partition(len(parts), tuple(str(Path(f).resolve()) for f in singles), tuple(singles)))
            singles.clear()

    for given in inputs:
        for path in iter_files(Path(given)):
            fmt = format_of(path)
            if fmt == "jsonl" and path.suffix.lower() != ".gz":
                flush_singles()
                for offset, first, count in _line_runs(path, pages_per_partition):
                    parts.append(Partition(len(parts), (str(path.resolve()),), (str(path),), offset, first, count))
            elif fmt in ("jsonl", "warc"):
                flush_singles()
                parts.append(Partition(len(parts), (str(path.resolve()),), (str(path),)))
            else:
                singles.append(str(path))
                if len(singles) >= pages_per_partition:
                    flush_singles()
    flush_singles()
    return parts


def _line_runs(path: Path, size: int) -> Iterator[tuple[int, int, int]]:
    """(byte offset, first line number, lines) of each run of `size` lines."""
    offset, start, start_line, count = 0, 0, 1, 0
    with open(path, "rb") as handle:
        for raw in handle:
            if count == size:
                yield start, start_line, count
                start, start_line, count = offset, start_line + count, 0
            count += 1
            offset += len(raw)
    if count:
        yield start, start_line, count


def read_partition(part: Partition, config: Config) -> Iterator[Page | Skipped]:
    """The pages of one partition, as `read_inputs` yields them for those files or lines."""
    if part.lines is None:
        for name, source in zip(part.files, part.sources):
            yield from read_file(Path(name), config, source=source)
        return
    path = Path(part.files[0])
    with open(path, "rb") as handle:
        handle.seek(part.offset)
        yield from read_jsonl(handle, part.sources[0], config, key=str(path), first_line=part.first_line,
                              max_lines=part.lines)


def count_lines(path: Path) -> int:  # for tests and benches: lines of a (gzipped) JSONL file
    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as handle:
        return sum(1 for _ in handle)
