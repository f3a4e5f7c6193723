"""The engine's run loop: storylines are relinked incrementally, and stay consistent run after run."""
from __future__ import annotations

import json
import shutil
import sqlite3

from storyline import Storyline
from storyline.store.sqlite import SqliteStore

from .conftest import SEED

FOOTBALL = """Arsenal beat Chelsea 3-1 at the Emirates on Saturday to move top of the Premier League table.

Bukayo Saka opened the scoring after twelve minutes, curling a shot past the goalkeeper from the edge of the area.
Chelsea equalised before half-time through a header from a corner, but Martin Odegaard restored the lead with a
low drive early in the second half, and Gabriel Jesus sealed the win in stoppage time.

Mikel Arteta praised the response of his players after a difficult week in which they were knocked out of the
League Cup. "The reaction was magnificent," the Arsenal manager told reporters after the match. "We defended with
courage and we were clinical when it mattered."

Chelsea remain ninth, eleven points behind the leaders, and face Manchester City at Stamford Bridge next weekend.
Their manager said his team had created enough chances to draw the game but had paid for mistakes at set pieces.
"""


def _consistent(sl: Storyline) -> None:
    """Every story is in exactly one storyline, as each storyline lists them; none is empty; what a
    storyline keeps for linking later stories (its state) holds exactly its stories."""
    stories = {s["id"]: s for s in sl.stories()}
    lines = sl.storylines()
    listed = [s for line in lines for s in line["stories"]]
    assert sorted(listed) == sorted(stories)
    for line in lines:
        assert line["stories"] and all(stories[s]["storyline"] == line["id"] for s in line["stories"])
    states = sl.store.storyline_states([line["id"] for line in lines])
    assert {i: sorted(state["stories"]) for i, state in states.items()} == \
        {line["id"]: sorted(line["stories"]) for line in lines}


def test_a_run_relinks_only_the_storylines_of_the_stories_it_changed(seed_dir, tmp_path, monkeypatch):
    other = tmp_path / "other"
    other.mkdir()
    (other / "football.txt").write_text(FOOTBALL, encoding="utf-8")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([seed_dir])
        before = {line["id"]: line["stories"] for line in sl.storylines()}
        asked: list = []
        read = SqliteStore.storyline_inputs
        monkeypatch.setattr(SqliteStore, "storyline_inputs",
                            lambda self, ids=None: asked.append(None if ids is None else sorted(ids)) or read(self, ids))
        summary = sl.run([other])
        after = {line["id"]: line["stories"] for line in sl.storylines()}
        new_story = next(p["story"] for p in sl.pages() if p["source"].endswith("football.txt"))
        _consistent(sl)
    assert summary.new_stories == 1
    assert None not in asked, "a run read every story of the store to link storylines"
    assert all(ids == [new_story] for ids in asked)
    assert {k: v for k, v in after.items() if new_story not in v} == before  # the seeds' storyline is untouched
    assert summary.storylines == len(after) == len(before) + 1


def test_seeds_fed_one_page_per_run_end_in_one_storyline(tmp_path):
    with Storyline(tmp_path / "s.db") as sl:
        for n in ("003", "000", "004", "002", "001"):  # neither in date order nor in file order
            folder = tmp_path / n
            folder.mkdir()
            shutil.copy(SEED[n], folder)
            sl.run([folder])
            _consistent(sl)
        stories = sl.stories()
        lines = sl.storylines()
    assert len(stories) == 2
    assert len(lines) == 1 and lines[0]["story_count"] == 2 and lines[0]["page_count"] == 5


def _folder(tmp_path, name: str, seeds: tuple[str, ...]):
    folder = tmp_path / name
    folder.mkdir()
    for n in seeds:
        shutil.copy(SEED[n], folder)
    return folder


