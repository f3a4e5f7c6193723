"""Deleting pages and replacing them (`run --update`) leave the store as if the pages gone had never
been read, and never lose a stored page to a new version that could not be read."""
from __future__ import annotations

import json

import pytest

from storyline import Storyline

from .conftest import write_jsonl


def _timeline(shared, name: str, ids: list[str]) -> list[dict]:
    by_id = {}
    for line in (shared / f"data/timeline17/{name}/articles.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        by_id[record["id"]] = {"id": record["id"], "text": record["text"], "date": record["time"][:10]}
    return [by_id[i] for i in ids]


def _copies(sl: Storyline) -> dict[str, tuple]:
    return {p["id"]: (p["duplicate_of"], p["relation"]) for p in sl.pages()}


def test_a_delete_undoes_the_copy_groups_the_page_held_together(tmp_path, shared):
    """734 and 100 are one copy group only through 969 (a short text both contain): once 969 is
    deleted, they are no copies, as in a store that never had 969."""
    records = _timeline(shared, "H1N1_guardian", ["969", "734", "100", "799", "970"])
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([write_jsonl(tmp_path / "all.jsonl", records)], reports=False)
        before = _copies(sl)
        sl.delete(["969"])
        after = _copies(sl)
        stories = sl.stories()
    with Storyline(tmp_path / "never.db") as sl:
        sl.run([write_jsonl(tmp_path / "rest.jsonl", [r for r in records if r["id"] != "969"])], reports=False)
        never = _copies(sl)
    assert sum(1 for original, _ in before.values() if original) >= 2  # a group held by 969
    assert after == never
    assert sorted(i for s in stories for i in s["pages"]) == sorted(never)
    # The same when 969 is replaced by a new version that is another article (run --update).
    other = dict(_timeline(shared, "MJ_bbc", ["1085"])[0], id="969")
    with Storyline(tmp_path / "update.db") as sl:
        sl.run([tmp_path / "all.jsonl"], reports=False)
        summary = sl.run([write_jsonl(tmp_path / "new.jsonl", [other])], reports=False, update=True)
        replaced = _copies(sl)
    assert summary.superseded == 1 and replaced == dict(never, **{"969": (None, None)})


def test_an_exact_copy_left_alone_is_still_found_by_later_copies(tmp_path, shared):
    """An exact copy has no index keys of its own (its twin's stand for it): when the twin is
    deleted, the copy takes them over, and a later near copy of the text is found."""
    first = (shared / "data/timeline17/haiti_bbc/articles.jsonl").read_text(encoding="utf-8").splitlines()
    article = json.loads(first[0])
    others = [json.loads(line) for line in first[1:5]]
    words = article["text"].split()
    records = [{"id": "A", "text": article["text"]}, {"id": "B", "text": article["text"]}]
    records += [{"id": f"o{i}", "text": o["text"]} for i, o in enumerate(others)]
    near = {"id": "C", "text": " ".join(words[:-15]) + " Officials said the count would be updated on Monday."}
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([write_jsonl(tmp_path / "one.jsonl", records)], reports=False)
        assert _copies(sl)["B"] == ("A", "exact")
        sl.delete(["A"])
        sl.run([write_jsonl(tmp_path / "two.jsonl", [near])], reports=False)
        got = _copies(sl)
    with Storyline(tmp_path / "never.db") as sl:
        sl.run([write_jsonl(tmp_path / "rest.jsonl", records[1:] + [near])], reports=False)
        never = _copies(sl)
    assert never["C"] == ("B", "near")
    assert got == never


def test_a_new_version_that_cannot_be_read_keeps_the_stored_one(tmp_path, shared):
    records = _timeline(shared, "H1N1_guardian", ["734", "100"])
    feed = write_jsonl(tmp_path / "feed.jsonl", records)
    menu = dict(records[0], text="Home\nNews\nSport\nWeather\nContact us\nPrivacy policy", text_kind="page")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([feed], reports=False)
        stored = {p["id"]: p for p in sl.pages()}["734"]
        summary = sl.run([write_jsonl(tmp_path / "bad.jsonl", [menu, records[1]])], reports=False, update=True)
        pages = {p["id"]: p for p in sl.pages()}
    assert summary.superseded == 0 and summary.added == 0
    assert pages["734"]["title"] == stored["title"] and pages["734"]["status"] == "ok"
    (reason,) = [reason for _source, reason in summary.skipped]
    assert "734" in reason and "kept" in reason and "no article text" in reason


def test_a_broken_record_under_a_stored_id_is_reported_not_taken_for_the_stored_page(tmp_path, shared):
    records = _timeline(shared, "H1N1_guardian", ["734", "100"])
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([write_jsonl(tmp_path / "feed.jsonl", records)], reports=False)
        for update in (False, True):
            summary = sl.run([write_jsonl(tmp_path / "empty.jsonl", [dict(records[0], text=""), records[1]])],
                             reports=False, update=update)
            assert summary.already_stored == 1 and len(summary.skipped) == 1, (update, summary.skipped)
            assert "734" in summary.skipped[0][1] and "no html, text or title" in summary.skipped[0][1]
        assert {p["id"]: p["status"] for p in sl.pages()}["734"] == "ok"


def test_a_run_update_stopped_part_way_loses_no_page_and_the_next_run_finishes_it(tmp_path, shared, monkeypatch):
    """Each old version goes in the transaction that stores its new one, so a stopped run leaves
    every page in one version or the other; the next run settles the whole store, as the stopped
    one would have, and ends where an uninterrupted run ends."""
    import storyline.run.local as local

    ids = ["969", "734", "100", "799", "970", "543", "192", "671"]
    records = _timeline(shared, "H1N1_guardian", ids)
    new = [dict(r, text=r["text"] + " The ministry said it would publish new figures on Monday.") for r in records]
    (tmp_path / "new").mkdir()
    feed, update = write_jsonl(tmp_path / "old.jsonl", records), write_jsonl(tmp_path / "new" / "feed.jsonl", new)

    def answer(sl: Storyline) -> tuple:
        pages = {p["id"]: (p["title"], p["duplicate_of"], p["story"]) for p in sl.pages()}
        return pages, sorted(sorted(s["pages"]) for s in sl.stories())

    with Storyline(tmp_path / "whole.db") as sl:
        sl.run([feed], reports=False)
        sl.run([update], reports=False, update=True)
        whole = answer(sl)
    monkeypatch.setattr(local, "BATCH", 3)
    stored = local._store_batch
    calls = []

    def stop_after_one(*args, **kwargs):
        if calls:
            raise KeyboardInterrupt
        calls.append(1)
        stored(*args, **kwargs)

    with Storyline(tmp_path / "stopped.db") as sl:
        sl.run([feed], reports=False)
        monkeypatch.setattr(local, "_store_batch", stop_after_one)
        with pytest.raises(KeyboardInterrupt):
            sl.run([update], reports=False, update=True)
        monkeypatch.setattr(local, "_store_batch", stored)
        assert len(sl.pages()) == len(ids)  # 3 new versions, 5 old ones: none missing
        sl.run([update], reports=False, update=True)
        assert answer(sl) == whole
        assert all(s["pages"] for s in sl.stories())


@pytest.mark.parametrize("stopped", [False, True], ids=["whole", "stopped before its recompute"])
def test_story_ids_of_pages_replaced_by_run_update_keep_resolving(tmp_path, shared, monkeypatch, stopped):
    """`run --update` replaces pages (here all, in another order, so stories are founded by other
    pages and get other ids): each old story id resolves to a story holding its pages now, also when
    the run is stopped after it replaced them and the next run settles the store."""
    import storyline.run.local as local

    records = _timeline(shared, "haiti_bbc", ["183", "61", "1319", "712"])  # 183 and 61: one story
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([write_jsonl(tmp_path / "all.jsonl", records)], reports=False)
        before = {s["id"]: set(s["pages"]) for s in sl.stories()}
        lines_before = {line["id"] for line in sl.storylines()}
        corrected = [dict(r, text=r["text"] + "\n\nThis article was corrected.") for r in reversed(records)]
        feed = write_jsonl(tmp_path / "new.jsonl", corrected)
    if stopped:
        settle_all = local.settle_all
        monkeypatch.setattr(local, "settle_all", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
        with Storyline(tmp_path / "s.db") as sl, pytest.raises(KeyboardInterrupt):
            sl.run([feed], reports=False, update=True)
        monkeypatch.setattr(local, "settle_all", settle_all)
    with Storyline(tmp_path / "s.db") as sl:  # a new process, as after Ctrl-C
        summary = sl.run([feed], reports=False, update=True)
        now = {s["id"]: set(s["pages"]) for s in sl.stories()}
        lines_now = {line["id"] for line in sl.storylines()}
        resolved = {old: sl.show(old) for old in before}
        resolved_lines = {old: sl.show_storyline(old, report=False) for old in lines_before}
    assert summary.superseded == (0 if stopped else len(records)) and summary.settled_whole_store
    assert set(before) - set(now)  # ids went
    for old, pages in before.items():
        assert resolved[old] is not None and resolved[old]["id"] in now and pages & now[resolved[old]["id"]], old
    assert all(line is not None and line["id"] in lines_now for line in resolved_lines.values())
