"""The JSON fields storyline prints, in one place.

Every `--json` output, `extract --json`, `export` and the Python API use these
names; tests check that the README documents exactly these fields.
"""
from __future__ import annotations

from datetime import date

from .records import Article, ContentFarm, Dateline, Forensics, Injection, PageSignals, Published, Skipped

PAGE_FIELDS: dict[str, str] = {
    "id": "stable page id: the JSONL record's own id, else a hash of where the page came from and its bytes",
    "source": "path or URL the page came from (path#L<n> for a JSONL line without URL)",
    "url": "URL of the page when known (WARC target URI, JSONL url), else null",
    "status": '"ok", or "skipped" when the page could not be read or has no article',
    "reason": "why the page was skipped, else null",
    "title": "article title with spam and site affixes removed",
    "text": "clean article text, paragraphs separated by a blank line",
    "byline": "author as the page names it, else null",
    "site_name": "publishing site when the page names it, else null",
    "claimed_date": "date the page claims (YYYY-MM-DD), from its metadata or printed text; may be false",
    "rendered_date": "the site's 'today' printed above the headline: the day the page was rendered, which is no "
                     "claim about when the story was published; else null",
    "published": "estimated real publication date: {value, earliest, latest, confidence, evidence} (dates YYYY-MM-DD; "
                 "confidence in [0, 1]; evidence: list of reasons), all null when nothing dates the page",
    "misdated": "true when claimed_date falls more than 2 days outside [published.earliest, published.latest]",
    "dateline": "{place, agency, raw} of the opening dateline ('MOSCOW (AP) —'), else null",
    "agency": "wire agency of the story (AP, AFP, Reuters, ...) from the dateline or a credit, else null",
    "injections": "spam removed from title and text: list of {text, where} (where: title-prefix, title-suffix, body, "
                  "or body-across-copies when found by comparing the page with its copies)",
    "content_farm": "{score, reasons}: score in [0, 1] that the page is a content farm's copy (0.5 or more: it is), "
                    "with each reason found",
    "warnings": "repairs made while reading (e.g. invalid UTF-8 bytes replaced)",
    "duplicate_of": "the page `relation` points to: for a copy its copy group's original; for a version the "
                    "earlier version it updates; for a rewrite the earlier report of its story it resembles most; "
                    "else null",
    "relation": "exact, near or contained (a copy: same text, with injected words or other furniture, or cut); "
                "version (the same wire story updated); rewrite (the same event in independent text, not a copy); "
                "null for a story's first report and for unique pages",
    "relation_score": "exact 1.0; near: verified shingle Jaccard; contained: share of the smaller text found in the "
                      "other; version: share of the smaller text's shingles the two share; rewrite: TF-IDF cosine; "
                      "else null",
    "original_reasons": "for the original of a copy group: why it was chosen over its copies, else null",
    "story": "id of the story the page belongs to, else null",
}

STORY_FIELDS: dict[str, str] = {
    "id": "stable story id",
    "title": "title of the story's original page; for an original without one, its first sentence (a wire header, "
             "dateline and tokeniser marks taken off; a wire summary's first bullet), up to 200 characters",
    "pages": "ids of all its pages, copies included, in the order they were added",
    "page_count": "number of pages",
    "original": "id of the page most likely to be the original report",
    "first_date": "earliest estimated publication date among its pages (YYYY-MM-DD)",
    "last_date": "latest estimated publication date among its pages (YYYY-MM-DD)",
    "storyline": "id of the storyline the story belongs to (stories that continue each other)",
    "aliases": ("ids of stories merged into this one, or regrouped into it by a rebuild, `delete` or `run --update` "
                "(it holds most of their pages); each still resolves to it (`storyline show OLD_ID`)"),
    "sources": "independent sources: distinct sites of its pages, a copy group counting once",
}

STORYLINE_FIELDS: dict[str, str] = {
    "id": "storyline id (derived from its first story)",
    "name": "its heaviest names: actors and places its stories share",
    "stories": "ids of its stories, in date order",
    "story_count": "number of stories",
    "page_count": "number of pages over all its stories",
    "first_date": "first day of its first story (YYYY-MM-DD)",
    "last_date": "last day of its last story (YYYY-MM-DD)",
    "aliases": ("ids of storylines that merged into this one, or were regrouped into it by a rebuild, `delete` or "
                "`run --update` (it holds most of their pages); each still resolves to it (`storyline show OLD_ID`)"),
}

COPY_LINK_FIELDS: dict[str, str] = {
    "a": "one page of a verified pair (`export`: every pair the copy stage verified, not only each page's "
         "link to its original)",
    "b": "the other page",
    "relation": "exact, near or contained, as on pages",
    "score": "the pair's verified score (see `relation_score`)",
}

REPORT_ROW_FIELDS: dict[str, str] = {
    "id": "the story the report is of (`export` writes the stored, up-to-date story reports: a run builds "
          "those of stories of two pages or more, `show` and the web reader the others)",
    "report": "the report as `show --json` carries it: entities, quotes, claims, timeline, summary",
}

