"""Who and where: named entities over the whole text of each page, canonicalised across pages.

spaCy's small English model finds the spans (the same model the story stage runs on
leads). Spellings then join their canonical form, in this order:
- one spelling per surface form (`entity_key`: "the White House" is "White House");
- spelling variants: names of as many words that differ in one word by one or two letters,
  with the same first letter ("Sergei Lavrov" / "Sergey Lavrov", "Kim Jung Un" / "Kim Jong Un");
- within a story, a one-word name joins the full name that holds it ("Lavrov" -> "Sergey
  Lavrov"); when several do ("Kim"), the most mentioned.
The canonical name is the most mentioned spelling of the longest form.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Sequence

from ..cluster.names import TOKENISER_DEBRIS
from ..cluster.ner import entity_key, load_nlp, looks_english, one_blas_thread
from ..extract.readable import unescaped
from .records import Entity, ReportPage

REPORTED = {"PERSON": "PERSON", "ORG": "ORG", "GPE": "GPE", "LOC": "LOC", "FAC": "LOC", "NORP": "NORP",
            "EVENT": "EVENT"}
MAX_TEXT_CHARS = 100_000  # NER reads at most this much of a page
MAX_ENTITIES = 50


@dataclass(slots=True, frozen=True)
class Span:
    """One entity mention found on one page."""

    key: str
    type: str
    start: int


def page_spans(texts: Sequence[str]) -> list[list[Span]]:
    """NER over whole texts (English ones; others get no entities), one list per text."""
    out: list[list[Span]] = [[] for _ in texts]
    english = [i for i, t in enumerate(texts) if t and looks_english(t[:2000])]
    if not english:
        return out
    with one_blas_thread():
        for i, doc in zip(english, load_nlp().pipe(texts[i][:MAX_TEXT_CHARS] for i in english)):
            out[i] = _merged_spans(texts[i], doc)
    return out


def _merged_spans(text: str, doc) -> list[Span]:
    """The reported kinds of a doc's entities, a person's name cut in two joined again."""
    merged: list[tuple[int, int, str]] = []
    for ent in doc.ents:
        if ent.label_ not in REPORTED:
            continue
        last = merged[-1] if merged else None
        # The small model cuts some names in two ("Choe Son" PERSON, "Hui" NORP): a span
        # right after a person's name, one space apart, is the rest of that name.
        if last and last[2] == "PERSON" and text[last[1]:ent.start_char] == " " and " " not in ent.text:
            merged[-1] = (last[0], ent.end_char, "PERSON")
        else:
            merged.append((ent.start_char, ent.end_char, REPORTED[ent.label_]))
    return [Span(key, kind, start) for start, end, kind in merged
            if (key := entity_key(_without_token_marks(text[start:end])))]


def _without_token_marks(name: str) -> str:
    """A span of a tokenised text ("-RRB- Michael Jackson", "Joe -LRB- R -RRB-"): its longest run of
    words between the bracket and quote tokens (the first of equal runs), its escapes undone ("\\/" as "/")."""
    name = unescaped(name)
    runs: list[list[str]] = [[]]
    for word in name.split():
        if TOKENISER_DEBRIS.search(word):
            runs.append([])
        else:
            runs[-1].append(word)
    return " ".join(max(runs, key=len)) if len(runs) > 1 else name


def _close(a: str, b: str) -> bool:
    """One or two letters apart (edits), same first letter: a spelling variant."""
    if a[:1].lower() != b[:1].lower() or abs(len(a) - len(b)) > 2:
        return False
    limit = 1 if min(len(a), len(b)) < 5 else 2
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a.lower(), 1):
        current = [i]
        for j, cb in enumerate(b.lower(), 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] <= limit


def _variant(a: str, b: str) -> bool:
    wa, wb = a.split(), b.split()
    if len(wa) != len(wb) or len(wa) < 2 or a == b:
        return False
    differ = [(x, y) for x, y in zip(wa, wb) if x != y]
    return len(differ) == 1 and _close(*differ[0]) and not differ[0][0].isdigit()


def canonical_entities(pages: Sequence[ReportPage], spans: Sequence[list[Span]]) -> list[Entity]:
    counts: Counter = Counter()
    found_on: dict[tuple[str, str], set[str]] = defaultdict(set)
    for page, page_spans_ in zip(pages, spans):
        for s in page_spans_:
            counts[(s.key, s.type)] += 1
            found_on[(s.key, s.type)].add(page.id)
    parent: dict[tuple[str, str], tuple[str, str]] = {k: k for k in counts}

    def root(k):
        while parent[k] != k:
            k = parent[k]
        return k

    def join(small, big):
        a, b = root(small), root(big)
        if a != b:
            parent[a] = b

    keys = sorted(counts, key=lambda k: (-len(k[0].split()), -counts[k], k))
    # One name tagged with two types ("Moscow" as a place and as the government) is one entity,
    # of its most frequent type.
    by_name: dict[str, list] = defaultdict(list)
    for k in keys:
        by_name[k[0]].append(k)
    for same in by_name.values():
        for k in same[1:]:
            join(k, max(same, key=lambda x: counts[x]))
    # Names are compared only with names that share a word: a story of hundreds of pages names
    # thousands of things, and comparing every pair would cost more than the NER.
    holding: dict[str, list[tuple[str, str]]] = defaultdict(list)  # word -> multi-word names, in key order
    for k in keys:
        if " " in k[0]:
            for word in set(k[0].split()):
                holding[word].append(k)
    # Spelling variants of multi-word names join the more frequent spelling.
    rank = {k: j for j, k in enumerate(keys)}
    for i, a in enumerate(keys):
        if " " not in a[0]:
            continue
        near = {b for word in a[0].split() for b in holding[word] if rank[b] < i and b[1] == a[1]}
        for b in sorted(near, key=rank.get):
            if _variant(a[0], b[0]):
                join(a, b)
                break
    # A shorter name whose words a longer one holds in order ("Choe Son" in "Choe Son Hui") is it.
    for k in keys:
        words = k[0].split()
        if len(words) < 2:
            continue
        longer = [h for h in holding[words[0]] if h[1] == k[1] and len(h[0].split()) > len(words)
                  and f" {k[0]} " in f" {h[0]} " and root(h) != root(k)]
        if longer:
            join(k, max(longer, key=lambda h: (counts[h], h[0])))
    # A one-word name joins the most mentioned longer name of its type holding it.
    totals = Counter()
    for k, n in counts.items():
        totals[root(k)] += n
    for k in keys:
        words = k[0].split()
        if len(words) != 1:
            continue
        # A surname the model took for an organisation ("Lavrov" ORG) is still the person's.
        person_word = k[1] in ("PERSON", "ORG", "NORP")
        holders = [h for h in holding[words[0]] if root(h) != root(k)
                   and (h[1] == k[1] or (person_word and h[1] == "PERSON"))]
        if holders:
            join(k, max(holders, key=lambda h: (totals[root(h)], h[0])))
    groups: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for k in counts:
        groups[root(k)].append(k)
    out = []
    for members in groups.values():
        longest = max(len(k[0].split()) for k in members)
        name = max((k for k in members if len(k[0].split()) == longest), key=lambda k: (counts[k], k[0]))
        pages_ = sorted(set().union(*(found_on[k] for k in members)))
        out.append(Entity(name=name[0], type=name[1], aliases=tuple(sorted({k[0] for k in members} - {name[0]})),
                          pages=tuple(pages_), mentions=sum(counts[k] for k in members)))
    out.sort(key=lambda e: (-len(e.pages), -e.mentions, e.name))
    return out[:MAX_ENTITIES]


def alias_index(entities: Sequence[Entity]) -> dict[str, str]:
    """Every spelling (and the last word of a person's name) to its canonical name."""
    index: dict[str, str] = {}
    by_mentions = sorted(entities, key=lambda e: -e.mentions)
    for e in reversed(by_mentions):  # full spellings first; the most mentioned is written last
        for spelling in (e.name, *e.aliases):
            index[spelling] = e.name
    for e in by_mentions:  # then single words of names: the most mentioned takes a shared surname
        if e.type == "PERSON":
            for spelling in (e.name, *e.aliases):
                for word in spelling.split():
                    index.setdefault(word, e.name)
    return index
