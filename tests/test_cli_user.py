"""The command as a new user meets it (issue 16): nothing lost silently, no stuck skips, plain output."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from storyline import Storyline, __version__
from storyline.cli import main
from storyline.read import read_inputs
from storyline.records import Page, Skipped
from storyline.store.sqlite import SqliteStore

from .conftest import write_jsonl

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FLOOD = {"id": "a", "title": "Flood warnings issued for the river valley",
         "text": "Flood warnings were issued on Monday for the river valley after heavy rain fell overnight."}
BUDGET = {"id": "a", "title": "Council approves new budget",
          "text": "The city council approved the new transport budget on Tuesday after a long debate on fares."}


def cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_reused_id_in_one_input_is_reported_skipped_and_exits_1(capsys, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", [FLOOD, BUDGET])
    db = str(tmp_path / "s.db")
    code, out, _ = cli(capsys, "run", str(feed), "--db", db, "--no-progress", "--json")
    summary = json.loads(out)
    assert code == 1
    assert summary["pages_added"] == 1 and summary["already_stored"] == 0 and len(summary["skipped"]) == 1
    assert "already used by another stored page" in summary["skipped"][0]["reason"]
    code, out, _ = cli(capsys, "pages", "--errors", "--json", "--db", db)
    errors = json.loads(out)
    assert [p["source"] for p in errors] == [f"{feed}#L2"]
    code, out, _ = cli(capsys, "run", str(feed), "--db", db, "--no-progress", "--json")
    assert code == 1 and len(json.loads(out)["skipped"]) == 1  # said again, stored once
    assert len(json.loads(cli(capsys, "pages", "--errors", "--json", "--db", db)[1])) == 1


def test_the_same_record_twice_is_stored_once_without_complaint(capsys, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", [FLOOD, FLOOD])
    code, out, _ = cli(capsys, "run", str(feed), "--db", str(tmp_path / "s.db"), "--no-progress", "--json")
    summary = json.loads(out)
    assert code == 0 and summary["pages_added"] == 1 and summary["already_stored"] == 1 and not summary["skipped"]


def test_a_page_skipped_by_a_crash_is_tried_again(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(next(EXAMPLES.glob("000_*.txt")), folder)
    page = next(p for p in read_inputs([folder]) if isinstance(p, Page))
    db = tmp_path / "s.db"
    with Storyline(db):
        pass
    store = SqliteStore(db)
    with store.transaction():  # as a worker crash left it
        store.add_skipped(Skipped(page.id, page.source, "extraction crashed its worker process", transient=True))
    store.close()
    with Storyline(db) as sl:
        summary = sl.run([folder])
        assert summary.added == 1 and not summary.skipped
        assert [p["status"] for p in sl.pages()] == ["ok"]


def test_a_page_skipped_for_its_content_stays_skipped_until_the_limits_change(capsys, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", [{"id": "empty", "html": "<html><head><title></title></head><body><div> </div></body></html>"}])
    db = str(tmp_path / "s.db")
    first = json.loads(cli(capsys, "run", str(feed), "--db", db, "--no-progress", "--json")[1])
    again = json.loads(cli(capsys, "run", str(feed), "--db", db, "--no-progress", "--json")[1])
    assert first["pages_added"] == 0 and len(first["skipped"]) == 1
    assert again["already_stored"] == 0 and len(again["skipped"]) == 1 and again["still_skipped"] == 1  # not extracted again
    assert again["pages_read"] == again["pages_added"] + again["already_stored"] + len(again["skipped"])
    code, out, _ = cli(capsys, "run", str(feed), "--db", db, "--no-progress")
    assert code == 1 and "read 1 pages: 0 added, 0 already stored, 1 skipped (1 as before, not tried again)" in out
    other = json.loads(cli(capsys, "run", str(feed), "--db", db, "--no-progress", "--json",
                           "--max-page-bytes", "1000000")[1])
    assert other["already_stored"] == 0 and len(other["skipped"]) == 1 and other["still_skipped"] == 0  # other limits: tried again
    assert len(json.loads(cli(capsys, "pages", "--errors", "--json", "--db", db)[1])) == 1


def test_old_skips_go_when_the_pages_are_stored(capsys, tmp_path):
    db = str(tmp_path / "s.db")
    code, _, _ = cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress", "--max-page-bytes", "100")
    assert code == 1
    code, _, _ = cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    assert code == 0
    pages = json.loads(cli(capsys, "pages", "--json", "--db", db)[1])
    assert len(pages) == 5 and {p["status"] for p in pages} == {"ok"}
    assert json.loads(cli(capsys, "pages", "--errors", "--json", "--db", db)[1]) == []
    cli(capsys, "export", str(tmp_path / "out.jsonl"), "--db", db)
    exported = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert not [r for r in exported if r.get("status") == "skipped"]


def test_version_workers_and_export_to_stdout(capsys, tmp_path):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"storyline {__version__}"
    for bad in ("0", "-3", "two"):
        with pytest.raises(SystemExit) as done:
            main(["run", str(EXAMPLES), "--db", str(tmp_path / "w.db"), "--workers", bad])
        assert done.value.code == 2 and "--workers" in capsys.readouterr().err
    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    code, out, _ = cli(capsys, "export", "-", "--db", db)
    assert code == 0 and not (Path.cwd() / "-").exists()
    kinds = [json.loads(line)["kind"] for line in out.splitlines()]
    assert kinds.count("page") == 5 and "story" in kinds


def test_extract_text_output_never_prints_python_none(capsys, tmp_path):
    feed = write_jsonl(tmp_path / "feed.jsonl", [FLOOD])
    code, out, _ = cli(capsys, "extract", str(feed))
    assert code == 0 and "None" not in out and "dateline: none" in out


def test_record_dates_under_common_names_and_forms_are_read_and_bad_ones_warned(tmp_path):
    body = "Officials said on Monday that the river had risen above its banks in three towns overnight."
    records = [
        {"id": "t", "text": body, "time": "2010-05-29"},
        {"id": "p", "text": "P report. " + body, "published": "2014-03-10T16:55:01Z"},
        {"id": "d", "text": "D report. " + body, "datePublished": "2019-11-20T08:00:00+01:00"},
        {"id": "n", "text": "N report. " + body, "date_publish": "2017-01-02 10:00:00"},
        {"id": "s", "text": "S report. " + body, "date": 1394470501},
        {"id": "m", "text": "M report. " + body, "date": 1394470501000},
        {"id": "bad", "text": "BAD report. " + body, "date": "2024-13-45"},
    ]
    feed = write_jsonl(tmp_path / "feed.jsonl", records)
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([feed])
        pages = {p["id"]: p for p in sl.pages()}
    assert all(p["status"] == "ok" for p in pages.values())
    assert pages["t"]["claimed_date"].startswith("2010-05-29")
    assert pages["p"]["claimed_date"].startswith("2014-03-10")
    assert pages["d"]["claimed_date"].startswith("2019-11-20")
    assert pages["n"]["claimed_date"].startswith("2017-01-02")
    assert pages["s"]["claimed_date"].startswith("2014-03-10") and pages["m"]["claimed_date"].startswith("2014-03-10")
    assert pages["bad"]["claimed_date"] is None
    assert any("2024-13-45" in w for w in pages["bad"]["warnings"])
    assert not any("date" in w for w in pages["t"]["warnings"])


def test_files_of_other_kinds_are_named_and_an_input_with_nothing_to_read_is_an_error(capsys, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(next(EXAMPLES.glob("000_*.txt")), folder)
    (folder / "notes.md").write_text("# notes")
    (folder / "data.json").write_text("{}")
    (folder / "README").write_text("read me")
    db = str(tmp_path / "s.db")
    code, out, _ = cli(capsys, "run", str(folder), "--db", db, "--no-progress")
    assert code == 0 and "not read: 3 files (1 .json, 1 .md, 1 without extension)" in out
    code, out, _ = cli(capsys, "run", str(folder), "--db", db, "--no-progress", "-v")
    assert str(folder / "notes.md") in out and str(folder / "README") in out
    code, out, _ = cli(capsys, "run", str(folder), "--db", db, "--no-progress", "--json")
    assert len(json.loads(out)["not_read"]) == 3
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = cli(capsys, "run", str(empty), "--db", db, "--no-progress")
    assert code == 2 and "nothing to read" in err
    only_md = tmp_path / "md"
    only_md.mkdir()
    (only_md / "a.md").write_text("# a")
    code, _, err = cli(capsys, "run", str(only_md), "--db", db, "--no-progress")
    assert code == 2 and "1 .md" in err


def test_show_resolves_a_page_id_and_pages_has_headers_and_names_originals(capsys, tmp_path):
    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    pages = json.loads(cli(capsys, "pages", "--json", "--db", db)[1])
    copy = next(p for p in pages if p["duplicate_of"])
    code, out, _ = cli(capsys, "show", copy["duplicate_of"], "--db", db)
    original = next(p for p in pages if p["id"] == copy["duplicate_of"])
    assert code == 0 and original["text"][:60] in out and original["source"] in out
    code, out, _ = cli(capsys, "show", copy["id"], "--json", "--db", db)
    assert code == 0 and json.loads(out)["id"] == copy["id"]
    code, _, err = cli(capsys, "show", "no-such-id", "--db", db)
    assert code == 2 and "no story or page" in err
    code, out, _ = cli(capsys, "pages", "--db", db)
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["PAGE", "PUBLISHED"] and "ROLE" in lines[0]
    row = next(line for line in lines if line.startswith(copy["duplicate_of"]))
    assert row.rstrip().endswith("original")


def test_stories_and_pages_filter_sort_and_limit(capsys, tmp_path):
    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")

    def stories(*options: str) -> list[dict]:
        code, out, err = cli(capsys, "stories", "--json", "--db", db, *options)
        assert code == 0, err
        return json.loads(out)

    def pages(*options: str) -> list[dict]:
        code, out, err = cli(capsys, "pages", "--json", "--db", db, *options)
        assert code == 0, err
        return json.loads(out)

    every = stories()
    assert len(every) == 2 and all(s["sources"] >= 1 for s in every)
    visit = next(s for s in every if s["page_count"] == 4)
    lavrov = next(s for s in every if s["page_count"] == 1)
    assert [s["id"] for s in stories("--sort", "size")] == [visit["id"], lavrov["id"]]
    assert [s["id"] for s in stories("--sort", "date", "--limit", "1")] == [visit["id"]]  # newest first
    assert [s["id"] for s in stories("--until", "2023-12-31")] == [lavrov["id"]]
    assert [s["id"] for s in stories("--since", "2024-01-01")] == [visit["id"]]
    assert stories("--query", "no-such-word-anywhere") == []
    assert {s["id"] for s in stories("--query", "Lavrov Pyongyang")} <= {visit["id"], lavrov["id"]}
    farms = pages("--content-farm")
    assert farms and all(p["content_farm"]["score"] >= 0.5 for p in farms)
    clean = pages("--no-content-farm")
    assert len(farms) + len(clean) == 5 and not {p["id"] for p in farms} & {p["id"] for p in clean}
    assert all(p["misdated"] for p in pages("--misdated"))
    assert {p["story"] for p in pages("--story", lavrov["id"])} == {lavrov["id"]}
    dated = [p["published"]["value"] for p in pages("--sort", "date")]
    assert dated == sorted(dated, reverse=True)
    assert all(p["agency"] == "AP" for p in pages("--agency", "ap"))
    with pytest.raises(SystemExit) as done:
        main(["stories", "--since", "yesterday", "--db", db])
    assert done.value.code == 2 and "YYYY-MM-DD" in capsys.readouterr().err


def test_search_works_on_a_store_from_before_full_text_search(capsys, tmp_path):
    import sqlite3

    db = tmp_path / "s.db"
    cli(capsys, "run", str(EXAMPLES), "--db", str(db), "--no-progress")
    with sqlite3.connect(db) as con:
        for trigger in ("pages_fts_insert", "pages_fts_delete", "pages_fts_update"):
            con.execute(f"DROP TRIGGER {trigger}")
        con.execute("DROP TABLE pages_fts")
    found = json.loads(cli(capsys, "pages", "--json", "--query", "Lavrov", "--db", str(db))[1])
    assert found  # read-only: searched without the index
    cli(capsys, "run", str(EXAMPLES), "--db", str(db), "--no-progress")  # a run adds and fills the index
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM pages_fts WHERE pages_fts MATCH 'Lavrov'").fetchone()[0] == len(found)


def test_a_store_on_a_read_only_medium_can_be_read(capsys, tmp_path, monkeypatch):
    """On a read-only medium, or in a folder the user may not write, SQLite cannot make a WAL
    store's shared-memory file: a plain read-only open fails ('unable to open database file';
    checked by hand on a read-only bind mount). The commands that only read must work anyway."""
    import sqlite3

    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    real_connect = sqlite3.connect

    def medium(database, *args, **kwargs):
        con = real_connect(database, *args, **kwargs)
        if kwargs.get("uri") and "mode=ro" in str(database) and "immutable=1" not in str(database):
            con.close()
            return _Failing()
        return con

    class _Failing:
        def execute(self, *args, **kwargs):
            raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr(sqlite3, "connect", medium)
    for command in (["stories"], ["storylines"], ["pages", "--query", "Lavrov"], ["export", "-"]):
        code, out, err = cli(capsys, *command, "--db", db)
        assert code == 0, (command, err)
        assert out.strip()


def test_csv_export_never_hands_a_spreadsheet_a_formula(capsys, tmp_path):
    """A scraped title or URL that starts like a formula is written as text ('=...), not run by
    the spreadsheet that opens the export; JSON lines keep it as it is."""
    import csv

    feed = tmp_path / "feed.jsonl"
    body = "The harbour reopened on Sunday after the storm, port officials said, and ferries sailed again."
    feed.write_text(json.dumps({"id": "f", "title": '=HYPERLINK("http://evil","click")', "url": "+cmd|' /C calc'!A0",
                                "text": body}) + "\n", encoding="utf-8")
    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(feed), "--db", db, "--no-progress")
    assert cli(capsys, "export", "--format", "csv", str(tmp_path / "csv"), "--db", db)[0] == 0
    with (tmp_path / "csv" / "pages.csv").open(encoding="utf-8", newline="") as handle:
        (page,) = list(csv.DictReader(handle))
    assert page["title"] == "'=HYPERLINK(\"http://evil\",\"click\")" and page["url"] == "'+cmd|' /C calc'!A0"
    code, out, _ = cli(capsys, "export", "-", "--db", db)
    assert json.loads(out.splitlines()[0])["title"] == '=HYPERLINK("http://evil","click")'


def test_export_as_csv_and_parquet_tables(capsys, tmp_path):
    import csv

    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    code, _, _ = cli(capsys, "export", "--format", "csv", str(tmp_path / "csv"), "--db", db)
    assert code == 0
    with (tmp_path / "csv" / "pages.csv").open(encoding="utf-8", newline="") as handle:
        pages = list(csv.DictReader(handle))
    assert len(pages) == 5 and all(json.loads(p["published"])["value"] for p in pages)
    with (tmp_path / "csv" / "stories.csv").open(encoding="utf-8", newline="") as handle:
        stories = list(csv.DictReader(handle))
    assert sorted(int(s["page_count"]) for s in stories) == [1, 4]
    assert (tmp_path / "csv" / "storylines.csv").exists()
    code, _, err = cli(capsys, "export", "--format", "csv", "-", "--db", db)
    assert code == 2 and "folder" in err
    parquet = pytest.importorskip("pyarrow.parquet")
    code, _, _ = cli(capsys, "export", "--format", "parquet", str(tmp_path / "pq"), "--db", db)
    assert code == 0
    table = parquet.read_table(tmp_path / "pq" / "stories.parquet")
    assert table.num_rows == 2 and "sources" in table.column_names
    # the copy pairs and the stored report of the 4-page story come out too
    links = parquet.read_table(tmp_path / "pq" / "copy_links.parquet").to_pylist()
    assert links and {"a", "b", "relation", "score"} == set(links[0]) and all(link["a"] < link["b"] for link in links)
    reports = parquet.read_table(tmp_path / "pq" / "reports.parquet").to_pylist()
    big = next(s["id"] for s in table.to_pylist() if s["page_count"] == 4)
    assert [r["id"] for r in reports] == [big] and json.loads(reports[0]["report"])["timeline"]


def test_progress_counts_every_page_and_names_each_stage(tmp_path):
    from storyline.read import count_pages

    feed = write_jsonl(tmp_path / "feed.jsonl", [FLOOD, dict(BUDGET, id="b")])
    assert count_pages([EXAMPLES]) == 5 and count_pages([EXAMPLES, feed]) == 7 and count_pages(["-"]) is None
    advanced, phases = [], []
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([EXAMPLES, feed], progress=advanced.append, phase=phases.append)
    assert sum(advanced) == 7 and max(advanced) == 1  # page by page, not in steps of 100
    assert {"copies", "stories", "dates", "storylines"} <= set(phases)


def test_ctrl_c_says_how_many_pages_were_kept(capsys, tmp_path, monkeypatch):
    import storyline.cli as cli_module

    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module.Storyline, "run", interrupted)
    code, _, err = cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    assert code == 130 and "5 pages are in the store and kept" in err


def test_ctrl_c_in_a_rebuild_says_the_store_is_as_it_was(capsys, tmp_path, monkeypatch):
    """A rebuild is one transaction, rolled back whole: before, it said 'pages stored so far are
    kept; run the same command again to resume', as a run does."""
    import storyline.run.rebuild as rebuild_module

    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    before = cli(capsys, "pages", "--db", db, "--json")[1]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rebuild_module, "update_storylines", interrupted)
    code, _, err = cli(capsys, "rebuild", "--stage", "storylines", "--db", db)
    assert code == 130 and "the store is as it was before it" in err and "resume" not in err
    assert cli(capsys, "pages", "--db", db, "--json")[1] == before


