"""Writing a store out: JSON lines (one object per page, story, storyline, copy link and story
report), or five tables (pages, stories, storylines, copy_links, reports) as CSV files or Parquet
files in a folder.

In the tables, a field that holds a list or an object (published, content_farm, pages of a
story, ...) is its JSON text, so every format carries the same fields (schema.py).
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .errors import UsageError

FORMATS = ("jsonl", "csv", "parquet")


def write_jsonl(handle: TextIO, tables: dict[str, list[dict]]) -> int:
    n = 0
    for kind, rows in (("page", tables["pages"]), ("story", tables["stories"]), ("storyline", tables["storylines"]),
                       ("copy_link", tables["copy_links"]), ("report", tables["reports"])):
        for row in rows:
            handle.write(json.dumps({"kind": kind, **row}, ensure_ascii=False) + "\n")
            n += 1
    return n


def _flat(value: object) -> object:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list, tuple)) else value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: object) -> object:
    """A scraped string that a spreadsheet would run as a formula (a title '=HYPERLINK(...)', a URL
    '+cmd|...'), quoted with a leading apostrophe, as OWASP advises for CSV: the cell shows it as text."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def write_tables(folder: Path, tables: dict[str, list[dict]], fields: dict[str, Iterable[str]], format: str) -> int:
    """One file per table (pages.csv, stories.csv, ..., or .parquet) in `folder`; returns the row count."""
    if format == "parquet":
        try:
            import pyarrow
            import pyarrow.parquet
        except ImportError:
            raise UsageError("export --format parquet needs pyarrow: pip install 'storyline[parquet]'") from None
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for name, rows in tables.items():
        columns = list(fields[name])
        flat = [[_flat(row.get(c)) for c in columns] for row in rows]
        if format == "csv":
            with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(columns)
                writer.writerows([_inert(v) for v in row] for row in flat)
        else:
            table = pyarrow.table({c: [None if v is None else str(v) if not isinstance(v, (int, float, bool))
                                       else v for v in (r[i] for r in flat)] for i, c in enumerate(columns)})
            pyarrow.parquet.write_table(table, folder / f"{name}.parquet")
        n += len(rows)
    return n
