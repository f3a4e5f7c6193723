"""Prepared pages (extracted, fingerprinted, counted: run/local.py `Prepared`) and skipped
pages as Parquet, one file per partition: what a scaled-out run writes and `storyline load`
reads back. Plain columns a user can query (id, source, url, title, text, dates, agency), the
rest as JSON, and the fingerprint's arrays as bytes. Nothing is pickled: loading a folder
never runs code from it.

A partition's file is written under a temporary name and renamed when complete, so a worker
killed while writing leaves no partial file, and a partition written twice (a retried task)
is the same file once.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..records import Article, Dateline, Injection, Mention, PageSignals, Signature, Skipped
from .local import Prepared

# Pages turned into Arrow rows at a time while a partition is written: what the writing task holds
# as Python objects. The file keeps one row group: reading ten of 100 rows took 55 MB more on a
# worker judging copy pairs (10,000 pages, 2026-12-03).
PAGES_PER_BATCH = 100
COLUMNS = ("id", "status", "source", "url", "title", "text", "claimed_date", "agency", "reason", "detail",
           "minhash", "shingles")


def _row(item: Prepared | Skipped) -> dict:
    if isinstance(item, Skipped):
        return {"id": item.id, "status": "skipped", "source": item.source, "url": None, "title": None, "text": None,
                "claimed_date": None, "agency": None, "reason": item.reason,
                "detail": json.dumps({"transient": item.transient}), "minhash": None, "shingles": None}
    a, sig = item.article, item.signature
    detail = {
        "byline": a.byline, "site_name": a.site_name, "dateline": asdict(a.dateline) if a.dateline else None,
        "injections": [asdict(i) for i in a.injections], "warnings": list(a.warnings), "signals": asdict(a.signals),
        "exact_hash": sig.exact_hash, "band_keys": list(sig.band_keys), "window_keys": list(sig.window_keys),
        "terms": item.terms, "story_counts": item.story_counts, "content_hash": item.content_hash,
        "mentions": [asdict(m) for m in item.mentions], "read_from": a.read_from,
    }
    return {"id": a.id, "status": "ok", "source": a.source, "url": a.url, "title": a.title, "text": a.text,
            "claimed_date": a.claimed_date, "agency": a.agency, "reason": None,
            "detail": json.dumps(detail, ensure_ascii=False),
            "minhash": sig.minhash.astype("<u8").tobytes(), "shingles": sig.shingles.astype("<u8").tobytes()}


def _item(row: dict) -> Prepared | Skipped:
    detail = json.loads(row["detail"])
    if row["status"] == "skipped":
        return Skipped(row["id"], row["source"], row["reason"], transient=bool(detail.get("transient")))
    signals = detail["signals"]
    article = Article(
        id=row["id"], source=row["source"], title=row["title"], text=row["text"], byline=detail["byline"],
        site_name=detail["site_name"], claimed_date=row["claimed_date"],
        dateline=Dateline(**detail["dateline"]) if detail["dateline"] else None, agency=row["agency"], url=row["url"],
        read_from=detail.get("read_from"),  # absent in folders prepared before it was kept
        injections=tuple(Injection(**i) for i in detail["injections"]), warnings=tuple(detail["warnings"]),
        signals=PageSignals(categories=tuple(signals["categories"]), byline_label=signals["byline_label"],
                            claimed_date_where=signals["claimed_date_where"],
                            unrelated_headlines=signals["unrelated_headlines"], rendered_date=signals["rendered_date"],
                            removed=tuple(signals.get("removed") or ())))
    signature = Signature(page_id=row["id"], exact_hash=detail["exact_hash"],
                          minhash=np.frombuffer(row["minhash"], dtype="<u8").astype(np.uint64),
                          shingles=np.frombuffer(row["shingles"], dtype="<u8").astype(np.uint64),
                          band_keys=tuple(detail["band_keys"]), window_keys=tuple(detail["window_keys"]))
    return Prepared(article, signature, detail["terms"], detail["story_counts"], detail["content_hash"],
                    tuple(Mention(**m) for m in detail["mentions"]))


def write_partition(items: Iterable[Prepared | Skipped], path: Path) -> tuple[int, int]:
    """Write atomically: under a temporary name, then renamed into place. The pages are turned into
    Arrow rows PAGES_PER_BATCH at a time as they come, so only that many are held as Python objects
    (a thousand were 48 MB, and converting them at once took 130 MB more). Returns the number of
    pages written and how many of them are skipped pages."""
    import pyarrow as pa

    schema = _schema()
    batches, group, pages, skipped = [], [], 0, 0
    for item in items:
        group.append(_row(item))
        pages += 1
        skipped += isinstance(item, Skipped)
        if len(group) == PAGES_PER_BATCH:
            batches.append(pa.RecordBatch.from_pylist(group, schema=schema))
            group = []
    if group:
        batches.append(pa.RecordBatch.from_pylist(group, schema=schema))
    _write_atomically(pa.Table.from_batches(batches, schema=schema), path)
    return pages, skipped


def _write_atomically(table, path: Path) -> None:
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            pq.write_table(table, handle, compression="zstd")
            handle.flush()
            os.fsync(handle.fileno())  # on disk before it is named: a crash leaves no short file
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)  # the rename itself survives a crash
    finally:
        os.close(folder)


def row_counts(path: Path) -> tuple[int, int]:
    """(pages, skipped pages) of a partition's file, from its status column only."""
    import pyarrow.parquet as pq

    statuses = pq.read_table(path, columns=["status"]).column("status").to_pylist()
    return len(statuses), statuses.count("skipped")


