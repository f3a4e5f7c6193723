"""The `storyline` command: parse, call the library, print.

Exit codes: 0 ok, 1 some pages were skipped (see `storyline pages --errors`),
2 usage error or fatal error (unreadable store, missing input).
"""
from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from datetime import date
from pathlib import Path
from typing import Any

from .api import Storyline, extract
from .config import load_config
from .errors import StoreError, StorylineError, UsageError
from .export import FORMATS
from .records import CONTENT_FARM_AT, COPY_RELATIONS, PageFilter
from . import __version__
from .run.rebuild import STAGES
from .read import check_inputs, count_pages, describe_unread
from .schema import PAGE_FIELDS, STORY_FIELDS, STORYLINE_FIELDS, published_text
from .web.serve import add_parser as serve_parser, cmd_serve
from .cli_dask import add_engine_options, add_load_parser, cmd_load, run_with_dask

OK, SKIPPED, FATAL = 0, 1, 2

_EPILOG = "JSON fields (stable):\n  page: " + ", ".join(PAGE_FIELDS) + "\n  story: " + ", ".join(STORY_FIELDS) + \
    "\n  storyline: " + ", ".join(STORYLINE_FIELDS) + \
    "\nExit codes: 0 ok, 1 some pages skipped (see `storyline pages --errors`), 2 usage or fatal error."


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", default="storyline.db", help="SQLite store (default: ./storyline.db)")
    common.add_argument("--config", help="TOML configuration file (default: ./storyline.toml if present)")
    common.add_argument("--json", action="store_true", help="print JSON instead of text")
    common.add_argument("-v", "--verbose", action="store_true", help="log progress details to stderr")

    parser = argparse.ArgumentParser(
        prog="storyline", description="Scraped news pages in: clean articles, copies and originals, stories out.",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"storyline {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", parents=[common], help="ingest pages and update copies and stories",
                         description="Read INPUTs (files, folders read recursively, '-' for stdin; .txt, "
                                     ".html/.htm (.gz), .warc(.gz), .jsonl), extract articles, find copies "
                                     "and group stories. Re-running adds nothing twice.")
    run.add_argument("inputs", nargs="+", metavar="INPUT")
    run.add_argument("--workers", type=_positive, default=None,
                     help="extraction processes (default 1); with --engine dask, the local cluster's worker "
                          "processes (default: one per core)")
    run.add_argument("--max-page-bytes", type=int, help="skip pages larger than this")
    run.add_argument("--text-kind", choices=("article", "page"),
                     help="plain texts (JSONL text, .txt files) are clean articles, kept whole, or page dumps, "
                          "cleaned of furniture (default: a record's own text_kind, else sniffed per record; "
                          ".txt files are pages)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    run.add_argument("--update", action="store_true",
                     help="a stored page whose id comes with new content is replaced by the new version "
                          "(the old one is recorded as superseded; stories are then recomputed)")
    add_engine_options(run)
    run.add_argument("--no-reports", action="store_true",
                     help="leave story reports to `show` (NER over each page's text costs several times "
                          "its extraction)")

    rebuild = sub.add_parser(
        "rebuild", parents=[common], help="recompute copies, dates, stories or storylines from the stored pages",
        description="After a change of settings or of the join model: recompute a stage and every stage after it "
                    "from the stored pages, without reading the inputs again (copies -> dates and stories -> "
                    "storylines; dates and stories lean on each other and are recomputed together). One "
                    "transaction: the store is as it was if the rebuild fails.")
    rebuild.add_argument("--stage", choices=STAGES, default="copies", help="where to start (default: copies)")

    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="estimated publication date on or after")
    filters.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="estimated publication date on or before")
    filters.add_argument("--site", help="a site name or host (apnews.com)")
    filters.add_argument("--agency", help="a news agency named in the dateline or byline (AP, Reuters)")
    farm = filters.add_mutually_exclusive_group()
    farm.add_argument("--content-farm", dest="content_farm", action="store_const", const=True,
                      help="only content farms' copies")
    farm.add_argument("--no-content-farm", dest="content_farm", action="store_const", const=False,
                      help="no content farms' copies")
    filters.add_argument("--misdated", action="store_const", const=True, help="only pages flagged misdated")
    filters.add_argument("--story", metavar="STORY_ID", help="only this story's pages")
    filters.add_argument("--query", metavar="TEXT", help="words that must all occur in the title or text")
    filters.add_argument("--limit", type=_positive, metavar="N", help="at most N")

    stories = sub.add_parser("stories", parents=[common, filters],
                             help="list stories (id, pages, sources, date span, title)",
                             description="Stories in the order they were opened; with filters, those with a "
                                         "page that passes them all.")
    stories.add_argument("edit", nargs="*", metavar="merge A B | split STORY PAGE_ID...",
                         help="edit by hand (later runs keep it): merge story B into A, or move pages "
                              "(with their copies) out of STORY into a new story")
    stories.add_argument("--storyline", metavar="STORYLINE_ID", help="only the stories of this storyline")
    stories.add_argument("--sort", choices=("date", "size", "sources"),
                         help="date: newest first; size: most pages; sources: most independent sources")
    sub.add_parser("storylines", parents=[common], help="list storylines: stories that continue each other")
    show = sub.add_parser("show", parents=[common], help="one story: its pages, the original, the copies, and its "
                                                         "report; one storyline: its stories and report; or one "
                                                         "page (given a page id): its metadata and text")
    show.add_argument("story_id", metavar="STORY_ID|STORYLINE_ID|PAGE_ID")
    show.add_argument("--no-report", action="store_true",
                      help="pages and roles only: no entities, quotes, claims, timeline or summary")
    pages = sub.add_parser("pages", parents=[common, filters], help="per page: metadata, copy relation, story")
    pages.add_argument("--sort", choices=("date",), help="date: newest estimated publication date first")
    pages.add_argument("--errors", action="store_true", help="only skipped pages, with the reason")

    ext = sub.add_parser("extract", parents=[common], help="clean text and metadata of pages, no store",
                         description="Stateless: prints one object per page (one JSON object per line with --json).")
    ext.add_argument("inputs", nargs="+", metavar="FILE")

    delete = sub.add_parser(
        "delete", parents=[common], help="remove pages for good; copies, dates and stories are recomputed",
        description="Remove pages (by id, or everything read from a source: a file, a URL, or a container "
                    "such as feed.jsonl with all its records) with their copy links; then copy groups, dates, "
                    "stories and storylines are recomputed without them, in one transaction.")
    delete.add_argument("page_ids", nargs="*", metavar="PAGE_ID")
    delete.add_argument("--source", action="append", default=[], metavar="SOURCE",
                        help="also every page read from SOURCE (repeatable)")

    exp = sub.add_parser("export", parents=[common], help="write pages and stories to a file")
    exp.add_argument("--format", choices=FORMATS, default="jsonl",
                     help="jsonl: one object per line (OUT - for stdout); csv, parquet: a folder OUT of pages, "
                          "stories and storylines tables")
    exp.add_argument("out", metavar="OUT")
    serve_parser(sub, common)
    add_load_parser(sub, common)
    return parser


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _filter(args) -> PageFilter:
    return PageFilter(since=args.since, until=args.until, site=args.site, agency=args.agency,
                      content_farm=args.content_farm, misdated=args.misdated, story=args.story, query=args.query)


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not a positive number")
    return number


