"""The words that tell a page's sentences apart (extract/readable.py cuts them), for every part
of the report."""
from __future__ import annotations

import re
from functools import lru_cache

from ..extract.lines import STOPWORDS
from ..extract.readable import detokenise

_WORD = re.compile(r"[^\W_][\w'’-]*", re.UNICODE)


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
