"""Which page of a copy group is the original.

The likeliest original carries no injected spam (found in its own title, or
as words no other copy has: a copy's injected tokens are unique to it), names
a wire agency, is the most complete, and claims the earliest date; the page id
breaks ties so the answer never depends on input order.
"""
from __future__ import annotations

import json
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
    """For each page: the share of its words that no other page of the group has.

    Only in groups of three or more: with two pages, words one lacks may as
    well have been cut from it as injected into the other. The first
    MAX_COMPARED pages by id are compared, so the answer never depends on order.
    """
    compared = sorted(candidates, key=lambda c: c.id)[:MAX_COMPARED]
    if len(compared) < 3:
        return {c.id: 0.0 for c in candidates}
    vocab = {c.id: set(tokens(c.text)) for c in compared}
    seen_in = Counter(word for words in vocab.values() for word in words)
    shares = {c.id: 0.0 for c in candidates}
    for c in compared:
        words = tokens(c.text)
        odd = {w for w in vocab[c.id] if seen_in[w] == 1}
        shares[c.id] = sum(1 for w in words if w in odd) / max(1, len(words))
    return shares


def candidates_from_rows(rows) -> list[Candidate]:
    """Candidates from stored page rows (id, text, injections JSON, agency, claimed_date)."""
    return [Candidate(id=r["id"], text=r["text"] or "", injected=json.loads(r["injections"] or "[]") != [],
                      agency=r["agency"], claimed_date=r["claimed_date"]) for r in rows]


def rank_originals(candidates: list[Candidate]) -> list[Candidate]:
    """The group's pages, likeliest original first."""
    odd = odd_word_shares(candidates)
    return sorted(candidates, key=lambda c: (int(c.injected) + int(odd[c.id] > ODD_SHARE), c.agency is None,
                                             -len(c.text), c.claimed_date or "9999-99-99", c.id))
