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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date
from urllib.parse import urlsplit

from ..extract.meta import remove_injected_tokens
from ..records import Article, ContentFarm, DatedPage, Forensics, Injection, Published, StoredPage
from .anchors import NEIGHBOURS, STORY_SCALE, copy_anchor, similar_page_anchor
from .claims import (CREDIBLE, IMPOSSIBLE_DAYS, claimed_day, copy_chain, keep_credible_claim, not_before, parse_day,
                     reprint_claims)
from .crosscopy import injected_tokens
from .events import Anchor, anchor_events, event_sentences
from .farm import farm_reasons, judge
from .published import Habits, estimate_published, habit_counts
from .similar import SimilarDated
from .timex import Mention, find_mentions

ANCHOR_CONFIDENCE = 0.5  # confidence of a stored estimate from which it anchors similar pages
MISDATED_SLACK_DAYS = 2  # a claimed date a day or two off the interval is a time zone, not a lie
MAX_DATED_PAGES = 20_000  # similar-page anchors are looked for among the most recent dated pages
# A date printed above the headline is the site's "today" when the page was rendered:
# no evidence of when the story was published, only that it was by then.
_CREDIBILITY = {"metadata": 0.98, "record": 0.98, "printed": 0.98, "masthead": 0.0}

Page = Article | StoredPage
# Document frequencies of the given terms: (number of documents, {term: df}).
Frequencies = Callable[[Iterable[str]], tuple[int, dict[str, int]]]


def claimed_credibility(page: Page, farm: ContentFarm) -> float:
    """How far a page's claimed date can be trusted before any other evidence."""
    if claimed_day(page) is None:
        return 0.0
    if farm.is_farm:
        return 0.0  # a content farm's date is what it wants us to believe
    where = page.signals.claimed_date_where or "printed"
    return _CREDIBILITY.get(where, 0.98) * (1 - farm.score)


def _finish(page: Page, reasons: list[tuple[str, str]], published: Published,
            injections: tuple[Injection, ...], text: str | None = None, already_said: bool = False) -> Forensics:
    """Misdated flag and the date reason, then the final score."""
    claimed = claimed_day(page)
    misdated = bool(claimed and published.value and not (
        published.earliest.toordinal() - MISDATED_SLACK_DAYS <= claimed.toordinal()
        <= published.latest.toordinal() + MISDATED_SLACK_DAYS))
    if misdated and not already_said and page.signals.claimed_date_where != "masthead" \
            and abs((claimed - published.value).days) > IMPOSSIBLE_DAYS:
        reasons = reasons + [("impossible_date", f"claims {claimed.isoformat()}, which the content rules out "
                                                 f"(estimate {published.value.isoformat()})")]
    return Forensics(page.id, injections, judge(reasons), published, misdated, text)


def seen_by(page: Page) -> date | None:
    """The render date of a page that prints its site's "today" above the headline."""
    if page.signals.claimed_date_where == "masthead":  # a store from before rendered_date
        return parse_day(page.claimed_date)
    return parse_day(page.signals.rendered_date)