def _print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _short(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _progress(enabled: bool, inputs: list[str]):
    """A progress bar on stderr: pages read against the count of the inputs when that is cheap to
    know (with an ETA), then the name of each stage after reading."""
    if not enabled:
        return None, None, None
    from tqdm import tqdm

    bar = tqdm(total=count_pages(inputs), unit=" pages", desc="reading", file=sys.stderr, dynamic_ncols=True)

    def phase(name: str) -> None:
        bar.set_description(name)
        bar.refresh()

    return bar, bar.update, phase


def _print_summary(summary, args) -> None:
    if args.json:
        _print_json(summary.as_dict())
        return
    t = summary.totals
    if summary.read:
        print(f"read {summary.read} pages: {summary.added} added, {summary.already_stored} already stored, "
              f"{len(summary.skipped)} skipped")
    for source, reason in summary.skipped[:20]:
        print(f"  skipped {source}: {reason}")
    if len(summary.skipped) > 20:
        print(f"  ... {len(summary.skipped) - 20} more: storyline pages --errors")
    for note in summary.notes:
        print(f"note: {note}")
    if summary.superseded:
        print(f"  {summary.superseded} stored pages replaced by a new version (the old ones are recorded as "
              "superseded); copies, dates and stories were recomputed")
    if summary.settled_for_others:
        print(f"  (also put into stories: {summary.settled_for_others} pages another run stored and left pending; "
              "the story counts below include them)")
    if summary.unread:
        print(f"not read: {describe_unread([Path(f) for f in summary.unread])} of kinds storyline does not read"
              + ("" if args.verbose else " (-v lists them)"))
        if args.verbose:
            for name in summary.unread:
                print(f"  not read: {name}")
    print(f"new copies found: {summary.new_duplicates}; stories opened: {summary.new_stories}, "
          f"pages joining stories: {summary.joined_stories}, reports split off: {summary.split_reports}, "
          f"stories merged: {summary.merged_stories}")
    print(f"store {args.db}: {t['pages']} pages, {t['duplicates']} copies, {t['stories']} stories, "
          f"{t['storylines']} storylines, {t['skipped']} skipped")


def _existing_store(db: str) -> str:
    """A command that edits a store never creates one."""
    if not Path(db).exists():
        raise StoreError(f"no store at {db} (create one with `storyline run --db {db} INPUT`)")
    return db


def cmd_rebuild(args, config) -> int:
    with Storyline(_existing_store(args.db), config) as sl:
        _print_summary(sl.rebuild(args.stage), args)
    return OK


def cmd_run(args, config) -> int:
    check_inputs(args.inputs)  # before the store is created or opened
    if args.engine == "dask":
        return run_with_dask(args, config)
    bar, update, phase = _progress(sys.stderr.isatty() and not args.no_progress and not args.json, args.inputs)
    try:
        with Storyline(args.db, config) as sl:
            summary = sl.run(args.inputs, workers=args.workers or 1, progress=update, phase=phase, update=args.update,
                             reports=not args.no_reports)
    except KeyboardInterrupt:
        if bar is not None:
            bar.close()
            bar = None
        print(f"\nstoryline: interrupted. {_stored_pages(args.db)} pages are in the store and kept; "
              "run the same command again to resume.", file=sys.stderr)
        return 130
    finally:
        if bar is not None:
            bar.close()
    _print_summary(summary, args)
    return SKIPPED if summary.skipped else OK


def _stored_pages(db: str) -> str:
    try:
        with Storyline(db, read_only=True) as sl:
            return str(sl.store.counts()["pages"])
    except (StorylineError, sqlite3.Error):
        return "the"


def _edit_stories(args, config) -> int:
    action, *rest = args.edit
    with Storyline(_existing_store(args.db), config) as sl:
        if action == "merge" and len(rest) == 2:
            story = sl.show(sl.merge_stories(rest[0], rest[1]))
            print(f"merged {rest[1]} into {story['id']}: {story['page_count']} pages")
        elif action == "split" and len(rest) >= 2:
            story = sl.show(sl.split_story(rest[0], rest[1:]))
            print(f"split {story['page_count']} pages off {rest[0]} into {story['id']}")
        else:
            raise UsageError("stories edits: `stories merge A B` or `stories split STORY PAGE_ID...`")
    return OK


def cmd_stories(args, config) -> int:
    if args.edit:
        return _edit_stories(args, config)
    with Storyline(args.db, config, read_only=True) as sl:
        stories = sl.stories(storyline=args.storyline, where=_filter(args), sort=args.sort, limit=args.limit)
    if args.json:
        _print_json(stories)
        return OK
    for s in stories:
        span = s["first_date"] or "?"
        if s["last_date"] and s["last_date"] != s["first_date"]:
            span += f"..{s['last_date']}"
        print(f"{s['id']}  {s['page_count']:>3} pages  {s['sources']:>3} sources  {span:<22}  {_short(s['title'], 90)}")
    print(f"{len(stories)} stories")
    return OK


def cmd_storylines(args, config) -> int:
    with Storyline(args.db, config, read_only=True) as sl:
        lines = sl.storylines()
        titles = {s["id"]: s["title"] for s in sl.stories()}
    if args.json:
        _print_json(lines)
        return OK
    for line in lines:
        span = f"{line['first_date'] or '?'}..{line['last_date'] or '?'}"
        print(f"{line['id']}  {line['story_count']:>3} stories {line['page_count']:>4} pages  {span:<22}  "
              f"{_short(line['name'], 70)}")
        for story_id in line["stories"][:5]:
            print(f"      {story_id}  {_short(titles.get(story_id), 80)}")
        if line["story_count"] > 5:
            print(f"      ... {line['story_count'] - 5} more (storyline stories --storyline {line['id']})")
    print(f"{len(lines)} storylines")
    return OK


def cmd_show(args, config) -> int:
    with Storyline(args.db, config, read_only=True) as sl:
        story = sl.show(args.story_id, report=not args.no_report)
        line = sl.show_storyline(args.story_id, report=not args.no_report) if story is None else None
        page = sl.page(args.story_id) if story is None and line is None else None
        if page is not None and not args.json:
            page["earlier_versions"] = sl.store.superseded(page["id"])
    if line is not None:
        return _show_storyline(line, args)
    if story is None and page is not None:
        return _show_page(page, args)
    if story is None:
        print(f"storyline: no story or page {args.story_id!r} (see `storyline stories`, `storyline pages`)",
              file=sys.stderr)
        return FATAL
    if args.json:
        _print_json(story)
        return OK
    if story["id"] != args.story_id:
        print(f"({args.story_id} was merged into {story['id']})")
    print(f"{story['id']}: {story['title']}")
    print(f"  {story['page_count']} pages, published {story['first_date'] or '?'} .. {story['last_date'] or '?'}")
    for m in story["members"]:
        role = "original" if m["id"] == story["original"] else (_relation(m) or "report")
        print(f"  {m['id']}  {_published(m):<22}  {role:<32} {_short(m['title'], 60)}")
        print(f"      {m['source']}")
        flags = _flags(m)
        if flags:
            print(f"      {flags}")
    if story.get("storyline_name"):
        print(f"  storyline {story['storyline']}: {story['storyline_name']}")
    _print_report(story)
    return OK


def _show_storyline(line: dict, args) -> int:
    if args.json:
        _print_json(line)
        return OK
    print(f"{line['id']}: {line['name'] or '(no name)'}")
    print(f"  {line['story_count']} stories, {line['page_count']} pages, {line['first_date'] or '?'} .. "
          f"{line['last_date'] or '?'}")
    for s in line["story_list"]:
        print(f"  {s['id']}  {s['first_date'] or '?'}  {s['page_count']:>4} pages  {_short(s['title'], 70)}")
    _print_report(line)
    return OK


def _cites(item: dict) -> str:
    sources = item["sources"]
    return f"  [{len(sources)} source{'s' if len(sources) != 1 else ''}: {', '.join(sources[:4])}" \
           f"{', …' if len(sources) > 4 else ''}]"


def _print_report(report: dict) -> None:
    """The report sections as readable text (absent with --no-report)."""
    if "summary" not in report:
        return
    if report["summary"]:
        print("\nSummary")
        for x in report["summary"]:
            print(f"  - {_short(x['text'], 300)}{_cites(x)}")
    if report["timeline"]:
        print("\nTimeline")
        for e in report["timeline"]:
            print(f"  {e['date']:<10}  {_short(e['text'], 200)}{_cites(e)}")
    people = [e for e in report["entities"] if e["type"] == "PERSON"][:12]
    others = [e for e in report["entities"] if e["type"] != "PERSON"][:12]
    if people or others:
        print("\nWho and where")
        for e in people + others:
            aka = f" (also {', '.join(e['aliases'][:4])})" if e["aliases"] else ""
            print(f"  {e['type']:<7} {e['name']}{aka}: {len(e['pages'])} page(s)")
    if report["quotes"]:
        print("\nQuotes")
        for q in report["quotes"][:10]:
            print(f"  {q['speaker'] or '(speaker not named)'}: “{_short(q['text'], 250)}” ({len(q['pages'])} page(s))")
    if report["claims"]:
        print("\nClaims, most independently confirmed first")
        for c in report["claims"][:10]:
            print(f"  - {_short(c['text'], 250)}{_cites(c)}")


def _show_page(page: dict, args) -> int:
    """One page: what it is, where it sits, and its clean text."""
    if args.json:
        _print_json(page)
        return OK
    print(f"{page['id']}: {_or_none(page['title'])}")
    print(f"  source: {page['source']}")
    if page["status"] == "skipped":
        print(f"  SKIPPED: {page['reason']}")
        return OK
    print(f"  published {_published(page)}  claimed {_or_none(page['claimed_date'])}  site {_or_none(page['site_name'])}"
          f"  agency {_or_none(page['agency'])}")
    print(f"  story {_or_none(page['story'])}  {_relation(page) or 'report'}")
    flags = _flags(page)
    if flags:
        print(f"  {flags}")
    for old in page.get("earlier_versions", []):
        print(f"  replaced {old['replaced_at']}: an earlier version, {_or_none(old['title'])!r} ({old['source']})")
    print(f"\n{page['text']}")
    return OK


def _relation(page: dict) -> str | None:
    """'near copy of X', 'version of X', 'rewrite of X', or None."""
    if not page.get("duplicate_of"):
        return None
    kind = page["relation"]
    return f"{kind} copy of {page['duplicate_of']}" if kind in COPY_RELATIONS else \
        f"{kind} of {page['duplicate_of']}"


def _published(page: dict) -> str:
    return published_text(page.get("published"), page.get("claimed_date"))


def _flags(page: dict) -> str:
    """One line of forensics: content farm and a lying date."""
    out = []
    farm = page.get("content_farm") or {}
    if farm.get("score", 0) >= CONTENT_FARM_AT:
        out.append(f"CONTENT FARM ({farm['score']:.2f}): " + "; ".join(farm.get("reasons", [])[:3]))
    if page.get("misdated"):
        out.append(f"MISDATED: claims {page['claimed_date']}")
    return "  ".join(out)


def cmd_pages(args, config) -> int:
    with Storyline(args.db, config, read_only=True) as sl:
        pages = sl.pages(errors=args.errors, where=_filter(args), sort=args.sort, limit=args.limit)
    if args.json:
        _print_json(pages)
        return OK
    originals = {p["duplicate_of"] for p in pages if p.get("duplicate_of")}
    if any(p["status"] != "skipped" for p in pages):
        print(f"{'PAGE':<16}  {'PUBLISHED':<22}  {'DATELINE':<12} {'AGENCY':<8} {'STORY':<16}  ROLE\n"
              f"    TITLE\n    SOURCE")
    for p in pages:
        if p["status"] == "skipped":
            print(f"{p['id']}  SKIPPED  {p['source']}\n    reason: {p['reason']}")
            continue
        place = p["dateline"]["place"] if p["dateline"] else "-"
        role = _relation(p) or ("original" if p["id"] in originals else "report")
        print(f"{p['id']:<16}  {_published(p):<22}  {place:<12} {p['agency'] or '-':<8} {p['story'] or '-':<16}  "
              f"{role}\n    {_short(p['title'], 100)}\n    {p['source']}")
        flags = _flags(p)
        if flags:
            print(f"    {flags}")
    print(f"{len(pages)} pages")
    return OK


def cmd_extract(args, config) -> int:
    status = OK
    for page in extract(args.inputs, config):
        if page["status"] == "skipped":
            status = SKIPPED
        if args.json:
            sys.stdout.write(json.dumps(page, ensure_ascii=False) + "\n")
            continue
        if page["status"] == "skipped":
            print(f"== {page['source']}\nSKIPPED: {page['reason']}\n")
            continue
        pub = page["published"]
        estimate = (f"{pub['value']} [{pub['earliest']} .. {pub['latest']}] confidence {pub['confidence']}"
                    if pub["value"] else "none (no date in or around the page)")
        print(f"== {page['source']}\ntitle: {_or_none(page['title'])}\nclaimed date: {_or_none(page['claimed_date'])}  "
              f"dateline: {_or_none(page['dateline'] and page['dateline']['raw'])}  agency: {_or_none(page['agency'])}\n"
              f"published (estimate, this page alone): {estimate}")
        flags = _flags(page)
        if flags:
            print(flags)
        if page["injections"]:
            print("injections: " + ", ".join(f"{i['text']!r} ({i['where']})" for i in page["injections"]))
        print(f"\n{page['text']}\n")
    return status


def _or_none(value: object) -> object:
    return "none" if value is None or value == "" else value


def cmd_delete(args, config) -> int:
    if not args.page_ids and not args.source:
        raise UsageError("delete needs page ids or --source")
    with Storyline(_existing_store(args.db), config) as sl:
        unknown = [i for i in args.page_ids if not sl.store.has_page(i)]
        if unknown:
            raise UsageError(f"no page {', '.join(map(repr, unknown))} in {args.db} (see `storyline pages`)")
        removed, summary = sl.delete(args.page_ids, sources=args.source)
    if args.json:
        _print_json({"pages_deleted": removed, **summary.as_dict()})
        return OK
    print(f"deleted {removed} pages")
    _print_summary(summary, args)
    return OK


def cmd_export(args, config) -> int:
    with Storyline(args.db, config, read_only=True) as sl:
        n = sl.export(sys.stdout if args.out == "-" else args.out, args.format)
    print(f"wrote {n} records to {'stdout' if args.out == '-' else args.out}", file=sys.stderr)
    return OK


COMMANDS = {"run": cmd_run, "rebuild": cmd_rebuild, "stories": cmd_stories, "storylines": cmd_storylines, "show": cmd_show, "pages": cmd_pages,
            "extract": cmd_extract, "export": cmd_export, "delete": cmd_delete, "serve": cmd_serve,
            "load": lambda args, config: cmd_load(args, config, _print_summary)}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="storyline: %(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config, max_page_bytes=getattr(args, "max_page_bytes", None),
                             text_kind=getattr(args, "text_kind", None))
        return COMMANDS[args.command](args, config)
    except KeyboardInterrupt:
        print("\nstoryline: interrupted. Pages stored so far are kept; run the same command again to resume.",
              file=sys.stderr)
        return 130
    except BrokenPipeError:  # `storyline pages | head`: the reader left
        sys.stderr.close()
        return OK
    except sqlite3.OperationalError as err:
        print(f"storyline: error: store {args.db}: {err} (another process may hold it; try again)",
              file=sys.stderr)
        return FATAL
    except (StorylineError, OSError) as err:  # anything else is a bug: its traceback shows
        print(f"storyline: error: {err}", file=sys.stderr)
        return FATAL


if __name__ == "__main__":
    sys.exit(main())
