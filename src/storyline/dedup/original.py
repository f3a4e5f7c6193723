"""Which page of a copy group is the original.

In order of weight, the likeliest original:
1. is not tampered with: no injected spam (in its own title, or words no other
   copy has: a copy's injected tokens are unique to it), not a content farm;
2. has a credible date (its claimed date agrees with the forensics estimate,
   and it is no content farm), and the earliest such date;
3. names a wire agency in its dateline;
4. is the most complete (longest text);
then the page id breaks ties, so the answer never depends on input order.
Until the forensics pass has run, 1 and 2 use what the page itself shows.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..records import StoredPage
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
    content_farm: bool = False
    credible_date: str | None = None  # the claimed day when forensics found it credible


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


def candidate_of(page: StoredPage) -> Candidate:
    """A stored page as a candidate original. Its date counts as credible once forensics has
    judged it not misdated (misdated is None before that) and the page is no content farm."""
    farm = page.content_farm is not None and page.content_farm.is_farm
    credible = page.misdated is False and not farm and page.claimed_date
    return Candidate(id=page.id, text=page.text or "", injected=page.injections != (), agency=page.agency,
                     claimed_date=page.claimed_date, content_farm=farm,
                     credible_date=page.claimed_date[:10] if credible else None)


def rank_originals(candidates: list[Candidate]) -> list[Candidate]:
    """The group's pages, likeliest original first."""
    odd = odd_word_shares(candidates)
    return sorted(candidates, key=lambda c: (int(c.injected) + int(odd[c.id] > ODD_SHARE) + int(c.content_farm),
                                             c.credible_date is None, c.credible_date or "",
                                             c.agency is None, -len(c.text), c.id))


def why_original(best: Candidate, others: list[Candidate]) -> list[str]:
    """Short reasons a reader can check, for the page ranked first."""
    reasons = []
    if not best.injected and not best.content_farm and any(o.injected or o.content_farm for o in others):
        reasons.append("no injected spam, unlike other copies")
    if best.credible_date and all((o.credible_date or "9999") > best.credible_date for o in others):
        reasons.append(f"earliest credible date ({best.credible_date})")
    if best.agency and any(o.agency is None for o in others):
        reasons.append(f"names the wire agency ({best.agency})")
    if others and all(len(best.text) > len(o.text) for o in others):
        reasons.append("most complete text")
    return reasons or ["first by page id among equals"]
