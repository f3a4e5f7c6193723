"""The `storyline` command: parse, call the library, print.

Exit codes: 0 ok, 1 some pages were skipped (see `storyline pages --errors`),
2 usage error or fatal error (unreadable store, missing input).
"""
from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .api import Storyline
from .config import load_config
from .errors import StorylineError, UsageError
from .export import FORMATS
from . import __version__
from .run.rebuild import STAGES
from .read import check_inputs, count_pages, describe_unread
from .schema import PAGE_FIELDS, STORY_FIELDS, STORYLINE_FIELDS
from .terminal import EscapingWriter, printable
from .web.serve import add_parser as serve_parser, cmd_serve
from .cli_dask import add_engine_options, add_load_parser, cmd_load, run_with_dask
from .cli_read import (FATAL, OK, SKIPPED, existing_store, print_json, cmd_extract, cmd_pages, cmd_show, cmd_stories,
                       cmd_storylines)

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
                     help="jsonl: one object per line (OUT - for stdout); csv, parquet: a folder OUT of tables: "
                          "pages, stories, storylines, copy_links and reports")
    exp.add_argument("out", metavar="OUT")
    serve_parser(sub, common)
    add_load_parser(sub, common)
    return parser


def _day(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date YYYY-MM-DD") from None


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number} is not a positive number")
    return number


def _progress(enabled: bool, total: Callable[[], int | None]):
    """A progress bar on stderr: pages read against `total()` when that is cheap to know (with an
    ETA), then the name of each stage after reading."""
    if not enabled:
        return None, None, None
    from tqdm import tqdm

    bar = tqdm(total=total(), unit=" pages", desc="reading", file=sys.stderr, dynamic_ncols=True)

    def phase(name: str) -> None:
        bar.set_description(name)
        bar.refresh()

    return bar, bar.update, phase


def _print_summary(summary, args, recomputed: str | None = None) -> None:
    """`recomputed`: what a rebuild or delete recomputed for the whole store (its counts are then
    the store's, not news of this command)."""
    if args.json:
        print_json(summary.as_dict())
        return
    t = summary.totals
    if summary.read:
        before = f" ({summary.still_skipped} as before, not tried again)" if summary.still_skipped else ""
        print(f"read {summary.read} pages: {summary.added} added, {summary.already_stored} already stored, "
              f"{len(summary.skipped)} skipped{before}")
    for source, reason in summary.skipped[:20]:
        print(f"  skipped {source}: {reason}")
    if len(summary.skipped) > 20:
        print(f"  ... {len(summary.skipped) - 20} more: storyline pages --errors")
    for note in summary.notes:
        print(f"note: {note}")
    if summary.superseded:
        print(f"  {summary.superseded} stored pages replaced by a new version (the old ones are recorded as "
              "superseded)")
    if summary.settled_for_others:
        print(f"  (also put into stories: {summary.settled_for_others} pages another run stored and left pending; "
              "the story counts below include them)")
    if summary.unread:
        print(f"not read: {describe_unread([Path(f) for f in summary.unread])} of kinds storyline does not read"
              + ("" if args.verbose else " (-v lists them)"))
        if args.verbose:
            for name in summary.unread:
                print(f"  not read: {name}")
    if recomputed:
        print(f"recomputed for the whole store: {recomputed}")
    else:
        print(f"new copies found: {summary.new_duplicates}; stories opened: {summary.new_stories}, "
              f"pages joining stories: {summary.joined_stories}, reports split off: {summary.split_reports}, "
              f"stories merged: {summary.merged_stories}")
    print(f"store {args.db}: {t['pages']} pages, {t['duplicates']} copies, {t['stories']} stories, "
          f"{t['storylines']} storylines, {t['skipped']} skipped")


# What `rebuild --stage` recomputes (run/rebuild.py: stories and dates lean on each other, so both go).
REBUILT = {"copies": "copies, dates, stories and storylines", "dates": "dates, stories and storylines",
           "stories": "stories, dates and storylines", "storylines": "storylines"}


def cmd_rebuild(args, config) -> int:
    with Storyline(existing_store(args.db), config) as sl:
        _print_summary(sl.rebuild(args.stage), args, recomputed=REBUILT[args.stage])
    return OK


def cmd_run(args, config) -> int:
    check_inputs(args.inputs)  # before the store is created or opened
    if args.engine == "dask":
        return run_with_dask(args, config)
    bar, update, phase = _progress(sys.stderr.isatty() and not args.no_progress and not args.json,
                                   lambda: count_pages(args.inputs))
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
    _print_summary(summary, args, recomputed="copies, dates, stories and storylines" if summary.settled_whole_store
                   else None)
    return SKIPPED if summary.skipped else OK


def _stored_pages(db: str) -> str:
    try:
        with Storyline(db, read_only=True) as sl:
            return str(sl.store.counts()["pages"])
    except (StorylineError, sqlite3.Error):
        return "the"


