"""A run's cost per page does not grow with the store: no statement it repeats per page reads a whole table.

A full scan per page is quadratic in the store's size and invisible on small piles (deleting a page's
old skip records by `id OR source` scanned every stored page: at 100k pages, hours). SQLite's own
query plans say it: every statement a run issues about once per page or more is explained on the store
it ran against, and none may scan a table that grows with the store."""
from __future__ import annotations

import json
import re
import sqlite3
import time

from storyline import Storyline

from .conftest import write_jsonl

# Tables that grow with the pages stored (the FTS index is written by triggers, not queried per page).
GROWING = {"pages", "links", "lsh_index", "stories", "story_keys", "story_aliases", "storylines", "storyline_keys",
           "storyline_aliases", "story_alias_pages", "storyline_alias_pages",
           "term_df", "page_entities", "reports", "superseded"}


def _records(shared, start: int, count: int) -> list[dict]:
    lines = (shared / "data/timeline17/H1N1_reuters/articles.jsonl").read_text(encoding="utf-8").splitlines()
    out = []
    for line in lines[start:start + count]:
        record = json.loads(line)
        out.append({"id": record["id"], "text": record["text"], "date": record["time"], "source": "reuters"})
    return out


def test_no_statement_a_run_repeats_per_page_scans_a_growing_table(tmp_path, shared):
    first, second = _records(shared, 0, 40), _records(shared, 40, 40)
    second += [dict(r, id=f"{r['id']}-copy") for r in second[:5]]  # copies: links, groups, originals
    second.append({"id": "empty", "text": ""})  # a skipped page
    statements: dict[str, list] = {}

    def seen(sql: str) -> None:
        key = re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", sql)
        statements.setdefault(key, [sql, 0])[1] += 1

    with Storyline(tmp_path / "s.db") as sl:
        sl.run([write_jsonl(tmp_path / "a.jsonl", first)], reports=False)
        sl.store.db.set_trace_callback(seen)
        sl.run([write_jsonl(tmp_path / "b.jsonl", second)], reports=False)
        sl.store.db.set_trace_callback(None)
    db = sqlite3.connect(tmp_path / "s.db")
    scans = []
    for sql, count in statements.values():
        if count < len(second) // 2 or not re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", sql, re.I):
            continue
        for *_, step in db.execute("EXPLAIN QUERY PLAN " + sql):
            table = re.match(r"SCAN (\w+)", step)
            if table and table.group(1) in GROWING:
                scans.append((count, step, sql[:300]))
    assert len(statements) > 20  # the trace saw the run
    assert not scans, scans


def _answer(sl: Storyline) -> dict:
    pages = {p["id"]: (p["duplicate_of"], p["story"], (p.get("published") or {}).get("value")) for p in sl.pages()}
    stories = sorted(sorted(s["pages"]) for s in sl.stories())
    return {"pages": pages, "stories": stories}


def test_a_long_run_settles_in_slices_as_runs_one_after_another_would(tmp_path, shared, monkeypatch):
    """A run holding more than SETTLE_EVERY new pages settles them every SETTLE_EVERY pages, so its
    working set stays bounded; the store ends as after one run per slice."""
    import storyline.run.local as local

    records = _records(shared, 0, 60)
    records += [dict(r, id=f"{r['id']}-copy") for r in records[25:28]]  # copies of pages of an earlier slice
    monkeypatch.setattr(local, "BATCH", 10)
    monkeypatch.setattr(local, "SETTLE_EVERY", 20)
    phases: list[str] = []
    with Storyline(tmp_path / "one.db") as sl:
        summary = sl.run([write_jsonl(tmp_path / "all.jsonl", records)], reports=False, phase=phases.append)
        one = _answer(sl)
    assert summary.added == 63 and summary.settled_for_others == 0
    # settled after 20, 40 and 60 pages, reading on after each, and at the end
    assert phases.count("stories") == 4 and phases.count("reading") == 3
    counts = ("new_duplicates", "new_stories", "joined_stories", "split_reports", "merged_stories")
    with Storyline(tmp_path / "many.db") as sl:
        parts = [sl.run([write_jsonl(tmp_path / f"part{k}.jsonl", records[k:k + 20])], reports=False)
                 for k in range(0, len(records), 20)]
        many = _answer(sl)
    assert one == many
    # What the run says it found is what the runs one per slice found, all of it (not the last slice's).
    assert {c: getattr(summary, c) for c in counts} == {c: sum(getattr(p, c) for p in parts) for c in counts}
    assert summary.new_stories > parts[-1].new_stories
    assert sum(1 for duplicate_of, *_ in one["pages"].values() if duplicate_of) >= 3
    assert len(one["stories"]) < len(records)  # some pages share stories: the slices met


