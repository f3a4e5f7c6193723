"""`storyline load` of a prepared folder that was damaged or altered after `run --engine dask`
wrote it (cut short in a copy, rewritten by another tool, a stale pairs file beside it): the
folder is refused before anything is stored, naming the file, or the damaged page is skipped
with its reason; the store is never left broken, and nothing stored before is lost."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from storyline import Storyline
from storyline.cli import main
from storyline.config import Config

pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
import pyarrow.parquet as pq  # noqa: E402

from storyline.run.dask_engine import run_dask  # noqa: E402

from .test_dask import _copies, _copies_feed  # noqa: E402


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """A prepared folder of 24 pages with copies (3 partitions, judged pairs), and the copies a
    local run of the same feed finds."""
    base = tmp_path_factory.mktemp("prepared")
    feed = _copies_feed(base / "feed.jsonl")
    run_dask([str(feed)], base / "out", Config(), workers=1, pages_per_partition=8)
    assert (base / "out" / "copies" / "pairs.parquet").exists()
    with Storyline(base / "local.db") as sl:
        sl.run([feed], reports=False)
        local = _copies(sl)
    return base / "out", local


def _copy(prepared, tmp_path) -> Path:
    folder = tmp_path / "folder"
    shutil.copytree(prepared[0], folder)
    return folder


def _store_with_one_page(tmp_path) -> Path:
    feed = tmp_path / "before.jsonl"
    feed.write_text(json.dumps({"id": "kept", "text": "The harbour reopened on Monday after the storm, officials "
                                "said, and the first ferries sailed at noon."}) + "\n")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([feed], reports=False)
    return tmp_path / "s.db"


def _page_ids(db: Path) -> list[str]:
    with Storyline(db) as sl:
        return sorted(p["id"] for p in sl.pages())


def _rewrite(path: Path, change) -> None:
    table = pq.read_table(path)
    pq.write_table(change(table), path)


@pytest.mark.parametrize("damage", ["cut", "random", "text-as-integers"])
def test_a_damaged_partition_is_named_and_the_store_is_left_as_it_was(prepared, tmp_path, capsys, damage):
    folder = _copy(prepared, tmp_path)
    part = folder / "prepared" / "part-000001.parquet"
    if damage == "cut":
        part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])
    elif damage == "random":
        part.write_bytes(bytes(range(256)) * 40)
    else:
        _rewrite(part, lambda t: t.set_column(t.schema.get_field_index("text"), "text",
                                               pa.array(range(t.num_rows), pa.int64())))
    db = _store_with_one_page(tmp_path)
    assert main(["load", str(folder), "--db", str(db), "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert "part-000001.parquet" in err and "Traceback" not in err
    assert ("text is int64" in err) == (damage == "text-as-integers")
    assert _page_ids(db) == ["kept"]


def test_a_damaged_manifest_is_named(prepared, tmp_path, capsys):
    folder = _copy(prepared, tmp_path)
    (folder / "manifest.json").write_text("{not json")
    assert main(["load", str(folder), "--db", str(tmp_path / "new.db"), "--no-reports"]) == 2
    assert "manifest.json is damaged" in capsys.readouterr().err
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("edit", ["a partition left out", "every partition left out", "a partition twice"])
def test_a_manifest_whose_partition_list_was_edited_is_refused(prepared, tmp_path, capsys, edit):
    """It loaded part of the pages (none, for an empty list), or some twice, and said nothing."""
    folder = _copy(prepared, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    parts = manifest["partitions"]
    manifest["partitions"] = {"a partition left out": parts[:-1], "every partition left out": [],
                              "a partition twice": parts + parts[:1]}[edit]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert main(["load", str(folder), "--db", str(tmp_path / "new.db"), "--no-reports"]) == 2
    err = capsys.readouterr().err
    assert "manifest.json is damaged" in err and "Traceback" not in err
    assert ("part-000002.parquet" in err) == (edit != "a partition twice")
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize("stale", ["unknown ids", "backwards", "nan score", "repeated id"])
def test_pairs_that_do_not_fit_the_folder_are_set_aside_and_load_finds_the_copies_itself(prepared, tmp_path, caplog,
                                                                                          stale):
    folder, local = _copy(prepared, tmp_path), prepared[1]
    pairs = folder / "copies" / "pairs.parquet"
    table = pq.read_table(pairs)
    rows = table.to_pylist()
    if stale == "unknown ids":  # a pairs file copied from another run's folder
        rows.append({"earlier": "ghost", "later": rows[0]["later"], "relation": "near", "score": 0.9})
    elif stale == "backwards":
        rows.append({"earlier": rows[0]["later"], "later": rows[0]["earlier"], "relation": "near", "score": 0.9})
    elif stale == "nan score":
        rows[0] = dict(rows[0], relation="near", score=float("nan"))
    else:  # a partition rewritten with one of its ids repeated: the cluster would have written no pairs
        part = folder / "prepared" / "part-000002.parquet"
        _rewrite(part, lambda t: pa.concat_tables([t, t.slice(0, 1)]))
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), pairs)
    with Storyline(tmp_path / "s.db") as sl:
        sl.load(folder, reports=False)
        assert _copies(sl) == local  # the local run's copies and stories, not the file's
    assert "are not used" in caplog.text
    more = tmp_path / "more.jsonl"  # and the store takes later runs as any store does
    more.write_text(json.dumps({"id": "later", "text": "A later report on the harbour and its ferries."}) + "\n")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([more], reports=False)
        assert len(sl.pages()) == len(local) + 1


def test_an_altered_row_is_skipped_with_its_reason_and_the_rest_loads_as_a_local_run_without_it(prepared, tmp_path,
                                                                                              capsys, caplog):
    folder = _copy(prepared, tmp_path)
    part = next(f for f in sorted((folder / "prepared").glob("*.parquet"))  # one with an original in it
                if any(i.startswith("base-") for i in pq.read_table(f).column("id").to_pylist()))
    table = pq.read_table(part)
    ids = table.column("id").to_pylist()
    damaged = next(k for k, i in enumerate(ids) if i.startswith("base-"))  # its copies come with it or later
    long = next(k for k, i in enumerate(ids) if k != damaged)
    detail = table.column("detail").to_pylist()
    text = table.column("text").to_pylist()
    detail[damaged] = "{not json"
    text[long] = "word " * 500_000  # 2.5 M characters, over max_text_chars
    table = table.set_column(table.schema.get_field_index("detail"), "detail", pa.array(detail, pa.string()))
    table = table.set_column(table.schema.get_field_index("text"), "text", pa.array(text, pa.string()))
    pq.write_table(table, part)
    db = tmp_path / "s.db"
    assert main(["load", str(folder), "--db", str(db), "--no-reports", "--json"]) == 1  # pages skipped
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "altered after the run" in caplog.text
    reasons = " ".join(str(s) for s in json.loads(out.out)["skipped"])
    assert f"{part.name} row {damaged + 1} is damaged" in reasons and "over max_text_chars" in reasons
    gone = {ids[damaged], ids[long]}
    feed = tmp_path / "without.jsonl"  # the same feed without the two altered records, run locally
    with open(prepared[0].parent / "feed.jsonl", encoding="utf-8") as old, open(feed, "w", encoding="utf-8") as new:
        new.writelines(line for line in old if json.loads(line)["id"] not in gone)
    with Storyline(tmp_path / "local.db") as sl:
        sl.run([feed], reports=False)
        local = _copies(sl)
    with Storyline(db) as sl:
        assert sorted(p["id"] for p in sl.pages(errors=True)) == sorted(gone)  # listed as skipped, with reasons
        assert [c for c in _copies(sl) if c[0] not in gone] == local