REPORT_FIELDS: dict[str, str] = {
    "entities": "people, organisations and places named in its pages, spellings joined: "
                "list of {name, type, aliases, pages}",
    "quotes": "direct quotations with their speaker (a canonical entity name, or null): list of {speaker, text, pages}",
    "claims": "its statements, most independently confirmed first: list of {text, sources, pages}; "
              "sources: the wire, site or original page behind each, a copy counting as its original",
    "timeline": "its dated events, each with its own date (YYYY-MM-DD, YYYY-MM or YYYY): "
                "list of {date, text, sources, pages}",
    "summary": "a short extractive summary, one {text, sources, pages} per sentence",
    "storyline_name": "the name of its storyline, or null",
}


WIDE_DAYS = 14  # beyond this margin an estimate is shown as its interval


def published_text(published: dict | None, claimed: str | None = None, sep: str = "..") -> str:
    """An estimated publication date with its uncertainty, as `show`, `pages` and the web reader
    print it: '2023-10-18 ±3d', the exact day ('2024-01-14 ±0d'), or the interval when it is
    wide ('2023-09-01..2023-12-20'); the claimed date, or '?', when nothing dates the page."""
    published = published or {}
    value = published.get("value")
    if not value:
        return claimed or "?"
    try:
        day = date.fromisoformat(value)
        earliest = date.fromisoformat(published.get("earliest") or value)
        latest = date.fromisoformat(published.get("latest") or value)
    except ValueError:
        return value
    margin = max((day - earliest).days, (latest - day).days, 0)
    return f"{earliest}{sep}{latest}" if margin > WIDE_DAYS else f"{value} ±{margin}d"


def report_json(report) -> dict:
    """A `report.Report` as `show --json` prints it."""
    def cited(x) -> dict:
        return {"text": x.text, "sources": list(x.sources), "pages": list(x.pages)}
    return {
        "entities": [{"name": e.name, "type": e.type, "aliases": list(e.aliases), "pages": list(e.pages)}
                     for e in report.entities],
        "quotes": [{"speaker": q.speaker, "text": q.text, "pages": list(q.pages)} for q in report.quotes],
        "claims": [cited(c) for c in report.claims],
        "timeline": [{"date": e.when, **cited(e)} for e in report.timeline],
        "summary": [cited(x) for x in report.summary],
    }


# The page fields `show` lists for each page of a story.
MEMBER_FIELDS = ("id", "source", "title", "claimed_date", "published", "misdated", "content_farm", "agency",
                 "duplicate_of", "relation", "relation_score")


def public_page(page: dict) -> dict:
    """A stored page as printed: a report that is no copy shows its version / rewrite relation."""
    if page.get("duplicate_of") is None and page.get("related_to"):
        page = {**page, "duplicate_of": page["related_to"], "relation": page["related_as"],
                "relation_score": page["related_score"]}
    return page


def dateline_json(dateline: Dateline | None) -> dict | None:
    return {"place": dateline.place, "agency": dateline.agency, "raw": dateline.raw} if dateline else None


def injections_json(injections: tuple[Injection, ...]) -> list[dict]:
    return [{"text": i.text, "where": i.where} for i in injections]


def signals_json(signals: PageSignals) -> dict:
    return {"categories": list(signals.categories), "byline_label": signals.byline_label,
            "claimed_date_where": signals.claimed_date_where, "unrelated_headlines": signals.unrelated_headlines,
            "rendered_date": signals.rendered_date, "removed": list(signals.removed)}


NO_PUBLISHED = {"value": None, "earliest": None, "latest": None, "confidence": 0.0, "evidence": []}


def published_json(p: Published) -> dict:
    return {"value": p.value.isoformat() if p.value else None,
            "earliest": p.earliest.isoformat() if p.earliest else None,
            "latest": p.latest.isoformat() if p.latest else None,
            "confidence": p.confidence, "evidence": list(p.evidence)}


def content_farm_json(farm: ContentFarm) -> dict:
    return {"score": farm.score, "reasons": list(farm.reasons)}


def article_json(article: Article, forensics: Forensics) -> dict:
    """A page judged on its own (no store: no copies, no story to lean on)."""
    page = {
        "id": article.id, "source": article.source, "url": article.url, "status": "ok", "reason": None,
        "title": article.title, "text": article.text, "byline": article.byline, "site_name": article.site_name,
        "claimed_date": article.claimed_date, "rendered_date": article.signals.rendered_date,
        "published": published_json(forensics.published),
        "misdated": forensics.misdated, "dateline": dateline_json(article.dateline), "agency": article.agency,
        "injections": injections_json(forensics.injections), "content_farm": content_farm_json(forensics.content_farm),
        "warnings": list(article.warnings), "duplicate_of": None, "relation": None, "relation_score": None,
        "original_reasons": None, "story": None,
    }
    assert list(page) == list(PAGE_FIELDS)
    return page


def skipped_json(skipped: Skipped) -> dict:
    page = dict.fromkeys(PAGE_FIELDS)
    page.update(id=skipped.id, source=skipped.source, status="skipped", reason=skipped.reason,
                injections=[], warnings=[], published=NO_PUBLISHED, misdated=False, content_farm=None)
    return page
