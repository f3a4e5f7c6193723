"""The forensics pass: for each page, its content-farm score, injections found across
copies, its real publication date and whether its claimed date lies.

Runs after copy groups and stories, over a working set the run loop loads (run/):
the pages a run added and the pages of their stories and copy groups, whose
estimates may move with the new evidence, and the most recent credibly dated pages. Order: each page's own signals first (so a content farm's date is not
trusted), then credible pages anchor the others: a copy's original, the other pages
of its story, the most similar dated pages of the store; then a claimed date outside
the estimate becomes a content-farm reason of its own (unless it is the site's
"today" printed above the headline: a render date, not a lie about the story).
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from urllib.parse import urlsplit

import numpy as np

from ..cluster.terms import tfidf
from ..extract.meta import remove_injected_tokens
from ..records import Article, ContentFarm, DatedPage, Forensics, Injection, Published, StoredPage
from .anchors import NEIGHBOURS, STORY_SCALE, copy_anchor, similar_page_anchor
from .crosscopy import injected_tokens
from .farm import farm_reasons, judge
from .published import Anchor, Habits, anchor_events, estimate_published, event_sentences, habit_counts
from .timex import Mention, find_mentions

CREDIBLE = 0.5  # credibility of a claimed date from which it anchors other pages
ANCHOR_CONFIDENCE = 0.5  # confidence of a stored estimate from which it anchors similar pages
MISDATED_SLACK_DAYS = 2  # a claimed date a day or two off the interval is a time zone, not a lie
IMPOSSIBLE_DAYS = 30  # a claimed date this far outside the estimate is one the content rules out
MAX_DATED_PAGES = 20_000  # similar-page anchors are looked for among the most recent dated pages
KEY_TERMS = 15
# A date printed above the headline is the site's "today" when the page was rendered:
# no evidence of when the story was published, only that it was by then.
_CREDIBILITY = {"metadata": 0.98, "record": 0.98, "printed": 0.98, "masthead": 0.0}

Page = Article | StoredPage
# Document frequencies of the given terms: (number of documents, {term: df}).
Frequencies = Callable[[Iterable[str]], tuple[int, dict[str, int]]]


def claimed_day(page: Page) -> date | None:
    try:
        return date.fromisoformat(page.claimed_date) if page.claimed_date else None
    except ValueError:
        return None


def claimed_credibility(page: Page, farm: ContentFarm) -> float:
    """How far a page's claimed date can be trusted before any other evidence."""
    if claimed_day(page) is None:
        return 0.0
    if farm.is_farm:
        return 0.0  # a content farm's date is what it wants us to believe
    where = page.signals.claimed_date_where or "printed"
    return _CREDIBILITY.get(where, 0.98) * (1 - farm.score)


def _finish(page: Page, reasons: list[tuple[str, str]], published: Published,
            injections: tuple[Injection, ...], text: str | None = None) -> Forensics:
    """Misdated flag and the date reason, then the final score."""
    claimed = claimed_day(page)
    misdated = bool(claimed and published.value and not (
        published.earliest.toordinal() - MISDATED_SLACK_DAYS <= claimed.toordinal()
        <= published.latest.toordinal() + MISDATED_SLACK_DAYS))
    if misdated and page.signals.claimed_date_where != "masthead" \
            and abs((claimed - published.value).days) > IMPOSSIBLE_DAYS:
        reasons = reasons + [("impossible_date", f"claims {claimed.isoformat()}, which the content rules out "
                                                 f"(estimate {published.value.isoformat()})")]
    return Forensics(page.id, injections, judge(reasons), published, misdated, text)


def seen_by(page: Page) -> date | None:
    """The render date of a page that prints its site's "today" above the headline."""
    return claimed_day(page) if page.signals.claimed_date_where == "masthead" else None


def judge_alone(page: Page, mentions: list[Mention] | None = None) -> Forensics:
    """A page with no store around it: only its own text, signals and claimed date
    (`mentions`: its time expressions, when already found)."""
    reasons = farm_reasons(page)
    base = judge(reasons)
    published = estimate_published(page.text or "", claimed=claimed_day(page),
                                   claimed_credibility=claimed_credibility(page, base), not_after=seen_by(page),
                                   mentions=mentions)
    if published.value is None and claimed_day(page):
        published = _claimed_only(page, base)
    return _finish(page, reasons, published, page.injections)


