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


MIN_ODD_WORDS = 2
INJECTED_GAP = 3  # words: an injected token sits in a short gap of the text the copies share


def odd_word_shares(candidates: list[Candidate]) -> dict[str, float]:
    """For each page: the share of its words that no other page of the group has and that sit
    inside text the other pages share (a gap of at most INJECTED_GAP words between shared
    word triples): injected words. Words of a paragraph the others lack (they were cut) lie in
    a long gap, and do not count.

    Only in groups of three or more: with two pages, words one lacks may as
    well have been cut from it as injected into the other. The first
    MAX_COMPARED pages by id are compared, so the answer never depends on order.
    """
    compared = sorted(candidates, key=lambda c: c.id)[:MAX_COMPARED]
    if len(compared) < 3:
        return {c.id: 0.0 for c in candidates}
    words = {c.id: tokens(c.text) for c in compared}
    seen_in = Counter(word for c in compared for word in set(words[c.id]))
    triples = {c.id: set(zip(words[c.id], words[c.id][1:], words[c.id][2:])) for c in compared}
    triple_seen = Counter(t for c in compared for t in triples[c.id])
    shares = {c.id: 0.0 for c in candidates}
    for c in compared:
        toks = words[c.id]
        shared = [False] * len(toks)  # covered by a word triple another page has too
        for i, triple in enumerate(zip(toks, toks[1:], toks[2:])):
            if triple_seen[triple] > 1:
                shared[i] = shared[i + 1] = shared[i + 2] = True
        injected, gap = 0, []
        for i, word in enumerate(toks):
            if shared[i]:
                if gap and len(gap) <= INJECTED_GAP and gap[0] > 0:  # a short gap inside shared text
                    injected += sum(1 for j in gap if seen_in[toks[j]] == 1)
                gap = []
            else:
                gap.append(i)
        # One odd word is no evidence: a copy that garbled one word makes it odd in every other page.
        shares[c.id] = injected / max(1, len(toks)) if injected >= MIN_ODD_WORDS else 0.0
    return shares


def candidate_of(page: StoredPage) -> Candidate:
    """A stored page as a candidate original. Its date counts as credible once forensics has
    judged it not misdated and the page is no content farm. Before forensics (misdated is None)
    a claim counts when the page shows no injected spam: a farm's cut copy claiming a later
    day must not win the group on length before its date is judged."""
    farm = page.content_farm is not None and page.content_farm.is_farm
    if page.misdated is None:
        credible = page.claimed_date and not page.injections and page.signals.claimed_date_where != "masthead"
    else:
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
