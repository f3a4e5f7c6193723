"""The dated events of a story: each event with its own date, not its page's.

"Kim traveled to Russia in September", read on a page of 2023-10-18, is an event of
2023-09; "arrived on Wednesday" on that page is 2023-10-18. Every sentence that names a
time is an event candidate at the precision the text gives (day, month or year); a page's
lead sentence that names no time reports the news of its own day. Candidates of one date
that say the same thing (shared content words) merge into one event, with every page and
independent source that carries it. For a timeline of a fixed size (the Timeline17
protocol), dates are ranked by how many articles name them, and each date's sentences by
how central they are to what is said of that date (DATEWISE's idea, without a learned
ranker).
"""
from __future__ import annotations

import math
from bisect import bisect_left
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Sequence

from ..extract.readable import detokenise, split_sentences
from ..forensics.events import mention_span
from ..forensics.timex import find_mentions, future_tense, past_tense, until_told_as_past
from .records import ReportPage, TimelineEvent
from .sentences import clean_sentence, content_words, jaccard

LEAD_SENTENCES = 2  # a lead sentence without a time expression is the news of the page's day
SAME_EVENT = 0.25  # content-word Jaccard at which two sentences of one date tell one event
MAX_EVENTS = 40
LEAD_WEIGHT = 0.5  # a date named outright counts more than a page's own day
NAMED_BONUS = 1.1  # a sentence that writes its date tells that day's event
# A summary sentence much longer than this tells more than the date's event: its centrality is
# divided by 1 + (words - 40) / 40. Chosen on the H1N1 and MJ timelines of bench/timeline among
# 15, 25, 40 and 60 words; bpoil and haiti are the held-out half.
SUMMARY_SENTENCE_WORDS = 40
# A date's next sentence must add to those picked: it shares under this content-word Jaccard with
# each. Chosen on the same dev topics among 0.5, 0.3, 0.2 and 0.1 (0.1 tied on AR-1, lower AR-2).
SUMMARY_REDUNDANT = 0.2


@dataclass(slots=True, frozen=True)
class DatedSentence:
    text: str
    first: int  # ordinal of the first day it names
    precision: str  # day | month | year
    page: str
    source: str
    words: frozenset[str]
    named: bool  # the date is written in the sentence (not the page's own day)
    sentence: str = ""  # the whole sentence, when `text` is one clause of it


def _when(first: int, precision: str) -> str:
    d = date.fromordinal(first)
    return d.isoformat() if precision == "day" else f"{d.year:04d}-{d.month:02d}" if precision == "month" else f"{d.year:04d}"


_PRECISION = ("day", "month", "year")
_POSSESSIVE = re.compile(r"[’']\s*s$")
_CLAUSE_BREAK = re.compile(r",?\s+(?:in which|while|whereas)\s+|;\s+|,?\s+and\s+(?=[A-Z])")


def _clause(sentence: str, at: int) -> tuple[int, int]:
    """The span of the clause of `sentence` that holds offset `at`."""
    lo, hi = 0, len(sentence)
    for b in _CLAUSE_BREAK.finditer(sentence):
        if b.end() <= at:
            lo = b.end()
        elif b.start() >= at:
            hi = b.start()
            break
    return lo, hi


def dated_sentences(page: ReportPage) -> list[DatedSentence]:
    """The sentences of one page that date something, each with the date it names."""
    if page.day is None or not page.text:
        return []
    mentions = sorted(find_mentions(page.text), key=lambda m: m.start)
    starts = [m.start for m in mentions]
    out: list[DatedSentence] = []
    for i, sentence in enumerate(split_sentences(page.text)):
        inside = mentions[bisect_left(starts, sentence.start):bisect_left(starts, sentence.end)]
        spans = [s for m in inside if (s := mention_span(m, page.text, page.day)) is not None]
        text, words = clean_sentence(sentence.text)
        if spans:
            # A sentence may tell several events ("... arrived on Wednesday, ... in which Shoigu
            # visited in July and Kim traveled to Russia in September"): each clause that names a
            # time is an event of that time, and a clause naming two keeps the more precise.
            named: dict[tuple[int, int], tuple[int, str]] = {}
            for m in inside:
                clause = _clause(sentence.text, m.start - sentence.start)
                at, end = m.start - sentence.start, m.start - sentence.start + len(m.text)
                if m.direction == "either" and (
                        future_tense(sentence.text[clause[0]:at])
                        # "Saturday's concert will raise money": the day names the subject, whose
                        # verb comes after it.
                        or _POSSESSIVE.search(m.text) and future_tense(sentence.text[end:clause[1]])):
                    # "She is to meet her counterpart, Sergey Lavrov, on Tuesday": the commas hid the
                    # verb from the mention's own reading; the clause's tense is what counts here.
                    m = replace(m, direction="future")
                elif m.direction == "either" and past_tense(sentence.text[clause[0]:at]):
                    m = replace(m, direction="past")  # the verb further back than the mention's own reading looks
                elif m.direction == "future" and until_told_as_past(sentence.text[clause[0]:end]):
                    m = replace(m, direction="past")  # "the talks went on until late on Thursday" is over
                span = mention_span(m, page.text, page.day)
                if span is None:
                    continue
                kept = named.get(clause)
                if kept is None or _PRECISION.index(span[2]) < _PRECISION.index(kept[1]):
                    named[clause] = (span[0], span[2])
            whole = len(named) == 1
            for (lo, hi), (first, precision) in named.items():
                part = text if whole else detokenise(sentence.text[lo:hi]).strip(" ,;")
                out.append(DatedSentence(part, first, precision, page.id, page.source, content_words(part), True,
                                         text))
        elif i < LEAD_SENTENCES:
            out.append(DatedSentence(text, page.day.toordinal(), "day", page.id, page.source, words, False, text))
    return out