def read_partition_file(path: Path, max_text_chars: int | None = None,
                        on_altered: Callable[[], None] | None = None):
    """The prepared and skipped pages of one partition's file, in order, one row group at a time.
    A row that is not what `write_partition` writes (the file was altered) is a skipped page that
    says so, and `on_altered()` is told; a file whose data cannot be decoded is an error naming it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    read = 0
    for group in range(handle.num_row_groups):
        try:
            rows = handle.read_row_group(group).to_pylist()
        except (pa.ArrowException, OSError) as err:
            raise InputError(f"{path}: damaged after {read:,} rows ({str(err)[:200]}); the pages before it are "
                             "stored: remove the file and copies/pairs.parquet, run the same `storyline run "
                             "--engine dask` again to write them anew, and load again") from err
        for row in rows:
            read += 1
            item, altered = _checked_item(row, f"{path.name} row {read}", max_text_chars)
            if altered and on_altered is not None:
                on_altered()
            yield item


def _checked_item(row: dict, where: str, max_text_chars: int | None) -> tuple[Prepared | Skipped, bool]:
    """The row's page, and whether the row was altered after the run (then a skipped page saying so)."""
    page_id, source, status = row.get("id"), row.get("source"), row.get("status")
    has_source = isinstance(source, str) and bool(source)

    def altered(why: str) -> tuple[Skipped, bool]:
        named = page_id if isinstance(page_id, str) and page_id else f"({where})"
        return Skipped(named, source if has_source else where, f"{where} {why}: the file was altered"), True

    if not isinstance(page_id, str) or not page_id:
        return altered("has no page id")
    if not has_source:
        return altered("has no source")
    if status == "skipped" and not isinstance(row.get("reason"), str):
        return altered("is a skipped page with no reason")
    if status not in ("ok", "skipped"):
        return altered(f"has an unknown status {str(status)[:20]!r}")
    text = row.get("text")
    if status == "ok" and not isinstance(text, str):
        return altered("has no text")
    if max_text_chars is not None and status == "ok" and len(text) > max_text_chars:
        # Extraction cuts a text to this length, so a prepared text is never longer (settings must match).
        return altered(f"has a text of {len(text):,} characters, over max_text_chars = {max_text_chars:,}")
    try:
        return _item(row), False
    except (KeyError, TypeError, ValueError, AttributeError) as err:  # JSON, a field, the arrays' bytes
        return altered(f"is damaged ({type(err).__name__}: {str(err)[:120]})")


