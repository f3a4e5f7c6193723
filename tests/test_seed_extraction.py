"""The five seed pages: clean text, titles, datelines, agencies, injections, dates."""
from __future__ import annotations

import pytest

from storyline import extract

from .conftest import SEED

# Opening words of every body paragraph, read off the pages by hand.
PARAGRAPHS = {
    "000": ["MOSCOW (AP) — North Korea’s foreign minister is visiting Russia on Monday",
            "A delegation led by Foreign Minister Choe Son Hui arrived in Moscow on Sunday",
            "Choe is visiting at Lavrov’s invitation, the ministry said.",
            "The United States and South Korea say North Korea has provided Russia with arms",
            "The Biden administration said it has evidence that missiles",
            "Koo Byoungsam, spokesperson of South Korea’s Unification Ministry",
            "Both Russia and North Korea have denied accusations"],
    "001": ["MOSCOW (AP) — Russia’s top diplomat on Tuesday hosted his North Korean counterpart",
            "At the start of the meeting, Sergei Lavrov said",
            "North Korean leader Kim Jong Un traveled to Russia in September",
            "Putin is set to host Choe later in the day.",
            "Lavrov on Tuesday also mentioned “close and fruitful cooperation”",
            "“We will take every effort to develop our relations,” Choe said.",
            "The United States and South Korea have accused North Korea",
            "Earlier this month, U.S. National Security Council spokesman John Kirby",
            "Both Russia and North Korea have dismissed accusations"],
    "002": ["MOSCOW >> Russian President Vladimir Putin and Foreign Minister Sergey Lavrov today hosted",
            "Lavrov met with Choe earlier in the day",
            "North Korean leader Kim Jong Un traveled to Russia in September to meet Putin",
            "Putin met with Choe and Lavrov later in the day",
            "Earlier today, Peskov said that the Russian president will visit North Korea",
            "Lavrov noted that Moscow “highly appreciates”",
            "“We will take every effort to develop our relations,” Choe said.",
            "The United States and South Korea have accused North Korea",
            "Both Russia and North Korea have dismissed accusations"],
    "003": ["SEOUL: North Korea’s foreign minister will visit Russia this coming week",
            "Traditional allies, Russia and North Korea have recently boosted ties anew",
            "Top Russian officials, including Moscow’s defence and foreign ministers",
            "“Choe Son Hui, minister of Foreign Affairs of the Democratic People’s Republic of Korea",
            "Earlier this month, the White House accused the North",
            "Pyongyang-supplied missiles with ranges of around 900 kilometres",
            "Increasing military and economic cooperation between Russia and North Korea",
            "South Korea has accused Pyongyang of having provided more than one million artillery rounds",
            "After two failed attempts, North Korea succeeded in putting a spy satellite into orbit",
            "The United States said in October last year that North Korea had delivered"],
    "004": ["Russian Foreign Minister Sergey Lavrov arrived in North Korea on Wednesday",
            "Earlier in the week, Lavrov accompanied President Vladimir Putin",
            "Lavrov last visited North Korea in 2018.",
            "During Kim’s visit to Russia he met Putin at Russia’s Vostochny Cosmodrome",
            "The White House said on Friday that North Korea has delivered",
            "Speculation about a possible North Korean plan to refill Russian munition stores",
            "White House National Security Council spokesman John Kirby said",
            "Kim called last month for an exponential increase",
            "During Kim’s six-day trip to Russia, his longest foreign travel",
            "The trip to Russia was also Kim’s first foreign trip since the pandemic",
            "Relations between Russia and North Korea go back to the North’s foundation in 1948"],
}

