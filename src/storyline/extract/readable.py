"""Sentences of news text as a reader reads them: a tokenised corpus's escapes and brackets put
back ("world 's", "-LRB-", "A\\/H1N1"), a wire service's header and dateline taken off the lead
("HONG KONG, May 2 (Reuters) - "), and the text cut into sentences where they end, not at the
periods of "Sen.", "Nov. 18" or "the U.S. Capitol". The story report quotes these sentences;
a story whose pages have no title is named by its original's first one."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .lines import STOPWORDS
from .meta import AGENCY_PATTERN

MAX_SENTENCE_CHARS = 600  # a longer "sentence" is a list or a table, not a statement
MIN_SENTENCE_WORDS = 5
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘(]?[A-Z0-9])|\n+")
# (The sentence's own period after an abbreviation's, "Hopedale, La. .", goes first.)
_TOKEN_FIXES = ((re.compile(r"(?<=\w\.)\s+\.(?!\.)"), ""), (re.compile(r"\s+([.,;:!?%)])"), r"\1"), (re.compile(r"\(\s+"), "("),
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


# US states as AP abbreviates them ("GRAND ISLE, La."), and the capital's "D.C.".
_STATES = ("""Ala Ariz Ark Calif Colo Conn Del Fla Ga Ill Ind Kan Ky La Md Mass Mich Minn Miss Mo Mont Neb Nev
    Okla Ore Pa Tenn Tex Vt Va Wash Wis Wyo""".split())
_REGION = "(?:" + "|".join(_STATES) + r"|N\.[HJMYCD]|[RSW]\.[ICDV]a?|D\.C)\."
# A wire dateline opening a sentence: "MOSCOW (AP) — ", "SEOUL: ", "MOSCOW >> ", "GRAND ISLE, La. -- ".
_DATELINE = re.compile(rf"^[A-Z][A-Z .,'’-]{{1,40}}(?:,\s+{_REGION})?"
                       r"(?:\s*\([^)]{1,30}\))?\s*(?:—|–|--|-|:|>>)\s+(?=[A-Z“\"])")


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
# ("Apple Inc. Chief Executive"), a clock time ("at 10 a.m. Tuesday") or a single capital, an
# initial ("George W. Bush", but "Type A. The ..."). A line break always ends the sentence.
# Without this, such sentences fell apart into pieces too short to keep, and left the report.
_TITLES = frozenset("""Mr Mrs Ms Mx Dr Prof Sen Sens Rep Reps Gov Govs Gen Lt Col Maj Capt Cmdr Cdr Adm Sgt
    Cpl Pvt Rev Hon Pres Supt Insp Det Brig Amb Atty Fr Msgr St Mt Ft""".split())
_BEFORE_NUMBER = frozenset("Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec No Nos Vol Art Fig".split())
_UNLESS_OPENER = frozenset(["Inc", "Corp", "Co", "Ltd", "Bros", "Jr", "Sr", *_STATES])
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")  # "U.S", "D.C", "a.m": the word before its last period
_WORD_AFTER = re.compile(r"[\"“‘(]?([\w'’-]+)")


def _sentence_goes_on(text: str, boundary: re.Match) -> bool:
    """Whether the boundary found after a period is an abbreviation's period inside a sentence."""
    at = boundary.start()
    # "?", "!", a quote closing the sentence, or a line break: the sentence ends.
    if at == 0 or text[at - 1] != "." or not text[at].isspace() or "\n" in boundary.group():
        return False
    before = text[max(0, at - 40):at - 1].rsplit(None, 1)  # the word the period closes
    after = _WORD_AFTER.match(text, boundary.end())
    if not before or after is None:
        return False
    word, following = before[-1].lstrip("(\"“‘"), after.group(1)
    if word in _TITLES:
        return True
    if word in _BEFORE_NUMBER:
        return following[0].isdigit()
    if word in _UNLESS_OPENER or _DOTTED.fullmatch(word) or (len(word) == 1 and word.isupper()):
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


LEAD_TITLE_CHARS = 200
_BULLETS = re.compile(r"(?:^|\s)\\?[*•]\s+")  # "\\*": a tokenised corpus escapes the star
_WORD_CHAR = re.compile(r"[^\W_]")
_LEAD_CHARS = 5000  # the lead is in the first lines; a long text is not cut whole for it


def lead_title(text: str) -> str | None:
    """A title for a page that has none: its first sentence as a reader reads it (a wire header
    and dateline off, tokens put back), cut after a word within LEAD_TITLE_CHARS; None when the
    text has no sentence (a few words)."""
    for sentence in split_sentences(text[:_LEAD_CHARS]):
        # A wire summary's bullets ("* 23-month-old child dies in Texas of swine flu * Death is
        # first outside Mexico"): the first one is the headline.
        bullets = _BULLETS.split(sentence.text)
        title = detokenise(bullets[1] if len(bullets) > 1 and not bullets[0].strip() else sentence.text).strip()
        if _WORD_CHAR.search(title):  # not a row of stars or dots
            if len(title) > LEAD_TITLE_CHARS:
                title = title[:LEAD_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:-–— ") + "…"
            return title
    return None
