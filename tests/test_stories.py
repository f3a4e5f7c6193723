"""Stories and storylines: what a user sees of grouping, through the API, the CLI and the engine.

Seed tests run everywhere; tests on Timeline17 articles need ../shared/data and skip without it.
"""
from __future__ import annotations

import importlib.util
import json
import math
import sqlite3
import sys
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from importlib import resources

import pytest

from storyline import Storyline, load_config
from storyline.cli import main
from storyline.cluster import online
from storyline.cluster.assign import story_id_for
from storyline.cluster.batch import BatchSettings, cluster_batch, weigh
from storyline.cluster.names import capitalised_names
from storyline.cluster.ner import entity_counts
from storyline.cluster import model as model_module
from storyline.cluster.model import load_model, time_decay
from storyline.cluster.online import StoryIndex
from storyline.cluster.vectors import PageVectors, story_counts
from storyline.store.sqlite import StoreError

from .conftest import ROOT, SEED, SHARED

TIMELINE17 = SHARED / "data" / "timeline17"
VISIT = ("000", "001", "002", "003")  # the January 2024 visit; 004 is Lavrov's October 2023 visit


def _by_seed(sl: Storyline) -> dict[str, dict]:
    return {Path(p["source"]).name[:3]: p for p in sl.pages()}


def _partition(pages: list[dict], key=lambda p: p["id"]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for page in pages:
        assert page["story"], f"page {page['id']} has no story"
        groups[page["story"]].add(key(page))
    return {frozenset(g) for g in groups.values()}


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _bench_module(relative: str, name: str):
    """A module of bench/ (not a package), loaded from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / relative)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


# The scores bench/cluster reports: B-cubed and pairwise F1 (bench/dedup/metrics.py).
_metrics = _bench_module("dedup/metrics.py", "_storyline_bench_metrics")


def bcubed_f1(truth: list, predicted: list) -> float:
    return _metrics.bcubed(truth, predicted)["f1"]


def pair_f1(truth: list, predicted: list) -> float:
    return _metrics.pair_scores(truth, predicted)["f1"]


@pytest.fixture(scope="module")
def timeline() -> dict:
    """Timeline17 articles by key ("<set>/<id>"), loaded with bench/cluster/data.py."""
    if not TIMELINE17.is_dir():
        pytest.skip("../shared/data/timeline17 is not present")
    module = _bench_module("cluster/data.py", "_storyline_bench_t17")
    return {a.key: a for a in module.timeline17(TIMELINE17)}


# -- 1. the seeds: two stories, one storyline ---------------------------------------------------

def _seed_store(seed_dir: Path, db: Path) -> tuple[dict[str, dict], list[dict], list[dict], object]:
    with Storyline(db) as sl:
        summary = sl.run([seed_dir])
        return _by_seed(sl), sl.stories(), sl.storylines(), summary


def test_seeds_make_two_stories_each_in_a_storyline(seed_dir, tmp_path, capsys):
    db = tmp_path / "s.db"
    pages, stories, lines, summary = _seed_store(seed_dir, db)
    assert _partition(list(pages.values()), key=lambda p: Path(p["source"]).name[:3]) == {
        frozenset(VISIT), frozenset({"004"})}
    visit, lavrov = pages["000"]["story"], pages["004"]["story"]
    assert {s["id"] for s in stories} == {visit, lavrov}
    # every story names its storyline, and the storylines list every story exactly once
    assert all("storyline" in s and "aliases" in s and s["aliases"] == [] for s in stories)
    line_of = {s["id"]: s["storyline"] for s in stories}
    assert all(line_of.values())
    assert sorted(sid for line in lines for sid in line["stories"]) == sorted(line_of)
    assert all(line_of[sid] == line["id"] for line in lines for sid in line["stories"])
    assert summary.storylines == len(lines) == summary.totals["storylines"]
    visit_line = next(line for line in lines if visit in line["stories"])
    assert "Russia" in visit_line["name"] or "North Korea" in visit_line["name"]
    assert sum(line["page_count"] for line in lines) == 5

    # The same through the CLI.
    assert main(["stories", "--db", str(db), "--json"]) == 0
    assert {s["id"]: s["storyline"] for s in json.loads(capsys.readouterr().out)} == line_of
    assert main(["storylines", "--db", str(db), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == lines
    assert main(["stories", "--db", str(db), "--storyline", line_of[visit], "--json"]) == 0
    assert visit in {s["id"] for s in json.loads(capsys.readouterr().out)}
    assert main(["pages", "--db", str(db), "--json"]) == 0
    cli_pages = {Path(p["source"]).name[:3]: p["story"] for p in json.loads(capsys.readouterr().out)}
    assert cli_pages == {n: (lavrov if n == "004" else visit) for n in ("000", "001", "002", "003", "004")}
    assert main(["storylines", "--db", str(db)]) == 0
    text = capsys.readouterr().out
    assert visit_line["name"] in text and f"{len(lines)} storylines" in text


def test_seed_visits_are_one_storyline(seed_dir, tmp_path):
    pages, stories, lines, summary = _seed_store(seed_dir, tmp_path / "s.db")
    visit, lavrov = pages["000"]["story"], pages["004"]["story"]
    assert summary.storylines == 1
    (line,) = lines
    assert {s["storyline"] for s in stories} == {line["id"]}
    assert "Russia" in line["name"] or "North Korea" in line["name"]
    assert line["stories"] == [lavrov, visit]  # in date order: October 2023, then January 2024
    assert line["story_count"] == 2 and line["page_count"] == 5
    # Lavrov arrived "on Wednesday" in October 2023 (the 18th; which week, nothing on the page says)
    assert line["first_date"].startswith("2023-10") and line["last_date"] == "2024-01-16"


def test_stories_of_one_topic_link_into_its_storyline_and_topics_stay_apart(timeline, tmp_path):
    """A week of BBC reports on the BP spill (July 2010), with the first day of the Haiti quake and a week
    of swine flu moved onto the same days: each topic's stories mostly share one storyline, and no
    storyline mixes topics."""
    start = date(2010, 7, 12).toordinal()
    windows = {"bpoil_bbc": (date(2010, 7, 12), 7), "haiti_bbc": (date(2010, 1, 13), 1),
               "H1N1_bbc": (date(2009, 4, 27), 7)}
    records, topic = [], {}
    for a in timeline.values():
        first, days = windows.get(a.key.split("/")[0], (None, 0))
        if first and 0 <= a.day - first.toordinal() < days and a.text.strip():
            moved = a.day - first.toordinal() + start
            records.append({"id": a.key, "text": a.text, "date": date.fromordinal(moved).isoformat()})
            topic[a.key] = a.topic
    records = sorted(records, key=lambda r: (r["date"], r["id"]))
    assert 50 <= len(records) <= 120
    with Storyline(tmp_path / "s.db") as sl:
        summary = sl.run([_write_jsonl(tmp_path / "week.jsonl", records)])
        stories = {s["id"]: s for s in sl.stories()}
        lines = sl.storylines()
    assert not summary.skipped and summary.storylines == len(lines)
    assert sorted(s for line in lines for s in line["stories"]) == sorted(stories)
    pages_by_topic = Counter(topic.values())
    for line in lines:
        topics = Counter(topic[p] for s in line["stories"] for p in stories[s]["pages"])
        assert len(topics) == 1, f"storyline {line['name']!r} mixes {dict(topics)}"
        line["topic"] = next(iter(topics))
    for name, words in (("bpoil", ("BP", "Gulf")), ("haiti", ("Haiti",)), ("H1N1", ("H1N1", "Mexico"))):
        main_line = max((line for line in lines if line["topic"] == name), key=lambda line: line["page_count"])
        assert main_line["story_count"] >= 3
        assert main_line["page_count"] >= pages_by_topic[name] / 2
        assert any(w in main_line["name"] for w in words), main_line["name"]


def test_a_thread_whose_reports_come_seven_months_apart_is_one_storyline(timeline, tmp_path):
    """The BBC's Michael Jackson reports of June 2010 (the doctor's hearing, the first anniversary) and
    of January 2011 (Conrad Murray sent to trial), with nothing between them: one storyline holds
    nearly all of them. At a decay width of 120 days and a merge bar of 0.2 they were two storylines
    of 9 and 8 pages."""
    records = sorted(({"id": a.key, "text": a.text, "date": a.date} for a in timeline.values()
                      if a.key.startswith("MJ_bbc/") and a.date[:7] in ("2010-06", "2011-01") and a.text.strip()),
                     key=lambda r: (r["date"], r["id"]))
    assert 15 <= len(records) <= 25
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([_write_jsonl(tmp_path / "mj.jsonl", records)])
        story_of = {p["id"]: p["story"] for p in sl.pages() if p["story"]}
        line_of = {s["id"]: s["storyline"] for s in sl.stories()}
        names = {line["id"]: line["name"] for line in sl.storylines()}
    months = {r["id"]: r["date"][:7] for r in records}
    main_line, size = Counter(line_of[story_of[r["id"]]] for r in records if r["id"] in story_of).most_common(1)[0]
    assert size >= len(records) - 3
    assert {months[p] for p, s in story_of.items() if line_of[s] == main_line} == {"2010-06", "2011-01"}
    assert "Jackson" in names[main_line]


# -- 2. a feed of headlines --------------------------------------------------------------------

HEADLINES = [
    {"id": "bp-1", "title": "BP top kill operation fails to stop Gulf oil leak", "date": "2010-05-29"},
    {"id": "bp-2", "title": "BP admits top kill has failed to plug Gulf of Mexico oil well", "date": "2010-05-29"},
    {"id": "bp-3", "title": "Top kill fails: BP says oil still flowing into Gulf", "date": "2010-05-29"},
    {"id": "football", "title": "Spain beat Netherlands to win World Cup final in Johannesburg", "date": "2010-07-11"},
    {"id": "quake", "title": "Magnitude 8.8 earthquake strikes central Chile, tsunami warning issued",
     "date": "2010-02-27"},
]
ORDERS = ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [3, 1, 4, 0, 2])


def _headline_groups(tmp_path: Path, order: list[int]) -> set[frozenset[str]]:
    folder = tmp_path / ("o" + "".join(map(str, order)))
    folder.mkdir()
    feed = _write_jsonl(folder / "feed.jsonl", [HEADLINES[i] for i in order])
    with Storyline(folder / "s.db") as sl:
        summary = sl.run([feed])
        pages = sl.pages()
        stories = sl.stories()
    assert summary.added == 5 and not summary.skipped
    assert all(s["title"] for s in stories)  # a headline-only story is named by its headline
    return _partition(pages)


def test_headline_feed_keeps_unrelated_events_apart_in_any_order(tmp_path):
    results = [_headline_groups(tmp_path, order) for order in ORDERS]
    assert results[0] == results[1] == results[2]  # grouping does not depend on input order
    groups = results[0]
    assert frozenset({"football"}) in groups and frozenset({"quake"}) in groups
    bp = [g for g in groups if g & {"bp-1", "bp-2", "bp-3"}]
    assert all(g <= {"bp-1", "bp-2", "bp-3"} for g in bp)
    assert any(len(g) >= 2 for g in bp)  # at least the two headlines that share most words join


def test_headline_feed_groups_three_headlines_of_one_event(tmp_path):
    for order in ORDERS[:2]:
        assert frozenset({"bp-1", "bp-2", "bp-3"}) in _headline_groups(tmp_path, order)


def test_a_story_of_records_without_titles_is_named_by_its_first_sentence_as_a_reader_writes_it(tmp_path):
    """A tokenised wire record without a title (as in Timeline17) was named by its first 30 words:
    "HONG KONG | Tue May 12 , 2009 8:56 am EDT HONG KONG -LRB- Reuters -RRB- - A leading ...". A
    wire summary's bullets give their first one."""
    lead = ("HONG KONG | Tue May 12 , 2009 8:56 am EDT HONG KONG -LRB- Reuters -RRB- - A leading virologist "
            "said the new H1N1 flu virus is `` very unstable '' and could swap genes with other viruses . ")
    bullets = ("\\* 23-month-old child dies in Texas of swine flu \\* Death is first outside Mexico \\* Official "
               "says child was in Houston for treatment By Maggie Fox , Health Editor WASHINGTON -LRB- Reuters -RRB- - ")
    rest = "Scientists in Hong Kong and Geneva asked for more samples of the virus to study how it changes over time ."
    feed = _write_jsonl(tmp_path / "feed.jsonl", [{"id": "virus", "text": lead + rest, "date": "2009-05-12"},
                                                   {"id": "texas", "text": bullets + rest.replace("virus", "boy"),
                                                    "date": "2009-04-29"}])
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([feed])
        titles = {p["id"]: s["title"] for s in sl.stories() for p in sl.pages() if p["story"] == s["id"]}
    assert titles["virus"] == ('A leading virologist said the new H1N1 flu virus is "very unstable" and could swap '
                               'genes with other viruses.')
    assert titles["texas"] == "23-month-old child dies in Texas of swine flu"


