"""Names in a whole text, read from capitalisation: the actors and places of a thread.

NER (ner.py) reads the headline and lead only, where a story is decided; it costs
about 7× extraction on full text. The names further down, which tie the stories
of one thread together (storylines), are read from capitalisation, which news style
makes reliable and costs little: a run of
capitalised words ("North Korea", "Choe Son Hui", "Gulf of Mexico") is a name,
unless it only starts a sentence with a common word ("The", "Meanwhile"). A
capitalised word that the text also uses in lower case ("Officials" / "officials")
is no name either. Keys keep short acronyms ("BP", "WHO", "KCNA") and title-case
the rest ("MOSCOW" -> "Moscow"), so one name has one key whatever the page's case.

A storyline is named from the heaviest of these names (`storyline_name`).
"""
from __future__ import annotations

import re
from collections import Counter

from ..extract.lines import STOPWORDS

MAX_ENTITIES = 100
_WORD = re.compile(r"[^\W\d_][\w’'.&-]*", re.UNICODE)
_CONNECTORS = frozenset({"of", "de", "del", "da", "al", "bin", "van", "von", "la", "le", "du"})
# Capitalised in English, yet no actor or place.
_CALENDAR = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may june july
    august september october november december mr mrs ms dr sir prof gen sen rep gov pres jan feb mar apr jun
    jul aug sep sept oct nov dec i’m i'm i’d i'd i’ve i've i’ll i'll""".split())


def _key_word(word: str) -> str:
    if word in _CONNECTORS or (word.isupper() and len(word) <= 5):
        return word  # "of"; "BP", "WHO"
    if not word.isupper() and any(c.isupper() for c in word[1:]):
        return word  # "McDonald", "iPhone"
    return word[:1].upper() + word[1:].lower()


def _key(words: list[str]) -> str:
    return " ".join(_key_word(w) for w in words)


def _clean(word: str) -> str:
    word = word.rstrip(".’'-&")
    for suffix in ("’s", "'s"):
        if word.endswith(suffix):
            word = word[: -len(suffix)]
    return word


_TRIMMED = frozenset(".’'-&s")  # a word ending in none of these is its own clean form
_SENTENCE_MARKS = frozenset(".!?:;\"“”‘’'`()[]|—–-")


def _starts_sentence(source: str, start: int) -> bool:
    """Whether the word at `start` follows a sentence mark, a line break or the start of the
    text, within the three characters before it (spaces between allowed)."""
    window = source[start - 3 if start >= 3 else 0:start]
    before = window.rstrip()
    return not before or before[-1] in _SENTENCE_MARKS or "\n" in window[len(before):]


def _tokens(source: str) -> list[tuple[str, bool, bool, bool]]:
    """(word, capitalised, starts a sentence, joins the word before: nothing but a space between).
    Whether a word starts a sentence is only worked out for capitalised words, the only ones
    it matters for. This runs over every word of every page, so it avoids per-word regexes."""
    out: list[tuple[str, bool, bool, bool]] = []
    last_end = 0
    after_dot = True  # the word before ends in a full stop (a stored "Gen." or "U.S."): none joins it
    for match in _WORD.finditer(source):
        raw = match.group()
        start = match.start()
        word = _clean(raw) if raw[-1] in _TRIMMED else raw
        if not word:
            last_end = match.end()
            continue
        capital = word[0].isupper()
        gap = source[last_end:start]
        joins = not after_dot and (gap == " " or not gap or (gap.isspace() and "\n" not in gap))
        after_dot = raw[-1] == "." and len(word) > 3 or word[-1] == "."
        if word[-1] == ".":
            word = word.rstrip(".")
        out.append((word, capital, capital and _starts_sentence(source, start), joins))
        last_end = match.end()
    return out


def capitalised_names(title: str | None, text: str) -> dict[str, int]:
    """Counts of the names in title and text; the title counts twice, like term_counts."""
    counts: Counter[str] = Counter()
    for source, weight in ((title or "", 2), (text, 1)):
        tokens = _tokens(source)
        lower_seen = {w for w, capital, _, _ in tokens if not capital}
        mid_capitals = {w for w, capital, initial, _ in tokens if capital and not initial}
        run: list[str] = []
        run_initial = False

        def common(word: str) -> bool:  # "The", "On", "Friday"; not "WHO" or "US"
            return not (word.isupper() and len(word) > 1) and (
                word.lower() in _CONNECTORS or word.lower() in STOPWORDS or word.lower() in _CALENDAR)

        def close(words: list[str], initial: bool) -> None:
            if initial and words and (words[0].lower() in lower_seen
                                      or (len(words) == 1 and words[0] not in mid_capitals and not words[0].isupper())):
                words = words[1:]  # "Officials said", "Meanwhile, ...": no name
            while words and common(words[0]):
                words = words[1:]  # "The White House" -> "White House"
            while words and common(words[-1]):
                words = words[:-1]  # "White House On Friday" -> "White House"
            if not words or (len(words) == 1 and (len(words[0]) < 2 or words[0].lower() in lower_seen)):
                return
            counts[_key(words)] += weight

        for word, capital, initial, joins in tokens:
            if run and joins and (capital or word.lower() in _CONNECTORS) and not (
                    common(word) and word.lower() not in _CONNECTORS):
                run.append(word if capital else word.lower())
                continue
            if run:
                close(run, run_initial)
            run, run_initial = ([word], initial) if capital else ([], False)
        if run:
            close(run, run_initial)
    for key in [k for k in counts if k.isupper() and " " not in k]:
        spelled = key[:1] + key[1:].lower()  # "SEOUL" in a dateline is the "Seoul" of the text
        if spelled in counts:
            counts[spelled] += counts.pop(key)
    return dict(counts.most_common(MAX_ENTITIES))


NAME_PARTS = 3  # names in a storyline's name
TOKENISER_DEBRIS = re.compile(r"^(?:-?[LR][RCS]B-?|[`'\"]+)$|``|''")  # a word that is a tokeniser mark: -LRB-, RRB, ``
TITLE_CHARS = 80
# Wire agencies, as the reports credit them ("Reuters reported", "(AP)"): who reports a storyline,
# not what it is about, and the heaviest name of any thread a wire covers ("H1N1 · Mexico ·
# Reuters"). Only names that are nothing else: "PA", "CP" or "Bloomberg" can be the news.
WIRE_AGENCIES = frozenset(n.casefold() for n in (
    "AP", "Associated Press", "Reuters", "AFP", "Agence France-Presse", "Agence France Presse", "UPI",
    "United Press International", "Xinhua", "Kyodo", "Yonhap", "TASS", "Anadolu", "Bernama", "dpa", "EFE",
    "ANSA"))


def _is_name(name: str) -> bool:
    """No tokeniser debris, and no shouted phrase read as a name ("CAP FOR Leaking OIL WELL":
    several words, capitals on a stop word)."""
    words = name.split()
    shouted = len(words) >= 3 and any(w.isupper() and len(w) > 1 and w.lower() in STOPWORDS for w in words)
    return any(c.isalpha() for c in name) and not shouted and not any(TOKENISER_DEBRIS.search(w) for w in words)


def storyline_name(names: Counter, title: str | None = None) -> str:
    """The heaviest names, shortest spelling first when one contains another ("Lavrov" in
    "Sergei Lavrov", "BBC RADIO" in "BBC Radio" count once). With no names, the title of its
    first story. A name is shown in the heaviest of its spellings that is not in capitals
    throughout, when it has one ("BBC Radio", not a masthead's "BBC RADIO"). Wire agencies are
    left out (WIRE_AGENCIES)."""
    shown: dict[str, tuple[tuple, str]] = {}
    for name, weight in names.items():
        rank = (not name.isupper(), weight, name)
        if name.casefold() not in shown or rank > shown[name.casefold()][0]:
            shown[name.casefold()] = (rank, name)
    chosen: list[str] = []
    for name, _ in names.most_common(30):
        name = shown[name.casefold()][1]
        folded = name.casefold()
        if not _is_name(name) or folded in WIRE_AGENCIES or any(folded in o.casefold() or o.casefold() in folded
                                                                for o in chosen):
            continue
        chosen.append(name)
        if len(chosen) == NAME_PARTS:
            break
    if chosen:
        return " · ".join(chosen)
    title = " ".join((title or "").split())
    if len(title) > TITLE_CHARS:
        title = title[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"
    return title or "(no names or title)"
