"""Copy links and copy groups, as functions of records.

link_page() verifies a new page against its candidates (pages sharing an LSH band
key, found by the run loop in the store's index): each candidate counts only by
its real shingle overlap. group_copies() takes the verified links of a working set
(every page linked to the pending pages, directly or not) and gives its copy
groups: union-find over the links, the likeliest original of each (original.py),
and every other member's relation and overlap score with that original.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping

from ..config import Config
from ..records import CopyGroup, CopyLink, CopyMember, Signature, StoredPage
from .original import candidate_of, rank_originals, why_original
from .signature import text_shingles
from .unionfind import UnionFind
from .verify import overlap_relation

# A page's verified links: {other page: (relation, score)}.
Links = Mapping[str, Mapping[str, tuple[str, float]]]


def link_page(sig: Signature, candidates: Iterable[tuple[str, str]], config: Config) -> list[CopyLink]:
    """The verified links of a page to candidate pages, given as (id, text)."""
    links = []
    for other, text in candidates:
        verdict = overlap_relation(sig.shingles, text_shingles(text, config), config)
        if verdict:
            links.append(CopyLink(sig.page_id, other, *verdict))
    return links


# Verifying a new page against every member of a big copy group (a wire story reprinted by
# hundreds of sites) costs a shingling per member: 500 copies took 100 s. A few verified links
# join the group as well as all of them would; and after MAX_FAILS_PER_GROUP failures its other
# members, near copies of the ones tried, would fail too. Groups smaller than LINKS_PER_GROUP are
# verified whole, as before: the copy benches' groups are, so their answers do not move.
LINKS_PER_GROUP = 16
MAX_FAILS_PER_GROUP = 8
JOINING = ("exact", "near")  # links that make two pages one text; containment does not (digests)


def link_new_page(sig: Signature, candidates: Iterable[str], text_of: Callable[[str], str],
                  same_text: UnionFind, config: Config,
                  verdict_of: Callable[[str], tuple[str, float] | None] | None = None) -> list[CopyLink]:
    """The verified links of a new page to stored candidates. Candidates known to be near copies
    of one text (`same_text`, kept by the caller across pages), when more than LINKS_PER_GROUP of
    them, are verified until that many links hold or MAX_FAILS_PER_GROUP fail, not to the last.
    `verdict_of(candidate)`: the pair's verdict judged beforehand (dedup/pairs.py), instead of here."""
    candidates = list(candidates)
    size = Counter(same_text.find(c) for c in candidates)
    held: dict[str, int] = {}
    failed: dict[str, int] = {}
    links = []
    for other in candidates:
        text_group = same_text.find(other)
        if size[text_group] > LINKS_PER_GROUP and (held.get(text_group, 0) >= LINKS_PER_GROUP
                                                   or failed.get(text_group, 0) >= MAX_FAILS_PER_GROUP):
            continue
        if verdict_of is not None:
            verdict = verdict_of(other)
        else:
            verdict = overlap_relation(sig.shingles, text_shingles(text_of(other), config), config)
        if verdict:
            links.append(CopyLink(sig.page_id, other, *verdict))
            held[text_group] = held.get(text_group, 0) + 1
        else:
            failed[text_group] = failed.get(text_group, 0) + 1
    for link in links:
        if link.relation in JOINING:
            same_text.union(sig.page_id, link.b)
    return links


def _unjoined(links: Links, pages: Mapping[str, StoredPage]) -> set[frozenset[str]]:
    """Containment links that must not join groups. A long page holding parts of several texts
    that do not overlap each other (a digest, a page padded with other articles) would chain them
    into one group: it joins the part with the most text only, and the others stay apart."""
    contained: dict[str, list[str]] = {}
    for page, others in links.items():
        for other, (relation, _score) in others.items():
            if relation == "contained" and other in links and other in pages and page in pages \
                    and len(pages[other].text or "") > len(pages[page].text or ""):
                contained.setdefault(other, []).append(page)
    skip: set[frozenset[str]] = set()
    for container, parts in contained.items():
        if len(parts) < 2:
            continue
        among = UnionFind()
        for part in parts:
            among.find(part)
            for other in links[part]:
                if other in parts:
                    among.union(part, other)
        components = sorted(among.groups().values(), key=lambda c: (-sum(len(pages[p].text or "") for p in c),
                                                                     min(c)))
        for component in components[1:]:
            skip |= {frozenset((container, part)) for part in component}
    return skip


def group_copies(links: Links, pages: Mapping[str, StoredPage], config: Config) -> list[CopyGroup]:
    """The copy groups of pages connected by verified links (groups of one page are left out)."""
    groups = UnionFind()
    apart = _unjoined(links, pages)
    for page, others in links.items():
        groups.find(page)
        for other in others:
            if other in links and frozenset((page, other)) not in apart:
                groups.union(page, other)
    out = []
    for members in groups.groups().values():
        if len(members) == 1:
            continue
        ranked = rank_originals([candidate_of(pages[m]) for m in sorted(set(members))])
        original = ranked[0]
        original_shingles = None
        copies = []
        for member in ranked[1:]:
            direct = links[member.id].get(original.id)
            if direct is None:  # linked through other copies: measure against the original itself
                if original_shingles is None:
                    original_shingles = text_shingles(original.text, config)
                direct = overlap_relation(original_shingles, text_shingles(member.text, config), config) \
                    or _best_link(links[member.id])
            copies.append(CopyMember(member.id, *direct))
        out.append(CopyGroup(original.id, tuple(why_original(original, ranked[1:])), tuple(copies)))
    return out


def _best_link(links: Mapping[str, tuple[str, float]]) -> tuple[str, float]:
    order = {"exact": 0, "near": 1, "contained": 2}
    return min(links.values(), key=lambda v: (order[v[0]], -v[1]))
