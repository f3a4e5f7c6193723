"""What independent sources agree on, and a short summary that cites them.

The story's sentences (not its questions) are grouped into statements: sentences of different
pages that say the same thing (content-word Jaccard >= SAME_STATEMENT) are one statement. A
statement's sources are the independent sources of its pages (`ReportPage.source`): a copy counts as its
original, a wire story reprinted by ten sites as its agency. Claims are the statements
ranked by how many sources carry them, so a reader sees what several outlets confirm
and what rests on one. The summary takes the statements that lead their pages and that
most sources carry, without repeating itself, in the order the story unfolded.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Sequence

from ..extract.readable import split_sentences
from .records import Claim, ReportPage, Sentence
from .sentences import clean_sentence, jaccard

SAME_STATEMENT = 0.5
MIN_STATEMENT_WORDS = 6  # content words: shorter sentences are captions and sign-offs
MAX_CLAIMS = 12
SUMMARY_SENTENCES = 5
REPEATS = 0.3  # a summary sentence this close to one already chosen repeats it
LEAD_BONUS = (1.0, 0.6, 0.3)
MAX_POSTINGS = 200  # what the first sentences of a page weigh: the news is told first


@dataclass(slots=True)
class Statement:
    text: str
    words: frozenset[str]
    first_seen: tuple  # (page day, position): when and where the story first said it
    best_position: int
    pages: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)


def statements(pages: Sequence[ReportPage]) -> list[Statement]:
    found: list[Statement] = []
    index: dict[str, list[int]] = defaultdict(list)  # content word -> statements holding it
    for page in sorted(pages, key=lambda p: (p.day is None, p.day, p.id)):
        for position, sentence in enumerate(split_sentences(page.text or "")):
            text, words = clean_sentence(sentence.text)
            if len(words) < MIN_STATEMENT_WORDS or text.rstrip(" \"'”’").endswith("?"):
                continue  # a question asserts nothing: on the pages of a site it is mostly a teaser's headline
            # Words said in hundreds of statements ("oil", "said") find no match: rarer ones do.
            shared = Counter(i for w in words if len(index[w]) <= MAX_POSTINGS for i in index[w])
            match = next((i for i, n in shared.most_common(5)
                          if n / len(words | found[i].words) >= SAME_STATEMENT), None)
            if match is None:
                match = len(found)
                found.append(Statement(text, words, (page.day, position), position))
                for w in words:
                    index[w].append(match)
            s = found[match]
            s.pages.add(page.id)
            s.sources.add(page.source)
            s.best_position = min(s.best_position, position)
    return found


def claims(found: Sequence[Statement]) -> list[Claim]:
    ranked = sorted(found, key=lambda s: (-len(s.sources), s.best_position, -len(s.pages), s.text))
    return [Claim(s.text, tuple(sorted(s.sources)), tuple(sorted(s.pages))) for s in ranked[:MAX_CLAIMS]]


def summary(found: Sequence[Statement]) -> list[Sentence]:
    def weight(s: Statement) -> float:
        lead = LEAD_BONUS[s.best_position] if s.best_position < len(LEAD_BONUS) else 0.0
        return len(s.sources) + 0.2 * len(s.pages) + lead

    chosen: list[Statement] = []
    for s in sorted(found, key=lambda s: (-weight(s), s.text)):
        if all(jaccard(s.words, c.words) < REPEATS for c in chosen):
            chosen.append(s)
        if len(chosen) == SUMMARY_SENTENCES:
            break
    chosen.sort(key=lambda s: (s.first_seen[0] is None, s.first_seen))
    return [Sentence(s.text, tuple(sorted(s.sources)), tuple(sorted(s.pages))) for s in chosen]