def test_a_story_that_grows_leaves_its_storyline_without_the_others_being_read(tmp_path, monkeypatch):
    """The storyline subtracts the story as it took it in, and takes the grown story in; its other
    stories are not read again, and it ends as a run of all the pages at once makes it."""
    with Storyline(tmp_path / "all.db") as sl:
        sl.run([_folder(tmp_path, "all", ("000", "001", "002", "003", "004"))])
        whole = sl.store.storyline_states([line["id"] for line in sl.storylines()])
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([_folder(tmp_path, "first", ("000", "002", "003", "004"))])
        [line] = sl.storylines()
        assert line["story_count"] == 2
        asked: list = []
        read = SqliteStore.storyline_inputs
        monkeypatch.setattr(SqliteStore, "storyline_inputs",
                            lambda self, ids=None: asked.append(None if ids is None else sorted(ids)) or read(self, ids))
        summary = sl.run([_folder(tmp_path, "later", ("001",))])
        grown = next(p["story"] for p in sl.pages() if p["source"].endswith(SEED["001"].name))
        _consistent(sl)
        [after] = sl.storylines()
        state = sl.store.storyline_states([after["id"]])[after["id"]]
        leaving = sl.store.db.execute("SELECT count(*) FROM storyline_leaving").fetchone()[0]
    assert summary.new_stories == 0 and after["id"] == line["id"] and after["page_count"] == 5
    assert asked == [[grown]], "the storyline's other story was read again"
    assert leaving == 0  # every story is in its storyline as it is now
    [expected] = whole.values()
    assert len(state["stories"]) == len(expected["stories"]) == 2  # (story ids come from the first page stored)
    assert (state["first_day"], state["last_day"]) == (expected["first_day"], expected["last_day"])
    for part in ("body", "entities"):  # the same sums, up to the order of adding and cutting
        assert _cosine(state[part], expected[part]) > 0.99
        # Two unit summaries: counted thrice (the old story kept beside the grown one), the norm would pass 2.5.
        assert abs(_norm(state[part]) - _norm(expected[part])) < 0.1


def test_a_page_that_came_before_the_pages_that_date_it_is_dated_again_when_they_come(tmp_path):
    """Seed 004, a farm copy claiming 2025, shares no story with the others; only the January
    story's credible pages (002, 003) show its claim impossible. Fed before them, it must end as a
    run of all five pages dates it, and its storyline with it: a crawl's order is not the news."""
    def dated(sl):
        page = next(p for p in sl.pages() if p["source"].endswith(SEED["004"].name))
        return page["published"]["value"], page["published"]["earliest"], page["published"]["latest"], page["misdated"]

    with Storyline(tmp_path / "all.db") as sl:
        sl.run([_folder(tmp_path, "all", ("000", "001", "002", "003", "004"))])
        whole = dated(sl)
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([_folder(tmp_path, "first", ("000", "001", "004"))])
        alone = dated(sl)
        sl.run([_folder(tmp_path, "later", ("002", "003"))])
        after = dated(sl)
        _consistent(sl)
        lines = sl.storylines()
    assert alone[0] is None and not alone[3]  # its claim is not credible, and nothing yet dates it
    assert whole[0] < "2024" and whole[3]
    assert after == whole
    assert len(lines) == 1 and lines[0]["story_count"] == 2 and lines[0]["page_count"] == 5


# A harbour fire (two credibly dated reports), a report of its losses, and a later story that
# names the same people: undated, and dated only from the losses report once that is dated.
_FIRE = [
    ("a1", "Fire guts Port Elm harbour warehouse", "2024-03-14",
     "A fire destroyed the main warehouse of Port Elm harbour on Wednesday night, the fire brigade said on Thursday. "
     "Chief officer Dana Wolk said forty firefighters fought the blaze for six hours. No one was hurt, but the harbour "
     "will stay closed while inspectors examine the quay walls. The warehouse stored grain and fertiliser for the "
     "region's farms."),
    ("a2", "Port Elm harbour closed after warehouse fire", "2024-03-14",
     "Port Elm harbour stayed closed on Thursday after a night fire destroyed its main warehouse. Fire chief Dana Wolk "
     "said inspectors would examine the quay walls before ships can dock. The warehouse held grain and fertiliser. "
     "Police said the cause of the blaze is not known."),
    ("b", "Grain traders count losses", None,
     "Grain traders in the Calder valley said on Thursday they lost most of a season's stock in the Port Elm warehouse. "
     "Cooperative head Ivo Brandt said the losses could reach two million. Brandt asked the province for emergency "
     "loans so that members can buy seed for the spring."),
    ("c", "Calder orchards bloom early", None,
     "Orchards in the Calder valley are in bloom three weeks early after a mild winter. Growers fear a late frost. "
     "Ivo Brandt of the Calder grain cooperative said seed prices rose sharply this spring, and members have asked "
     "the province for emergency loans."),
]