def _claimed_only(page: Page, farm: ContentFarm) -> Published:
    """Nothing but the claimed date: it is the estimate if it is credible; if it is not
    (a content farm's, a render date) the page stays undated rather than wrongly dated."""
    day = claimed_day(page)
    credibility = claimed_credibility(page, farm)
    if credibility <= 0:
        return Published(None, None, None, 0.0, (
            f"claimed date {day.isoformat()} not credible, and nothing else dates this page on its own "
            "(`storyline run` dates it from its copies, its story and similar pages)",))
    return Published(day, day, day, round(credibility, 3), (f"only the claimed date {day.isoformat()}",))


def site_of(page: Page) -> str | None:
    if page.url:
        host = urlsplit(page.url).hostname
        if host:
            return re.sub(r"^www\d?\.", "", host)
    return page.site_name


def assess(pages: list[StoredPage], dated: list[DatedPage], frequencies: Frequencies,
           text_of: Callable[[str], str]) -> list[Forensics]:
    """Judge and date a working set: `pages` (the pages a run touched with their stories and copy
    groups) and `dated` (credibly dated pages outside it, most recent first, anchors for similar
    pages). `text_of` gives the text of a dated page, read only for the few that anchor a page."""
    by_id = {p.id: p for p in pages}
    if not by_id:
        return []
    text = {pid: p.text or "" for pid, p in by_id.items()}
    injections = {pid: p.injections for pid, p in by_id.items()}
    changed: set[str] = set()
    mentions = {pid: find_mentions(text[pid]) if p.mentions is None else list(p.mentions)
                for pid, p in by_id.items()}

    # 1. Injections across copies, then each page's own content-farm signals.
    for pid, page in by_id.items():
        original = by_id.get(page.duplicate_of or "")
        if original is not None:
            known = {i.text for i in injections[pid]}
            new = [t for t in injected_tokens(text[pid], text[original.id]) if t not in known]
            if new:
                text[pid], found = remove_injected_tokens(text[pid], new, "body-across-copies")
                injections[pid] = injections[pid] + found
                changed.add(pid)
    reasons = {pid: farm_reasons(p, injections[pid], text[pid]) for pid, p in by_id.items()}
    base = {pid: judge(r) for pid, r in reasons.items()}
    credibility = {pid: claimed_credibility(p, base[pid]) for pid, p in by_id.items()}

    # 2. Anchors: credible pages of the same copy group and story, then similar dated pages.
    credible = {pid for pid in by_id if credibility[pid] >= CREDIBLE}
    events = {pid: anchor_events(mentions[pid], claimed_day(by_id[pid])) for pid in credible}
    sentences = {pid: event_sentences(text[pid], claimed_day(by_id[pid]), mentions[pid]) for pid in credible}
    habits = _site_habits(by_id, credible, mentions)
    dated = [d for d in dated if d.id not in by_id]
    dated += [DatedPage(pid, by_id[pid].story, by_id[pid].claimed_date, by_id[pid].terms) for pid in credible]
    n_docs, df = frequencies({t for p in by_id.values() for t in p.terms} | {t for d in dated for t in d.terms})
    similar = SimilarDated(dated, n_docs, df)
    by_story: dict[str, list[str]] = defaultdict(list)
    for pid, page in by_id.items():
        if page.story:
            by_story[page.story].append(pid)
    group_mentions = _group_mentions(by_id, mentions)
    out = []
    for pid, page in by_id.items():
        anchors = _anchors(pid, by_id, credible, events, sentences, by_story, similar, text_of)
        # Copies tell the same text: their weekdays and dates speak for the whole group.
        pooled = list(mentions[pid]) + group_mentions[pid]
        published = estimate_published(text[pid], claimed=claimed_day(page),
                                       claimed_credibility=credibility[pid], anchors=anchors, mentions=pooled,
                                       habits=habits.get(site_of(page)), not_after=seen_by(page))
        if published.value is None and claimed_day(page):
            published = _claimed_only(page, base[pid])
        out.append(_finish(page, reasons[pid], published, injections[pid], text[pid] if pid in changed else None))
    return out


def _group_mentions(pages: dict[str, StoredPage], mentions: dict[str, list[Mention]]) -> dict[str, list[Mention]]:
    """For each page, the weekdays and dates named by the other pages of its copy group (its original
    and the original's copies), in working-set order."""
    position = {pid: i for i, pid in enumerate(pages)}
    copies: dict[str, list[str]] = defaultdict(list)
    for pid, page in pages.items():
        if page.duplicate_of:
            copies[page.duplicate_of].append(pid)
    out: dict[str, list[Mention]] = {}
    for pid, page in pages.items():
        root = page.duplicate_of or pid
        group = sorted(set(copies[root]) | ({root} if root in pages else set()), key=position.__getitem__)
        out[pid] = [m for other in group if other != pid for m in mentions[other] if m.kind in ("weekday", "date")]
    return out