# -- 3. time matters -------------------------------------------------------------------------

def _vec(pid: str, words: dict[str, float], names: dict[str, float], day: int | None) -> PageVectors:
    def unit(v: dict[str, float]) -> dict[str, float]:
        norm = math.sqrt(sum(x * x for x in v.values()))
        return {k: x / norm for k, x in v.items()}
    return PageVectors(pid, unit(words), unit(words), unit(names), day)


def test_join_decision_decays_with_the_days_between_page_and_story():
    """model.py: P(join) = logistic(headline, body, names cosines, exp(-gap²/2σ²)). Two reports with every
    cosine at 0.5 (related, far from a copy) join on the same day and stay apart two months later; even with
    every cosine at 0.9 a 60-day gap keeps them apart."""
    model, sigma = load_model("")
    day = date(2010, 6, 1).toordinal()
    story = _vec("a", {"kill": 1, "top": 1, "bp": 1, "well": 1}, {"BP": 1, "Gulf": 1}, day)
    # cosine exactly 0.5 to the story on words and names
    related = {"kill": 1, "top": 1, "bp": 1, "well": 1, **{f"other{i}": 1 for i in range(12)}}
    names = {"BP": 1, "Gulf": 1, "Hayward": 1, "Houston": 1, "Alabama": 1, "Florida": 1, "Texas": 1, "Obama": 1}

    def decide(page_day: int | None, words=related, page_names=names):
        index = StoryIndex(model, 0.5, sigma)
        index.add("s-a", story)
        return index.decide(_vec("b", words, page_names, page_day))

    same_day, week, unknown, months = decide(day), decide(day + 7), decide(None), decide(day + 60)
    assert same_day.story == "s-a" and same_day.probability >= 0.5
    assert months.story is None and months.probability < 0.05
    assert same_day.probability > week.probability > months.probability
    assert months.probability < unknown.probability < same_day.probability  # no date: a short gap is assumed
    assert decide(day - 60).story is None  # a page dated before the story counts the same way
    # The time feature is the Gaussian documented in model.py.
    assert time_decay(day + 13, day, day, 13.0) == pytest.approx(math.exp(-0.5))
    assert time_decay(day + 5, day, day + 9, 13.0) == 1.0  # inside the story's date span: no gap
    # Near-identical wording, every cosine 0.9: the same day joins, 60 days apart does not.
    features = (0.9, 0.9, 0.9)
    assert model.probability(features + (time_decay(day, day, day, sigma),)) >= 0.5
    assert model.probability(features + (time_decay(day + 60, day, day, sigma),)) < 0.5