def judge_alone(page: Page, mentions: list[Mention] | None = None) -> Forensics:
    """A page with no store around it: only its own text, signals and claimed date
    (`mentions`: its time expressions, when already found)."""
    reasons = farm_reasons(page)
    base = judge(reasons)
    credibility = claimed_credibility(page, base)
    published = estimate_published(page.text or "", claimed=claimed_day(page),
                                   claimed_credibility=credibility, not_after=seen_by(page), mentions=mentions)
    if published.value is None and claimed_day(page):
        published = _claimed_only(page, base)
    if credibility >= CREDIBLE:
        published = keep_credible_claim(published, claimed_day(page))
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
           text_of: Callable[[str], tuple[str, Sequence[Mention] | None]]) -> list[Forensics]:
    """Judge and date a working set: `pages` (the pages a run touched with their stories and copy
    groups) and `dated` (credibly dated pages outside it, most recent first, anchors for similar
    pages). `text_of` gives the text of a dated page and its stored time expressions (None when not
    stored), read only for the few that anchor a page."""
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

    # 2. A later claim of a text its copy group already carried a month before is a reprint's
    #    or a farm's date, not the text's: the content rules it out. Only the earliest claims
    #    anchor others, and evidence flows from originals to copies, never back.
    chains = {pid: copy_chain(p, by_id) for pid, p in by_id.items()}
    root = {pid: chain[-1] for pid, chain in chains.items()}
    group: dict[str, set[str]] = defaultdict(set)
    for pid, r in root.items():
        group[r].add(pid)
    by_story: dict[str, list[str]] = defaultdict(list)
    for pid, page in by_id.items():
        if page.story:
            by_story[page.story].append(pid)
    group_mentions = _group_mentions(by_id, mentions)
    # Reprints first, provisionally: a farm copy's later claim must not anchor the content check.
    reprints = reprint_claims(by_id, root, credibility)
    credible = {pid for pid in by_id if credibility[pid] >= CREDIBLE and pid not in reprints}
    events = {pid: anchor_events(mentions[pid], claimed_day(by_id[pid])) for pid in credible}
    sentences = {pid: event_sentences(text[pid], claimed_day(by_id[pid]), mentions[pid]) for pid in credible}
    habits = _site_habits(by_id, credible, mentions)

    # 3. A credible claim stands against weaker evidence, but not against the page's own content
    #    read beside its original and its story ("on Monday", next to a story of January 2024,
    #    rules out April 2025). Similar pages are too weak to rule a claim out, and so are the
    #    page's mentions alone. Originals first; a claim ruled out anchors nothing after it.
    ruled_out: dict[str, tuple[str, str]] = {}
    standing = set(credible)  # the claims not ruled out so far
    for pid in sorted(credible, key=lambda pid: (len(chains[pid]), pid)):
        page = by_id[pid]
        original = page.duplicate_of if page.duplicate_of in standing and page.duplicate_of != pid else None
        told = Published(claimed_day(by_id[original]), None, None, 1.0, ()) if original else None
        anchors = _anchors(pid, by_id, root, group, standing, events, sentences, by_story, None, None, told)
        if not anchors:  # its mentions alone: history ("in March 1992") would pass for the page's date
            continue
        # A sentence shared with a story page dates an event, not this page: a recap that retells
        # it ("Saturday's memorial, in June 2009") is not ruled out by it.
        anchors = [replace(a, event_sentences=()) for a in anchors]
        content = estimate_published(text[pid], anchors=anchors, mentions=list(mentions[pid]) + group_mentions[pid],
                                     habits=habits.get(site_of(page)), not_after=seen_by(page))
        claimed = claimed_day(page)
        if content.value is not None and not (content.earliest.toordinal() - IMPOSSIBLE_DAYS <= claimed.toordinal()
                                              <= content.latest.toordinal() + IMPOSSIBLE_DAYS):
            ruled_out[pid] = ("impossible_date", f"claims {claimed.isoformat()}, which the content rules out "
                                                 f"(it dates the page {content.earliest.isoformat()}.."
                                                 f"{content.latest.isoformat()})")
            standing.discard(pid)
    # Then reprints again, against the earliest claims that still stand.
    for pid in ruled_out:
        credibility[pid] = 0.0
    reprints = {pid: why for pid, why in reprint_claims(by_id, root, credibility).items() if pid not in ruled_out}
    ruled_out.update(reprints)
    for pid in reprints:
        credibility[pid] = 0.0
    credible = {pid for pid in by_id if credibility[pid] >= CREDIBLE}
    for pid in credible - events.keys():  # a claim that only looked like a reprint of one ruled out
        events[pid] = anchor_events(mentions[pid], claimed_day(by_id[pid]))
        sentences[pid] = event_sentences(text[pid], claimed_day(by_id[pid]), mentions[pid])
    habits = _site_habits(by_id, credible, mentions)
    # The working set's credible pages first (the newest), then the store's, most recent first.
    dated = [DatedPage(pid, page.story, claimed_day(page).isoformat(), page.terms)
             for pid, page in by_id.items() if pid in credible] + [d for d in dated if d.id not in by_id]
    n_docs, df = frequencies({t for p in by_id.values() for t in p.terms} | {t for d in dated for t in d.terms})
    similar = SimilarDated(dated, n_docs, df)
    outside: dict[str, tuple] = {}  # event sentences of the dated pages outside the working set, read once

    def told_by(page_id: str, day: date) -> tuple:
        if page_id not in outside:
            page_text, page_mentions = text_of(page_id)
            outside[page_id] = event_sentences(page_text, day, page_mentions)
        return outside[page_id]

    estimates: dict[str, Published] = {}
    # Originals first: a copy's estimate starts from that of the page it copies.
    for pid in sorted(by_id, key=lambda pid: (len(chains[pid]), pid)):
        page = by_id[pid]
        original = chains[pid][1] if len(chains[pid]) > 1 else None
        anchors = _anchors(pid, by_id, root, group, credible, events, sentences, by_story, similar, told_by,
                           estimates.get(original) if original else None)
        # Copies tell the same text: their weekdays and dates speak for the whole group.
        pooled = list(mentions[pid]) + group_mentions[pid]
        published = estimate_published(text[pid], claimed=claimed_day(page),
                                       claimed_credibility=credibility[pid], anchors=anchors, mentions=pooled,
                                       habits=habits.get(site_of(page)), not_after=seen_by(page))
        if published.value is None and claimed_day(page):
            published = _claimed_only(page, base[pid])
        if pid in credible:
            published = keep_credible_claim(published, claimed_day(page))
        if original in estimates and pid not in credible:  # a credible earlier claim says it came first
            published = not_before(published, estimates[original], original)
        estimates[pid] = published
    out = []
    for pid, page in by_id.items():
        why = reasons[pid] + ([ruled_out[pid]] if pid in ruled_out else [])
        out.append(_finish(page, why, estimates[pid], injections[pid], text[pid] if pid in changed else None,
                           already_said=pid in ruled_out))
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


