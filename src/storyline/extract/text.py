"""Plain-text page dumps: find the article among the page furniture.

A page saved as text keeps its navigation, link lists, counters, captions and
footers. Each line gets a score: positive for prose (lines that end a sentence
and read like language, in the page's own language), negative for furniture
(list items, short labels, teasers cut off mid-sentence, boilerplate, caption
credits, title-case headlines, "Related"-style headers). Prose right under the
page's repeated headline counts triple. The article is the contiguous run of
lines with the highest total (the densest text block), never reaching past
reader comments or the author's bio. Inside that run prose is kept, with the
lines that belong to it without being sentences (a list and the line
introducing it, a short subheading between paragraphs, an embedded tweet); a
related-story headline pushed into the body is dropped. Lines printed twice
(captions) and teasers of a later paragraph are removed first.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from . import lines as L
from .dates import only_date, parse_printed_date
from .language import page_stopwords

MIN_PROSE_WORDS = 4
UNPUNCTUATED_PROSE_WORDS = 20
_NAV_SEPARATOR = re.compile(r"\s[>|»/]\s")
_BYLINE = re.compile(r"^(?:by|source:|author:)\s*(?P<name>[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,4})", re.I)
_GLUED_BYLINE = re.compile(r"source:\s*(?P<name>[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,3}?)(?=category:|$|\s{2})")
_PHOTO_CREDIT = re.compile(
    r"getty\s*images|\bap photo\b|\bshutterstock\b|\bpictured\b|\bfile photo\b|\b(?:photo|photograph|image|illustration|credit)s?\s*(?::|by\b)|"
    r"\((?:photo|image|file photo)[^)]*\)|[|/]\s*(?:ap|afp|reuters|epa|bloomberg)\s*$",
    re.I,
)
_AUTHOR_BIO = re.compile(
    r"^[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s+(?:is|was|has been)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:reporter|writer|correspondent|editor|journalist|columnist|contributor|producer|author|analyst)\b")
# Headers of what follows an article: other stories, recommendations, newsletters.
_MORE_STORIES_HEADER = re.compile(
    r"^(?:related(?:\s+(?:stories|articles|posts|content|news|coverage))?|recommended(?:\s+for\s+you)?|"
    r"recommendations?|recommend|read\s+(?:more|next|also)|also\s+(?:read|see)|more\s+(?:stories|news|from|on|in|like\s+this)\b.*|"
    r"(?:most\s+)?(?:popular|read|viewed|shared)(?:\s+(?:stories|articles|now|today))?|trending(?:\s+(?:now|news|stories))?|"
    r"top\s+stories|latest\s+(?:news|stories|posts|articles)|you\s+(?:may|might)\s+(?:also\s+)?like|"
    r"further\s+reading|editor'?s\s+picks|don'?t\s+miss|around\s+the\s+web|sponsored(?:\s+content)?|"
    r"ranking|want\s+more\s+stories\s+like\s+this|what\s+to\s+read\s+next)\W*$",
    re.I,
)


@dataclass(slots=True, frozen=True)
class CleanedText:
    title: str | None
    body: list[str]  # paragraphs of the article
    header: list[str]  # lines above the article (for dates, bylines, credits)
    claimed_date: str | None
    byline: str | None
    page_lines: list[str] = field(default_factory=list)  # every non-empty line of the page, for forensics
    claimed_line: str | None = None  # the header line the claimed date was read from


def _line_score(line: str, tokens: list[str], stopwords: frozenset[str]) -> float:
    n = L.word_count(line, tokens)
    if L.is_boilerplate(line, n):
        return -20.0
    if n <= 40 and _PHOTO_CREDIT.search(line):
        return -10.0  # a caption with its credit
    if n <= 8 and _MORE_STORIES_HEADER.match(line):
        return -30.0  # "Related", "Read next": other stories follow; the article rarely goes on
    if L.is_terminal(line) and n >= MIN_PROSE_WORDS and not L.is_bullet(line) and not L.is_all_caps(line):
        if n < 8 and L.stopword_ratio(tokens, stopwords) < 0.15:
            return -2.0
        if n < 12 and L.capitalised_share(tokens) >= 0.6:
            return -3.0  # a headline in title case ("Why Am I Not Losing Weight?"), not a sentence
        return float(min(n, 120))
    if L.is_bullet(line) or L.has_counter(line):
        return -8.0
    if n >= UNPUNCTUATED_PROSE_WORDS and not L.is_teaser(line) and not _NAV_SEPARATOR.search(line) \
            and L.glued_words(tokens) == 0 and L.stopword_ratio(tokens, stopwords) >= 0.3 \
            and L.capitalised_share(tokens) < 0.3:
        # A long sentence missing its full stop. Headlines are shorter or capitalised;
        # headline lists glue titles together ("...Kim Jong Un saysNorth Korean...").
        return n / 2
    return -3.0 - min(n, 30) / 6  # a headline, label, or teaser cut off mid-sentence


_COMMENTS_HEADER = re.compile(
    r"^(?:\d[\d,.]*\s+(?:responses?|comments?|replies|reactions)\b|(?:reader\s+)?comments?\s*(?:\(\d+\))?:?$|"
    r"leave a (?:reply|comment)|add a comment|join the (?:discussion|conversation)|show comments|"
    r"post a comment|write a comment|comments are closed)",
    re.I,
)
# Lines that head each comment: "jdoe says:", "2 days ago at 07:52 am", "March 3, 2019 at 7:19 am".
_COMMENTER = re.compile(
    r"^(?:\S.{0,60}\s(?:says|wrote|said):|\d+\s+(?:second|minute|hour|day|week|month|year)s?\s+ago(?:\s+at\s+.{0,12})?|"
    r".{0,40}\d{4},?\s+at\s+\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?)\s*$",
    re.I,
)
PROSE_BEFORE_COMMENTS = 50  # words of article before a comments header counts as one
COMMENT_HEAD_GAP = 8  # lines between two comment heads


def _article_end(lines: list[str], scores: list[float]) -> int | None:
    """Index where the article is over, once one has been seen: reader comments
    begin, or the author's bio ("Jane Doe is a reporter for NBC News.") closes it.

    Comments are prose too, often more of it than the article; a comments
    header ("34 responses to ...", "Leave a reply"), or the first of two comment
    heads ("X says:", "2 days ago at 07:52 am"), ends the article.
    """
    prose_words = 0.0
    first_commenter = None
    for i, line in enumerate(lines):
        if prose_words >= PROSE_BEFORE_COMMENTS:
            if _COMMENTS_HEADER.match(line) or _AUTHOR_BIO.match(line):
                return i  # reader comments, or the author's bio that closes the article
            if _COMMENTER.match(line):
                # Comment heads come every few lines; a lone "Updated ... at 7:19 am" does not.
                if first_commenter is not None and i - first_commenter <= COMMENT_HEAD_GAP:
                    return first_commenter
                first_commenter = i
        prose_words += max(scores[i], 0.0)
    return None


_TWEET_SIGNATURE = re.compile(r"^[—–-]\s*.{1,80}\(@\w{1,30}\)\s+\w+\.?\s+\d{1,2},\s+\d{4}\s*$")
SUBHEAD_MAX_WORDS = 8  # longer unpunctuated lines between paragraphs are headlines of other stories


def _inner_line(i: int, lines: list[str], tokens: list[list[str]], prose: list[bool], start: int, end: int) -> bool:
    """A line inside the article that is not a sentence but belongs to it.

    A line that introduces a list (ends with ':'), the items of such a list,
    and a short subheading between two paragraphs.
    """
    line, n = lines[i], len(tokens[i])
    if _TWEET_SIGNATURE.match(line) or (i + 1 < end and _TWEET_SIGNATURE.match(lines[i + 1])):
        return True  # an embedded tweet: its text, and "— Name (@handle) November 18, 2019"
    if L.boilerplate_hits(line) or L.is_all_caps(line) or L.has_counter(line):
        return False
    prev_prose = i > start and prose[i - 1]
    next_prose = i + 1 < end and prose[i + 1]
    if line.endswith(":") and n >= 4 and i + 1 < end:
        return True
    if L.is_bullet(line):
        j = i
        while j > start and L.is_bullet(lines[j - 1]):
            j -= 1
        return j > start and lines[j - 1].endswith(":")
    if 2 <= n <= SUBHEAD_MAX_WORDS and prev_prose and next_prose and not L.is_teaser(line):
        return True
    return False


ANCHOR_REACH = 12  # lines under the headline whose prose counts more
ANCHOR_WEIGHT = 3  # chosen on the AEB dev split (2: no gain; 3 to 6: the same)
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|»)\s+")


def _headline_anchor(lines: list[str]) -> int | None:
    """Where the page repeats its first line's title (the headline above the article).

    Page dumps open with the document title ("Headline | Site"); the headline
    printed again further down sits right above the article.
    """
    if len(lines) < 3:
        return None
    parts = _TITLE_SEPARATORS.split(lines[0])
    title = L.normalised(max(parts, key=len))
    if len(title.split()) < 3:
        return None
    for i in range(1, len(lines)):
        if L.normalised(lines[i]) == title:
            return i
    return None


def _densest_block(scores: list[float]) -> tuple[int, int]:
    """Maximum-sum contiguous run (Kadane); returns [start, end)."""
    best, best_span = float("-inf"), (0, 0)
    total, start = 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = 0.0, i
        total += score
        if total > best:
            best, best_span = total, (start, i + 1)
    return best_span


_SENTENCE_END = re.compile(r"[.!?:;\"'”’»)\]]$")


def ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line))


def sniff_furniture(text: str) -> tuple[int, int]:
    """(lines that look like page furniture, lines): lines that do not end a sentence, past the
    first (a title). A clean article has next to none (Timeline17: 0 or 1 on 97 % of articles);
    a page dump has menus, link lists, captions and notices (the seeds: 3 to 29)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    furniture = sum(1 for line in lines[1:] if not ends_sentence(line))
    return furniture, len(lines)