class SimilarDated:
    """Dated pages indexed by their heaviest terms: the most similar ones to a page are found among
    those sharing a key term, not by a scan, and scored together (their vectors as one sparse matrix)."""

    def __init__(self, dated: list[DatedPage], n_docs: int, df: dict[str, int]) -> None:
        self.n_docs, self.df = n_docs, df
        self.pages = dated
        self.by_term: dict[str, list[int]] = defaultdict(list)
        self.vocab: dict[str, int] = {}
        indices: list[int] = []
        values: list[float] = []
        self.indptr = np.zeros(len(dated) + 1, dtype=np.int64)
        for i, d in enumerate(dated):
            vec = tfidf(d.terms, n_docs, df)
            for term in _key_terms(vec):
                self.by_term[term].append(i)
            indices += [self.vocab.setdefault(t, len(self.vocab)) for t in vec]
            values += vec.values()
            self.indptr[i + 1] = len(indices)
        self.indices = np.array(indices, dtype=np.int64)
        self.values = np.array(values, dtype=np.float64)
        self._query = np.zeros(len(self.vocab) + 1)  # the page's vector, spread over the vocabulary

    def nearest(self, terms: dict[str, int], exclude: set[str], story: str | None,
                k: int) -> list[tuple[float, DatedPage]]:
        vec = tfidf(terms, self.n_docs, self.df)
        found = sorted({i for t in _key_terms(vec) for i in self.by_term.get(t, ())
                        if self.pages[i].id not in exclude and (story is None or self.pages[i].story != story)})
        if not found:
            return []
        rows = np.array(found, dtype=np.int64)
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        lengths = ends - starts
        at = np.repeat(starts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) + np.arange(lengths.sum())
        known = [(self.vocab[t], v) for t, v in vec.items() if t in self.vocab]
        slots = np.array([i for i, _ in known], dtype=np.int64)
        self._query[slots] = [v for _, v in known]
        products = self.values[at] * self._query[self.indices[at]]
        self._query[slots] = 0.0
        sums = np.zeros(len(rows))
        nonempty = lengths > 0
        if products.size:
            sums[nonempty] = np.add.reduceat(products, np.concatenate(([0], np.cumsum(lengths)[:-1]))[nonempty])
        scored = [(float(score), self.pages[i]) for score, i in zip(sums, found)]
        return sorted(scored, key=lambda x: (-x[0], x[1].id))[:k]


def _key_terms(vec: dict[str, float]) -> list[str]:
    return sorted(vec, key=lambda t: (-vec[t], t))[:KEY_TERMS]


def _anchors(pid: str, pages: dict[str, StoredPage], credible: set[str], events: dict[str, frozenset[int]],
             sentences: dict[str, tuple], by_story: dict[str, list[str]], similar: SimilarDated,
             text_of: Callable[[str], str]) -> list[Anchor]:
    page = pages[pid]
    anchors: list[Anchor] = []
    used = {pid}
    original = page.duplicate_of
    if original in credible and original != pid:
        anchors.append(copy_anchor(claimed_day(pages[original]), original, page.relation or "near"))
        used.add(original)
    for other in by_story.get(page.story or "", []):
        if other not in used and other in credible:
            anchors.append(Anchor(claimed_day(pages[other]), weight=1.0, scale=STORY_SCALE,
                                  why=f"page {other} of the same story, credibly dated", events=events[other],
                                  event_sentences=sentences[other]))
            used.add(other)
    if not anchors:  # nothing in its own story: lean on similar pages, more loosely
        for sim, d in similar.nearest(page.terms, used, page.story, NEIGHBOURS):
            day = date.fromisoformat(d.day)
            anchor = similar_page_anchor(day, sim, why=f"similar page {d.id} (cosine {sim:.2f}) dated")
            if anchor:
                told = sentences.get(d.id)
                if told is None:
                    told = event_sentences(text_of(d.id), day)
                anchors.append(replace(anchor, event_sentences=told))
    return anchors


def _site_habits(pages: dict[str, StoredPage], credible: set[str], mentions: dict[str, list[Mention]]) -> dict:
    counts: dict[str | None, Counter] = defaultdict(Counter)
    for pid in credible:
        counts[site_of(pages[pid])].update(habit_counts(mentions[pid], claimed_day(pages[pid])))
    return {site: Habits.learn(c) for site, c in counts.items() if site}