def test_a_hand_merge_that_dates_a_page_updates_the_stories_of_the_pages_it_dates_in_turn(tmp_path):
    """Merged by hand into the fire's story, the losses report is dated credibly from it, and dates in
    turn the orchard story's page (a late anchor): that story's date span must show the new date."""
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": i, "title": t, "text": x, "text_kind": "article",
                                        **({"date": d} if d else {})}) + "\n" for i, t, d, x in _FIRE))
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([feed])
        pages = {p["id"]: p for p in sl.pages()}
        assert len({pages[i]["story"] for i in ("a1", "b", "c")}) == 3  # three stories before the edit
        assert pages["c"]["published"]["value"] is None
        sl.merge_stories(pages["a1"]["story"], pages["b"]["story"])
        pages = {p["id"]: p for p in sl.pages()}
        orchard = next(s for s in sl.stories() if s["id"] == pages["c"]["story"])
        _consistent(sl)
    assert pages["c"]["published"]["value"] == "2024-03-14"
    assert (orchard["first_date"], orchard["last_date"]) == ("2024-03-14", "2024-03-14")


def test_a_storyline_stored_without_story_spans_is_rebuilt_from_its_stories(tmp_path):
    """A store of the release before spans: its storylines cannot subtract a story, so the one a
    grown story leaves is rebuilt from its stories, and keeps spans from then on."""
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([_folder(tmp_path, "first", ("000", "002", "003", "004"))])
        [line] = sl.storylines()
        for line_id, state in sl.store.storyline_states([line["id"]]).items():
            del state["spans"]
            sl.store.db.execute("UPDATE storylines SET state = ? WHERE id = ?", (json.dumps(state), line_id))
        sl.run([_folder(tmp_path, "later", ("001",))])
        _consistent(sl)
        [after] = sl.storylines()
        state = sl.store.storyline_states([after["id"]])[after["id"]]
    assert after["id"] == line["id"] and after["story_count"] == 2 and after["page_count"] == 5
    assert len(state["spans"]) == len(state["stories"]) == 2


def _norm(a: dict[str, float]) -> float:
    return sum(v * v for v in a.values()) ** 0.5


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    return sum(v * b.get(t, 0.0) for t, v in a.items()) / (_norm(a) * _norm(b))


def test_storylines_of_an_older_store_are_linked_again_once(seed_dir, tmp_path):
    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        sl.run([seed_dir])
        fresh = sl.storylines()
    with sqlite3.connect(db) as con:  # as an older release left them: no state, no key terms
        con.execute("UPDATE storylines SET state = NULL")
        con.execute("DELETE FROM storyline_keys")
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "football.txt").write_text(FOOTBALL, encoding="utf-8")
    with Storyline(db) as sl:
        sl.run([extra])
        lines = sl.storylines()
        _consistent(sl)
        assert not sl.store.storylines_need_relinking()
    seeds_line = [line for line in lines if line["story_count"] == 2]
    assert [(line["id"], line["name"], line["stories"]) for line in seeds_line] == \
        [(line["id"], line["name"], line["stories"]) for line in fresh]


def _answer(sl: Storyline) -> tuple:
    return sl.pages(), sl.stories(), sl.storylines()


def test_rebuild_of_any_stage_with_the_same_settings_changes_nothing(seed_dir, tmp_path):
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([seed_dir])
        before = _answer(sl)
        for stage in ("storylines", "stories", "dates", "copies"):
            sl.rebuild(stage)
            assert _answer(sl) == before, stage