def looks_like_article(furniture: int, lines: int) -> bool:
    return furniture <= 2 and furniture * 5 <= lines


def clean_text(page_text: str) -> CleanedText:
    raw = [L.normalise_space(line) for line in page_text.splitlines()]
    lines = [line for line in raw if line]
    all_lines = lines
    counts = Counter(lines)
    tokens = [L.words(line) for line in lines]

    drop = [False] * len(lines)
    for i, line in enumerate(lines):
        if counts[line] > 1 and len(tokens[i]) > 3:
            drop[i] = True  # printed twice: a caption or repeated chrome
        elif L.is_teaser(line):
            stem = re.sub(r"(\.\.\.|…)\s*$", "", line).strip()
            if any(other.startswith(stem) and other != line for other in lines[i + 1:i + 6]):
                drop[i] = True  # teaser of the paragraph that follows

    stopwords = page_stopwords([t for toks in tokens for t in toks])
    scores = [0.0 if drop[i] else _line_score(line, tokens[i], stopwords) for i, line in enumerate(lines)]
    end = _article_end(lines, scores)
    if end is not None:
        lines, tokens, drop, scores = lines[:end], tokens[:end], drop[:end], scores[:end]
    prose = [not drop[i] and scores[i] > 0 for i in range(len(lines))]
    anchor = _headline_anchor(lines)
    if anchor is not None:
        # The article starts under its headline: its prose there counts more.
        for i in range(anchor + 1, min(len(lines), anchor + 1 + ANCHOR_REACH)):
            if scores[i] > 0:
                scores[i] *= ANCHOR_WEIGHT
    start, end = _densest_block(scores)
    body = [line for i, line in enumerate(lines[start:end], start)
            if prose[i] or (not drop[i] and _inner_line(i, lines, tokens, prose, start, end))]
    header = lines[:start]
    title = _pick_title(header, tokens[:start], body)
    claimed = claimed_line = None
    for line in header[-12:]:
        found = parse_printed_date(line)
        if found:
            claimed, claimed_line = found[0].isoformat(), line
            break
    return CleanedText(title=title, body=body, header=header, claimed_date=claimed, byline=_byline(header),
                       page_lines=all_lines, claimed_line=claimed_line)


