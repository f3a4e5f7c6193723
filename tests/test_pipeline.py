"""storyline run on the seed pages: copies, originals, stories, re-runs."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from storyline import Storyline
from storyline.cli import main

from .conftest import SEED


def _by_seed(sl: Storyline) -> dict[str, dict]:
    return {Path(p["source"]).name[:3]: p for p in sl.pages()}


def test_seed_copies_and_stories(seed_dir, tmp_path):
    with Storyline(tmp_path / "s.db") as sl:
        summary = sl.run([seed_dir])
        pages = _by_seed(sl)
        stories = sl.stories()
    assert summary.added == 5 and not summary.skipped
    # 001 and 002 are the same AP story: near copies; 002 (no injected spam) is the original.
    assert pages["001"]["duplicate_of"] == pages["002"]["id"]
    assert pages["001"]["relation"] == "near"
    assert 0.4 <= pages["001"]["relation_score"] < 1
    assert "no injected spam, unlike other copies" in pages["002"]["original_reasons"]
    # 002 (AP, Moscow, 16 January) updates 000 (AP, Moscow, 15 January): a version, not a copy.
    assert pages["002"]["duplicate_of"] == pages["000"]["id"] and pages["002"]["relation"] == "version"
    assert 0.1 <= pages["002"]["relation_score"] < 0.4
    # 003 (AFP via Seoul, 14 January) announced the visit first; 000 retells the event in its own words.
    assert pages["003"]["duplicate_of"] is None and pages["003"]["relation"] is None
    assert pages["000"]["duplicate_of"] == pages["003"]["id"] and pages["000"]["relation"] == "rewrite"
    assert pages["004"]["duplicate_of"] is None and pages["004"]["relation"] is None
    # The January 2024 visit is one story; Lavrov's October visit (004) is another.
    visit = pages["000"]["story"]
    assert visit and all(pages[s]["story"] == visit for s in ("001", "002", "003"))
    assert pages["004"]["story"] not in (None, visit)
    by_id = {s["id"]: s for s in stories}
    assert sorted(by_id[visit]["pages"]) == sorted(pages[s]["id"] for s in ("000", "001", "002", "003"))
    assert by_id[visit]["original"] in by_id[visit]["pages"]
    assert by_id[visit]["first_date"] == "2024-01-14"


def test_rerun_adds_nothing_and_keeps_everything(seed_dir, tmp_path):
    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        sl.run([seed_dir])
        before = (sl.pages(), sl.stories())
        again = sl.run([seed_dir])
        assert again.added == 0 and again.already_stored == 5
        assert (sl.pages(), sl.stories()) == before


def test_new_input_joins_existing_story_with_stable_id(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    for n in ("000", "002"):
        shutil.copy(SEED[n], first)
    for n in ("001", "003", "004"):
        shutil.copy(SEED[n], second)
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([first])
        (story,) = sl.stories()
        sl.run([second])
        pages = _by_seed(sl)
        assert {pages[n]["story"] for n in ("000", "001", "002", "003")} == {story["id"]}
        assert pages["004"]["story"] != story["id"]
        assert pages["001"]["duplicate_of"] == pages["002"]["id"]
        assert len(sl.stories()) == 2


def test_grouping_does_not_depend_on_input_order(tmp_path):
    def groups(order: list[str]) -> set[frozenset[str]]:
        with Storyline(tmp_path / f"{''.join(order)}.db") as sl:
            sl.run([SEED[n] for n in order])
            pages = _by_seed(sl)
        stories: dict[str, set[str]] = {}
        for seed, page in pages.items():
            stories.setdefault(page["story"], set()).add(seed)
        return {frozenset(s) for s in stories.values()}

    expected = {frozenset({"000", "001", "002", "003"}), frozenset({"004"})}
    assert groups(["000", "001", "002", "003", "004"]) == expected
    assert groups(["004", "003", "002", "001", "000"]) == expected


def test_cli_run_then_list_show_pages_export(seed_dir, tmp_path, capsys):
    db = str(tmp_path / "s.db")
    assert main(["run", "--db", db, str(seed_dir)]) == 0
    out = capsys.readouterr().out
    assert "read 5 pages" in out and "2 stories" in out

    assert main(["stories", "--db", db, "--json"]) == 0
    stories = json.loads(capsys.readouterr().out)
    assert isinstance(stories, list) and len(stories) == 2
    visit = max(stories, key=lambda s: s["page_count"])
    assert visit["page_count"] == 4 and visit["original"] in visit["pages"]

    assert main(["show", "--db", db, visit["id"], "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert {m["id"] for m in shown["members"]} == set(visit["pages"])
    assert main(["show", "--db", db, visit["id"]]) == 0
    text = capsys.readouterr().out
    assert "original" in text and "near copy of" in text

    assert main(["pages", "--db", db, "--json"]) == 0
    pages = json.loads(capsys.readouterr().out)
    assert len(pages) == 5 and all(p["story"] for p in pages)
    assert main(["pages", "--db", db, "--errors", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    out_file = tmp_path / "export.jsonl"
    assert main(["export", "--db", db, "--format", "jsonl", str(out_file)]) == 0
    records = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert [r["kind"] for r in records].count("page") == 5
    assert [r["kind"] for r in records].count("story") == 2


def test_cli_usage_and_fatal_errors_exit_2(tmp_path, capsys):
    assert main(["run", "--db", str(tmp_path / "s.db"), str(tmp_path / "missing")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["show", "--db", str(tmp_path / "s.db"), "s-nothing"]) == 2
    not_a_db = tmp_path / "bad.db"
    not_a_db.write_bytes(b"this is not an sqlite file" * 100)
    assert main(["stories", "--db", str(not_a_db)]) == 2
    try:
        main(["frobnicate"])
    except SystemExit as exit_:
        assert exit_.code == 2
    else:  # pragma: no cover
        raise AssertionError("argparse accepted an unknown command")


def test_run_interrupted_before_stories_is_finished_by_the_next_run(seed_dir, tmp_path, monkeypatch):
    import storyline.run.local as local

    with Storyline(tmp_path / "clean.db") as sl:
        sl.run([seed_dir])
        clean = [{k: p[k] for k in ("id", "duplicate_of", "relation", "story")} for p in sl.pages()]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    with Storyline(tmp_path / "s.db") as sl:
        with monkeypatch.context() as patch:
            patch.setattr(local, "assign_stories", interrupted)
            try:
                sl.run([seed_dir])
            except KeyboardInterrupt:
                pass
        assert all(p["story"] is None for p in sl.pages())  # pages kept, no half-built stories
        again = sl.run([seed_dir])
        assert again.added == 0
        assert [{k: p[k] for k in ("id", "duplicate_of", "relation", "story")} for p in sl.pages()] == clean
