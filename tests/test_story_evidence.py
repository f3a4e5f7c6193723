"""Story grouping's evidence (issue 14): stems, names from NER, headline-only records, naming."""
from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from pathlib import Path

from storyline import Storyline
from storyline.cluster.ner import entity_key
from storyline.cluster.names import storyline_name
from storyline.cluster.terms import term_counts

from .conftest import SHARED

UCI = SHARED / "data" / "uci-stories" / "headlines.jsonl"


def test_word_forms_meet():
    a, b = term_counts("Talks fail", ""), term_counts("Talks failed", "")
    assert set(a) == set(b)
    assert "mh370" in term_counts("Flight MH370 in 2014", "") and "2014" not in term_counts("Flight MH370 in 2014", "")


def test_entity_keys_are_one_spelling():
    assert entity_key("the White House") == "White House"
    assert entity_key("Moscow's") == "Moscow"
    assert entity_key("NATO") == "NATO"
    assert entity_key("MOSCOW") == "Moscow"
    assert entity_key("''") is None


def test_storyline_names_skip_debris_and_fall_back_to_a_title():
    assert storyline_name(Counter({"-LRB-": 9, "RRB": 8, "BP": 5, "Gulf of Mexico": 4})) == "BP · Gulf of Mexico"
    assert storyline_name(Counter({"CAP FOR Leaking OIL WELL": 9, "Q4000": 3})) == "Q4000"
    assert storyline_name(Counter({"WHO": 3, "US": 2})) == "WHO · US"
    # One name in two spellings counts once, shown as written in running text, not as a masthead shouts it.
    assert storyline_name(Counter({"BBC RADIO": 5, "BBC Radio": 4, "Premier League": 3})) == "BBC Radio · Premier League"
    assert storyline_name(Counter({"NASA": 5, "Moon": 2})) == "NASA · Moon"  # an acronym alone stays as written
    # The wire that reports a thread is not what it is about.
    assert storyline_name(Counter({"H1N1": 9, "Reuters": 8, "Mexico": 7, "WHO": 3})) == "H1N1 · Mexico · WHO"
    assert storyline_name(Counter({"AP": 6, "Patrick": 5, "Associated Press": 4, "Iowa": 2})) == "Patrick · Iowa"
    assert storyline_name(Counter(), "Flood warnings issued") == "Flood warnings issued"
    assert storyline_name(Counter(), "word " * 40).endswith("…")


def test_headline_feed_groups_whole_stories(tmp_path):
    """Real Google News headlines of four stories, as a feed of titles: each story ends up
    (almost) whole in one story, and no story mixes two."""
    rows = [json.loads(line) for line in UCI.open(encoding="utf-8")]
    by_story = defaultdict(list)
    for r in rows:
        by_story[r["story"]].append(r)
    chosen = sorted((s for s in by_story if 20 <= len(by_story[s]) <= 60), key=lambda s: s)[:4]
    feed = tmp_path / "feed.jsonl"
    picked = sorted((r for s in chosen for r in by_story[s][:30]), key=lambda r: (r["date"], r["id"]))
    feed.write_text("".join(json.dumps({k: r[k] for k in ("id", "title", "date", "source")}) + "\n"
                            for r in picked), encoding="utf-8")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([feed])
        story_of = {p["id"]: p["story"] for p in sl.pages()}
    for story in chosen:
        found = Counter(story_of[r["id"]] for r in by_story[story][:30])
        assert found.most_common(1)[0][1] >= 0.7 * sum(found.values()), (story, found)
    mixed = defaultdict(set)
    for r in picked:
        mixed[story_of[r["id"]]].add(r["story"])
    assert all(len(labels) == 1 for labels in mixed.values())


def test_store_with_older_counts_is_recounted(tmp_path, monkeypatch):
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    for p in seeds[:3]:
        (first / p.name).write_bytes(p.read_bytes())
    for p in seeds[3:]:
        (second / p.name).write_bytes(p.read_bytes())
    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        sl.run([first])
    with sqlite3.connect(db) as con:  # as an older release left it: other terms, no version mark
        con.execute("UPDATE pages SET terms = ?", (json.dumps({"obsolete": 1}),))
        con.execute("DELETE FROM meta WHERE key = 'story_features'")
    with Storyline(db) as sl:
        sl.run([second])
        stories = {Path(p["source"]).name[:3]: p["story"] for p in sl.pages()}
    with sqlite3.connect(db) as con:
        assert not con.execute("SELECT 1 FROM pages WHERE terms LIKE '%obsolete%'").fetchall()
        assert con.execute("SELECT value FROM meta WHERE key = 'story_features'").fetchone() is not None
        assert not con.execute("SELECT 1 FROM term_df WHERE term = 'obsolete'").fetchall()
    assert len({stories[k] for k in ("000", "001", "002", "003")}) == 1 and stories["004"] != stories["000"]


def test_a_headline_that_bridges_two_stories_merges_them(tmp_path):
    """Two stories of one event (the missing jet; the ocean search) opened apart; a later headline
    that names both joins one and the two merge. The merged story's id still resolves."""
    first = [
        {"id": "a1", "title": "Malaysia Airlines flight MH370 vanishes with 239 aboard", "date": "2014-03-08"},
        {"id": "a2", "title": "Malaysia Airlines MH370 missing: relatives wait for news", "date": "2014-03-08"},
        {"id": "b1", "title": "Search for missing jet widens to Indian Ocean", "date": "2014-03-09"},
        {"id": "b2", "title": "Ships search Indian Ocean for missing jet debris", "date": "2014-03-09"},
    ]
    bridge = [{"id": "c1", "title": "Malaysia Airlines MH370 search for missing jet moves to Indian Ocean",
               "date": "2014-03-09"}]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in first), encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in bridge), encoding="utf-8")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([tmp_path / "a.jsonl"])
        before = {p["id"]: p["story"] for p in sl.pages()}
        assert before["a1"] == before["a2"] != before["b1"] == before["b2"]
        summary = sl.run([tmp_path / "b.jsonl"])
        after = {p["id"]: p["story"] for p in sl.pages()}
        assert summary.merged_stories == 1
        assert len(set(after.values())) == 1
        gone = ({before["a1"], before["b1"]} - set(after.values())).pop()
        assert sl.show(gone)["id"] == after["c1"]  # the merged id resolves to the story it joined
