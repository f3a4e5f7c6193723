"""Is this page a content farm's copy? A score in [0, 1] with the evidence for it.

Each signal found adds a reason with a weight; the score is 1 - prod(1 - weight),
so one strong signal (injected spam) or several weak ones (a person named as the
source of a wire story, a finance section over a diplomacy story, link lists of
unrelated headlines, a date the content rules out) make a farm, and no single weak
one does. Pages scoring CONTENT_FARM_AT or more are called content farms.
"""
from __future__ import annotations

import re

from ..records import CONTENT_FARM_AT, Article, ContentFarm, Injection, StoredPage

__all__ = ["CONTENT_FARM_AT", "ContentFarm", "farm_reasons", "judge"]

LINK_FARM_HEADLINES = 5
MIN_WORDS_FOR_TOPIC = 120

WEIGHTS = {
    "injection": 0.6,
    "source_byline": 0.35,
    "category": 0.3,
    "link_farm": 0.2,
    "impossible_date": 0.3,
}

# Section names and words an article of that section can hardly avoid.
_SECTION_WORDS = {
    "finance": ("stocks stock markets market finance financial business money investing investment crypto "
                "economy personal-finance wealth trading",
                "market markets stock stocks shares share investors investor trading traders price prices percent "
                "economy economic company companies bank banks dollar earnings profit profits revenue inflation "
                "rates bonds index fund funds billion crypto bitcoin sales growth quarter analysts"),
    "sports": ("sports sport football soccer basketball baseball nfl nba mlb nhl tennis golf",
               "game games team teams season coach players player win won league match score championship "
               "tournament points cup play played"),
    "entertainment": ("entertainment celebrity celebrities movies movie music tv television lifestyle",
                      "film films movie music star stars actor actress show album singer fans series song "
                      "celebrity hollywood"),
    "technology": ("tech technology gadgets science",
                   "technology tech software app apps users data internet online digital device devices "
                   "computer ai google apple microsoft phone"),
    "health": ("health wellness medicine",
               "health patients doctors disease virus hospital medical vaccine treatment cases study"),
}
_SECTION_OF = {name: section for section, (names, _words) in _SECTION_WORDS.items() for name in names.split()}
_WORDS_OF = {section: frozenset(words.split()) for section, (_names, words) in _SECTION_WORDS.items()}
_WORD = re.compile(r"[a-z]+")


def category_mismatch(category: str, text: str) -> bool:
    """A section label whose usual words the article (nearly) never uses."""
    section = _SECTION_OF.get(category.lower())
    if section is None:
        return False
    words = _WORD.findall(text.lower())
    if len(words) < MIN_WORDS_FOR_TOPIC:
        return False
    hits = sum(1 for w in words if w in _WORDS_OF[section])
    return hits * 1000 / len(words) < 3


def farm_reasons(page: Article | StoredPage, injections: tuple[Injection, ...] | None = None,
                 text: str | None = None) -> list[tuple[str, str]]:
    """(signal, reason) pairs for a page; `injections` and `text` as forensics has updated them."""
    reasons: list[tuple[str, str]] = []
    for inj in page.injections if injections is None else injections:
        reasons.append(("injection", f"injected spam {inj.text!r} ({inj.where})"))
    signals = page.signals
    agency = page.agency
    if signals.byline_label == "source" and page.byline:
        story = f"an {agency} story" if agency in ("AP", "AFP") else f"a {agency} story" if agency else "the article"
        reasons.append(("source_byline", f"a person ({page.byline!r}) is given as the source of {story}"))
    for category in signals.categories:
        if category_mismatch(category, page.text if text is None else text):
            reasons.append(("category", f"filed under {category!r}, which the article's words do not fit"))
            break
    n = signals.unrelated_headlines
    if n >= LINK_FARM_HEADLINES:
        reasons.append(("link_farm", f"{n} unrelated headlines listed around the article"))
    return reasons


def judge(reasons: list[tuple[str, str]]) -> ContentFarm:
    keep = 1.0
    seen: set[str] = set()
    for signal, _text in reasons:
        if signal not in seen:  # three injected words are one signal, reported three times
            keep *= 1 - WEIGHTS[signal]
            seen.add(signal)
    return ContentFarm(round(1 - keep, 3), tuple(text for _signal, text in reasons))