def test_ctrl_c_after_a_delete_committed_says_the_change_is_kept(capsys, tmp_path, monkeypatch):
    """Stopped after its transaction committed (while the summary is made), a delete must not
    say that nothing was kept: before, it did, and the pages were gone."""
    import storyline.cli as cli_module

    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    page = json.loads(cli(capsys, "pages", "--db", db, "--json")[1])[0]["id"]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_module, "_print_summary", interrupted)
    code, _, err = cli(capsys, "delete", page, "--db", db)
    assert code == 130 and "stored before the interrupt and are kept" in err and "as it was" not in err
    assert page not in {p["id"] for p in json.loads(cli(capsys, "pages", "--db", db, "--json")[1])}


def test_pages_another_run_left_pending_are_counted_apart(capsys, tmp_path):
    import sqlite3

    db = tmp_path / "s.db"
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(next(EXAMPLES.glob("004_*.txt")), first)
    with Storyline(db) as sl:
        sl.run([first])
    with sqlite3.connect(db) as con:  # as a run killed before its stories step leaves its page
        con.execute("UPDATE pages SET story = NULL")
        con.execute("DELETE FROM stories")
    feed = write_jsonl(tmp_path / "feed.jsonl", [FLOOD])
    code, out, _ = cli(capsys, "run", str(feed), "--db", str(db), "--no-progress", "--json")
    summary = json.loads(out)
    assert summary["pages_added"] == 1 and summary["pages_of_other_runs_settled"] == 1
    code, out, _ = cli(capsys, "run", str(feed), "--db", str(db), "--no-progress")
    assert "another run" not in out


