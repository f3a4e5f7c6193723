"""Who said what: direct quotations and their speakers.

A quotation is text between quotation marks (“…”, "…", or a tokenised corpus's ``…''), of at
least MIN_QUOTE_WORDS words (shorter ones are phrases a reporter puts in quotes: "close and
fruitful cooperation"). Its speaker is the name next to a speech verb just after it ("…,” Choe
said) or just before it (Lavrov said: “…”), resolved to a canonical entity through the story's
aliases. A pronoun ("she said") is the person the text last named before the quotation, outside
quotation marks and not as a possessor ("Jackson's doctor"): "he" and "she" a person, "they" an
organisation or a person. The same quotation on several pages (copies, or outlets quoting one
statement) is one quote with all its pages.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from typing import Sequence

from ..extract.readable import detokenise
from .entities import alias_index
from .records import Entity, Quote, ReportPage

MIN_QUOTE_WORDS = 6
MAX_QUOTES = 100
MAX_QUOTE_CHARS = 1000
# Every pair of marks is consumed, short ones too ("no"), so that a closing mark is never taken
# for an opening one; quotations too short to be statements are dropped after.
_QUOTE = re.compile(r"[“\"]([^“”\"]{1,%d})[”\"]" % MAX_QUOTE_CHARS)
# Tokenised corpora (Penn Treebank style, as Timeline17's texts) write `` and '' for the marks.
_TOKENISED_OPEN, _TOKENISED_CLOSE = re.compile(r"``\s?"), re.compile(r"\s?''")
PRONOUN_WINDOW = 2000  # a pronoun's person is named within this many characters before the quote
_VERBS = r"(?:said|says|told|added|stated|declared|wrote|warned|noted|explained|insisted|stressed|asked|replied)"
_NAME = r"(?P<who>(?:[A-Z][\w.’'-]+\s){0,3}[A-Z][\w.’'-]+|he|she|they)"
_AFTER = re.compile(rf"^\s*,?\s*(?:{_NAME}\s+{_VERBS}|{_VERBS}\s+{_NAME.replace('who', 'who2')})\b")
_BEFORE = re.compile(rf"{_NAME}\s+{_VERBS}(?:\s+\w+){{0,3}}\s*[:,]\s*$")
_PRONOUNS = frozenset({"he", "she", "they"})


_POSSESSIVE = re.compile(r"(?:\s+[A-Z][\w.-]*)*\s?['’]s?\b")  # after the rest of the name: "Michael| Jackson's"


def _antecedent(text: str, at: int, aliases: dict[str, str], quoted: list[tuple[int, int]]) -> str | None:
    """Whom a pronoun before the quotation at `at` stands for: the name written last before it, but
    not one inside an earlier quotation ("He added: “Tony Hayward's reckless approach ...”") nor a
    possessor ("the drugs in Jackson's system", "Dr Murray's lawyer said"), which are seldom the
    speaker."""
    best, best_at = None, -1
    window = max(0, at - PRONOUN_WINDOW)
    for spelling, canonical in aliases.items():
        if len(spelling) <= 2:
            continue
        end = at
        while (where := text.rfind(spelling, window, end)) > best_at:
            after = where + len(spelling)
            whole_word = ((where == 0 or not text[where - 1].isalnum())
                          and (after >= len(text) or not text[after].isalnum()))
            if whole_word and not _POSSESSIVE.match(text, after) and not _inside(quoted, where):
                best, best_at = canonical, where
                break
            end = where
    return best


def _inside(spans: list[tuple[int, int]], at: int) -> bool:
    """Whether `at` falls in one of `spans` (sorted, apart: the quotations of a page, in order)."""
    i = bisect_right(spans, (at, float("inf"))) - 1
    return i >= 0 and at < spans[i][1]


def _speaker(name: str | None, text: str, at: int, aliases: dict[str, str], people: dict[str, str],
             quoted: list[tuple[int, int]]) -> str | None:
    """`aliases`: spellings of people and organisations; `people`: of people alone (for he and she)."""
    if not name:
        return None
    if name.lower() in _PRONOUNS:
        return _antecedent(text, at, people if name.lower() in ("he", "she") else aliases, quoted)
    words = name.split()
    for start in range(len(words)):  # "Foreign Minister Choe Son Hui": the longest known tail
        tail = " ".join(words[start:])
        if tail in aliases:
            return aliases[tail]
    return None


def find_quotes(pages: Sequence[ReportPage], entities: Sequence[Entity]) -> list[Quote]:
    # Speakers are people and organisations ("the ministry said"), never places.
    persons = alias_index([e for e in entities if e.type in ("PERSON", "ORG")])
    people = alias_index([e for e in entities if e.type == "PERSON"])
    found: dict[str, dict] = {}
    for page in pages:
        text = page.text or ""
        if "``" in text:
            text = _TOKENISED_CLOSE.sub("”", _TOKENISED_OPEN.sub("“", text))
        marks = list(_QUOTE.finditer(text))
        quoted = [(m.start(), m.end()) for m in marks]
        for m in marks:
            said = " ".join(m.group(1).split()).strip(" ,")
            if len(said.split()) < MIN_QUOTE_WORDS:
                continue
            after = _AFTER.match(text[m.end():m.end() + 80])
            before = _BEFORE.search(text[max(0, m.start() - 120):m.start()])
            name = (after.group("who") or after.group("who2")) if after else (before.group("who") if before else None)
            speaker = _speaker(name, text, m.start(), persons, people, quoted)
            key = " ".join(said.lower().split())
            entry = found.setdefault(key, {"text": detokenise(said), "speaker": None, "pages": set()})
            entry["pages"].add(page.id)
            entry["speaker"] = entry["speaker"] or speaker
    quotes = [Quote(e["speaker"], e["text"], tuple(sorted(e["pages"]))) for e in found.values()]
    return sorted(quotes, key=lambda q: (q.speaker is None, -len(q.pages), q.text))[:MAX_QUOTES]
