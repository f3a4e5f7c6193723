"""Copy groups and stories stay right as a pile grows: big groups, merges, ids, readers."""
from __future__ import annotations

import json
from collections import Counter
import sqlite3

import pytest

from storyline import Storyline
from storyline.cli import main
from storyline.store.sqlite import SqliteStore, StoreError

from .conftest import SEED


def _paragraphs(seed: str) -> list[str]:
    from storyline import extract

    return next(extract([SEED[seed]]))["text"].split("\n\n")


def _jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_many_exact_copies_cost_one_link_each(tmp_path):
    text = "\n\n".join(_paragraphs("004"))
    feed = _jsonl(tmp_path / "feed.jsonl", [{"id": f"copy {i:04d}", "text": text} for i in range(600)])
    with Storyline(tmp_path / "s.db") as sl:
        summary = sl.run([feed])
        pages = sl.pages()
        (story,) = sl.stories()
    assert summary.added == 600 and summary.new_duplicates == 599
    originals = {p["duplicate_of"] for p in pages if p["duplicate_of"]}
    assert len(originals) == 1 and all(p["relation"] == "exact" for p in pages if p["duplicate_of"])
    con = sqlite3.connect(tmp_path / "s.db")
    assert con.execute("SELECT count(*) FROM links").fetchone()[0] == 599
    # ids with spaces survive in story page lists
    assert story["page_count"] == 600 and "copy 0000" in story["pages"]


def test_a_cut_down_copy_is_not_the_original(tmp_path):
    paragraphs = _paragraphs("004")
    feed = _jsonl(tmp_path / "feed.jsonl", [
        {"id": "short", "text": "\n\n".join(paragraphs[: len(paragraphs) * 3 // 4])},
        {"id": "full", "text": "\n\n".join(paragraphs)},
    ])
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([feed])
        pages = {p["id"]: p for p in sl.pages()}
    assert pages["full"]["duplicate_of"] is None
    assert pages["short"]["duplicate_of"] == "full"


def test_a_page_joining_two_groups_merges_their_stories(tmp_path):
    first, second = _paragraphs("003"), _paragraphs("004")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": "\n\n".join(first)},
                                              {"id": "b", "text": "\n\n".join(second)}])])
        assert len(sl.stories()) == 2
        # A roundup carrying both articles whole is a copy of neither but contains both.
        sl.run([_jsonl(tmp_path / "c.jsonl", [{"id": "c", "text": "\n\n".join(first + second)}])])
        pages = {p["id"]: p for p in sl.pages()}
        stories = sl.stories()
    assert pages["a"]["duplicate_of"] == pages["b"]["duplicate_of"] == "c"
    assert len({p["story"] for p in pages.values()}) == 1
    (story,) = stories
    assert story["original"] == "c" and sorted(story["pages"]) == ["a", "b", "c"]


def test_a_reused_id_with_other_content_is_reported_not_dropped(tmp_path, capsys):
    one = _jsonl(tmp_path / "one.jsonl", [{"id": 1, "text": "\n\n".join(_paragraphs("003"))}])
    two = _jsonl(tmp_path / "two.jsonl", [{"id": 1, "text": "\n\n".join(_paragraphs("004"))}])
    db = str(tmp_path / "s.db")
    assert main(["run", "--db", db, str(one)]) == 0
    assert main(["run", "--db", db, str(two)]) == 1
    assert "already used by another stored page" in capsys.readouterr().out


def test_record_ids_do_not_depend_on_how_the_path_is_typed(tmp_path, monkeypatch):
    folder = tmp_path / "j"
    folder.mkdir()
    _jsonl(folder / "a.jsonl", [{"text": "\n\n".join(_paragraphs("003"))}])
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([folder / "a.jsonl"])
        monkeypatch.chdir(folder)
        again = sl.run(["a.jsonl"])
    assert again.added == 0 and again.already_stored == 1


def test_readers_never_take_the_write_lock(seed_dir, tmp_path, capsys):
    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        sl.run([seed_dir])
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a run in the middle of a batch
    try:
        assert main(["stories", "--db", str(db), "--json"]) == 0
        assert len(json.loads(capsys.readouterr().out)) == 2
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_read_commands_on_a_missing_store_fail_clearly(tmp_path, capsys):
    assert main(["stories", "--db", str(tmp_path / "typo.db")]) == 2
    assert "no store at" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists()


def test_a_missing_input_is_found_before_any_work(seed_dir, tmp_path, capsys):
    db = tmp_path / "s.db"
    assert main(["run", "--db", str(db), str(seed_dir), str(tmp_path / "typo")]) == 2
    assert "typo" in capsys.readouterr().err
    with pytest.raises(StoreError):
        SqliteStore(db, read_only=True).pages()  # nothing was stored, not even a store


