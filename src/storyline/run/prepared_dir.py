"""The folder `storyline run --engine dask` writes and `storyline load` reads: its manifest (the
plan of partitions, the inputs and the settings the pages depend on), and the checks a load makes
of it before anything is stored. The files themselves are read and written by prepared_io.py."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

from ..config import Config
from ..errors import InputError, UsageError
from .partitions import Partition
from .prepared_io import partition_problem, read_partition_file

MANIFEST = "manifest.json"
FORMAT = "storyline-prepared/1"


def check_manifest(out: Path, inputs: list[str], parts: list[Partition], config: Config) -> str:
    """Write the plan beside the partitions; a folder holding another run's plan is refused.
    Returns a token of the plan and folder."""
    plan = [{k: v for k, v in asdict(p).items() if k != "sources"} for p in parts]  # sources: as typed here
    manifest = {"format": FORMAT, "inputs": [str(Path(i).resolve()) for i in inputs],
                "partitions": plan, "settings": prepared_settings(config)}
    path = out / MANIFEST
    text = json.dumps(manifest, indent=1)
    if path.exists():
        if json.loads(path.read_text()) != json.loads(text):
            raise UsageError(f"{out} holds the output of another run (other inputs or settings): give another --out, "
                             "or remove it")
    else:
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return hashlib.sha1(f"{out}\n{text}".encode()).hexdigest()[:12]


def prepared_settings(config: Config) -> dict:
    """The settings the prepared pages depend on: a load under other settings would differ."""
    keys = ("max_page_bytes", "max_text_chars", "text_kind", "shingle_size", "num_perm", "lsh_bands")
    return {k: getattr(config, k) for k in keys}


def prepared_pages(out_dir: str | Path, config: Config) -> Iterator:
    """Every prepared or skipped page of a finished output folder, in input order. The folder
    is checked at once (before anything is read or stored): an unfinished folder is an error that
    names what is missing."""
    return pages_of(prepared_files(out_dir, config), config)


def pages_of(files: list[Path], config: Config, on_altered: Callable[[], None] | None = None) -> Iterator:
    """The pages of a folder's partition files as `prepared_files` gives them, in input order;
    `on_altered()` is told of each row altered after the run."""
    return (item for f in files for item in read_partition_file(f, config.max_text_chars, on_altered))


def prepared_rows(files: list[Path]) -> int:
    """How many pages (prepared or skipped) the partition files hold, from their footers."""
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def prepared_files(out_dir: str | Path, config: Config) -> list[Path]:
    out = Path(out_dir)
    path = out / MANIFEST
    if not path.exists():
        raise InputError(f"{out} is not the output of `storyline run --engine dask` (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path} is damaged: not JSON ({err})") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise InputError(f"{out}: unknown format {str(found)[:40]!r}")
    partitions = manifest.get("partitions")
    if not isinstance(partitions, list) or not all(
            isinstance(p, dict) and type(p.get("index")) is int and p["index"] >= 0 for p in partitions):
        raise InputError(f"{path} is damaged: its list of partitions is not the one `storyline run` writes")
    if manifest.get("settings") != prepared_settings(config):
        raise UsageError(f"{out} was prepared under other settings ({manifest.get('settings')}); load it with those")
    files = [out / "prepared" / f"part-{p['index']:06d}.parquet" for p in partitions]
    # A list edited after the run (an entry removed, one repeated) would load a part of the
    # pages, or some twice, and say nothing: the run writes each partition once and lists it.
    unlisted = sorted(set((out / "prepared").glob("part-*.parquet")) - set(files))
    if unlisted or len(set(files)) < len(files):
        wrong = (f"the folder holds {len(unlisted)} partition files it does not list "
                 f"({', '.join(f.name for f in unlisted[:3])})") if unlisted else "it lists a partition more than once"
        raise InputError(f"{path} is damaged: {wrong}; run the same `storyline run --engine dask` again into a "
                         "new --out")
    missing = [f.name for f in files if not f.exists()]
    if missing:
        raise InputError(f"{out}: {len(missing)} of {len(files)} partitions are not written yet ({', '.join(missing[:3])}"
                         f"{', ...' if len(missing) > 3 else ''}): run the same `storyline run --engine dask` again "
                         "to finish them")
    # Each file's footer, before anything is stored: a file cut short, replaced or rewritten with
    # other columns is named now rather than stopping the load half-way.
    damaged = [f"{f.name}: {problem}" for f in files if (problem := partition_problem(f))]
    if damaged:
        raise InputError(f"{out}: {len(damaged)} of {len(files)} partitions cannot be loaded ({'; '.join(damaged[:3])}"
                         f"{'; ...' if len(damaged) > 3 else ''}): remove them and copies/pairs.parquet, and run the "
                         "same `storyline run --engine dask` again to write them anew")
    return files
