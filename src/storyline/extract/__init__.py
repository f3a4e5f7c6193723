"""Extraction: Page in, Article (clean text + metadata) or Skipped out."""
from __future__ import annotations

import logging

from ..config import Config
from dataclasses import replace

from ..records import Article, Page, PageSignals, Skipped
from .dates import only_date, parse_printed_date, publication_stamp
from .html import extract_html
from .sanitize import strip_invisible
from .meta import agency_from_credits, clean_title, find_dateline, remove_injected_tokens
from .signals import html_page_signals, removed_lines, text_page_signals
from . import lines as L
from .text import clean_text, ends_sentence, looks_like_article, sniff_furniture

log = logging.getLogger(__name__)
# A headline is a line; a title field of a megabyte (a feed's mistake or an attack) would be
# stored, printed and read by NER whole (spaCy refuses texts over a million characters).
MAX_TITLE_CHARS = 1000

__all__ = ["extract_page"]


def _normalise_date(value: str | None) -> str | None:
    if not value:
        return None
    found = parse_printed_date(value)
    return found[0].isoformat() if found else None


def _text_kind(page: Page, content: str, config: Config) -> tuple[str, str | None]:
    """'article' or 'page' as the record or the run states it; else the sniffed kind, with the
    warning that says so."""
    stated = page.text_kind if page.text_kind in ("article", "page") else None
    stated = stated or (config.text_kind if config.text_kind != "auto" else None)
    if stated:
        return stated, None
    if page.text_kind != "sniff":
        return "page", None  # a text file: a saved page
    furniture, lines = sniff_furniture(content)
    kind = "article" if looks_like_article(furniture, lines) else "page"
    what = "kept whole" if kind == "article" else "cleaned"
    return kind, f"{kind} (text_kind sniffed: {furniture} of {lines} lines look like page furniture; {what})"


def extract_page(page: Page, config: Config = Config()) -> Article | Skipped:
    """Clean text and metadata of one page; Skipped with the reason if there is no article."""
    try:
        return _extract(page, config)
    except RecursionError:
        return Skipped(page.id, page.source, "page structure too deeply nested to parse")
    except MemoryError:  # the worker names the memory limit that stopped it (run/workers.py)
        raise
    except Exception as err:  # a bad page must never stop the run
        log.debug("extraction failed for %s", page.source, exc_info=True)
        return Skipped(page.id, page.source, f"extraction failed: {type(err).__name__}: {err}"[:500])


def _extract(page: Page, config: Config) -> Article | Skipped:
    content, invisible = strip_invisible(page.content)
    warnings = page.warnings
    if invisible:
        warnings += (f"removed {invisible} invisible or direction-control character(s)",)
    page_title = strip_invisible(page.title)[0] if page.title else None
    if page.kind == "html":
        parts = extract_html(content, page.url)
        warnings += parts.warnings
        raw_title, body, header = parts.title, parts.body, parts.header
        byline, site, claimed = parts.byline, parts.site_name, parts.claimed_date
        signals = html_page_signals(parts.categories, bool(claimed))
        # Menus, link lists, footers: the visible lines the article does not hold.
        signals = replace(signals, removed=removed_lines(header or parts.page_lines, raw_title, body))
    elif content.strip() and (kind := _text_kind(page, content, config))[0] == "article":
        raw_title, header, byline, site, claimed = None, [], None, None, None
        body = [L.normalise_space(p) for p in content.splitlines() if p.strip()]
        signals = PageSignals()
        if (stamp := publication_stamp("\n".join(body[:10]))) is not None:
            claimed, signals = stamp[0].isoformat(), PageSignals(claimed_date_where="printed")
        stamp_line = stamp is not None and only_date(body[0]) and publication_stamp(body[0]) is not None
        if len(body) > 1 and len(body[0].split()) <= 20 and not ends_sentence(body[0]) and not stamp_line:
            raw_title, body = body[0], body[1:]  # a headline line above the article (a stamp line is none)
        warnings += (kind[1],) if kind[1] else ()
    elif content.strip():
        warnings += (kind[1],) if kind[1] else ()
        cleaned = clean_text(content)
        raw_title, body, header = cleaned.title, cleaned.body, cleaned.header
        byline, site, claimed = cleaned.byline, None, cleaned.claimed_date
        signals = text_page_signals(cleaned.page_lines, header, cleaned.title, body, cleaned.claimed_line)
        signals = replace(signals, removed=removed_lines(cleaned.page_lines, cleaned.title, body))
        if claimed is None and (stamp := publication_stamp("\n".join(body[:10]))) is not None:
            # Stamped at the head of the article, under its headline: the story's date, not a masthead's.
            claimed, signals = stamp[0].isoformat(), replace(signals, claimed_date_where="printed")
    else:  # a headline-only record (JSONL with a title and no text)
        raw_title, body, header, byline, site, claimed = None, [], [], None, None, None
        signals = PageSignals()
    if page.claimed_date:
        signals = replace(signals, claimed_date_where="record")

    if signals.claimed_date_where == "masthead":  # a render date, not a publication claim
        signals = replace(signals, claimed_date_where=None, rendered_date=_normalise_date(claimed))
        claimed = None
    raw_title = page_title or raw_title
    if raw_title and len(raw_title) > MAX_TITLE_CHARS:  # a feed's title field can hold anything
        warnings += (f"title cut to {MAX_TITLE_CHARS:,} characters (it had {len(raw_title):,})",)
        raw_title = raw_title[:MAX_TITLE_CHARS]
    text = "\n\n".join(body)
    if not text and not page_title:
        cause = next((w for w in warnings if w.startswith("page nested")), None)  # the real cause, if known
        return Skipped(page.id, page.source, "no article text found" + (f": {cause}" if cause else ""))
    title, injections, title_site = clean_title(raw_title, text) if raw_title else (None, (), None)
    prefix_tokens = [inj.text for inj in injections if inj.where == "title-prefix"]
    if prefix_tokens:
        text, body_injections = remove_injected_tokens(text, prefix_tokens)
        injections += body_injections
    if len(text) > config.max_text_chars:
        warnings += (f"text cut to max_text_chars = {config.max_text_chars:,} characters (it had {len(text):,})",)
        text = text[: config.max_text_chars]
    record_day = _normalise_date(page.claimed_date)
    if page.claimed_date and not record_day:
        warnings += (f"the record's date {page.claimed_date[:40]!r} names no day: not used as a claimed date",)
    dateline = find_dateline(text)
    agency = dateline.agency if dateline and dateline.agency else agency_from_credits(header, text)
    return Article(
        id=page.id,
        source=page.source,
        title=title or None,
        text=text,
        byline=byline,
        site_name=page.site or site or title_site,
        claimed_date=record_day or _normalise_date(claimed),
        dateline=dateline,
        agency=agency,
        url=page.url,
        read_from=page.read_from,
        injections=injections,
        warnings=warnings,
        signals=signals,
    )
