"""Forensics: content-farm scores, injections, real publication dates, misdated claims.

What a user sees in `storyline pages --json` / `storyline extract --json` after the
forensics stage (src/storyline/forensics), and the unit behaviour it rests on:
temporal mentions (timex), the date estimate (published), injections found across
copies (crosscopy) and the content-farm judgement (farm).
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from storyline.api import extract
from storyline.cli import main
from storyline.forensics import crosscopy, farm
from storyline.forensics.assess import assess
from storyline.records import StoredPage
from storyline.forensics.events import Anchor
from storyline.forensics.published import estimate_published
from storyline.forensics.timex import find_mentions

from .conftest import SEED

# The real publication days of the January 2024 visit pages (AP / AFP reports).
TRUE_DAY = {"000": date(2024, 1, 15), "001": date(2024, 1, 16), "002": date(2024, 1, 16), "003": date(2024, 1, 14)}
# 004 is Lavrov's arrival in Pyongyang, Wednesday 18 October 2023 (after Putin's Beijing visit).
TRUE_DAY_004 = date(2023, 10, 18)
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WHERE = {"title-prefix", "title-suffix", "body", "body-across-copies"}


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _cli_json(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    return out.getvalue()


@pytest.fixture(scope="module")
def run_pages(tmp_path_factory) -> dict[str, dict]:
    """`storyline run --db X <seeds>` then `storyline pages --db X --json`, by seed number."""
    tmp = tmp_path_factory.mktemp("forensics")
    seeds = tmp / "seeds"
    seeds.mkdir()
    for path in SEED.values():  # examples/ holds the same five pages as ../shared/seeds
        shutil.copy(path, seeds / path.name)
    db = str(tmp / "s.db")
    _cli_json(["run", "--db", db, str(seeds)])
    pages = json.loads(_cli_json(["pages", "--db", db, "--json"]))
    assert len(pages) == 5
    return {Path(p["source"]).name[:3]: p for p in pages}


def _check_shapes(page: dict) -> None:
    """The five forensics fields, as README/schema document them."""
    assert isinstance(page["injections"], list)
    for inj in page["injections"]:
        assert set(inj) == {"text", "where"} and isinstance(inj["text"], str) and inj["text"]
        assert inj["where"] in WHERE
    farm_ = page["content_farm"]
    assert set(farm_) == {"score", "reasons"}
    assert isinstance(farm_["score"], (int, float)) and 0.0 <= farm_["score"] <= 1.0
    assert isinstance(farm_["reasons"], list) and all(isinstance(r, str) and r for r in farm_["reasons"])
    assert farm_["score"] == 0 or farm_["reasons"], "a non-zero score must say why"
    assert page["claimed_date"] is None or ISO_DAY.match(page["claimed_date"])
    pub = page["published"]
    assert set(pub) == {"value", "earliest", "latest", "confidence", "evidence"}
    for key in ("value", "earliest", "latest"):
        assert pub[key] is None or ISO_DAY.match(pub[key]), (key, pub[key])
    assert 0.0 <= pub["confidence"] <= 1.0
    assert isinstance(pub["evidence"], list) and all(isinstance(e, str) for e in pub["evidence"])
    if pub["value"] is not None:
        assert _day(pub["earliest"]) <= _day(pub["value"]) <= _day(pub["latest"])
    else:
        assert pub["earliest"] is None and pub["latest"] is None
    assert isinstance(page["misdated"], bool)
    claimed = _day(page["claimed_date"])
    if claimed is None or pub["value"] is None:
        assert page["misdated"] is False
    else:
        outside = not (_day(pub["earliest"]) <= claimed <= _day(pub["latest"]))
        if page["misdated"]:
            assert outside, "misdated although the claimed date lies in [earliest, latest]"
        # (a claimed date a day or two outside the interval may be a time zone, not a lie)
        if (_day(pub["earliest"]) - claimed).days > 2 or (claimed - _day(pub["latest"])).days > 2:
            assert page["misdated"], "claimed date far outside [earliest, latest] but not misdated"


# ---------------------------------------------------------------- the seeds after a run


def test_seed_run_fields_have_documented_shapes(run_pages):
    for page in run_pages.values():
        _check_shapes(page)


@pytest.mark.parametrize("seed, spam", [("000", "-消息"), ("001", "Ethermac"), ("004", "-Aspire Money Growth")])
def test_seed_content_farms_are_flagged_with_their_injections_and_misdated(run_pages, seed, spam):
    page = run_pages[seed]
    assert page["content_farm"]["score"] >= 0.5, page["content_farm"]
    assert spam in [i["text"] for i in page["injections"]]
    assert any(spam in r for r in page["content_farm"]["reasons"])
    assert spam not in page["title"]  # the spam is removed from what the user reads
    assert page["misdated"] is True  # claims a 2025 date for a story of 2023/2024


@pytest.mark.parametrize("seed", ["002", "003"])
def test_seed_newspapers_are_not_content_farms(run_pages, seed):
    page = run_pages[seed]
    assert page["content_farm"]["score"] < 0.5, page["content_farm"]
    assert page["injections"] == []


def test_seed_published_dates_are_in_the_right_years_with_evidence(run_pages):
    for seed, page in run_pages.items():
        pub = page["published"]
        assert pub["value"] and _day(pub["value"]).year in (2023, 2024), (seed, pub)
        assert pub["evidence"], seed


@pytest.mark.parametrize("seed", sorted(TRUE_DAY))
def test_seed_published_date_is_the_real_day(run_pages, seed):
    pub = run_pages[seed]["published"]
    truth = TRUE_DAY[seed]
    assert abs((_day(pub["value"]) - truth).days) <= 1, (seed, pub)
    assert _day(pub["earliest"]) <= truth <= _day(pub["latest"]), (seed, pub)


def test_seed_003_keeps_its_true_claimed_date(run_pages):
    page = run_pages["003"]
    assert page["claimed_date"] == "2024-01-14"
    assert page["misdated"] is False
    assert page["published"]["value"] == "2024-01-14"


def test_seed_001_reasons_name_the_fake_source_and_the_stocks_category(run_pages):
    reasons = " | ".join(run_pages["001"]["content_farm"]["reasons"])
    assert "Jonathan Dale Benton" in reasons and "source" in reasons
    assert "'Stocks'" in reasons


def test_seed_004_interval_holds_its_real_day(run_pages):
    pub = run_pages["004"]["published"]
    assert _day(pub["earliest"]) <= TRUE_DAY_004 <= _day(pub["latest"]), pub


def test_seed_004_is_dated_within_three_days_of_its_wednesday(run_pages):
    """The lead says Lavrov arrived "on Wednesday"; the January recap (003) that shares its
    sentence about the White House's Friday statement places that in October. The recap is a
    later page, so it bounds 004 and does not pull it to late October; among October's
    Wednesdays the estimate is the one nearest the middle of the evidence."""
    pub = run_pages["004"]["published"]
    assert _day(pub["value"]).weekday() == 2, pub
    assert abs((_day(pub["value"]) - TRUE_DAY_004).days) <= 3, pub


def test_a_later_page_recounting_the_news_bounds_it_and_does_not_pull_it():
    from storyline.forensics.events import Anchor, content_words
    text = ("The minister arrived in the capital on Wednesday for talks, state media said. "
            "The White House said on Friday that the country has delivered more than 1,000 containers of munitions.")
    recap = "The White House said in October that the country delivered more than 1,000 containers of munitions."
    october = (date(2023, 10, 1).toordinal(), date(2023, 10, 31).toordinal())
    later = Anchor(date(2024, 1, 14), weight=0.25, scale=3.5, why="similar page X (cosine 0.50) dated",
                   event_sentences=((content_words(recap), *october),))
    pub = estimate_published(text, anchors=[later])
    assert pub.value.month == 10 and pub.value.weekday() == 2, pub
    assert 8 <= pub.value.day <= 24, pub  # a middle Wednesday, not the one nearest January
    assert pub.latest < date(2023, 11, 15)


# ---------------------------------------------------------------- timex


def test_timex_range_gives_two_dates():
    dates = [m for m in find_mentions("Choe will pay an official visit from January 15 to 17 at the invitation.")
             if m.kind == "date"]
    assert [(m.month, m.day) for m in dates] == [(1, 15), (1, 17)]
    assert all(m.direction == "future" for m in dates)


def test_timex_said_on_tuesday_is_a_past_weekday():
    (m,) = find_mentions("Lavrov said on Tuesday that the talks went well.")
    assert (m.kind, m.weekday, m.direction) == ("weekday", 1, "past")


def test_timex_will_meet_on_tuesday_is_future():
    (m,) = find_mentions("The two ministers will meet on Tuesday in Moscow.")
    assert (m.kind, m.weekday, m.direction) == ("weekday", 1, "future")


@pytest.mark.parametrize("text", ["Voters went to the polls on Super Tuesday.", "Super Tuesday results are in.",
                                  "Shoppers crowded the stores on Black Friday."])
def test_timex_named_days_are_not_weekdays(text):
    assert [m for m in find_mentions(text) if m.kind == "weekday"] == []


# ---------------------------------------------------------------- published.estimate_published


def test_estimate_said_on_tuesday_two_days_after_a_sunday_anchor_is_the_tuesday():
    sunday = date(2024, 1, 14)
    assert sunday.weekday() == 6
    got = estimate_published("Lavrov said on Tuesday that the talks with his counterpart went well.",
                             anchors=[Anchor(sunday, 1.0, 3.0, "page of the same story, credibly dated")])
    assert got.value == date(2024, 1, 16)
    assert got.earliest <= got.value <= got.latest
    assert any("Tuesday" in e for e in got.evidence)


def test_estimate_without_evidence_is_none():
    got = estimate_published("Officials met and talked about the ties between the two countries.")
    assert got.value is None and got.earliest is None and got.latest is None
    assert got.confidence == 0.0 and got.evidence


_SEOUL = ("SEOUL: North Korea's foreign minister will visit Russia this coming week, state media reported Sunday, "
          "with Washington leading a chorus of global condemnation over Pyongyang's alleged transfers of weapons to "
          "Moscow for use in Ukraine.\n\nTraditional allies, Russia and North Korea have recently boosted ties anew. "
          "Choe Son Hui will pay an official visit to the Russian Federation from January 15 to 17 at the invitation "
          "of its Foreign Minister Sergei Lavrov, the Korean Central News Agency said.")


@pytest.mark.parametrize("text", [_SEOUL, "Officials met and talked about the ties between the two countries."])
def test_estimate_credible_consistent_claimed_date_stays(text):
    claimed = date(2024, 1, 14)
    got = estimate_published(text, claimed=claimed, claimed_credibility=0.98)
    assert got.value == claimed
    assert got.earliest <= claimed <= got.latest
    assert any("claimed date 2024-01-14 (credible)" in e for e in got.evidence)


def test_estimate_future_event_in_the_lead_does_not_move_a_credible_date():
    claimed = date(2024, 1, 14)
    got = estimate_published("SEOUL: North Korea's foreign minister will visit Russia on January 16, "
                             "state media reported on Sunday.", claimed=claimed, claimed_credibility=0.98)
    assert got.value == claimed, got


def test_estimate_not_after_keeps_the_estimate_on_or_before_that_day():
    text = "Lavrov said on Tuesday that the talks with his counterpart went well."
    anchors = [Anchor(date(2024, 1, 20), 1.0, 3.0, "page of the same story")]
    free = estimate_published(text, anchors=anchors)
    assert free.value > date(2024, 1, 17)  # without the bound the estimate lies later ...
    bounded = estimate_published(text, anchors=anchors, not_after=date(2024, 1, 17))
    assert bounded.value is not None and bounded.value <= date(2024, 1, 17)  # ... with it, not
    assert bounded.latest <= date(2024, 1, 17)


# ---------------------------------------------------------------- crosscopy.injected_tokens

_ORIGINAL = "Talks began on Tuesday in Moscow between the two foreign ministers, officials said."


def test_crosscopy_finds_spam_glued_onto_a_word():
    copy = "Talks began on EthermacTuesday in Moscow between the two foreign ministers, officials said."
    assert crosscopy.injected_tokens(copy, _ORIGINAL) == ["Ethermac"]


def test_crosscopy_finds_a_word_inserted_twice():
    copy = "Talks began Ethermac on Tuesday in Moscow Ethermac between the two foreign ministers, officials said."
    assert crosscopy.injected_tokens(copy, _ORIGINAL) == ["Ethermac"]


def test_crosscopy_identical_texts_give_nothing():
    assert crosscopy.injected_tokens(_ORIGINAL, _ORIGINAL) == []


@pytest.mark.parametrize("copy", [
    "Talks began on Monday in Moscow between the two foreign ministers, officials said.",  # an edited word
    "Talks began on Tuesday in Moscow, Russia between the two foreign ministers, officials said.",  # one insertion
])
def test_crosscopy_legitimate_edits_are_not_injections(copy):
    assert crosscopy.injected_tokens(copy, _ORIGINAL) == []


# ---------------------------------------------------------------- farm

_DIPLOMACY = (
    "Russia's top diplomat hosted his North Korean counterpart for talks on expanding ties between the two "
    "countries amid international concerns over an alleged arms cooperation deal between Pyongyang and Moscow. "
    "At the start of the meeting, Sergei Lavrov said he and North Korean Foreign Minister Choe Son Hui would "
    "discuss active work on implementing the agreements reached by the leaders of both nations. North Korean "
    "leader Kim Jong Un traveled to Russia in September to meet President Vladimir Putin and visit several "
    "military sites, sparking concerns about an alliance that would help Moscow replenish its arsenals amid the "
    "fighting in Ukraine. Putin is set to host Choe later in the day. A Kremlin spokesman said the Russian "
    "president will visit North Korea on the invitation of Kim at a convenient time and based on mutual "
    "agreement. Lavrov also mentioned close and fruitful cooperation between the two countries at the United "
    "Nations and other international organizations, and said the ministers would discuss the situation on the "
    "Korean Peninsula. The United States and South Korea say Pyongyang has provided Moscow with artillery and "
    "missiles for its war, while the North receives military insights in return, officials said.")
_MARKETS = (
    "Stocks fell on Wall Street as investors worried about inflation and interest rates. The S&P 500 index "
    "dropped 1.2 percent, while the Nasdaq lost 1.8 percent as technology shares slid. Bond yields rose after the "
    "latest report on consumer prices came in hotter than analysts had expected, and traders pushed back their "
    "bets on when the central bank will begin cutting rates. Bank stocks were mixed: several banks reported "
    "quarterly earnings that beat forecasts, but others warned that loan growth is slowing and that profit margins "
    "are shrinking. Oil prices climbed, lifting energy companies, and the dollar strengthened against the euro "
    "and the yen. Retail sales figures due later this week will give investors more clues about the economy. "
    "Shares of a large chipmaker jumped after it raised its revenue outlook for the quarter, while a consumer "
    "company sank when it cut its sales forecast. Crypto markets were also volatile, with bitcoin falling more "
    "than 3 percent. Analysts said markets remain sensitive to every economic report and to any sign that "
    "inflation is proving stickier than the market hopes, and many fund managers are holding more cash.")


def test_category_mismatch_stocks_over_a_diplomacy_story():
    assert len(_DIPLOMACY.split()) >= 120
    assert farm.category_mismatch("Stocks", _DIPLOMACY) is True


def test_category_mismatch_not_for_a_markets_story():
    assert len(_MARKETS.split()) >= 120
    assert farm.category_mismatch("Stocks", _MARKETS) is False
    assert farm.category_mismatch("Markets", _MARKETS) is False


def test_judge_no_reasons_is_score_zero():
    verdict = farm.judge([])
    assert verdict.score == 0 and verdict.reasons == () and not verdict.is_farm


def test_judge_one_strong_or_several_weak_signals_make_a_farm():
    injection = ("injection", "injected spam 'Ethermac' (body)")
    byline = ("source_byline", "a person is given as the source")
    category = ("category", "filed under 'Stocks'")
    assert farm.judge([injection]).is_farm
    assert not farm.judge([byline]).is_farm and not farm.judge([category]).is_farm
    assert farm.judge([byline, category]).is_farm
    # three injected words are one signal, reported three times
    repeated = farm.judge([injection, injection, injection])
    assert repeated.score == farm.judge([injection]).score and len(repeated.reasons) == 3


# ---------------------------------------------------------------- extract (no store)


def test_extract_json_carries_the_forensics_fields():
    out = _cli_json(["extract", "--json", *(str(SEED[n]) for n in sorted(SEED))])
    pages = {Path(p["source"]).name[:3]: p for p in map(json.loads, out.splitlines())}
    assert sorted(pages) == sorted(SEED)
    for page in pages.values():
        assert page["status"] == "ok"
        _check_shapes(page)
    # A page alone still shows its own spam and content-farm signals.
    assert "Ethermac" in [i["text"] for i in pages["001"]["injections"]]
    assert pages["001"]["content_farm"]["score"] >= 0.5
    assert pages["003"]["content_farm"]["score"] < 0.5


def test_extract_alone_seed_003_keeps_its_claimed_date():
    (page,) = list(extract([SEED["003"]]))
    assert page["claimed_date"] == "2024-01-14"
    assert page["published"]["value"] == "2024-01-14"
    assert page["misdated"] is False
    assert page["published"]["evidence"]


# ---------------------------------------------------------------- false positives on real news pages


def test_aeb_pages_are_not_content_farms(shared):
    files = sorted((shared / "data/aeb/html").glob("*.html.gz"))
    if not files:
        pytest.skip("../shared/data/aeb/html holds no pages")
    pages = [p for p in extract(files) if p["status"] == "ok"]
    assert len(pages) >= 0.95 * len(files)
    for page in pages:
        _check_shapes(page)
    flagged = [(p["source"], p["content_farm"]) for p in pages if p["content_farm"]["score"] >= 0.5]
    assert len(flagged) <= 0.01 * len(pages), flagged


# ---------------------------------------------------------------- dating rules, on records

_VOTE = ("The city council voted on Tuesday to approve the budget for the new harbour school, ending a dispute "
         "that had split the council for months and delayed the building work by a year.")


def _stored(pid: str, seq: int, text: str, **fields) -> StoredPage:
    return StoredPage(id=pid, seq=seq, source=pid, status="ok", text=text, story="st",
                      terms={"harbour": 3, "school": 2}, **fields)


def _assess(pages: list[StoredPage]) -> dict:
    out = assess(pages, [], lambda terms: (len(pages) + 10, {t: 1 for t in terms}), lambda _id: "")
    return {f.page_id: f for f in out}


def _story_around(day_a: str, day_b: str) -> list[StoredPage]:
    return [_stored("s1", 1, "The harbour school budget went to the council, which will vote on it next week.",
                    claimed_date=day_a),
            _stored("s2", 2, "Council members said the harbour school vote was close; work may start in spring.",
                    claimed_date=day_b)]


def test_a_claim_the_story_rules_out_dates_neither_the_page_nor_its_copy():
    """A page claiming April 2025 in a story of January 2024, and its exact copy making the same
    claim: both are misdated and dated with the story (the copy used to keep the claim ruled out
    for its original, when it was checked against it)."""
    pages = _story_around("2024-01-10", "2024-01-17") + [
        _stored("o", 3, _VOTE, claimed_date="2025-04-01"),
        _stored("c", 4, _VOTE, claimed_date="2025-04-01", duplicate_of="o", relation="exact")]
    got = _assess(pages)
    for pid in ("o", "c"):
        assert got[pid].misdated and got[pid].published.value.year == 2024, (pid, got[pid])
    assert got["c"].published.value >= got["o"].published.value
    assert got["s1"].published.value == date(2024, 1, 10) and not got["s1"].misdated


def test_an_honest_copy_is_not_a_reprint_of_an_original_whose_claim_was_ruled_out():
    pages = _story_around("2024-01-10", "2024-01-17") + [
        _stored("o", 3, _VOTE, claimed_date="2023-01-03"),
        _stored("c", 4, _VOTE, claimed_date="2024-01-16", duplicate_of="o", relation="exact")]
    got = _assess(pages)
    assert got["o"].misdated and any("rules out" in r for r in got["o"].content_farm.reasons)
    assert not got["c"].misdated and got["c"].content_farm.reasons == ()
    assert got["c"].published.value == date(2024, 1, 16)


def test_a_spaced_site_name_in_another_script_is_no_spam():
    """A blog named in Chinese after a Latin title ('... - 若雲域') is the site, not an injection;
    the same word glued to the dash is what farms inject."""
    from storyline.extract.meta import clean_title
    title, injections, site = clean_title("bong2 effect finish never - 若雲域", "text")
    assert (title, injections, site) == ("bong2 effect finish never", (), "若雲域")
    title, injections, _ = clean_title("Foreign minister visits Moscow for talks on a deal -消息", "text")
    assert title == "Foreign minister visits Moscow for talks on a deal" and injections[0].text == "-消息"


def test_a_blog_date_kept_in_an_html_comment_is_the_claimed_date():
    """Blog platforms state the entry's date as Dublin Core in an RDF block inside a comment;
    the parsed tree loses comments, and with them the only machine-readable date."""
    from storyline.extract.html import extract_html
    body = " ".join(["The harbour reopened to ships after the storm, officials said."] * 12)
    html = ("<html><head><title>Harbour reopens after the storm</title></head><body><article>"
            f"<h1>Harbour reopens after the storm</h1><p>{body}</p><p>Posted 2015-07-21 in archive.</p></article>"
            '<!-- <rdf:RDF><rdf:Description dc:title="Harbour" dc:date="2020-07-12T22:00:00+09:00" /></rdf:RDF> -->'
            "</body></html>")
    assert extract_html(html).claimed_date == "2020-07-12"
    listing = html.replace("</body>", '<!-- <rdf:Description dc:date="2019-01-02T00:00:00" /> --></body>')
    assert extract_html(listing).claimed_date != "2019-01-02"  # two entries' dates: neither is the page's


@pytest.mark.parametrize("block_rows", [1024, 7])
def test_similar_dated_pages_are_found_by_their_key_terms_and_cosine(block_rows, monkeypatch):
    """The index of dated pages (built at once, in NumPy) finds what a page-by-page reading of
    tfidf() finds: the pages sharing one of the query's key terms, by cosine, then id; however
    many pages' key terms are sorted out at once (7: blocks of short and long pages)."""
    import random

    from storyline.cluster.terms import cosine, tfidf
    from storyline.forensics import similar
    from storyline.forensics.similar import SimilarDated, _key_terms

    monkeypatch.setattr(similar, "FLOOR_BLOCK_ROWS", block_rows)
    from storyline.records import DatedPage

    rng = random.Random(7)
    words = [f"w{i}" for i in range(400)]
    pages = [DatedPage(f"p{i:03d}", rng.choice([None, "s1", "s2"]), "2024-01-01",
                       {w: rng.choice([1, 1, 2]) for w in rng.sample(words[:rng.choice([40, 400])], rng.randint(0, 25))})
             for i in range(300)]
    df = {w: rng.choice([3, 9]) for w in words}  # many ties in weight: broken by term
    index = SimilarDated(pages, 300, df)
    for query in pages[:60]:
        vec = tfidf(query.terms, 300, df)
        keys = set(_key_terms(vec))
        expected = sorted(((cosine(vec, tfidf(p.terms, 300, df)), p.id) for p in pages
                           if p.id != query.id and (query.story is None or p.story != query.story)
                           and keys & set(_key_terms(tfidf(p.terms, 300, df)))),
                          key=lambda sp: (-round(sp[0], 9), sp[1]))[:4]
        found = index.nearest(query.terms, {query.id}, query.story, 4)
        assert [p.id for _, p in found] == [i for _, i in expected]
        assert [s for s, _ in found] == pytest.approx([s for s, _ in expected])