# Two reports of one event in their own words (not copies): BBC, 14 and 15 January 2010, TF-IDF
# cosine 0.68, 10 % of the smaller one's shingles shared. (The pair used before, 1149 and 1655,
# shares 72 %: eight paragraphs word for word, a contained copy once candidates find it.)
RELATED = ("haiti_bbc/260", "haiti_bbc/1452")


def _pair_run(folder: Path, a: dict, b: dict) -> tuple[dict, dict]:
    folder.mkdir()
    stream = _write_jsonl(folder / "pair.jsonl", [a, b])
    with Storyline(folder / "s.db") as sl:
        summary = sl.run([stream])
        pages = {p["id"]: p for p in sl.pages()}
    assert summary.added == 2 and not summary.skipped
    return pages[a["id"]], pages[b["id"]]


def _later(first, days: int) -> str:
    return (date.fromisoformat(first.date) + timedelta(days=days)).isoformat()


def test_related_reports_join_on_the_same_day_not_three_months_apart(timeline, tmp_path):
    first, second = (timeline[k] for k in RELATED)
    a = {"id": "a", "text": first.text, "date": first.date}
    pa, pb = _pair_run(tmp_path / "same", a, {"id": "b", "text": second.text, "date": first.date})
    assert pa["story"] == pb["story"]
    assert pb["relation"] not in ("exact", "near", "contained")  # in one story, yet no copy
    for days in (90, -90, 120):
        pa, pb = _pair_run(tmp_path / f"gap{days}", a, {"id": "b", "text": second.text, "date": _later(first, days)})
        assert pa["story"] != pb["story"], f"{days} days apart"
        assert pb["published"]["value"] == _later(first, days)


def test_related_report_two_months_later_keeps_its_date_and_its_own_story(timeline, tmp_path):
    first, second = (timeline[k] for k in RELATED)
    pa, pb = _pair_run(tmp_path / "gap60", {"id": "a", "text": first.text, "date": first.date},
                       {"id": "b", "text": second.text, "date": _later(first, 60)})
    assert pb["published"]["value"] == _later(first, 60) or pb["misdated"]
    assert pa["story"] != pb["story"]


def test_a_copy_months_later_stays_in_its_originals_story(timeline, tmp_path):
    first = timeline[RELATED[0]]
    copy_text = first.text.replace("Haiti", "Haïti", 2) + "\nCopyright 2010. All rights reserved."
    pa, pb = _pair_run(tmp_path / "copy", {"id": "a", "text": first.text, "date": first.date},
                       {"id": "b", "text": copy_text, "date": _later(first, 90)})
    assert pb["duplicate_of"] == "a" and pb["relation"] in ("exact", "near", "contained")
    assert pa["story"] == pb["story"]


# -- 4. stable ids: a merged story's id still resolves --------------------------------------