def test_rebuild_applies_changed_settings_and_undoes_them(seed_dir, tmp_path, capsys):
    from storyline.cli import main
    from storyline.config import load_config

    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        sl.run([seed_dir])
        before = _answer(sl)
    strict_copies = load_config(near_jaccard=0.99, contained_ratio=0.99, partial_ratio=0.99)
    with Storyline(db, strict_copies) as sl:
        summary = sl.rebuild("copies")
        assert summary.totals["duplicates"] == 0 and all(p["relation"] != "near" for p in sl.pages())
    strict_stories = load_config(story_join_probability=0.99, story_merge_probability=0.99)
    with Storyline(db, strict_stories) as sl:
        # copies stay as the last rebuild left them (none): every page is a story of its own
        summary = sl.rebuild("stories")
        assert summary.totals["stories"] == 5 and summary.totals["duplicates"] == 0
        strict_ids = {s["id"] for s in sl.stories()}
    assert main(["rebuild", "--db", str(db)]) == 0
    assert "1 copies, 2 stories, 1 storylines" in capsys.readouterr().out
    with Storyline(db) as sl:
        pages, stories, lines = _answer(sl)
    # The same answer; the ids of the strict stories that went now name the stories that took their pages.
    aliases = {s["id"]: s.pop("aliases") for s in stories}
    assert (pages, stories, lines) == (before[0], [{k: v for k, v in s.items() if k != "aliases"} for s in before[1]],
                                       before[2])
    assert set().union(*aliases.values()) == strict_ids - set(aliases)
    assert main(["rebuild", "--db", str(tmp_path / "none.db")]) == 2


VOLCANO = """A volcano in southern Iceland erupted on Monday night for the fourth time since December, sending
lava fountains into the sky and forcing the evacuation of the nearby fishing town of Grindavik.

The Icelandic Meteorological Office said the fissure opened shortly after eight in the evening and was about
three kilometres long. Lava flowed towards the defensive barriers built around the town and a geothermal power
plant, but engineers said the walls were holding. "The eruption is larger than the previous ones," a geophysicist
at the University of Iceland told public broadcaster RUV.

Flights to and from Keflavik airport were not affected, the airport operator said, although the Blue Lagoon spa
was closed as a precaution. Residents of Grindavik, who have been living elsewhere for most of the winter, were
told it could be weeks before they are allowed back to check on their homes.
"""


def test_a_story_merged_away_leaves_its_storyline(tmp_path):
    """Two stories in two storylines; a page that holds both texts makes them one copy group, so one
    story is removed: its storyline must go with it, not stay behind empty."""
    def html(title: str, *texts: str) -> str:
        paragraphs = "".join(f"<p>{p.strip()}</p>" for text in texts for p in text.split("\n\n"))
        return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}</article></body></html>"

    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    (first / "football.html").write_text(html("Arsenal beat Chelsea", FOOTBALL), encoding="utf-8")
    (first / "volcano.html").write_text(html("Iceland volcano erupts again", VOLCANO), encoding="utf-8")
    (second / "both.html").write_text(html("Weekend news", FOOTBALL, VOLCANO), encoding="utf-8")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([first])
        assert len(sl.stories()) == 2 and len(sl.storylines()) == 2
        sl.run([second])
        pages = {p["source"].rsplit("/", 1)[-1]: p for p in sl.pages()}
        assert pages["football.html"]["story"] == pages["volcano.html"]["story"]  # one copy group, one story
        _consistent(sl)
        assert len(sl.stories()) == 1 and len(sl.storylines()) == 1
        assert sl.storylines()[0]["page_count"] == 3


def test_a_run_of_pages_all_stored_starts_no_worker(tmp_path, monkeypatch):
    """Run again over the same folder (a resumed crawl): nothing is extracted, so no worker
    process starts and no NER model is loaded for it; the run reads, counts and ends."""
    folder = _folder(tmp_path, "all", ("000", "001", "004"))
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([folder])

        def no_worker(*args, **kwargs):
            raise AssertionError("a worker was started with nothing to extract")
        monkeypatch.setattr("storyline.run.workers._Worker", no_worker)
        again = sl.run([folder], workers=2)
    assert again.read == 3 and again.added == 0 and again.already_stored == 3