def test_delete_pages_by_id_and_by_source(capsys, tmp_path):
    db = str(tmp_path / "s.db")
    feed = write_jsonl(tmp_path / "feed.jsonl", [FLOOD, dict(BUDGET, id="b")])
    cli(capsys, "run", str(EXAMPLES), str(feed), "--db", db, "--no-progress")
    pages = json.loads(cli(capsys, "pages", "--json", "--db", db)[1])
    original = next(p["duplicate_of"] for p in pages if p["duplicate_of"])
    code, out, _ = cli(capsys, "delete", original, "--db", db, "--json")
    assert code == 0 and json.loads(out)["pages_deleted"] == 1
    after = json.loads(cli(capsys, "pages", "--json", "--db", db)[1])
    ids = {p["id"] for p in after}
    assert original not in ids and len(after) == len(pages) - 1
    assert all(p["duplicate_of"] in ids for p in after if p["duplicate_of"])  # nothing points at the gone page
    stories = json.loads(cli(capsys, "stories", "--json", "--db", db)[1])
    assert sorted(i for s in stories for i in s["pages"]) == sorted(ids)  # every page in exactly one story
    assert json.loads(cli(capsys, "pages", "--json", "--query", "Flood", "--db", db)[1])
    code, out, _ = cli(capsys, "delete", "--source", str(feed), "--db", db, "--json")
    assert code == 0 and json.loads(out)["pages_deleted"] == 2
    assert not json.loads(cli(capsys, "pages", "--json", "--query", "Flood", "--db", db)[1])  # search forgets it
    code, _, err = cli(capsys, "delete", "no-such-page", "--db", db)
    assert code == 2 and "no page" in err
    code, _, err = cli(capsys, "delete", "--source", str(tmp_path / "never-read.jsonl"), "--db", db)
    assert code == 2 and "never-read.jsonl" in err  # not "deleted 0 pages"
    cli(capsys, "run", str(feed), "--db", db, "--no-progress")  # read again: stored anew
    assert len(json.loads(cli(capsys, "pages", "--json", "--db", db)[1])) == len(after)