def _check_merged(db: Path, gone: str, kept: str, capsys) -> None:
    with Storyline(db) as sl:
        stories = {s["id"]: s for s in sl.stories()}
        lines = sl.storylines()
        shown = sl.show(gone)
    assert gone not in stories and kept in stories
    assert gone in stories[kept]["aliases"]
    assert shown is not None and shown["id"] == kept
    assert {m["id"] for m in shown["members"]} == set(stories[kept]["pages"])
    assert all(gone not in line["stories"] for line in lines)
    assert main(["show", "--db", str(db), gone]) == 0
    out = capsys.readouterr().out
    assert f"({gone} is now part of {kept}" in out
    assert main(["show", "--db", str(db), gone, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == kept


def test_stories_split_by_a_strict_setting_merge_later_and_old_ids_resolve(tmp_path, capsys):
    db = tmp_path / "s.db"
    strict = load_config(story_join_probability=0.9, story_merge_probability=0.9)
    with Storyline(db, strict) as sl:  # strict: every report alone
        first = sl.run([SEED[n] for n in ("000", "002", "003", "004")])
        before = _by_seed(sl)
    assert first.new_stories == 4 and first.merged_stories == 0
    with Storyline(db) as sl:  # default settings: 001, a copy of 002, touches 002's story, which merges
        second = sl.run([SEED["001"]])
        after = _by_seed(sl)
    assert second.merged_stories >= 1 and second.split_reports == 0 and second.new_stories == 0
    gone, kept = before["002"]["story"], after["002"]["story"]
    assert gone != kept and kept in {before[n]["story"] for n in ("000", "003")}
    assert after["001"]["story"] == after["002"]["story"] == kept  # the copy follows its original
    assert after["004"]["story"] == before["004"]["story"]  # Lavrov's visit is left alone
    _check_merged(db, gone, kept, capsys)


def test_ids_a_rebuild_recomputes_away_still_resolve(tmp_path, capsys):
    """A rebuild regroups every page; a story or storyline id that goes (a bookmark, a link of the
    web reader) resolves to the one that took most of its pages, and so does a merged id of before."""
    db = tmp_path / "s.db"
    strict = load_config(story_join_probability=0.9, story_merge_probability=0.9)
    with Storyline(db, strict) as sl:  # strict: every report alone
        sl.run([SEED[n] for n in ("000", "001", "002", "003", "004")])
        before = _by_seed(sl)
        lines_before = [line["id"] for line in sl.storylines()]
        merged_away = before["003"]["story"]
        sl.merge_stories(before["002"]["story"], merged_away)  # by hand: 003's id is now an alias
    with Storyline(db) as sl:  # default settings: the visit's reports are one story
        sl.rebuild("stories")
        after = _by_seed(sl)
        stories = {s["id"] for s in sl.stories()}
        lines = {line["id"] for line in sl.storylines()}
        for n in ("000", "001", "002", "003", "004"):
            shown = sl.show(before[n]["story"])
            assert shown is not None and shown["id"] == after[n]["story"], n
        for line_id in lines_before:
            shown = sl.show_storyline(line_id, report=False)
            assert shown is not None and shown["id"] in lines, line_id
    gone = sorted({before[n]["story"] for n in ("000", "001", "002", "003")} - stories)
    assert len(gone) >= 2 and merged_away in gone  # the rebuild did make ids go
    assert main(["show", "--db", str(db), gone[0], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == after["000"]["story"]

    # Storylines alone: each story its own storyline, then one thread; the ids that go resolve to it.
    with Storyline(db, load_config(storyline_similarity=0.99, storyline_start_similarity=0.99,
                                   storyline_merge_similarity=1.0)) as sl:
        sl.rebuild("storylines")
        alone = {line["id"]: line["stories"] for line in sl.storylines()}
    with Storyline(db) as sl:
        sl.rebuild("storylines")
        lines = {line["id"] for line in sl.storylines()}
        assert set(alone) - lines  # ids went
        for line_id, its_stories in alone.items():
            shown = sl.show_storyline(line_id, report=False)
            assert shown is not None and shown["id"] in lines and set(its_stories) <= set(shown["stories"]), line_id
        for line_id in lines_before:  # and the ids of before the first rebuild
            assert sl.show_storyline(line_id, report=False)["id"] in lines
    gone_line = sorted(set(alone) - lines)[0]
    assert main(["show", "--db", str(db), gone_line, "--no-report"]) == 0
    out = capsys.readouterr().out
    assert f"({gone_line} is now part of " in out and "stories," in out
    with Storyline(db, read_only=True) as sl:  # ids in use name their own story, not an alias of before
        assert all(story_id not in sl.show(story_id)["aliases"] for story_id in stories)


def test_a_story_merged_by_hand_follows_its_pages_when_a_rebuild_undoes_the_merge(tmp_path):
    """A wrong merge by hand (002's report into Lavrov's October visit), then a rebuild, which drops
    hand edits: 002 goes back to the January visit, and so does the id of the story it came from,
    not to the October story that the merge had named."""
    db = tmp_path / "s.db"
    lines_apart = dict(storyline_similarity=0.99, storyline_start_similarity=0.99, storyline_merge_similarity=1.0)
    strict = load_config(story_join_probability=0.9, story_merge_probability=0.9, **lines_apart)
    with Storyline(db, strict) as sl:  # every report a story, every story a storyline
        sl.run([SEED[n] for n in ("000", "001", "002", "003", "004")])
        before = _by_seed(sl)
        wrong, its_line = before["002"]["story"], sl.show(before["002"]["story"])["storyline"]
        sl.merge_stories(before["004"]["story"], wrong)
        assert sl.show(wrong)["id"] == before["004"]["story"]
        assert sl.show_storyline(its_line, report=False)["id"] == sl.show(before["004"]["story"])["storyline"]
    with Storyline(db, load_config(**lines_apart)) as sl:  # default stories; storylines still one per story
        sl.rebuild("stories")
        after = _by_seed(sl)
        shown, shown_line = sl.show(wrong), sl.show_storyline(its_line, report=False)
    assert after["002"]["story"] != after["004"]["story"] == before["004"]["story"]  # the merge is undone
    assert shown is not None and shown["id"] == after["002"]["story"]
    assert shown_line is not None and after["002"]["story"] in shown_line["stories"]


def test_ids_merged_into_a_story_follow_their_pages_when_it_is_split_by_hand(tmp_path):
    db = tmp_path / "s.db"
    with Storyline(db, load_config(story_join_probability=0.9, story_merge_probability=0.9,
                                   storyline_similarity=0.99, storyline_start_similarity=0.99,
                                   storyline_merge_similarity=1.0)) as sl:
        sl.run([SEED[n] for n in ("000", "004")])
        before = _by_seed(sl)
        moved, its_line = before["000"]["story"], sl.show(before["000"]["story"])["storyline"]
        sl.merge_stories(before["004"]["story"], moved)
        new = sl.split_story(before["004"]["story"], [before["000"]["id"]])  # undone by hand
        assert sl.show(moved)["id"] == new
        assert new in sl.show_storyline(its_line, report=False)["stories"]


def test_a_storyline_a_run_merges_into_another_keeps_resolving(tmp_path):
    """A run's storyline merge (cluster/storylines.py, _Lines.merge) deletes one storyline: its id
    becomes an alias of the storyline that took its stories, as a merged story's does."""
    db = tmp_path / "s.db"
    with Storyline(db, load_config(storyline_similarity=0.99, storyline_start_similarity=0.99,
                                   storyline_merge_similarity=1.0)) as sl:
        sl.run([SEED[n] for n in ("000", "004")])
        (kept, kept_stories), (gone, gone_stories) = sorted((l["id"], l["stories"]) for l in sl.storylines())
        store = sl.store
        state = store.storyline_states([kept])[kept]
        with store.transaction():  # as a run saves a merge: the kept one whole, the other deleted
            store.save_storylines([(kept, "merged", None, None, tuple(kept_stories + gone_stories), state, ())], [gone])
        assert store.resolve_storyline(gone) == kept and store.resolve_storyline(kept) == kept
        assert sl.show_storyline(gone, report=False)["id"] == kept
        with store.transaction():  # the id comes back as a storyline of its own: no alias any more
            store.save_storylines([(gone, "back", None, None, tuple(gone_stories), state, ())], [])
        assert store.resolve_storyline(gone) == gone


def test_the_storyline_of_a_story_merged_away_resolves_to_the_storyline_it_joined(tmp_path):
    """Its one story merges into a story of another storyline (by hand here, by review in a run):
    the storyline goes, and its id follows the story's pages."""
    db = tmp_path / "s.db"
    alone = load_config(storyline_similarity=0.99, storyline_start_similarity=0.99, storyline_merge_similarity=1.0)
    with Storyline(db, alone) as sl:
        sl.run([SEED[n] for n in ("000", "004")])
        by_seed = _by_seed(sl)
        line_of = {s["id"]: s["storyline"] for s in sl.stories()}
        keep, other = by_seed["000"]["story"], by_seed["004"]["story"]
        sl.merge_stories(keep, other)
        lines = {line["id"] for line in sl.storylines()}
        shown = sl.show_storyline(line_of[other], report=False)
        listed = sl.stories(storyline=line_of[other])
    assert line_of[other] not in lines and line_of[other] != line_of[keep]
    assert shown is not None and shown["id"] == line_of[keep] and keep in shown["stories"]
    assert [s["id"] for s in listed] == [keep]  # `stories --storyline OLD_ID` lists it too



def test_storyline_ids_survive_the_recount_of_an_older_store(tmp_path):
    """A store whose grouping counts come from an older release has them recounted once, and its
    storylines linked again (run/working.py ensure_story_features): a storyline id that the new
    linking makes go resolves to the storyline that took its stories, as after a rebuild."""
    db = tmp_path / "s.db"
    alone = load_config(storyline_similarity=0.99, storyline_start_similarity=0.99, storyline_merge_similarity=1.0)
    with Storyline(db, alone) as sl:
        sl.run([SEED[n] for n in ("000", "004")])
        before = {line["id"]: set(line["stories"]) for line in sl.storylines()}
    assert len(before) == 2
    with sqlite3.connect(db) as con:  # as an older release left it: no version mark on its counts
        con.execute("DELETE FROM meta WHERE key = 'story_features'")
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"id": "x1", "title": "Harbour ferry timetable changes for the winter",
                                "text": "The harbour board said the winter ferry timetable starts on Monday. "
                                        "Crossings leave every two hours instead of every hour.",
                                "date": "2023-10-30"}) + "\n", encoding="utf-8")
    with Storyline(db) as sl:
        sl.run([more])
        after = {line["id"] for line in sl.storylines()}
        shown = {line: sl.show_storyline(line, report=False) for line in before}
    assert set(before) - after  # linked with the default settings, the two storylines became one
    for line, stories in before.items():
        assert shown[line] is not None and shown[line]["id"] in after and stories <= set(shown[line]["stories"])

# Charlie Simpson's Haiti bike ride (BBC, January 2010): two reports of one story.
MERGING = ("haiti_bbc/183", "haiti_bbc/61")


def test_undated_report_opens_a_story_that_merges_once_dated(timeline, tmp_path, capsys):
    """A page with no date is compared as if a few days away; once forensics dates it (from its
    similar pages), review finds it belongs to the older story: merged, and its id resolves there."""
    first, second = (timeline[k] for k in MERGING)
    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        sl.run([_write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "text": first.text, "date": first.date}])])
        (kept,) = [s["id"] for s in sl.stories()]
        summary = sl.run([_write_jsonl(tmp_path / "b.jsonl", [{"id": "b", "text": second.text}])])
        pages = {p["id"]: p for p in sl.pages()}
    assert summary.new_stories == 1 and summary.merged_stories == 1
    assert pages["b"]["story"] == pages["a"]["story"] == kept
    assert pages["b"]["published"]["value"] is not None
    assert summary.totals["stories"] == 1 and summary.storylines == 1
    _check_merged(db, story_id_for("b"), kept, capsys)


