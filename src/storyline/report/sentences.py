"""Sentences of a page, and the words that tell them apart, for every part of the report."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..extract.lines import STOPWORDS
from ..extract.meta import AGENCY_PATTERN

MAX_SENTENCE_CHARS = 600  # a longer "sentence" is a list or a table, not a statement
MIN_SENTENCE_WORDS = 5
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘(]?[A-Z0-9])|\n+")
_WORD = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)
_TOKEN_FIXES = ((re.compile(r"\s+([.,;:!?%)])"), r"\1"), (re.compile(r"\(\s+"), "("),
                (re.compile(r"\s+(['’]s|n['’]t)\b"), r"\1"), (re.compile(r"-LRB-\s*"), "("),
                (re.compile(r"\s*-RRB-"), ")"), (re.compile(r"``\s*|\s*''"), '"'))
_ESCAPED = re.compile(r"\\([/*])")  # Penn Treebank escapes: "A\/H1N1", "\*"


def unescaped(text: str) -> str:
    """A tokenised corpus's "A\\/H1N1" as a reader writes it: "A/H1N1"."""
    return _ESCAPED.sub(r"\1", text)


@dataclass(slots=True, frozen=True)
class SentenceSpan:
    text: str
    start: int  # offset in the page's text
    end: int


def detokenise(text: str) -> str:
    """Tokenised corpora write "world 's", "-LRB-" and "A\\/H1N1": put them back as a reader expects;
    a wire dateline that opens the sentence goes."""
    for pattern, repl in _TOKEN_FIXES:
        text = pattern.sub(repl, text)
    return without_dateline(unescaped(text))


# A wire dateline opening a sentence: "MOSCOW (AP) — ", "SEOUL: ", "MOSCOW >> ".
_DATELINE = re.compile(r"^[A-Z][A-Z .,'’-]{1,40}(?:\s*\([^)]{1,30}\))?\s*(?:—|–|--|-|:|>>)\s+(?=[A-Z“\"])")


# What a wire service's page puts before its dateline, up to the dateline's agency mark:
# "MEXICO CITY | Mon Apr 27, 2009 3:10 am BST MEXICO CITY (Reuters) - ", "(For full coverage,
# click (nFLU)) HONG KONG, May 2 (Reuters) - ", "GREEN BAY, Wis. (AP) — ". The mark must follow
# a place in capitals (a region, a day), near the start: "told reporters in Paris (AP) - " is prose.
_WIRE_HEADER = re.compile(rf"^[^.!?]{{0,160}}?\b[A-Z][A-Z.'’-]+(?:\s+[A-Z][A-Z.'’-]+)*"
                          rf"(?:,\s+[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){{0,2}})?(?:,\s+[A-Z][a-z]{{2,8}}\.?\s+\d{{1,2}})?"
                          rf"\s+\((?i:{AGENCY_PATTERN})\)\s*(?:—|–|--|-)\s+(?=[A-Z“\"])")


def without_dateline(sentence: str) -> str:
    return _DATELINE.sub("", _WIRE_HEADER.sub("", sentence, count=1), count=1)


# A period that does not end the sentence, by the word it closes (news style: AP, Reuters):
# a title before a name ("Sen. John McCain"); a month or a number's label before a number
# ("Nov. 18", "No. 10"); and, unless a sentence opener follows ("in the U.S. The ..."), a dotted
# abbreviation ("the U.S. Capitol"), a state ("GREEN BAY, Wis. (AP)"), a company's suffix
# ("Apple Inc. Chief Executive") or a clock time ("at 10 a.m. Tuesday"). A single capital is an
# initial ("George W. Bush"). Without this, such sentences fell apart into pieces too short to
# keep, and left the report.
_TITLES = frozenset("""Mr Mrs Ms Mx Dr Prof Sen Sens Rep Reps Gov Govs Gen Lt Col Maj Capt Cmdr Cdr Adm Sgt
    Cpl Pvt Rev Hon Pres Supt Insp Det Brig Amb Atty Fr Msgr St Mt Ft""".split())
_BEFORE_NUMBER = frozenset("Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec No Nos Vol Art Fig".split())
_UNLESS_OPENER = frozenset("""Inc Corp Co Ltd Bros Jr Sr Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Ky
    La Md Mass Mich Minn Miss Mo Mont Neb Nev Okla Ore Pa Tenn Tex Vt Va Wash Wis Wyo""".split())
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # "U.S", "D.C", "a.m": the word before its last period
_WORD_BEFORE = re.compile(r"[(\"“‘]?([^\s(\"“‘]+)$")
_WORD_AFTER = re.compile(r"[\"“‘(]?([\w'’-]+)")


def _sentence_goes_on(text: str, boundary: re.Match) -> bool:
    """Whether the boundary found after a period is an abbreviation's period inside a sentence."""
    at = boundary.start()
    if text[at - 1] != "." or not text[at].isspace():  # "?", "!", or a quote closing the sentence
        return False
    before = _WORD_BEFORE.search(text, max(0, at - 40), at - 1)
    after = _WORD_AFTER.match(text, boundary.end())
    if before is None or after is None:
        return False
    word, following = before.group(1), after.group(1)
    if word in _TITLES or (len(word) == 1 and word.isupper()):
        return True
    if word in _BEFORE_NUMBER:
        return following[0].isdigit()
    if word in _UNLESS_OPENER or _DOTTED.fullmatch(word):
        return following.lower() not in STOPWORDS
    return False


def split_sentences(text: str) -> list[SentenceSpan]:
    out, start = [], 0
    for match in [*_BOUNDARY.finditer(text), None]:
        if match is not None and _sentence_goes_on(text, match):
            continue
        end = match.start() if match else len(text)
        piece = text[start:end]
        stripped = piece.strip()
        if stripped and len(stripped) <= MAX_SENTENCE_CHARS and len(stripped.split()) >= MIN_SENTENCE_WORDS:
            lead = start + len(piece) - len(piece.lstrip())
            out.append(SentenceSpan(stripped, lead, lead + len(stripped)))
        start = match.end() if match else len(text)
    return out


@lru_cache(maxsize=65536)  # copies repeat their original's sentences: read each one once
def clean_sentence(raw: str) -> tuple[str, frozenset[str]]:
    """A sentence as the report quotes it, and its content words."""
    text = detokenise(raw)
    return text, content_words(text)


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in (x.lower().strip("'’-") for x in _WORD.findall(text))
                     if len(w) > 2 and w not in STOPWORDS)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0