def test_delete_by_source_finds_a_file_however_its_path_is_typed(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "feed.jsonl", [FLOOD, dict(BUDGET, id="b")])
    cli(capsys, "run", "feed.jsonl", "--db", "s.db", "--no-progress")  # stored as typed: feed.jsonl#L1, ...
    code, out, _ = cli(capsys, "delete", "--source", str(tmp_path / "feed.jsonl"), "--db", "s.db", "--json")
    assert code == 0 and json.loads(out)["pages_deleted"] == 2


def test_delete_by_source_takes_a_containers_records_that_have_urls(capsys, tmp_path):
    """A record with a URL is stored with the URL as its source: before, `delete --source feed.jsonl`
    (or a WARC) left those records in place and said it deleted the others."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    db = str(tmp_path / "s.db")
    feed = write_jsonl(tmp_path / "feed.jsonl", [dict(FLOOD, url="https://example.org/flood"), dict(BUDGET, id="b")])
    crawl = tmp_path / "crawl.warc"
    with open(crawl, "wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        html = (f"<html><head><title>Ferries sail again</title></head><body><article><p>"
                f"{'The ferries sailed again on Monday after the storm, the port authority said. ' * 6}"
                "</p></article></body></html>").encode()
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record("https://example.org/ferries", "response",
                                                      payload=io.BytesIO(html), http_headers=http))
    cli(capsys, "run", str(feed), str(crawl), str(EXAMPLES), "--db", db, "--no-progress")
    pages = json.loads(cli(capsys, "pages", "--json", "--db", db)[1])
    assert {"https://example.org/flood", "https://example.org/ferries"} <= {p["source"] for p in pages}
    for container, gone in ((feed, 2), (crawl, 1)):
        code, out, _ = cli(capsys, "delete", "--source", str(container), "--db", db, "--json")
        assert code == 0 and json.loads(out)["pages_deleted"] == gone, container
    left = json.loads(cli(capsys, "pages", "--json", "--db", db)[1])
    assert len(left) == len(pages) - 3 and not any(p["source"].startswith("https://example.org/") for p in left)


def test_update_replaces_a_page_whose_content_changed_and_keeps_a_record_of_the_old(capsys, tmp_path):
    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(write_jsonl(tmp_path / "v1.jsonl", [FLOOD])), str(EXAMPLES), "--db", db, "--no-progress")
    changed = write_jsonl(tmp_path / "v2.jsonl", [BUDGET])  # the same id "a", new content
    code, out, _ = cli(capsys, "run", str(changed), "--db", db, "--no-progress", "--json")
    summary = json.loads(out)
    assert code == 1 and "run --update" in summary["skipped"][0]["reason"]
    code, out, _ = cli(capsys, "run", str(changed), "--db", db, "--no-progress", "--json", "--update")
    summary = json.loads(out)
    assert code == 0 and summary["superseded"] == 1 and summary["pages_added"] == 1
    pages = json.loads(cli(capsys, "pages", "--json", "--db", db)[1])
    page = next(p for p in pages if p["id"] == "a")
    assert page["title"] == BUDGET["title"] and len(pages) == 6
    assert json.loads(cli(capsys, "pages", "--errors", "--json", "--db", db)[1]) == []  # the old skip went
    stories = json.loads(cli(capsys, "stories", "--json", "--db", db)[1])
    assert sorted(i for s in stories for i in s["pages"]) == sorted(p["id"] for p in pages)
    assert not json.loads(cli(capsys, "pages", "--json", "--query", "Flood", "--db", db)[1])
    code, out, _ = cli(capsys, "show", "a", "--db", db)
    assert "an earlier version, 'Flood warnings issued for the river valley'" in out
    # The counts after a replacement are the whole store's, recomputed: not news of this run.
    code, out, _ = cli(capsys, "run", str(write_jsonl(tmp_path / "v3.jsonl", [dict(BUDGET, text=BUDGET["text"] + " Ends.")])),
                       "--db", db, "--no-progress", "--update")
    assert code == 0 and "recomputed for the whole store" in out and "stories opened" not in out


def _visits(tmp_path: Path) -> tuple[str, dict]:
    """The seeds in a store: the January visit (000-003) and the October one (004), two stories."""
    db = str(tmp_path / "s.db")
    with Storyline(db) as sl:
        sl.run([EXAMPLES])
        by_file = {Path(p["source"]).name[:3]: p for p in sl.pages()}
    return db, by_file


def _nudge(tmp_path: Path, text: str) -> Path:
    """A later page that touches the January story: a copy of one of its reports, lightly edited."""
    return write_jsonl(tmp_path / "later.jsonl", [{"id": "later", "text": text + "\n\nMore details were not given."}])


def test_a_merge_by_hand_survives_later_runs(capsys, tmp_path):
    db, pages = _visits(tmp_path)
    january, october = pages["003"]["story"], pages["004"]["story"]
    assert january != october
    code, out, _ = cli(capsys, "stories", "merge", january, october, "--db", db)
    assert code == 0 and "5 pages" in out
    cli(capsys, "run", str(_nudge(tmp_path, pages["003"]["text"])), "--db", db, "--no-progress")
    after = {p["id"]: p["story"] for p in json.loads(cli(capsys, "pages", "--json", "--db", db)[1])}
    assert after[pages["004"]["id"]] == after[pages["003"]["id"]] == january  # review did not split it out
    assert json.loads(cli(capsys, "show", october, "--json", "--db", db)[1])["id"] == january  # the id resolves
    code, _, err = cli(capsys, "stories", "merge", january, october, "--db", db)  # names the merge, not "X and X"
    assert code == 2 and f"{january} and {october} (merged into {january}) are one story already" in err
    code, out, _ = cli(capsys, "stories", "split", january, pages["004"]["id"], "--db", db, "--json")
    edit = json.loads(out)
    assert code == 0 and edit["edit"] == "split" and edit["story"]["pages"] == [pages["004"]["id"]]


def test_a_split_by_hand_survives_later_runs(capsys, tmp_path):
    db, pages = _visits(tmp_path)
    january = pages["003"]["story"]
    moving = pages["000"]["id"]
    code, out, _ = cli(capsys, "stories", "split", january, moving, "--db", db)
    assert code == 0
    after = {p["id"]: p["story"] for p in json.loads(cli(capsys, "pages", "--json", "--db", db)[1])}
    new = after[moving]
    assert new != january and after[pages["003"]["id"]] == january
    cli(capsys, "run", str(_nudge(tmp_path, pages["000"]["text"])), "--db", db, "--no-progress")
    again = {p["id"]: p["story"] for p in json.loads(cli(capsys, "pages", "--json", "--db", db)[1])}
    assert again[moving] == new and again[pages["003"]["id"]] == january  # no merge joined them again
    stories = json.loads(cli(capsys, "stories", "--json", "--db", db)[1])
    assert sorted(i for s in stories for i in s["pages"]) == sorted(again)
    code, _, err = cli(capsys, "stories", "split", january, "no-such-page", "--db", db)
    assert code == 2 and "not pages of" in err


def test_recomputing_stories_from_scratch_says_it_drops_hand_edits(capsys, tmp_path):
    db, pages = _visits(tmp_path)
    cli(capsys, "stories", "merge", pages["003"]["story"], pages["004"]["story"], "--db", db)
    code, out, _ = cli(capsys, "rebuild", "--stage", "stories", "--db", db)
    assert code == 0 and "made by hand (5 pages) are dropped" in out
    code, out, _ = cli(capsys, "rebuild", "--stage", "stories", "--db", db)
    assert "made by hand" not in out  # said once: nothing is left to drop
    # A recomputation finds nothing new: it says what it recomputed, not "new copies found: N".
    assert "recomputed for the whole store: stories, dates and storylines" in out and "new copies" not in out
    code, out, _ = cli(capsys, "rebuild", "--db", db)
    assert "recomputed for the whole store: copies, dates, stories and storylines" in out and "new copies" not in out


def test_estimated_dates_are_printed_with_their_uncertainty(capsys, tmp_path):
    from storyline.cli_read import _published

    assert _published({"published": {"value": "2023-10-18", "earliest": "2023-10-15", "latest": "2023-10-19"}}) \
        == "2023-10-18 ±3d"
    assert _published({"published": {"value": "2023-10-18", "earliest": "2023-09-01", "latest": "2023-12-20"}}) \
        == "2023-09-01..2023-12-20"
    db = str(tmp_path / "s.db")
    cli(capsys, "run", str(EXAMPLES), "--db", db, "--no-progress")
    code, out, _ = cli(capsys, "pages", "--db", db)
    dated = [line for line in out.splitlines() if line[:16].isalnum() and len(line.split()) > 2]
    assert dated and all("±" in line.split()[2] or ".." in line.split()[1] for line in dated)


def test_a_split_stays_apart_after_its_story_merges_into_another(tmp_path):
    from storyline.store.sqlite import SqliteStore

    store = SqliteStore(tmp_path / "s.db")
    with store.transaction():
        for story in ("s-b", "s-m", "s-z"):
            store.upsert_story(story)
        store.keep_apart("s-m", "s-b")  # s-m was split off s-b by hand
        store.delete_story("s-b", merged_into="s-z")  # then s-b merged into s-z
    assert store.kept_apart("s-z", "s-m") and store.kept_apart("s-m", "s-z")
    store.close()


def _timeline17_record(shared, name: str, record_id: int) -> dict:
    with open(shared / "data/timeline17" / name / "articles.jsonl", encoding="utf-8") as handle:
        return next(r for r in map(json.loads, handle) if str(r["id"]) == str(record_id))


def test_a_clean_jsonl_article_is_kept_whole_and_a_page_dump_is_cleaned(capsys, shared, seed_dir, tmp_path):
    """Issue 15, copies item 1: the page cleaner dropped a third of this clean Reuters article.
    Unstated, the kind is sniffed and said in warnings; `text_kind` and --text-kind decide."""
    article = _timeline17_record(shared, "H1N1_reuters", 107)
    dump = next(seed_dir.glob("004_*.txt")).read_text(encoding="utf-8")
    path = write_jsonl(tmp_path / "in.jsonl", [
        {"id": "clean", "text": article["text"]},
        {"id": "stated", "text": article["text"], "text_kind": "page"},
        {"id": "dump", "text": dump}])
    assert cli(capsys, "run", "--db", str(tmp_path / "s.db"), str(path))[0] == 0
    pages = {p["id"]: p for p in json.loads(cli(capsys, "pages", "--db", str(tmp_path / "s.db"), "--json")[1])}
    words = len(article["text"].split())
    assert len(pages["clean"]["text"].split()) == words
    assert any(w.startswith("article (text_kind sniffed") for w in pages["clean"]["warnings"])
    assert len(pages["stated"]["text"].split()) < 0.8 * words  # what the cleaner makes of it, as asked
    assert not any("sniffed" in w for w in pages["stated"]["warnings"])
    assert any(w.startswith("page (text_kind sniffed") for w in pages["dump"]["warnings"])
    assert "Aspire Money Growth" not in pages["dump"]["text"] and "Home > Markets" not in pages["dump"]["text"]

    code, _, _ = cli(capsys, "run", "--db", str(tmp_path / "t.db"), "--text-kind", "page", str(path))
    assert code == 0
    pages = {p["id"]: p for p in json.loads(cli(capsys, "pages", "--db", str(tmp_path / "t.db"), "--json")[1])}
    assert len(pages["clean"]["text"].split()) < 0.8 * words
    with pytest.raises(SystemExit) as bad:
        cli(capsys, "run", "--db", str(tmp_path / "u.db"), "--text-kind", "story", str(path))
    assert bad.value.code == 2


def test_a_store_in_memory_is_refused_as_it_would_keep_nothing(capsys):
    code, _, err = cli(capsys, "run", str(EXAMPLES), "--db", ":memory:", "--no-progress")
    assert code == 2 and "would keep nothing" in err


def test_extract_on_nothing_to_read_is_an_error_as_run_is(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    for command in (["extract"], ["run", "--db", str(tmp_path / "s.db")]):
        code, _, err = cli(capsys, *command, str(tmp_path / "empty"))
        assert code == 2 and "nothing to read" in err, command