def test_stories_reaching_merge_probability_merge(seed_dir, tmp_path):
    from storyline.cluster.online import StoryState

    config = load_config(story_join_probability=0.9, story_merge_probability=0.5)
    model, sigma = load_model("")
    with Storyline(tmp_path / "s.db", config) as sl:
        summary = sl.run([seed_dir])
        ids = [s["id"] for s in sl.stories()]
        states = {i: StoryState.from_json(i, d) for i, d in sl.store.story_states(ids).items()}
    best = max(model.probability(states[b].features(states[a].mean_vectors(), sigma))
               for a in states for b in states if a != b)
    # Joining was strict (0.9), merging at 0.5: the reports of the January visit merged in review,
    # and no two stories left reach the merge threshold.
    assert summary.merged_stories >= 1
    assert best < config.story_merge_probability


# -- 5. the cost of a page does not grow with the number of stories ------------------------

def _crowded_index(n: int, model, sigma: float) -> tuple[StoryIndex, PageVectors]:
    """n stories that all share the common words oil/gulf/spill/bp and the name BP; story 7 (the
    oldest but a few) also shares five rarer words with the page."""
    day = date(2010, 6, 1).toordinal()
    index = StoryIndex(model, 0.5, sigma)
    common = {"oil": 1.0, "gulf": 1.0, "spill": 1.0, "bp": 1.0}
    for i in range(n):
        words = {**common, f"a{i}": 2.0, f"b{i}": 2.0, f"c{i}": 2.0, f"d{i}": 2.0, f"e{i}": 2.0}
        index.add(f"s{i:05d}", _vec(f"p{i}", words, {"BP": 1, f"Name{i}": 2}, day + i % 5))
    page = _vec("new", {**common, "a7": 2.0, "b7": 2.0, "c7": 2.0, "d7": 2.0, "e7": 2.0}, {"BP": 1, "Name7": 2},
                day + 2)
    return index, page


def test_candidates_per_page_are_bounded_whatever_the_number_of_stories(monkeypatch):
    model, sigma = load_model("")
    scored = Counter()
    features = online.StoryState.features

    def counting(self, page, sigma_days):
        scored["n"] += 1
        return features(self, page, sigma_days)

    monkeypatch.setattr(online.StoryState, "features", counting)
    work = {}
    for n in (500, 5000):
        index, page = _crowded_index(n, model, sigma)
        assert len(index.stories) == n
        candidates = index.candidates(page)
        assert 0 < len(candidates) <= online.MAX_SCORED
        # what a page costs: the postings it reads, and the stories it scores in full
        read = sum(len(index.postings.get(t, ())) for t in page.key_terms())
        scored.clear()
        decision = index.decide(page)
        work[n] = (len(candidates), read, scored["n"])
        assert scored["n"] <= online.MAX_SCORED
        assert max(len(p) for p in index.postings.values()) <= online.POSTING_DEPTH
        # the one story sharing its rare words is found among thousands sharing its common ones
        assert decision.story == "s00007"
    assert work[500] == work[5000]