def test_a_run_dates_and_groups_the_same_whatever_the_hash_seed(shared, tmp_path):
    """Headlines of three real stories, redated every nine days (so the content rules some claims
    out): two runs in processes with other string hash orders give the same stories and dates. The
    claims were checked in an order that ties left to set iteration, and results varied per run."""
    import os
    import subprocess
    import sys
    from datetime import timedelta

    rows = [json.loads(line) for line in (shared / "data" / "uci-stories" / "headlines.jsonl").open()]
    stories = ["d1F7w-23076umeMGNNzHXLe0lzLzM", "dYRPyd6HqIPIS_MW7vO0rcnAOciKM", "dchKRTV8vDviyCMH_lfUDTuFThh_M"]
    records = []
    for k, story in enumerate(stories):
        items = sorted((r for r in rows if r["story"] == story), key=lambda r: (r["date"], r["id"]))
        records += [{"id": r["id"], "title": r["title"], "date": (date(2014, 3, 1) + timedelta(days=9 * i + k)).isoformat()}
                    for i, r in enumerate(items)]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(r) + "\n" for r in sorted(records, key=lambda r: (r["date"], r["id"]))))
    script = ("import sys; from storyline import Storyline\n"
              "with Storyline(sys.argv[1]) as sl:\n"
              "    sl.run([sys.argv[2]], workers=1, reports=False)\n"
              "    print(sorted((p['id'], p['story'], p['published']['value'], p['content_farm']['score'])"
              " for p in sl.pages()))\n")
    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", script, str(tmp_path / f"s{seed}.db"), str(feed)], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]