def _events(candidates: list[DatedSentence]) -> list[list[DatedSentence]]:
    """Candidates of one date, grouped greedily by what they say."""
    groups: list[list[DatedSentence]] = []
    for c in candidates:
        for g in groups:
            if any(jaccard(c.words, o.words) >= SAME_EVENT for o in g):
                g.append(c)
                break
        else:
            groups.append([c])
    return groups


def _central(group: list[DatedSentence]) -> list[DatedSentence]:
    """Distinct sentences, the one that shares most with the others first."""
    distinct = list({c.text: c for c in group}.values())
    return sorted(distinct, key=lambda c: (-sum(jaccard(c.words, o.words) for o in distinct), len(c.text)))


def _event(when: str, first: int, group: list[DatedSentence], per_date: int) -> TimelineEvent:
    best = _central(group)[:max(1, per_date)]
    return TimelineEvent(when=when, day=date.fromordinal(first), text=best[0].text,
                         sentences=tuple(c.text for c in best),
                         sources=tuple(sorted({c.source for c in group})),
                         pages=tuple(sorted({c.page for c in group})))


def build_timeline(pages: Sequence[ReportPage], *, dates: int | None = None, per_date: int = 1) -> list[TimelineEvent]:
    """The story's events in time order. With `dates`, a summary timeline of that many days
    (day precision only), each with up to `per_date` sentences."""
    candidates = [c for p in pages for c in dated_sentences(p)]
    if dates is not None:
        return _summary_timeline(candidates, dates, per_date)
    by_when: dict[tuple[int, str], list[DatedSentence]] = defaultdict(list)
    for c in candidates:
        by_when[(c.first, c.precision)].append(c)
    events = []
    for (first, precision), group in by_when.items():
        for g in _events(group):
            named = sum(c.named for c in g)
            weight = len({c.source for c in g}) + len({c.page for c in g}) / 10 + (named > 0)
            events.append((weight, _event(_when(first, precision), first, g, per_date)))
    events.sort(key=lambda e: -e[0])
    kept = [e for _w, e in events[:MAX_EVENTS]]
    return sorted(kept, key=lambda e: (e.day, len(e.when)))


def _summary_timeline(candidates: list[DatedSentence], dates: int, per_date: int) -> list[TimelineEvent]:
    days = [c for c in candidates if c.precision == "day"]
    articles: dict[int, Counter] = defaultdict(Counter)
    for c in days:
        articles[c.first][c.page] = max(articles[c.first][c.page], 1.0 if c.named else LEAD_WEIGHT)
    score = {d: sum(weights.values()) for d, weights in articles.items()}
    chosen = sorted(score, key=lambda d: (-score[d], d))[:dates]
    # A summary timeline quotes whole sentences (a clause loses what the reader needs), chosen
    # by TF-IDF cosine to what the date's sentences say. A lead sentence speaks for its page's day
    # and the day before (what a morning paper reports happened yesterday), as DATEWISE collects
    # them; it does not count in choosing the dates above.
    picked_days = set(chosen)

    def dates_of(c: DatedSentence) -> tuple[int, ...]:
        return (c.first,) if c.named else (c.first, c.first - 1)
    whole = [replace(c, text=c.sentence or c.text, words=content_words(c.sentence) if c.sentence else c.words)
             for c in days if picked_days.intersection(dates_of(c))]
    document_frequency = Counter(w for c in whole for w in c.words)
    idf = {w: math.log((len(whole) + 1) / n) for w, n in document_frequency.items()}
    out = []
    for d in sorted(chosen):
        group = [c for c in whole if d in dates_of(c)]
        centroid = _date_centroid(group, idf)

        def centrality(c: DatedSentence) -> float:
            norm = math.sqrt(sum(idf[w] ** 2 for w in c.words)) or 1.0
            cosine = sum(idf[w] * centroid[w] for w in c.words) / norm * (NAMED_BONUS if c.named else 1.0)
            return cosine / (1 + max(0, len(c.text.split()) - SUMMARY_SENTENCE_WORDS) / SUMMARY_SENTENCE_WORDS)
        picked: list[DatedSentence] = []
        for c in sorted({c.text: c for c in group}.values(), key=centrality, reverse=True):
            if all(jaccard(c.words, p.words) < SUMMARY_REDUNDANT for p in picked):
                picked.append(c)
            if len(picked) == per_date:
                break
        out.append(TimelineEvent(when=_when(d, "day"), day=date.fromordinal(d), text=picked[0].text,
                                 sentences=tuple(p.text for p in picked),
                                 sources=tuple(sorted({c.source for c in group})),
                                 pages=tuple(sorted({c.page for c in group}))))
    return out


def _date_centroid(group: list[DatedSentence], idf: dict[str, float]) -> Counter:
    """What a date's sentences say. With sentences that name the date and lead sentences of that
    day's pages, the words both kinds use, each the mean of the two kinds' weights (DATEWISE's
    "PM-Mean"): the date's event, not one page's other news or one recap's history."""
    named, leads = Counter(), Counter()
    for c in group:
        into = named if c.named else leads
        for w in c.words:
            into[w] += idf[w]
    n_named = sum(c.named for c in group)
    n_leads = len(group) - n_named
    if n_named and n_leads:
        shared = Counter({w: named[w] / n_named + leads[w] / n_leads for w in named.keys() & leads.keys()})
        if shared:
            return shared
    return named + leads