def _stored_crowd(model, sigma: float):
    """The 300 stories of _crowded_index as a store holds them: the lookup of its key-term postings
    (most recently used first), the loader of states (counting each read in `read`) and of key terms."""
    crowded, _ = _crowded_index(300, model, sigma)
    stored = {s: online.StoryState.from_json(s, state.as_json()) for s, state in crowded.stories.items()}
    by_term = defaultdict(list)
    for s in sorted(stored, reverse=True):  # the store's most recently used first
        for term in stored[s].keys:
            by_term[term].append(s)
    read = Counter()

    def lookup(terms):
        return [s for t in terms for s in by_term.get(t, [])[:online.POSTING_DEPTH]]

    def loader(ids):
        read.update(ids)
        return {s: online.StoryState.from_json(s, stored[s].as_json()) for s in sorted(ids) if s in stored}

    def keys(ids):
        return {s: list(stored[s].keys) for s in sorted(ids) if s in stored}

    return lookup, loader, keys, read


_CROWD_DAY = date(2010, 6, 1).toordinal()
_CROWD_COMMON = {"oil": 1.0, "gulf": 1.0, "spill": 1.0, "bp": 1.0}


def test_a_store_story_is_read_only_when_scored_and_the_decisions_stay_the_same():
    """Stories of earlier runs come from the store: each is filed under its key terms at once, but
    its state (the costly read) only once it is among the candidates scored; pages decide as they
    would with every state read."""
    model, sigma = load_model("")
    lookup, loader, keys, read = _stored_crowd(model, sigma)
    day, common = _CROWD_DAY, _CROWD_COMMON
    pages = [_vec(f"new{i}", {**common, **{f"{w}{k}": 2.0 for w in "abcde"}}, {"BP": 1, f"Name{k}": 2}, day + 2)
             for i, k in enumerate([7, 299, 150, 7, 42, 260, 299])]
    decided = {}
    for key_loader in (None, keys):
        index = StoryIndex(model, 0.5, sigma, lookup=lookup, loader=loader, key_loader=key_loader)
        read.clear()
        decided[key_loader is None] = [(p.id, index.cluster([p], lambda pid: "s-" + pid)[p.id]) for p in pages]
        if key_loader is None:
            assert sum(read.values()) > 3 * online.MAX_SCORED  # every candidate of the store is read
        else:
            assert sum(read.values()) <= len(pages) * online.MAX_SCORED
            assert max(read.values()) == 1  # a state is read once, then kept
    assert decided[True] == decided[False]
    joined = [s for _, s in decided[False] if not s.startswith("s-")]
    assert joined[:2] == ["s00007", "s00299"] and len(joined) >= 4  # most pages find their story


def test_a_long_run_holds_a_bounded_number_of_store_states_and_decides_as_with_all_held():
    """A review of a large store scores thousands of stories of earlier runs; the states it read and
    did not change go back to the store beyond max_held (the least recently scored first) and are
    read again when scored again, and every page still decides as it would with all of them held."""
    model, sigma = load_model("")
    lookup, loader, keys, read = _stored_crowd(model, sigma)
    day, common = _CROWD_DAY, _CROWD_COMMON
    ks = [(k * 37) % 300 for k in range(60)] + [7, 299, 150, 7]
    pages = [_vec(f"new{i}", {**common, **{f"{w}{k}": 2.0 for w in "abcde"}}, {"BP": 1, f"Name{k}": 2}, day + 2)
             for i, k in enumerate(ks)]
    decided, reads = {}, {}
    for limit in (10**9, online.MAX_SCORED):
        index = StoryIndex(model, 0.5, sigma, lookup=lookup, loader=loader, key_loader=keys, max_held=limit)
        read.clear()
        decided[limit] = []
        for p in pages:
            decided[limit].append(index.cluster([p], lambda pid: "s-" + pid)[p.id])
            assert len([s for s in index.stories if s not in index.changed]) <= limit
        reads[limit] = sum(read.values())
    assert decided[online.MAX_SCORED] == decided[10**9]
    assert sum(s.startswith("s0") for s in decided[10**9]) >= 9  # pages do join stories of the store
    assert reads[online.MAX_SCORED] > reads[10**9]  # the bound is what made it read states again


# -- 6. batch grouping agrees with online grouping --------------------------------------------

def test_batch_grouping_agrees_with_online_and_keeps_topics_apart(timeline):
    """May 2010 of the BP spill with the Haiti quake (January 2010) and swine flu (May 2009) moved onto
    the same days, so three topics run side by side; 3-day blocks make many cuts for the reduce step."""
    may = date(2010, 5, 1).toordinal()
    shift = {"bpoil": 0, "haiti": may - date(2010, 1, 1).toordinal(), "H1N1": may - date(2009, 5, 1).toordinal()}
    chosen = [(a, a.day + shift[a.topic]) for a in timeline.values()
              if (a.topic, a.date[:7]) in {("bpoil", "2010-05"), ("haiti", "2010-01"), ("H1N1", "2009-05")}]
    assert 500 <= len(chosen) <= 1000 and {a.topic for a, _ in chosen} == {"bpoil", "haiti", "H1N1"}
    topic = {a.key: a.topic for a, _ in chosen}
    vectors = weigh((a.key, story_counts(None, a.text, None, day)) for a, day in chosen)
    model, sigma = load_model("")
    in_order = sorted(vectors, key=lambda v: (v.day, v.id))
    online_stories = StoryIndex(model, 0.5, sigma).cluster(in_order, lambda pid: "s-" + pid)
    ids = [v.id for v in vectors]
    truth = [online_stories[i] for i in ids]
    assert len(set(truth)) < len(ids) - 50  # many multi-page stories: the agreement means something
    for block_days in (28, 3):
        batch = cluster_batch(vectors, BatchSettings(model, sigma, 0.5, block_days))
        assert set(batch) == set(ids)
        predicted = [batch[i] for i in ids]
        assert bcubed_f1(truth, predicted) >= 0.9, block_days
        assert pair_f1(truth, predicted) >= 0.9, block_days  # stricter: only the pages grouped together
        topics_of = defaultdict(set)
        for i in ids:
            topics_of[batch[i]].add(topic[i])
        assert all(len(t) == 1 for t in topics_of.values()), "a batch story mixes two topics"