def partition_problem(path: Path) -> str | None:
    """Why a partition's file cannot be loaded (not Parquet, cut short, other columns or types), from
    its footer alone; None when it has the columns `write_partition` writes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.ParquetFile(path).schema_arrow
    except (pa.ArrowException, OSError) as err:
        return f"not a readable Parquet file ({str(err)[:120]})"
    return _schema_problem(schema, _schema())


def _schema_problem(schema, expected) -> str | None:
    missing = [f.name for f in expected if f.name not in schema.names]
    if missing:
        return f"no column {', '.join(missing)}"
    wrong = [f"{f.name} is {schema.field(f.name).type}, not {f.type}" for f in expected
             if schema.field(f.name).type != f.type]
    return "; ".join(wrong) or None


def partition_ids(path: Path) -> list[str | None]:
    """Of a partition's file, in order: each row's id."""
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["id"]).column("id").to_pylist()


def _schema():
    import pyarrow as pa

    text = pa.string()
    return pa.schema([("id", text), ("status", text), ("source", text), ("url", text), ("title", text),
                      ("text", text), ("claimed_date", text), ("agency", text), ("reason", text), ("detail", text),
                      ("minhash", pa.binary()), ("shingles", pa.binary())])


def partition_heads(path: Path) -> tuple[list[str], list[str | None], list[tuple[int, ...]]]:
    """Of a partition's file, in order: each row's id, exact hash (None for a skipped page) and LSH
    keys (band and window keys; () for a skipped page or one with no text): what the copy pairs
    are found from (dedup/pairs.py), without the texts."""
    import pyarrow.parquet as pq

    ids, hashes, keys = [], [], []
    for row in pq.read_table(path, columns=["id", "status", "detail"]).to_pylist():
        ids.append(row["id"])
        if row["status"] != "ok":
            hashes.append(None)
            keys.append(())
            continue
        detail = json.loads(row["detail"])
        hashes.append(detail["exact_hash"])
        keys.append(tuple(detail["band_keys"]) + tuple(detail["window_keys"]))
    return ids, hashes, keys


def partition_texts(path: Path) -> list[str | None]:
    """Of a partition's file, in order: each row's text (None for a skipped page)."""
    import pyarrow.parquet as pq

    return pq.read_table(path, columns=["text"]).column("text").to_pylist()


def partition_shingles(path: Path) -> list[np.ndarray]:
    """Of a partition's file, in order: each row's signature shingles (empty for a skipped page).
    Only that column is read: the texts are most of the file."""
    import pyarrow.parquet as pq

    return [np.frombuffer(raw, dtype="<u8").astype(np.uint64) if raw else np.zeros(0, np.uint64)
            for raw in pq.read_table(path, columns=["shingles"]).column("shingles").to_pylist()]


PAIRS_COLUMNS = ("earlier", "later", "relation", "score")


def write_pairs(rows: list[tuple[str, str, str | None, float | None]], path: Path) -> None:
    """The judged copy candidates (earlier page id, later page id, relation or None, score or None),
    atomically as the partitions are."""
    import pyarrow as pa

    schema = _pairs_schema()
    _write_atomically(pa.Table.from_arrays([pa.array([r[k] for r in rows], type=f.type)
                                            for k, f in enumerate(schema)], schema=schema), path)


def read_pairs(path: Path) -> list[tuple[str, str, str | None, float | None]]:
    """The judged copy candidates `write_pairs` wrote; InputError when the file is not that."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"{path}: not a readable Parquet file ({str(err)[:120]})") from err
    problem = _schema_problem(table.schema, _pairs_schema())
    if problem:
        raise InputError(f"{path}: {problem}")
    return list(zip(*(table.column(c).to_pylist() for c in PAIRS_COLUMNS)))


def _pairs_schema():
    import pyarrow as pa

    return pa.schema([("earlier", pa.string()), ("later", pa.string()), ("relation", pa.string()),
                      ("score", pa.float64())])