def test_a_rebuild_or_delete_settles_the_store_in_slices_as_the_long_run_did(tmp_path, shared, monkeypatch):
    """`rebuild` and `delete` settle every stored page again, SETTLE_EVERY pages at a time in input
    order, as the run that stored them did: the same answer, and a working set that follows the
    slice, not the store."""
    import storyline.run.local as local
    import storyline.run.working as working

    records = _records(shared, 0, 60)
    records += [dict(r, id=f"{r['id']}-copy") for r in records[25:28]]
    monkeypatch.setattr(local, "BATCH", 10)
    monkeypatch.setattr(local, "SETTLE_EVERY", 20)
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([write_jsonl(tmp_path / "all.jsonl", records)], reports=False)
        run = _answer(sl)
        settled: list[int] = []
        assign = working.assign_stories
        monkeypatch.setattr(local, "assign_stories", lambda store, pending, *a: (
            settled.append(len(pending)), assign(store, pending, *a))[1])
        # A page of a later slice is dated in its own slice, in its story, not early without one
        # (before, the first slice re-dated most later pages as "loosely dated", for nothing).
        dated_storyless: list[str] = []
        assess = working.forensics.assess
        monkeypatch.setattr(working.forensics, "assess", lambda pages, *a: (
            dated_storyless.extend(p.id for p in pages if p.story is None), assess(pages, *a))[1])
        for stage in ("stories", "copies"):
            settled.clear()
            sl.rebuild(stage)
            assert _answer(sl) == run, stage
            # three slices (copies come with their original's slice, in its copy group)
            assert len(settled) == 3 and max(settled) == 20, (stage, settled)
            assert not dated_storyless, (stage, dated_storyless)
        settled.clear()
        removed, _ = sl.delete([records[0]["id"]])
        assert removed == 1 and len(settled) == 3 and max(settled) == 20, settled
        assert len(_answer(sl)["pages"]) == 62


def test_each_slice_of_a_long_run_is_exactly_settle_every_new_pages_whatever_the_batches(tmp_path, shared,
                                                                                          monkeypatch):
    """Skipped records do not shift where a long run settles: each slice holds exactly SETTLE_EVERY
    new pages. How the pages fall into stored batches changes nothing in the store."""
    import storyline.run.local as local

    records = []
    for i, record in enumerate(_records(shared, 0, 50)):
        records.append(record)
        if i % 6 == 0:
            records.append({"id": f"empty-{i}", "text": ""})  # skipped: stored, but not a new page
    feed = write_jsonl(tmp_path / "feed.jsonl", records)
    monkeypatch.setattr(local, "SETTLE_EVERY", 20)
    answers = []
    for batch in (3, 7, 1000):
        monkeypatch.setattr(local, "BATCH", batch)
        db = tmp_path / f"b{batch}.db"
        settled_at: list[int] = []

        def phase(name: str) -> None:
            if name == "stories":  # pages stored (committed) when a slice is settled
                with sqlite3.connect(db) as reader:
                    settled_at.append(reader.execute("SELECT count(*) FROM pages WHERE status = 'ok'").fetchone()[0])
        with Storyline(db) as sl:
            sl.run([feed], reports=False, phase=phase)
            answers.append(_answer(sl))
        assert settled_at == [20, 40, 50], (batch, settled_at)
    assert answers[0] == answers[1] == answers[2]


def test_a_long_run_goes_on_extracting_while_it_settles(tmp_path, shared, monkeypatch):
    """While a long run settles one slice (copies, dates, stories: minutes at 100k pages, on one
    core), the pages after it are read and extracted: the workers do not wait for the settle. The
    store ends as before (the slice tests above run the same path)."""
    import storyline.run.local as local
    from storyline.read import read_inputs

    monkeypatch.setattr(local, "SETTLE_EVERY", 20)
    feed = write_jsonl(tmp_path / "feed.jsonl", _records(shared, 0, 60))
    taken: list[str] = []  # the records taken from the input, for extraction, so far

    def noted(items):
        for item in items:
            taken.append(item.id)
            yield item

    real_settle = local.settle
    during_first_settle: list[int] = []

    def settle(*args, **kwargs):
        if not during_first_settle:  # give the workers time to go on; the run waits here as if settling
            deadline = time.monotonic() + 20
            while len(taken) < 60 and time.monotonic() < deadline:
                time.sleep(0.05)
            during_first_settle.append(len(taken))
        real_settle(*args, **kwargs)

    monkeypatch.setattr(local, "settle", settle)
    with Storyline(tmp_path / "s.db") as sl:
        summary = sl.add(noted(read_inputs([feed], sl.config)), reports=False)
        assert summary.added == 60 and len(sl.stories()) >= 1
    # Before, only the run's own thread took pages, between settles: 20 stored, a few more queued.
    assert during_first_settle == [60]


def test_removing_a_story_or_a_storyline_reads_no_whole_table(tmp_path, shared):
    """A merge removes a story, a storyline left without stories is removed: each is a few rows of
    the key-term indexes, and must not read the whole index (1.2M rows at 100k pages: a scan per
    merge)."""
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([write_jsonl(tmp_path / "a.jsonl", _records(shared, 0, 30))], reports=False)
        store = sl.store
        story, other = [s["id"] for s in sl.stories()][:2]
        line = store.db.execute("SELECT id FROM storylines LIMIT 1").fetchone()[0]
        statements: list[str] = []
        store.db.set_trace_callback(statements.append)
        with store.transaction():
            store.forget_story_states(other)
            store.delete_story(story, merged_into=other)
            store.save_storylines([], [line])
        store.db.set_trace_callback(None)
        scans = [(step, sql[:200]) for sql in statements if re.match(r"\s*(SELECT|INSERT|UPDATE|DELETE)\b", sql, re.I)
                 for *_, step in store.db.execute("EXPLAIN QUERY PLAN " + sql)
                 if (table := re.match(r"SCAN (\w+)", step)) and table.group(1) in GROWING]
    assert len(statements) >= 6  # the trace saw the removals
    assert not scans, scans