# -- 7. names -------------------------------------------------------------------------------

def test_names_come_from_ner_over_headline_and_lead():
    names = entity_counts("", "The foreign minister of North Korea met Sergei Lavrov in Moscow on Tuesday. "
                              "Meanwhile, officials in Seoul said the talks went well. Lavrov left.")
    assert {"North Korea", "Sergei Lavrov", "Moscow", "Seoul"} <= set(names)
    assert "Lavrov" in names or names["Sergei Lavrov"] >= 1
    assert not {"The", "Meanwhile", "Tuesday", "The Foreign"} & set(names)  # dates, sentence openers
    assert entity_counts("", "Meanwhile, the talks went on. The minister left. Officials said officials met.") == {}
    titled = entity_counts("Lavrov arrives in North Korea", "Russian state media said he arrived in Pyongyang.")
    assert titled["North Korea"] == 2 and "Pyongyang" in titled  # the headline counts twice
    assert "Gulf of Mexico" in entity_counts("", "BP said the Gulf of Mexico spill was contained.")
    far = "Nothing happened here at all today. " * 40 + "Then Barack Obama spoke in Paris."
    assert "Paris" not in entity_counts("", far)  # only the lead is read


def test_capitalised_names_of_the_whole_text_are_runs_of_capitals_not_sentence_openers():
    names = capitalised_names(None, "The foreign minister of North Korea met Sergei Lavrov in Moscow on Tuesday. "
                                    "Meanwhile, officials in Seoul said the talks went well. Lavrov left.")
    assert {"North Korea", "Sergei Lavrov", "Moscow", "Seoul"} <= set(names)
    assert "Lavrov" in names or names["Sergei Lavrov"] >= 1
    assert not {"The", "Meanwhile", "Tuesday", "The Foreign"} & set(names)
    assert capitalised_names(None, "Meanwhile, the talks went on. The minister left. Officials said officials met.") == {}
    titled = capitalised_names("Lavrov arrives in North Korea", "Russian state media said he arrived in Pyongyang.")
    assert titled["North Korea"] == 2 and "Pyongyang" in titled  # the title counts twice
    assert "Gulf of Mexico" in capitalised_names(None, "BP said the Gulf of Mexico spill was contained.")


def test_all_caps_dateline_is_the_place_the_text_names():
    names = entity_counts(None, "MOSCOW (AP) — North Korea's foreign minister arrived in Moscow on Monday.")
    assert names["Moscow"] == 2 and "MOSCOW" not in names and "North Korea" in names
    seoul = entity_counts(None, "SEOUL (AP) — North Korea fired a missile, officials in Seoul said.")
    assert seoul["Seoul"] == 2 and "SEOUL" not in seoul
    assert {"BP", "KCNA"} <= set(entity_counts(None, "BP said so. The agency KCNA reported it."))


def test_acronym_who_is_a_name():
    assert "WHO" in entity_counts(None, "The WHO declared a pandemic. WHO officials said the virus spread.")


