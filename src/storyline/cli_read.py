"""The commands that print what a store holds (`stories`, `storylines`, `show`, `pages`) and
what `extract` finds in a page, as text for a person or as JSON; and the story edits
(`stories merge` / `split`). Scraped text is printed as text, cut to a width, never run."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from .api import Storyline, extract
from .errors import StoreError, UsageError
from .read import check_inputs
from .records import CONTENT_FARM_AT, COPY_RELATIONS, PageFilter
from .schema import published_text

OK, SKIPPED, FATAL = 0, 1, 2  # the exit codes of every command (cli.py, cli_dask.py)

def _filter(args) -> PageFilter:
    return PageFilter(since=args.since, until=args.until, site=args.site, agency=args.agency,
                      content_farm=args.content_farm, misdated=args.misdated, story=args.story, query=args.query)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _short(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def existing_store(db: str) -> str:
    """A command that edits a store never creates one."""
    if not Path(db).exists():
        raise StoreError(f"no store at {db} (create one with `storyline run --db {db} INPUT`)")
    return db


def _edit_stories(args, config) -> int:
    action, *rest = args.edit
    with Storyline(existing_store(args.db), config) as sl:
        if action == "merge" and len(rest) == 2:
            story = sl.show(sl.merge_stories(rest[0], rest[1]))
            said = f"merged {rest[1]} into {story['id']}: {story['page_count']} pages"
        elif action == "split" and len(rest) >= 2:
            story = sl.show(sl.split_story(rest[0], rest[1:]))
            said = f"split {story['page_count']} pages off {rest[0]} into {story['id']}"
        else:
            raise UsageError("stories edits: `stories merge A B` or `stories split STORY PAGE_ID...`")
    if args.json:  # the story as it now is (as `show --json` gives it)
        print_json({"edit": action, "story": story})
    else:
        print(said)
    return OK


def cmd_stories(args, config) -> int:
    if args.edit:
        return _edit_stories(args, config)
    with Storyline(args.db, config, read_only=True) as sl:
        stories = sl.stories(storyline=args.storyline, where=_filter(args), sort=args.sort, limit=args.limit)
    if args.json:
        print_json(stories)
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
        print_json(lines)
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
        print_json(story)
        return OK
    if story["id"] != args.story_id:
        print(f"({args.story_id} is now part of {story['id']}: merged into it, or regrouped by a rebuild)")
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
        print_json(line)
        return OK
    if line["id"] != args.story_id:  # an alias: the storyline merged, or a rebuild regrouped it
        print(f"({args.story_id} is now part of {line['id']})")
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
        print_json(page)
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
        print_json(pages)
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
    check_inputs(args.inputs)  # as run does: a missing path or a folder with nothing to read is exit 2
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
