"""Line-level signals shared by the plain-text cleaner and metadata readers."""
from __future__ import annotations

import re

WORD = re.compile(r"\w+", re.UNICODE)
# A sentence ends with . ! ? or a closing quote after one; ")" or "…" do not count.
_TERMINAL = re.compile(r"""[.!?。！？؟।]["'”’»)」』]*$|[.!?]\s*["'”’»]$|["”’»」』]$""")
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")
_BULLET = re.compile(r"^\s*(?:[-*•·▪►»>]|\d{1,2}[.)])\s+")
_COUNTER = re.compile(r"\(\s*\d[\d,.]*\s*\)\s*$")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself said says say new one two last year years told""".split()
)

# Phrases of site furniture: comment policies, subscriptions, cookies, sharing.
# Anchored at a word start: far faster on long lines than an unanchored alternation.
_BOILERPLATE = re.compile(
    r"\b(?:terms of (?:service|use)|privacy (?:policy|notice)|cookie|all rights reserved|copyright \d|"
    r"subscribe|newsletter|sign (?:up|in)|log ?in|comments? (?:must|policy)|report comments|"
    r"online discussions|share (?:this|on)|follow us|click here|advertis(?:e|ement|ing)|"
    r"download (?:the|our) app|read more|related (?:stories|articles|content)|you may also like|"
    r"recommended for you|most (?:read|popular)|trending now|skip to (?:main )?content|"
    r"leave a (?:reply|comment)|\d+ comments?\b|says:\s*$|"
    r"unsubscribe|your inbox|news (?:alerts|tip)|no spam|delivered (?:daily|weekly|weekday|every|to you)|"
    r"sign me up|get (?:the|our) (?:latest|newsletter)|"
    r"subject to copyright|registered trademarks?|reproduced without|written permission|"
    r"consult your (?:physician|doctor)|information (?:provided )?on this (?:web)?site|"
    r"may be reached at|follow (?:him|her|them|us) on|have a (?:news )?tip)",
    re.I,
)


def words(line: str) -> list[str]:
    return WORD.findall(line)


def normalised(text: str | None) -> str:
    """Lowercase words joined by single spaces: equal for lines differing in case and punctuation."""
    return " ".join(WORD.findall((text or "").lower()))


_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def word_count(line: str, tokens: list[str]) -> int:
    """Words in a line; in scripts written without spaces (Chinese, Japanese, Thai) about
    two characters make a word."""
    unspaced = len(_UNSPACED.findall(line)) if not line.isascii() else 0
    if not unspaced:
        return len(tokens)
    return len([t for t in tokens if not _UNSPACED.search(t)]) + unspaced // 2


def is_terminal(line: str) -> bool:
    return bool(_TERMINAL.search(line)) and not _ELLIPSIS.search(line)


def is_teaser(line: str) -> bool:
    return bool(_ELLIPSIS.search(line))


def is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


def has_counter(line: str) -> bool:
    return bool(_COUNTER.search(line))


def boilerplate_hits(line: str) -> int:
    return len(_BOILERPLATE.findall(line)) + line.count("©")


def is_boilerplate(line: str, n_words: int) -> bool:
    """Site furniture by its phrases: two of them, or one in a line under 25 words."""
    hits = boilerplate_hits(line)
    return hits >= 2 or (hits > 0 and n_words < 25)


def stopword_ratio(tokens: list[str], stopwords: frozenset[str] = STOPWORDS) -> float:
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t.lower() in stopwords) / len(tokens)


_GLUE = re.compile(r"[a-z][A-Z][a-z]")


def glued_words(tokens: list[str]) -> int:
    """Tokens where two words run together ('saysNorth'): text of joined links."""
    return sum(1 for t in tokens if _GLUE.search(t))


def capitalised_share(tokens: list[str]) -> float:
    return sum(1 for t in tokens if t[:1].isupper()) / len(tokens) if tokens else 0.0


def is_all_caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return len(letters) >= 6 and sum(1 for c in letters if c.isupper()) / len(letters) > 0.85


def normalise_space(line: str) -> str:
    return " ".join(line.split())