def test_ner_multiplies_with_numpy_on_one_thread_and_finds_what_blis_finds(monkeypatch):
    """The model runs on NumPy's BLAS (faster than thinc's BLIS here) on one thread (storyline's
    parallelism is one process per core): the entities must be the ones BLIS gives."""
    import threadpoolctl
    from thinc.api import use_ops

    from storyline.cluster import ner
    from storyline.report.entities import page_spans

    nlp = ner.load_nlp()
    assert not nlp.get_pipe("ner").model.ops.use_blis and not nlp.get_pipe("tok2vec").model.ops.use_blis
    texts = [json.loads(line)["text"] for line in
             (SHARED / "data/timeline17/H1N1_reuters/articles.jsonl").read_text(encoding="utf-8").splitlines()[:12]]
    texts += [path.read_text(encoding="utf-8") for path in SEED.values()]
    with use_ops("numpy", use_blis=True):
        blis = ner.model_package().load(exclude=ner.NOT_RUN)
    assert blis.get_pipe("ner").model.ops.use_blis
    assert [[(e.text, e.label_) for e in nlp(t[:3000]).ents] for t in texts] == \
           [[(e.text, e.label_) for e in blis(t[:3000]).ents] for t in texts]

    threads_seen = []
    pipe = nlp.pipe

    def watched(texts, *args, **kwargs):
        for doc in pipe(texts, *args, **kwargs):
            threads_seen.append({i["num_threads"] for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"})
            yield doc

    monkeypatch.setattr(nlp, "pipe", watched)
    assert ner.entity_counts(None, texts[0]) and page_spans(texts[:2])[0]
    assert len(threads_seen) == 3 and all(seen == {1} for seen in threads_seen)


# -- 8. configuration ----------------------------------------------------------------------

def test_probabilities_out_of_range_are_refused():
    for name in ("story_join_probability", "story_split_probability", "story_merge_probability"):
        with pytest.raises(ValueError, match=name):
            load_config(**{name: 1.5})
        with pytest.raises(ValueError, match=name):
            load_config(**{name: -0.1})
    assert load_config(story_join_probability=1.0).story_join_probability == 1.0


def test_bad_story_model_is_a_clear_error_and_loses_no_pages(seed_dir, tmp_path, capsys):
    bad = tmp_path / "model.json"
    bad.write_text('{"intercept": -7, "weights": {"headline": 1}}')  # no body/entities/time, no sigma_days
    with pytest.raises(ValueError, match="story_model .*model.json.*not a join model"):
        load_model(str(bad))
    with pytest.raises(ValueError, match="story_model"):
        load_model(str(tmp_path / "missing.json"))
    db = tmp_path / "s.db"
    with Storyline(db, load_config(story_model=str(bad))) as sl:
        with pytest.raises(ValueError, match="not a join model"):
            sl.run([seed_dir])
    toml = tmp_path / "storyline.toml"
    toml.write_text(f'story_model = "{bad}"\n')
    assert main(["run", "--db", str(tmp_path / "cli.db"), "--config", str(toml), str(seed_dir)]) == 2
    assert "not a join model" in capsys.readouterr().err
    with Storyline(db) as sl:  # the pages were kept; a run with a good model groups them
        again = sl.run([seed_dir])
        pages = _by_seed(sl)
    assert again.added == 0 and again.new_stories == 2
    assert _partition(list(pages.values()), key=lambda p: Path(p["source"]).name[:3]) == {
        frozenset(VISIT), frozenset({"004"})}


def test_own_story_model_is_used(seed_dir, tmp_path):
    shipped = json.loads((Path(model_module.__file__).parent / "join_model.json").read_text())
    never = tmp_path / "never.json"
    never.write_text(json.dumps({**shipped, "intercept": -100.0}))
    with Storyline(tmp_path / "s.db", load_config(story_model=str(never))) as sl:
        summary = sl.run([seed_dir])
        pages = _by_seed(sl)
    assert summary.joined_stories == 0 and summary.new_stories == 4
    assert pages["001"]["story"] == pages["002"]["story"]  # a copy still follows its original
    assert len({pages[n]["story"] for n in ("000", "002", "003", "004")}) == 4


# -- 9. a store made before stories had state ---------------------------------------------

def _make_old_store(db: Path, seeds=("000", "001", "002", "004")) -> dict[str, str]:
    """Seeds grouped, then the store taken back to its form before story state, storylines and
    the key-term index (dropped where SQLite can, else emptied)."""
    with Storyline(db) as sl:
        sl.run([SEED[n] for n in seeds])
        stories = {n: p["story"] for n, p in _by_seed(sl).items()}
    con = sqlite3.connect(db)
    for trigger in ("stories_leaving_update", "stories_leaving_delete"):  # newer still, with storyline_leaving
        con.execute(f"DROP TRIGGER {trigger}")
    con.execute("DROP TABLE storyline_leaving")
    for index in ("stories_storyline", "pages_copy_of"):  # added later still, with storyline_keys
        con.execute(f"DROP INDEX {index}")
    con.execute("DROP TABLE storyline_keys")
    try:
        con.execute("ALTER TABLE pages DROP COLUMN story_counts")
        con.execute("ALTER TABLE stories DROP COLUMN state")
        con.execute("ALTER TABLE stories DROP COLUMN storyline")
        for table in ("story_keys", "story_aliases", "storylines"):
            con.execute(f"DROP TABLE {table}")
    except sqlite3.OperationalError:  # SQLite older than 3.35
        con.execute("UPDATE pages SET story_counts = NULL")
        con.execute("UPDATE stories SET state = NULL, storyline = NULL")
        for table in ("story_keys", "story_aliases", "storylines"):
            con.execute(f"DELETE FROM {table}")
    con.commit()
    con.close()
    return stories


def test_old_store_upgrades_and_the_new_page_gets_a_story(tmp_path, capsys):
    db = tmp_path / "old.db"
    old = _make_old_store(db)
    with pytest.raises(StoreError, match="older storyline"):
        Storyline(db, read_only=True)  # readers say what to do
    with Storyline(db) as sl:
        summary = sl.run([SEED["003"]])
        pages = _by_seed(sl)
        stories = sl.stories()
        sl.storylines()
    assert summary.added == 1 and not summary.skipped
    assert pages["003"]["story"]
    assert all(pages[n]["story"] == old[n] for n in old)  # stored stories keep their ids
    assert {s["id"] for s in stories} >= set(old.values())
    assert main(["storylines", "--db", str(db), "--json"]) == 0
    assert main(["stories", "--db", str(db), "--json"]) == 0
    capsys.readouterr()


def test_old_store_pages_never_grouped_are_grouped_from_their_stored_text(tmp_path):
    """Pages an older version stored but never grouped (no story, no story counts): the next run
    computes their counts from the stored text and groups them as a fresh store would."""
    db = tmp_path / "old.db"
    _make_old_store(db, seeds=("000", "001", "002", "003", "004"))
    con = sqlite3.connect(db)
    con.execute("UPDATE pages SET story = NULL")
    con.execute("DELETE FROM stories")
    con.commit()
    con.close()
    with Storyline(db) as sl:
        summary = sl.run([SEED[n] for n in ("000", "001", "002", "003", "004")])
        pages = _by_seed(sl)
        stories = sl.stories()
        counted = [row[0] for row in sl.store.db.execute("SELECT story_counts FROM pages")]
    assert summary.added == 0 and summary.new_stories == 2
    assert _partition(list(pages.values()), key=lambda p: Path(p["source"]).name[:3]) == {
        frozenset(VISIT), frozenset({"004"})}
    assert all(counted) and all(s["storyline"] for s in stories)


def test_old_store_new_report_joins_its_stored_story(tmp_path):
    db = tmp_path / "old.db"
    old = _make_old_store(db)
    with Storyline(db) as sl:
        sl.run([SEED["003"]])
        pages = _by_seed(sl)
    assert pages["003"]["story"] == old["000"]


def test_old_store_every_story_gets_a_storyline(tmp_path):
    db = tmp_path / "old.db"
    _make_old_store(db)
    with Storyline(db) as sl:
        sl.run([SEED["003"]])
        stories = sl.stories()
    assert all(s["storyline"] for s in stories)


def test_headline_stories_with_no_names_link_on_their_words_alone():
    """Headlines in which NER finds no names ("ECB to reveal bad loan hurdles", all capitals or
    none) must not count that as the names disagreeing: two weeks apart, two reports of the euro
    zone bank stress test are one storyline, and an unrelated one stays apart. (Counting the
    missing names as a cosine of 0 halved their likeness, 0.37, under the bars to start a
    storyline, 0.3, and to merge two, 0.2.)"""
    from storyline.cluster.storylines import StorySummary, link_storylines
    from storyline.config import Config

    def story(sid: str, words: str, day: date) -> StorySummary:
        return StorySummary.of(sid, dict(Counter(words.split())), {}, day.toordinal(), day.toordinal(), 1)
    stories = [story("s-1", "reveal loan hurdle euro zone bank stress test", date(2014, 3, 3)),
               story("s-2", "bank stress test include lender capital plan review", date(2014, 3, 17)),
               story("s-3", "smart elephant tell human voice apart study", date(2014, 3, 20))]
    c = Config()
    lines = link_storylines(stories, similarity=c.storyline_similarity, decay_days=c.storyline_decay_days,
                            merge_similarity=c.storyline_merge_similarity,
                            start_similarity=c.storyline_start_similarity)
    assert sorted(sorted(line.stories) for line in lines) == [["s-1", "s-2"], ["s-3"]]


@pytest.mark.parametrize("broken", ['"sigma_days": NaN', '"sigma_days": Infinity', '"intercept": NaN'])
def test_a_story_model_with_a_number_that_is_not_finite_is_refused(broken, tmp_path):
    # A NaN weight or width would make every join probability NaN: no page would ever join a story.
    data = json.loads(resources.files("storyline.cluster").joinpath("join_model.json").read_text())
    key = broken.split(":")[0].strip('"')
    data[key] = float(broken.split(": ")[1].replace("Infinity", "inf"))
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data))  # json writes NaN / Infinity, and reads them back
    with pytest.raises(ValueError, match="finite"):
        load_model(str(path))
