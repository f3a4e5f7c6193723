"""Stop words of a page's language, from jusText's stoplists (100 languages).

The language is the one whose stop words cover most of the page's words; a
page of no known language falls back to English.
"""
from __future__ import annotations

from collections import Counter
from functools import lru_cache

import justext


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[str, ...]]:
    """word -> the languages that have it as a stop word."""
    index: dict[str, list[str]] = {}
    for language in sorted(justext.get_stoplists()):
        for word in justext.get_stoplist(language):
            index.setdefault(word, []).append(language)
    return {word: tuple(langs) for word, langs in index.items()}


@lru_cache(maxsize=128)
def stoplist(language: str) -> frozenset[str]:
    return frozenset(justext.get_stoplist(language))


def page_stopwords(words: list[str]) -> frozenset[str]:
    """Stop words of the language most of `words` belong to."""
    index = _index()
    votes: Counter[str] = Counter()
    # The page's 200 commonest words decide: stop words are the commonest words of a text.
    for word, count in Counter(w.lower() for w in words[:5000]).most_common(200):
        for language in index.get(word, ()):
            votes[language] += count
    return stoplist(votes.most_common(1)[0][0] if votes else "English")
