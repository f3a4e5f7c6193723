"""Metadata read from article text: title affixes, dateline, wire agency."""
from __future__ import annotations

import re

from ..records import Dateline, Injection

AGENCIES = {
    "ap": "AP", "associated press": "AP", "afp": "AFP", "agence france-presse": "AFP",
    "agence france presse": "AFP", "reuters": "Reuters", "upi": "UPI", "xinhua": "Xinhua",
    "dpa": "dpa", "efe": "EFE", "ansa": "ANSA", "kyodo": "Kyodo", "yonhap": "Yonhap", "pti": "PTI",
    "ians": "IANS", "bloomberg": "Bloomberg", "tass": "TASS", "anadolu": "Anadolu", "bernama": "Bernama",
    "cna": "CNA", "aap": "AAP", "pa": "PA", "cp": "CP", "canadian press": "CP",
}
AGENCY_PATTERN = _AGENCY_ALT = "|".join(sorted((re.escape(k) for k in AGENCIES), key=len, reverse=True))
_PLACE = r"[A-Z][A-Z.'’\-]+(?:\s+[A-Z][A-Z.'’\-]+){0,3}"
_REGION = r"(?:,\s+[A-Z][A-Za-z.]+(?:\s+[A-Z][A-Za-z.]+){0,2})?"
# "MOSCOW (AP) —", "GREEN BAY, Wis. (AP) —", "LONDON, Jan 16 (Reuters) -"
_WIRE_DATELINE = re.compile(
    rf"^(?P<place>{_PLACE}{_REGION})(?:,\s+\w{{3,9}}\.?\s+\d{{1,2}})?\s+\((?P<agency>(?i:{_AGENCY_ALT}))\)\s*[—–-]+\s*"
)
# "SEOUL:", "MOSCOW >>", "WASHINGTON —" (no agency named)
_PLAIN_DATELINE = re.compile(rf"^(?P<place>{_PLACE}{_REGION})\s*(?::|>>|—|–|\s-)\s+(?=[A-Z“\"'‘])")
# Credits naming an agency: "PHOTO VIA ASSOCIATED PRESS", "© AFP", "(Reporting by ...)"
_CREDIT_AGENCY = re.compile(rf"(?:\bvia|©|\(c\)|source:|\bby)\s+(?:the\s+)?({_AGENCY_ALT})\b", re.I)
_REUTERS_SIGNOFF = re.compile(r"\(Reporting by [^)]*\)|\(Writing by [^)]*\)", re.I)

_TITLE_PREFIX = re.compile(r"^([A-Za-z][a-z]{2,}[A-Za-z]*)-(?=[A-Z“\"‘'])")
_TITLE_SUFFIX = re.compile(r"\s+(?P<sep>-|–|—|\|)(?P<space>\s*)(?P<affix>[^-–—|]{1,60})$")
# Hyphenated words that legitimately start titles ("Ex-President", "Anti-War").
_REAL_PREFIXES = frozenset("anti ex pro non co post pre mid self all well semi multi inter intra counter cross "
                           "long short high low full half"
                           .split())


def _title_case_place(place: str) -> str:
    head, _, region = place.partition(",")
    words = [w.capitalize() if w.isupper() or len(w) > 1 else w for w in head.split()]
    fixed = " ".join("-".join(p.capitalize() for p in w.split("-")) for w in words)
    return fixed + ("," + region if region else "")


def find_dateline(text: str) -> Dateline | None:
    head = text.lstrip()[:200]
    match = _WIRE_DATELINE.match(head)
    if match:
        agency = AGENCIES[match.group("agency").casefold()]  # casefold: IGNORECASE takes "ſ" for "s"
        return Dateline(place=_title_case_place(match.group("place")), agency=agency, raw=match.group(0).strip())
    match = _PLAIN_DATELINE.match(head)
    if match and match.group("place").split(",")[0].replace(" ", "").replace(".", "").isupper():
        return Dateline(place=_title_case_place(match.group("place")), agency=None, raw=match.group(0).strip())
    return None


def agency_from_credits(lines: list[str], body: str) -> str | None:
    """An agency named by a credit or sign-off when the dateline names none."""
    for line in lines:
        match = _CREDIT_AGENCY.search(line)
        if match:
            return AGENCIES[match.group(1).casefold()]
    if _REUTERS_SIGNOFF.search(body[-600:]):
        return "Reuters"
    return None


def clean_title(title: str, body: str) -> tuple[str, tuple[Injection, ...], str | None]:
    """Strip spam and site affixes from a title.

    Returns (clean title, injections found, site name found in a ' - Site' suffix).
    A prefix glued with a hyphen ('Ethermac-North Korea') counts as injected when the
    word never appears on its own in the body; a suffix glued to its dash ('-Aspire Money
    Growth', '–消息') counts as injected; one after ' - ' or ' | ' is the site name, in
    whatever script ('Title - 若雲域').
    """
    title = " ".join(title.split())
    injections: list[Injection] = []
    site: str | None = None
    match = _TITLE_PREFIX.match(title)
    if match:
        word = match.group(1)
        if word.lower() not in _REAL_PREFIXES and not re.search(rf"(?<!\w){re.escape(word)}(?![\w-])", body):
            injections.append(Injection(word, "title-prefix"))
            title = title[match.end():]
    for _ in range(2):  # "Title -Spam | Site" has two
        match = _TITLE_SUFFIX.search(title)
        if not match:
            break
        head, affix = title[: match.start()].rstrip(), match.group("affix").strip()
        if len(head.split()) < 3 or len(affix.split()) > 5 or not affix:
            break
        # Another script after a dash is spam ("... deal -消息"); after a bar it is usually
        # the site's own name ("... | ノート100YEN.com").
        # Spaced ("Title - 若雲域") it is a blog or site name, however its script differs.
        other_script = (_script(affix) != _script(head) and match.group("sep") != "|" and "." not in affix
                        and not match.group("space"))
        if (match.group("sep") == "-" and not match.group("space")) or other_script:
            injections.append(Injection(match.group("sep") + affix, "title-suffix"))
        elif site is None:
            site = affix
        title = head
    return title, tuple(injections), site


def _script(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return "none"
    latin = sum(1 for c in letters if ord(c) < 0x250)
    return "latin" if latin / len(letters) > 0.5 else "other"


def remove_injected_tokens(text: str, tokens: list[str], where: str = "body") -> tuple[str, tuple[Injection, ...]]:
    """Remove injected tokens from the body, also where glued to a word ('EthermacTuesday')."""
    found: list[Injection] = []
    for token in tokens:
        pattern = re.compile(rf"(?<![\w-]){re.escape(token)}(?=[A-Z])|(?<![\w-]){re.escape(token)}\b-?\s?")
        text, count = pattern.subn("", text)
        found.extend(Injection(token, where) for _ in range(count))
    return text, tuple(found)