def _generation(db: str | None) -> str | None:
    """The store's count of committed changes (None: no store yet): what an interrupt is judged by."""
    if not db or not Path(db).is_file():
        return None
    try:
        con = sqlite3.connect(f"file:{Path(db).resolve()}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        finally:
            con.close()
        return str(row[0]) if row else None
    except sqlite3.Error:
        return None


def _pages_of_source(sl: Storyline, source: str) -> list[str]:
    """The stored pages read from `source`, spelled as given or, for a file that exists, relative
    to here or absolute (a run given `in/feed.jsonl` stores that); [] when none was."""
    spellings = [source]
    if Path(source).exists():
        spellings += [os.path.relpath(source), str(Path(source).resolve())]
    return next((ids for s in dict.fromkeys(spellings) if (ids := sl.store.page_ids_of_sources([s]))), [])


def cmd_delete(args, config) -> int:
    if not args.page_ids and not args.source:
        raise UsageError("delete needs page ids or --source")
    with Storyline(existing_store(args.db), config) as sl:
        unknown = [i for i in args.page_ids if not sl.store.has_page(i)]
        if unknown:
            raise UsageError(f"no page {', '.join(map(repr, unknown))} in {args.db} (see `storyline pages`)")
        of_sources = [_pages_of_source(sl, source) for source in args.source]
        unread = [source for source, ids in zip(args.source, of_sources) if not ids]
        if unread:
            raise UsageError(f"no page in {args.db} was read from {', '.join(map(repr, unread))} (a source is "
                             "matched as `storyline pages` shows it: the file or folder as given to `run`, or a URL)")
        # The sources' pages, found once above, go by id.
        removed, summary = sl.delete([*args.page_ids, *(i for ids in of_sources for i in ids)])
    if args.json:
        print_json({"pages_deleted": removed, **summary.as_dict()})
        return OK
    print(f"deleted {removed} pages")
    _print_summary(summary, args, recomputed="copies, dates, stories and storylines" if removed else None)
    return OK


def cmd_export(args, config) -> int:
    with Storyline(args.db, config, read_only=True) as sl:
        n = sl.export(sys.stdout if args.out == "-" else args.out, args.format)
    print(f"wrote {n} records to {'stdout' if args.out == '-' else args.out}", file=sys.stderr)
    return OK


COMMANDS = {"run": cmd_run, "rebuild": cmd_rebuild, "stories": cmd_stories, "storylines": cmd_storylines, "show": cmd_show, "pages": cmd_pages,
            "extract": cmd_extract, "export": cmd_export, "delete": cmd_delete, "serve": cmd_serve,
            "load": lambda args, config: cmd_load(args, config, _print_summary, _progress)}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    # Log lines quote scraped strings too (warcio logs a record's URI as it is): escaped, as stdout is.
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="storyline: %(levelname)s %(name)s: %(message)s", stream=EscapingWriter(sys.stderr))
    stdout = sys.stdout
    if args.command != "export" and not getattr(args, "json", False):  # for a person: scraped controls escaped
        sys.stdout = EscapingWriter(stdout)
    # What an interrupt of a command that writes in one transaction is judged against.
    one_transaction = args.command in ("rebuild", "delete") or (args.command == "stories" and args.edit)
    before = _generation(args.db) if one_transaction else None
    try:
        if getattr(args, "db", None) == ":memory:":  # SQLite's name for a store that ends with the command
            raise UsageError("--db :memory: would keep nothing after this command: name a file")
        config = load_config(args.config, max_page_bytes=getattr(args, "max_page_bytes", None),
                             text_kind=getattr(args, "text_kind", None))
        return COMMANDS[args.command](args, config)
    except KeyboardInterrupt:
        if args.command == "run" and getattr(args, "engine", None) == "dask":
            said = "Partitions written so far are kept; run the same command again to resume."
        elif args.command in ("run", "load"):
            said = "Pages stored so far are kept; run the same command again to resume."
        elif one_transaction and _generation(args.db) != before:  # stopped after its transaction committed
            said = "The command's changes were stored before the interrupt and are kept; its summary was not printed."
        else:  # rebuild, delete and the story edits are one transaction each: rolled back whole
            said = "Nothing this command changed was kept: the store is as it was before it."
        print(f"\nstoryline: interrupted. {said}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `storyline pages | head`: the reader left
        sys.stderr.close()
        return OK
    except sqlite3.OperationalError as err:
        print(f"storyline: error: store {args.db}: {err} (another process may hold it; try again)",
              file=sys.stderr)
        return FATAL
    except sqlite3.IntegrityError:  # a constraint that what storyline wrote broke: a bug, not a damaged store
        raise
    except sqlite3.DatabaseError as err:  # "database disk image is malformed": a damaged file, not a bug
        print(f"storyline: error: store {args.db}: {err} (the file is damaged: restore it from a copy, or run "
              "the inputs again into a new store)", file=sys.stderr)
        return FATAL
    except (StorylineError, OSError) as err:  # anything else is a bug: its traceback shows
        print(f"storyline: error: {printable(str(err))}", file=sys.stderr)
        return FATAL
    finally:
        sys.stdout = stdout


if __name__ == "__main__":
    sys.exit(main())