def _anchors(pid: str, pages: dict[str, StoredPage], root: dict[str, str], group: dict[str, set[str]],
             credible: set[str],
             events: dict[str, frozenset[int]], sentences: dict[str, tuple], by_story: dict[str, list[str]],
             similar: SimilarDated | None, told_by: Callable[[str, date], tuple] | None,
             original_estimate: Published | None) -> list[Anchor]:
    page = pages[pid]
    anchors: list[Anchor] = []
    used = {pid}
    original = page.duplicate_of if page.duplicate_of in pages else None
    if original and original_estimate is not None and original_estimate.value is not None:
        anchors.append(copy_anchor(original_estimate.value, original, page.relation or "near"))
    if original:
        used.add(original)
    # The pages of its own copy group are left out: its copies' dates say nothing of the original.
    used |= group[root[pid]]
    for other in by_story.get(page.story or "", []):
        if other not in used and other in credible:
            anchors.append(Anchor(claimed_day(pages[other]), weight=1.0, scale=STORY_SCALE,
                                  why=f"page {other} of the same story, credibly dated", events=events[other],
                                  event_sentences=sentences[other]))
            used.add(other)
    # Similar pages of other stories, more loosely: alone when nothing in its own story is dated, and
    # beside its story's dates too, so that a page that joined a story of another month (its own date
    # unknown when it joined) keeps some of the score where its text's nearest pages lie. Not beside
    # a copy's original, which dates it within days.
    if similar is not None and not any(a.not_before for a in anchors):
        for sim, d in similar.nearest(page.terms, used, page.story, NEIGHBOURS):
            day = date.fromisoformat(d.day)
            anchor = similar_page_anchor(day, sim, why=f"similar page {d.id} (cosine {sim:.2f}) dated")
            if anchor:
                told = sentences.get(d.id)
                if told is None:
                    told = told_by(d.id, day)
                anchors.append(replace(anchor, event_sentences=told))
    return anchors


def _site_habits(pages: dict[str, StoredPage], credible: set[str], mentions: dict[str, list[Mention]]) -> dict:
    counts: dict[str | None, Counter] = defaultdict(Counter)
    for pid in credible:
        counts[site_of(pages[pid])].update(habit_counts(mentions[pid], claimed_day(pages[pid])))
    return {site: Habits.learn(c) for site, c in counts.items() if site}
