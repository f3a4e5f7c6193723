"""The story report on the seeds: who, what, when, who said it, and who confirms it.

What a reader of `storyline show` gets for the five example pages: Lavrov's October visit
to Pyongyang (004) and Choe's January visit to Moscow (000-003), one storyline.
"""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest

from storyline.extract.readable import split_sentences
from storyline.report import ReportPage, build_report, build_timeline
from storyline.report.entities import Span, canonical_entities

from .conftest import SEED

CLI = [sys.executable, "-m", "storyline.cli"]
INJECTED = ("Ethermac", "消息", "Aspire Money Growth")


def _cli(*args: str) -> str:
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def seeds_store(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("report")
    db = str(tmp / "s.db")
    _cli("run", "--db", db, *[str(p) for p in SEED.values()])
    return db


@pytest.fixture(scope="module")
def storyline_report(seeds_store) -> dict:
    lines = json.loads(_cli("storylines", "--db", seeds_store, "--json"))
    assert len(lines) == 1
    return json.loads(_cli("show", lines[0]["id"], "--db", seeds_store, "--json"))


@pytest.fixture(scope="module")
def choe_story(seeds_store) -> dict:
    stories = json.loads(_cli("stories", "--db", seeds_store, "--json"))
    biggest = max(stories, key=lambda s: s["page_count"])
    return json.loads(_cli("show", biggest["id"], "--db", seeds_store, "--json"))


def _entity(report: dict, name: str) -> dict:
    found = [e for e in report["entities"] if e["name"] == name]
    assert found, [e["name"] for e in report["entities"]]
    return found[0]


def test_spellings_and_surnames_join_their_canonical_name(storyline_report):
    lavrov = _entity(storyline_report, "Sergey Lavrov")
    assert {"Sergei Lavrov", "Lavrov"} <= set(lavrov["aliases"]) and lavrov["type"] == "PERSON"
    assert len(lavrov["pages"]) == 5
    kim = _entity(storyline_report, "Kim Jong Un")
    assert "Kim Jung Un" in kim["aliases"]  # seed 000's misspelling
    assert "Choe" in _entity(storyline_report, "Choe Son Hui")["aliases"]
    names = {e["name"] for e in storyline_report["entities"]}
    assert not names & {"Lavrov", "Sergei Lavrov", "Kim Jung Un", "Choe"}  # no leftover spelling


def test_the_quote_has_its_speaker_resolved_and_its_pages(storyline_report):
    quote = [q for q in storyline_report["quotes"] if q["text"].startswith("We will take every effort")]
    assert quote and quote[0]["speaker"] == "Choe Son Hui"
    assert len(quote[0]["pages"]) >= 2  # 001 and 002 carry it


def test_the_storyline_timeline_holds_both_visits_with_the_events_own_dates(storyline_report):
    timeline = storyline_report["timeline"]
    def when(words: tuple[str, ...], prefix: str) -> bool:
        return any(e["date"].startswith(prefix) and all(w in e["text"] for w in words) for e in timeline)
    assert when(("Shoigu", "July"), "2023-07")
    assert when(("Kim", "September"), "2023-09")
    assert when(("Lavrov", "arrived"), "2023-10")
    assert when(("will visit",), "2024-01-14")  # the announcement, reported Sunday
    assert when(("Tuesday",), "2024-01-16")  # the talks with Lavrov
    days = [e["date"] for e in timeline]
    assert [d[:7] for d in days] == sorted(d[:7] for d in days)
    assert all(len(d) in (4, 7, 10) for d in days)


def test_summary_sentences_cite_their_sources_and_carry_no_spam_or_furniture(storyline_report, choe_story):
    for report in (storyline_report, choe_story):
        assert 1 <= len(report["summary"]) <= 5
        for sentence in report["summary"]:
            assert sentence["sources"] and sentence["pages"]
            assert not any(spam in sentence["text"] for spam in INJECTED)
            assert "Related" not in sentence["text"] and "Current:Home" not in sentence["text"]
            assert not sentence["text"].startswith("MOSCOW (AP)")  # the dateline is no part of the statement


def test_a_wire_story_reprinted_counts_as_one_source(choe_story):
    """000, 001 and 002 are AP's story (001 a farm copy): claims they share count AP once."""
    for claim in choe_story["claims"]:
        assert len(claim["sources"]) == len(set(claim["sources"]))
        if len(claim["pages"]) > 1 and all(p in {m["id"] for m in choe_story["members"] if m["agency"] == "AP"}
                                            for p in claim["pages"]):
            assert claim["sources"] == ["AP"]
    assert choe_story["storyline_name"]


def test_show_prints_the_report_as_text_and_skips_it_when_asked(seeds_store, choe_story):
    text = _cli("show", choe_story["id"], "--db", seeds_store)
    for heading in ("Summary", "Timeline", "Who and where", "Quotes", "Claims"):
        assert f"\n{heading}" in text
    assert "Choe Son Hui" in text
    bare = _cli("show", choe_story["id"], "--db", seeds_store, "--no-report")
    assert "\nTimeline" not in bare and choe_story["members"][0]["id"] in bare


def test_an_event_named_twice_by_two_sources_is_one_event_with_both():
    a = ReportPage("a", "The minister arrived in Paris on Monday for talks on trade and fishing rights.",
                   day=date(2024, 3, 5), site="one.example")
    b = ReportPage("b", "The foreign minister arrived in Paris on Monday for talks on trade and fishing.",
                   day=date(2024, 3, 5), site="two.example")
    events = build_timeline([a, b])
    assert [(e.when, e.sources) for e in events] == [("2024-03-04", ("one.example", "two.example"))]


def test_a_summary_date_quotes_the_next_mornings_lead_and_no_near_repeat():
    named = ReportPage("a", "On May 1, 2010 BP engineers failed to cap the leaking oil well in the Gulf of Mexico.",
                       day=date(2010, 5, 1), site="one.example")
    repeat = ReportPage("r", "On May 1, 2010 engineers at BP failed to cap the leaking well in the Gulf of Mexico again.",
                        day=date(2010, 5, 1), site="two.example")
    # Published the next day, it tells that day's news without writing the date.
    morning = ReportPage("m", "Coast Guard crews burned crude off the Louisiana shore as the slick spread toward "
                              "the marshes.", day=date(2010, 5, 2), site="three.example")
    events = build_timeline([named, repeat, morning], dates=1, per_date=2)
    assert [e.when for e in events] == ["2010-05-01"]
    quoted = events[0].sentences
    assert len(quoted) == 2 and morning.text in quoted  # the lead of 2 May speaks for 1 May
    assert not (named.text in quoted and repeat.text in quoted)  # a near repeat adds nothing


def test_a_wire_pages_header_before_its_dateline_is_not_quoted():
    # A wire site's first line runs its place, clock time and dateline into the lead sentence.
    text = ("MEXICO CITY | Mon Apr 27, 2009 3:10 am BST MEXICO CITY (Reuters) - Fears of a global flu pandemic "
            "grew on Monday as new cases of swine flu appeared around the world. Officials closed schools.")
    events = build_timeline([ReportPage("w", text, day=date(2009, 4, 27), site="wire.example")], dates=1)
    assert events[0].sentences == ("Fears of a global flu pandemic grew on Monday as new cases of swine flu "
                                   "appeared around the world.",)
    # Prose that names an agency further in keeps its words.
    told = ReportPage("t", "The minister told reporters in Paris (AP) - Nobody expected the vote on Monday to pass.",
                      day=date(2009, 4, 28))
    assert build_timeline([told], dates=1)[0].sentences[0].startswith("The minister told reporters")


def test_report_of_pages_without_text_or_date_is_empty_not_an_error():
    report = build_report([ReportPage("x", ""), ReportPage("y", "Some words here but no dates at all in it.")])
    assert report.timeline == () and report.quotes == ()


def test_two_different_people_sharing_a_surname_stay_apart_when_spelled_in_full():
    pages = [ReportPage("p1", "x"), ReportPage("p2", "x")]
    spans = [[Span("Kim Jong Un", "PERSON", 0), Span("Kim Jong Un", "PERSON", 5), Span("Kim Yo Jong", "PERSON", 9)],
             [Span("Kim", "PERSON", 0)]]
    names = {e.name: e for e in canonical_entities(pages, spans)}
    assert set(names) == {"Kim Jong Un", "Kim Yo Jong"}
    assert "Kim" in names["Kim Jong Un"].aliases  # the bare surname goes to the one most named


def test_a_run_stores_reports_and_a_new_page_costs_only_its_own_ner(tmp_path, monkeypatch):
    """Reports are built by the run for stories of two pages or more and read back by `show`.
    NER reads each page once: never a copy (001 names what 002, its original, names), and a
    page added later is the only one it reads again; the report follows that page."""
    from storyline.api import Storyline
    from storyline.report import entities as ner
    from storyline.run.reports import serial_map

    read: list[int] = []
    real = ner.page_spans
    monkeypatch.setattr("storyline.run.reports.page_spans", lambda texts: read.append(len(texts)) or real(texts))
    # Built in this process, where the count is seen (a run builds them in worker processes).
    monkeypatch.setattr("storyline.run.local.report_mapper", lambda workers: serial_map)
    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        summary = sl.run([SEED["001"], SEED["002"], SEED["003"]])
        assert summary.reports_built >= 1
    assert sum(read) == 2  # 002 and 003; not 001, a near copy of 002
    with Storyline(db, read_only=True) as sl:
        story = max(sl.stories(), key=lambda s: s["page_count"])
        first = sl.show(story["id"])
    assert sum(read) == 2 and first["timeline"]  # stored by the run: no NER at show
    assert any(len(q["pages"]) >= 2 for q in first["quotes"])  # Choe's quote, on 002 and its copy
    with Storyline(db) as sl:
        sl.run([SEED["000"]])
        after = sl.show(sl.store.resolve_story(story["id"]))
    assert sum(read) == 3 and read[-1] == 1  # only the new page (000) was read by NER
    assert len(after["pages"]) == len(first["pages"]) + 1
    kim = [e for e in after["entities"] if e["name"] == "Kim Jong Un"]
    assert kim and "Kim Jung Un" in kim[0]["aliases"]  # 000's misspelling, joined to the name


def test_no_reports_leaves_them_to_show(tmp_path):
    from storyline.api import Storyline

    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        summary = sl.run([SEED["000"], SEED["002"], SEED["003"]], reports=False)
        assert summary.reports_built == 0 and "reports" not in summary.seconds
    with Storyline(db, read_only=True) as sl:
        story = max(sl.stories(), key=lambda s: s["page_count"])
        assert sl.show(story["id"])["summary"]  # built on demand, from a store that is never written
        assert sl.store.stored_report(story["id"]) is None


def test_an_original_and_its_copy_on_another_site_are_one_source():
    text = "The council approved the new harbour budget on Monday after a long debate over costs and jobs."
    pages = [ReportPage("o", text, day=date(2024, 3, 5), site="paper.example"),
             ReportPage("c", text + " Spam.", day=date(2024, 3, 9), site="farm.example", original="o")]
    report = build_report(pages, spans=[[], []])
    assert report.claims[0].sources == ("paper.example",) and report.claims[0].pages == ("c", "o")
    assert all(e.sources == ("paper.example",) for e in report.timeline)



def test_a_wire_sentence_with_titles_initials_and_abbreviated_dates_is_claimed_whole():
    """News style puts periods inside sentences: "Sen.", "George W. Bush", "Nov. 18", "the U.S.
    Capitol". Split there, the sentence fell into pieces too short to keep and left the report;
    a period before a sentence opener ("in Washington, D.C. The ...") still ends one."""
    said = ("WASHINGTON (AP) — President George W. Bush met Sen. John McCain on Nov. 18 in the U.S. Capitol "
            "to discuss the budget of Apple Inc. and the harbour.")
    after = ("The senators and their busy aides then talked about ports in Washington, D.C. The senators left "
             "the building before noon that day after the long talks.")
    pages = [ReportPage(f"p{i}", f"{said} {after}", day=date(2008, 11, 18), site=f"site{i}.example") for i in range(2)]
    report = build_report(pages, spans=[[], []])
    texts = [c.text for c in report.claims]
    assert texts[0] == said.removeprefix("WASHINGTON (AP) — ") and report.claims[0].sources == ("site0.example",
                                                                                                  "site1.example")
    assert "The senators and their busy aides then talked about ports in Washington, D.C." in texts
    assert "The senators left the building before noon that day after the long talks." in texts


def test_a_line_break_or_a_sentence_opener_after_an_abbreviation_still_ends_the_sentence():
    def sentences(text: str) -> list[str]:
        return [s.text for s in split_sentences(text)]

    assert sentences("The station closed at 10 p.m.\n\nAuthorities say a stabbing happened on the train.") == [
        "The station closed at 10 p.m.", "Authorities say a stabbing happened on the train."]
    assert sentences("Most of the patients had the flu of Type A. The others had a milder form of it.") == [
        "Most of the patients had the flu of Type A.", "The others had a milder form of it."]


def test_a_question_every_page_ends_with_is_no_claim_nor_summary():
    """A site's teaser under each of its pages ("The pun - ancient artform, or the lowest form of
    wit?") asserts nothing, however many pages carry it."""
    teaser = " The pun - ancient artform, or the lowest form of wit and a reason to read on?"
    texts = ["The council approved the new harbour budget on Monday after a long debate over costs and jobs.",
             "Fishermen welcomed the harbour repairs that the budget pays for, saying boats had waited for years.",
             "The mayor said the harbour works would start in spring and end before the summer season."]
    pages = [ReportPage(f"p{i}", text + teaser, day=date(2024, 3, 5 + i), site=f"site{i}.example")
             for i, text in enumerate(texts)]
    report = build_report(pages, spans=[[], [], []])
    assert report.claims and not [c for c in report.claims if "?" in c.text]
    assert report.summary and not [s for s in report.summary if "?" in s.text]

def test_a_short_quotation_does_not_shift_the_quote_marks_of_the_next():
    from storyline.report.quotes import find_quotes
    from storyline.report.records import Entity
    text = ('The mayor said "no" to the plan on Monday. Later the council met. "We will go ahead with the '
            'harbour plan as it stands," Smith said.')
    smith = Entity("John Smith", "PERSON", ("Smith",), ("p",), 3)
    quotes = find_quotes([ReportPage("p", text)], [smith])
    assert [(q.speaker, q.text) for q in quotes] == [("John Smith", "We will go ahead with the harbour plan as it stands")]



def test_quotes_of_a_tokenised_corpus_are_found_with_their_speaker():
    """Penn Treebank texts (Timeline17's) write `` and '' for quotation marks."""
    from storyline.report.quotes import find_quotes
    from storyline.report.records import Entity
    text = ("Jackie Jackson said : `` We are here to celebrate the legacy of our brother tonight . '' "
            "The crowd cheered . `` It is going to be a night to remember for everyone , '' he added .")
    jackie = Entity("Jackie Jackson", "PERSON", ("Jackie Jackson", "Jackson"), ("p",), 2)
    quotes = find_quotes([ReportPage("p", text)], [jackie])
    assert sorted((q.speaker, q.text) for q in quotes) == [
        ("Jackie Jackson", "It is going to be a night to remember for everyone"),
        ("Jackie Jackson", "We are here to celebrate the legacy of our brother tonight.")]



def test_names_in_a_tokenised_text_carry_no_bracket_tokens():
    """spaCy takes "-RRB- Michael Jackson" and "Conrad Murray -LRB-" for names in Penn Treebank
    text: the report shows Michael Jackson and Conrad Murray, and a bare "-RRB-" is no one."""
    from storyline.report.entities import page_spans
    text = ("Fans of Michael Jackson gathered outside his home in Los Angeles on Thursday . -RRB- Michael Jackson "
            "died in June 2009 , and Dr Conrad Murray -LRB- left -RRB- was charged by prosecutors in Los Angeles .")
    keys = [span.key for span in page_spans([text])[0]]
    assert keys.count("Michael Jackson") == 2 and "Conrad Murray" in keys
    assert not [k for k in keys if "RB" in k or "LRB" in k]

def test_a_date_written_without_its_year_is_dated_as_the_clause_says():
    """ "On 25 June" in a past-tense clause is the last 25 June before the page, "25 June last year"
    the year before the page's; "Saturday's concert will ..." is the coming Saturday."""
    page = ReportPage("a", "Jackson died at his home in Los Angeles on 25 June after a cardiac arrest.",
                      day=date(2010, 2, 5))
    recalled = ReportPage("b", "Fans gathered outside the Apollo theatre on 25 June last year to mourn the singer.",
                          day=date(2011, 3, 1))
    coming = ReportPage("c", "Saturday's tribute concert will raise money for three charities in Cardiff and London.",
                        day=date(2011, 10, 4))  # a Tuesday
    assert [e.when for e in build_timeline([page])] == ["2009-06-25"]
    assert [e.when for e in build_timeline([recalled])] == ["2010-06-25"]
    assert [e.when for e in build_timeline([coming])] == ["2011-10-08"]

def test_a_shared_surname_goes_to_the_most_named_person():
    from storyline.report.entities import alias_index
    from storyline.report.records import Entity
    index = alias_index([Entity("Kim Jong Un", "PERSON", (), ("a",), 100), Entity("Kim Yo Jong", "PERSON", (), ("b",), 5)])
    assert index["Kim"] == "Kim Jong Un" and index["Kim Yo Jong"] == "Kim Yo Jong"


def test_reports_built_in_worker_processes_equal_those_built_here_and_one_failure_spares_the_rest(caplog):
    from storyline.run.reports import ReportJob, build_job, report_mapper, serial_map

    def job(n: int) -> ReportJob:
        text = (f"Minister Anna Berg{n} arrived in Oslo on Monday for talks on fishing rights. \"We will agree on "
                f"quotas soon, whatever it takes,\" Berg{n} said after the meeting in the capital.")
        pages = [ReportPage(f"s{n}-a", text, day=date(2024, 3, 5), site="one.example"),
                 ReportPage(f"s{n}-b", text + " More.", day=date(2024, 3, 6), site="two.example"),
                 ReportPage(f"s{n}-c", text, day=date(2024, 3, 7), site="farm.example", original=f"s{n}-a")]
        return ReportJob(f"s{n}", pages, {p.id: "h" for p in pages}, f"f{n}", kept={})
    jobs = [job(n) for n in range(4)]
    broken = ReportJob("broken", None, {}, "f", {})  # type: ignore[arg-type]  # fails inside the worker
    here = {b.report_id: b for b in serial_map(build_job, jobs)}
    there = {b.report_id: b for b in report_mapper(2)(build_job, [*jobs[:2], broken, *jobs[2:]])}
    assert set(there) == set(here) == {"s0", "s1", "s2", "s3"}
    assert all(there[k].report == here[k].report and there[k].fresh == here[k].fresh for k in here)
    assert here["s0"].report["quotes"] and [p for p, _, _ in here["s0"].fresh] == ["s0-a", "s0-b"]  # the copy: no NER
    assert "the report of broken could not be built" in caplog.text


def test_reports_a_stopped_run_did_not_build_are_built_by_the_next_run(seed_dir, tmp_path, monkeypatch):
    """Stopped in its reports phase (Ctrl-C, a lost cluster), a run said "run the same command again
    to resume"; the run again read nothing new, so it built no report."""
    import storyline.run.local as local
    from storyline import Storyline

    building = local.refresh_reports

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(local, "refresh_reports", stopped)
    with Storyline(tmp_path / "s.db") as sl, pytest.raises(KeyboardInterrupt):
        sl.run([seed_dir])
    monkeypatch.setattr(local, "refresh_reports", building)
    with Storyline(tmp_path / "s.db") as sl:
        story = next(s["id"] for s in sl.stories() if s["page_count"] >= 2)
        assert sl.report(story, build=False) is None
        summary = sl.run([seed_dir])
        assert summary.added == 0 and summary.reports_built >= 1
        assert sl.report(story, build=False) is not None
        assert sl.store.reports_due() == set()  # built once, not again at every run


def test_a_tokenised_corpus_slash_reads_as_a_slash_in_every_part_of_the_report():
    """Penn Treebank texts (Timeline17's) escape "/" as "\\/": a reader sees "A/H1N1", not "A\\/H1N1"."""
    from dataclasses import asdict
    text = ("The Centers for Disease Control\\/CDC in Atlanta said on Monday that the A\\/H1N1 virus had "
            "reached 20 states . `` The A\\/H1N1 strain spreads fast , '' said Richard Besser of the "
            "Centers for Disease Control\\/CDC .")
    pages = [ReportPage(p, text, day=date(2009, 4, 28), site=f"{p}.example") for p in ("a", "b")]
    shown = json.dumps(asdict(build_report(pages)), default=str)
    assert "A/H1N1" in shown and "Control/CDC" in shown
    assert "\\\\/" not in shown  # json.dumps writes a backslash as two


def test_a_pronoun_speaker_is_the_last_person_named_outside_quotes_and_not_as_a_possessor():
    """ "… posted a message on YouTube. “…,” he said": he is the doctor, not YouTube; a name inside an
    earlier quotation, or one that only owns something ("in Jackson's system"), is not who speaks."""
    from storyline.report.quotes import find_quotes
    from storyline.report.records import Entity
    text = ("Dr Conrad Murray posted a video message on YouTube to thank his supporters. "
            "\"I told the truth and I have faith the truth will prevail,\" he said in the clip. "
            "Campaigner Ben Stewart said: \"The chief executive Tony Hayward took huge risks with the sea "
            "and the coast.\" He added: \"This company will cause more disasters unless it is stopped.\" "
            "Later that day the lawyer Edward Chernoff said the report left out the levels of drugs in Jackson's system. "
            "\"One has to wonder why the coroner released anything at all before the end,\" he said.")
    entities = [Entity("Conrad Murray", "PERSON", ("Dr Conrad Murray", "Murray"), ("p",), 3),
                Entity("YouTube", "ORG", (), ("p",), 1),
                Entity("Ben Stewart", "PERSON", ("Stewart",), ("p",), 1),
                Entity("Tony Hayward", "PERSON", ("Hayward",), ("p",), 2),
                Entity("Edward Chernoff", "PERSON", ("Chernoff",), ("p",), 1),
                Entity("Michael Jackson", "PERSON", ("Jackson",), ("p",), 5)]
    said = {q.text.split()[0]: q.speaker for q in find_quotes([ReportPage("p", text)], entities)}
    assert said == {"I": "Conrad Murray", "The": "Ben Stewart", "This": "Ben Stewart", "One": "Edward Chernoff"}


@pytest.mark.parametrize("text, when", [
    ("The government had claimed until late on Thursday that the virus was contained in the region.", "2009-04-30"),
    ("Schools in the town were closed until Monday after two pupils fell ill with the virus.", "2009-04-27"),
    ("The school in the town will stay closed until Monday after two pupils fell ill.", "2009-05-04"),
    ("The ban on flights to the region stays in force until Monday, the ministry said.", "2009-05-04")])
def test_until_a_weekday_after_a_verb_of_what_happened_is_the_past_weekday(text, when):
    """On a page of Saturday 2 May 2009, "had claimed until late on Thursday" is the Thursday before."""
    assert [e.when for e in build_timeline([ReportPage("a", text, day=date(2009, 5, 2))])] == [when]
