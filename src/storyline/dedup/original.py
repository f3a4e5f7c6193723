"""Which page of a copy group is the original.

The likeliest original carries no injected spam (found in its own title, or
as words no other copy has: a copy's injected tokens are unique to it), names
a wire agency, is the most complete, and claims the earliest date; the page id
breaks ties so the answer never depends on input order.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .shingles import tokens

ODD_SHARE = 0.01  # share of a page's words that no other copy has, above which it looks tampered
MAX_COMPARED = 200  # copies compared for odd words, for bounded cost on huge groups


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    text: str
    injected: bool  # injections found on the page itself (title affixes)
    agency: str | None
    claimed_date: str | None


def odd_word_shares(candidates: list[Candidate]) -> dict[str, float]:
    """For each page: the share of its words found in no other page of the group."""
    vocab = {c.id: set(tokens(c.text)) for c in candidates[:MAX_COMPARED]}
    seen_in = Counter(word for words in vocab.values() for word in words)
    shares = {}
    for c in candidates:
        words = tokens(c.text)
        own = vocab.get(c.id, set(words))
        odd = {w for w in own if seen_in[w] == 1} if len(vocab) > 1 else set()
        shares[c.id] = sum(1 for w in words if w in odd) / max(1, len(words))
    return shares


def rank_originals(candidates: list[Candidate]) -> list[Candidate]:
    """The group's pages, likeliest original first."""
    odd = odd_word_shares(candidates)
    return sorted(candidates, key=lambda c: (int(c.injected) + int(odd[c.id] > ODD_SHARE), c.agency is None,
                                             -len(c.text), c.claimed_date or "9999-99-99", c.id))