# Page furniture, injected words and unrelated headlines found on the pages.
MUST_NOT = ["Ethermac", "Aspire Money Growth", "消息", "veryGood", "Related", "Ranking", "Recommendation",
            "Recommend", "Read Comments", "By participating in online discussions", "Terms of Service",
            "Current:Home", "Date:", "source:", "category:", "More:Stocks", "Today's Paper", "Top News",
            "Honolulu Star-Advertiser", "ARTYOM GEODAKYAN", "Putin greets North Korean Foreign Minister",
            "Other news", "North Korea’s Kim visits arms factories", "reported Sunday, with...",
            "14 Jan, 2024", "Matt Gaetz", "Kylie Kelce", "Paula Abdul", "Green Bay Packers", "NBA Draft",
            "Tom Holland", "Powerball", "Gilmore Girls", "Jingle Ball"]

TITLES = {
    "000": "North Korean foreign minister visits Moscow for talks as concern grows over an alleged arms deal",
    "001": "North Korea’s top diplomat in Moscow for talks on ties amid concerns over alleged arms deal",
    "002": "Russia hosts North Korea’s top diplomat for talks on ties",
    "003": "North Korean foreign minister to visit Russia: KCNA",
    "004": "Russian Foreign Minister Lavrov arrives in North Korea, Russian state media say",
}
DATELINES = {"000": ("Moscow", "AP"), "001": ("Moscow", "AP"), "002": ("Moscow", None),
             "003": ("Seoul", None), "004": None}
AGENCIES = {"000": "AP", "001": "AP", "002": "AP", "003": None, "004": None}
CLAIMED = {"000": "2025-04-14", "001": "2025-05-08", "002": None, "003": "2024-01-14", "004": "2025-04-25"}
# 002 prints "Friday, December 13, 2024" above its headline: the day it was rendered, no claim
RENDERED = {"000": None, "001": None, "002": "2024-12-13", "003": None, "004": None}
INJECTIONS = {
    "000": [("-消息", "title-suffix")],
    "001": [("Ethermac", "title-prefix"), ("Ethermac", "body")],
    "002": [],
    "003": [],
    "004": [("-Aspire Money Growth", "title-suffix")],
}


@pytest.fixture(scope="module")
def pages() -> dict[str, dict]:
    return {n: next(extract([path])) for n, path in SEED.items()}


@pytest.mark.parametrize("seed", sorted(SEED))
def test_every_body_paragraph_is_kept_in_order(pages, seed):
    paragraphs = pages[seed]["text"].split("\n\n")
    assert len(paragraphs) == len(PARAGRAPHS[seed])
    for got, expected in zip(paragraphs, PARAGRAPHS[seed]):
        assert got.startswith(expected)


@pytest.mark.parametrize("seed", sorted(SEED))
def test_no_furniture_spam_or_unrelated_headlines(pages, seed):
    text = pages[seed]["text"]
    for snippet in MUST_NOT:
        assert snippet not in text, snippet
        assert snippet not in (pages[seed]["title"] or ""), snippet


def test_glued_injection_is_cut_out_of_the_word(pages):
    assert "Russia’s top diplomat on Tuesday hosted" in pages["001"]["text"]


@pytest.mark.parametrize("seed", sorted(SEED))
def test_title_is_what_an_editor_would_write(pages, seed):
    assert pages[seed]["title"] == TITLES[seed]


@pytest.mark.parametrize("seed", sorted(SEED))
def test_dateline_and_agency(pages, seed):
    dateline = pages[seed]["dateline"]
    if DATELINES[seed] is None:
        assert dateline is None
    else:
        assert (dateline["place"], dateline["agency"]) == DATELINES[seed]
    assert pages[seed]["agency"] == AGENCIES[seed]


@pytest.mark.parametrize("seed", sorted(SEED))
def test_claimed_date_and_injections(pages, seed):
    assert pages[seed]["claimed_date"] == CLAIMED[seed]
    assert pages[seed]["rendered_date"] == RENDERED[seed]
    assert [(i["text"], i["where"]) for i in pages[seed]["injections"]] == INJECTIONS[seed]


def test_fake_byline_is_read_as_printed(pages):
    assert pages["001"]["byline"] == "Jonathan Dale Benton"