def test_bad_settings_are_refused(seed_dir, tmp_path, capsys):
    assert main(["run", "--db", str(tmp_path / "s.db"), "--config", str(tmp_path / "none.toml"), str(seed_dir)]) == 2
    assert "not found" in capsys.readouterr().err
    config = tmp_path / "storyline.toml"
    config.write_text("lsh_bands = 40\n")
    assert main(["run", "--db", str(tmp_path / "s.db"), "--config", str(config), str(seed_dir)]) == 2
    assert "multiple of lsh_bands" in capsys.readouterr().err
    config.write_text("shingle_size = 4\n")
    assert main(["run", "--db", str(tmp_path / "t.db"), str(seed_dir)]) == 0
    assert main(["run", "--db", str(tmp_path / "t.db"), "--config", str(config), str(seed_dir)]) == 2
    assert "shingle_size=3" in capsys.readouterr().err


def _stored_frequencies(db) -> tuple[dict[str, int], int, Counter]:
    """The store's document frequencies, its document count, and the counts its pages imply."""
    from storyline.cluster.vectors import ENTITY_PREFIX

    with sqlite3.connect(db) as con:
        stored = dict(con.execute("SELECT term, df FROM term_df"))
        n_docs = int(con.execute("SELECT value FROM meta WHERE key = 'n_docs'").fetchone()[0])
        implied: Counter = Counter()
        for terms, counts in con.execute("SELECT terms, story_counts FROM pages WHERE status = 'ok'"):
            implied.update(list(json.loads(terms)))
            implied.update(ENTITY_PREFIX + n for n in json.loads(counts).get("entities", {}))
        pages = con.execute("SELECT count(*) FROM pages WHERE status = 'ok'").fetchone()[0]
    assert n_docs == pages
    return stored, n_docs, implied


def test_document_frequencies_count_each_stored_page_once(tmp_path):
    """Term weights (tf-idf of stories, storylines and dates) rest on how many stored pages hold each
    term: counted per batch of pages, they must equal a count over the stored pages, through one
    run of several pages, a second run, an exact copy, a skipped record and a deletion."""
    paragraphs = _paragraphs("004")
    records = [{"id": f"p{i}", "title": f"Report {i} on Lavrov in Pyongyang", "text": "\n\n".join(paragraphs[i:])}
               for i in range(4)]
    records.append({"id": "twin", "title": records[0]["title"], "text": records[0]["text"]})
    records.append({"id": "empty", "text": ""})
    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        sl.run([_jsonl(tmp_path / "a.jsonl", records[:3])])
        sl.run([_jsonl(tmp_path / "b.jsonl", records[3:])])
    stored, n_docs, implied = _stored_frequencies(db)
    assert n_docs == 5 and stored == dict(implied)
    assert stored["lavrov"] == 5, "a term of every page counts every page, the exact copy too"
    with Storyline(db) as sl:
        sl.delete(["p1"])
    stored, n_docs, implied = _stored_frequencies(db)
    assert n_docs == 4 and stored == dict(implied) and stored["lavrov"] == 4


def test_a_storys_key_terms_read_alone_match_its_state(tmp_path):
    """Story grouping files a stored story under its key terms before (and often instead of) reading
    its whole state: the two reads must agree on which stories exist, in which order, with which
    terms, over several IN chunks, for a story without state, without keys, and with a NaN weight."""
    store = SqliteStore(tmp_path / "s.db")
    try:
        ids = [f"story-{i:04d}" for i in range(1200)]
        for i, story_id in enumerate(ids):
            if i % 97 == 0:
                store.upsert_story(story_id)  # no state yet
                continue
            state = {"reports": 1, "headline": {"w": 1.0}, "body": {}, "entities": {},
                     "first_day": None, "last_day": None, "keys": [f"k{i}", "oil", f"k{i + 1}"]}
            if i % 101 == 0:
                del state["keys"]
            if i == 500:
                state["body"] = {"nan": float("nan")}  # json_extract refuses it; json.loads does not
            store.save_story_state(story_id, state, state.get("keys", []))
        asked = ids[::-1] + ["no-such-story"]
        states, keys = store.story_states(asked), store.story_keys(asked)
    finally:
        store.close()
    assert list(keys) == list(states) and len(keys) == 1200 - len(ids[::97])
    assert keys == {s: state.get("keys", []) for s, state in states.items()}
    assert keys["story-0003"] == ["k3", "oil", "k4"] and keys["story-0101"] == []