def _title_like(line: str, tokens: list[str]) -> bool:
    return (
        3 <= len(tokens) <= 30
        and not L.is_terminal(line.rstrip("”\"’'"))
        and not L.is_teaser(line)
        and not L.is_all_caps(line)
        and not L.is_bullet(line)
        and not only_date(line)
        and not _BYLINE.match(line)
        and L.boilerplate_hits(line) == 0
    )


def _pick_title(header: list[str], tokens: list[list[str]], body: list[str]) -> str | None:
    """The title-like header line sharing most words with the article's lead.

    Where another header line holds the chosen title plus more (a breadcrumb
    or a spam suffix glued on: 'Home > ContactTitle -spam'), the title is
    returned with what follows it there, so affixes can be found and reported.
    """
    lead = {t.lower() for t in L.words(" ".join(body[:3]))} - L.STOPWORDS
    window = range(max(0, len(header) - 15), len(header))
    candidates: dict[str, float] = {}
    for i in window:
        line = header[i]
        if not _title_like(line, tokens[i]):
            continue
        content = [t.lower() for t in tokens[i] if t.lower() not in L.STOPWORDS]
        overlap = sum(1 for t in content if t in lead) / max(1, len(content))
        candidates[line] = overlap + 0.05 * (i - window.start) / max(1, len(window))  # nearer wins ties
    # A line holding a shorter candidate is that title with something glued on.
    clean = {c: s for c, s in candidates.items() if not any(o != c and o in c for o in candidates)}
    if not clean:
        return None
    title = max(clean, key=lambda c: clean[c])
    for line in header:
        if line != title and title in line:
            return line[line.index(title):]
    return title


def _byline(header: list[str]) -> str | None:
    for line in header[-12:]:
        match = _GLUED_BYLINE.search(line) or _BYLINE.match(line)
        if match and not only_date(match.group("name")):
            return match.group("name").strip()
    return None