def test_an_article_text_stamped_at_its_head_is_dated_by_the_stamp(tmp_path):
    """JSONL text without a date field: a publication stamp at the head of the text (a clock time or
    "updated" beside the date) is the page's claimed date; a date in the first sentence is the news."""
    body = ("Members of the family are to team up with a producer in a touring tribute to the late singer. "
            "The shows will open in the autumn, the family said in a statement on its website. ") * 3
    records = [
        {"id": "stamped", "text": f"Page last updated at 08:03 GMT, Tuesday, 26 July 2011 {body}"},
        {"id": "wire", "text": f"Tue Jan 11 , 2011 4:17 pm EST\n{body}"},
        {"id": "news", "text": f"On 12 March 2011 an earthquake struck off the coast. {body}"},
        {"id": "headline", "text": f"Family plans tribute tour on May 5, 2011\n{body}"},
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    pages = {p["id"]: p for p in extract([path])}
    assert pages["stamped"]["claimed_date"] == "2011-07-26"
    assert pages["stamped"]["published"]["value"] == "2011-07-26"
    assert pages["wire"]["claimed_date"] == "2011-01-11" and pages["wire"]["title"] is None  # a stamp is no headline
    assert pages["news"]["claimed_date"] is None
    assert pages["headline"]["title"] == "Family plans tribute tour on May 5, 2011"
    assert pages["headline"]["claimed_date"] is None


def test_a_page_whose_story_mate_is_months_away_keeps_its_similar_pages_dates_in_its_interval():
    """A page with no date of its own that joined a story of another month (bench/dates/hidden.py fed
    as 10 runs: Murray's trial coverage of October filed with the January hearing) is dated with its
    story, but the interval keeps room where the pages most like its text were published."""
    from storyline.records import DatedPage
    terms = {"murray": 4, "trial": 3, "jury": 3, "propofol": 2, "testimony": 2, "defence": 2}
    page = StoredPage(id="p", seq=1, source="p", status="ok", story="st", terms=terms,
                      text="The jury heard more testimony in the trial of Dr Murray about the propofol dose.")
    mate = StoredPage(id="m", seq=2, source="m", status="ok", story="st", terms={"murray": 2, "hearing": 3},
                      text="Dr Murray appeared at the hearing.", claimed_date="2011-02-03")
    # Like it in part (cosine about 0.5): other pages of the trial, each with words of its own.
    near = [DatedPage(f"n{i}", f"other{i}", f"2011-10-{14 + i:02d}",
                      dict(terms, **{f"w{i}{j}": 3 for j in range(6)})) for i in range(5)]
    got = {f.page_id: f for f in assess([page, mate], near, lambda t: (100, {w: 3 for w in t}),
                                        lambda _id: ("", ()))}
    published = got["p"].published
    assert published.value == date(2011, 2, 3)  # its story's date still leads
    assert published.earliest <= date(2011, 10, 16) <= published.latest
