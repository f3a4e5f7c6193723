"""The store's tables: their DDL, creating them, and bringing an older store's up to date."""
from __future__ import annotations

import sqlite3

from .listing import FTS_SCHEMA
from .lsh_index import DDL as DDL_LSH_INDEX

SCHEMA_VERSION = 1

# Tables added after the first release (created in older stores too): the index of
# stories by key term (most recently used first), ids of merged stories, storylines.
_STORY_TABLES = """
CREATE TABLE IF NOT EXISTS story_keys (
    term TEXT NOT NULL, story TEXT NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (term, story)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS story_keys_recent ON story_keys (term, used);
-- A story's or storyline's rows, found without reading the whole index when it is removed.
CREATE INDEX IF NOT EXISTS story_keys_story ON story_keys (story);
CREATE TABLE IF NOT EXISTS story_aliases (alias TEXT PRIMARY KEY, story TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS story_aliases_story ON story_aliases (story);
-- The pages a story or storyline held when its id became an alias: after a rebuild regroups them,
-- its id follows them (store/aliases.py), not the one it joined, which may hold none of them any more.
CREATE TABLE IF NOT EXISTS story_alias_pages (
    alias TEXT NOT NULL, page TEXT NOT NULL, PRIMARY KEY (alias, page)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS storyline_alias_pages (
    alias TEXT NOT NULL, page TEXT NOT NULL, PRIMARY KEY (alias, page)) WITHOUT ROWID;
-- Where pages were before a whole-store recompute, and the aliases then (store/aliases.py): empty
-- between recomputes; in the store, so a `run --update` stopped before its recompute keeps them.
CREATE TABLE IF NOT EXISTS placed_before (page TEXT PRIMARY KEY, story TEXT, storyline TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS aliases_before (
    kind TEXT NOT NULL, alias TEXT NOT NULL, target TEXT, PRIMARY KEY (kind, alias)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS storylines (id TEXT PRIMARY KEY, name TEXT, first_date TEXT, last_date TEXT, state TEXT);
-- Ids of storylines that went (merged, or recomputed otherwise): the storyline holding most of their pages.
CREATE TABLE IF NOT EXISTS storyline_aliases (alias TEXT PRIMARY KEY, storyline TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS storyline_aliases_storyline ON storyline_aliases (storyline);
CREATE INDEX IF NOT EXISTS pages_copy_of ON pages (duplicate_of);
CREATE INDEX IF NOT EXISTS pages_skipped_source ON pages (source) WHERE status = 'skipped';
CREATE INDEX IF NOT EXISTS stories_storyline ON stories (storyline);
CREATE TABLE IF NOT EXISTS storyline_keys (
    term TEXT NOT NULL, storyline TEXT NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (term, storyline)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS storyline_keys_recent ON storyline_keys (term, used);
CREATE INDEX IF NOT EXISTS storyline_keys_storyline ON storyline_keys (storyline);
-- Edits by hand (storyline stories merge / split) that later runs keep: pages placed in a story,
-- and pairs of stories kept apart.
CREATE TABLE IF NOT EXISTS story_pins (page TEXT PRIMARY KEY, story TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS story_apart (a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY (a, b));
-- Story reports: each page's entity mentions (NER, the costly part; kept per page version) and
-- each story's or storyline's report with the fingerprint of the pages it was built from.
CREATE TABLE IF NOT EXISTS page_entities (page TEXT PRIMARY KEY, content_hash TEXT, spans TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (id TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, report TEXT NOT NULL);
-- Stories whose reports a run set out to build and had not built when it stopped (killed, Ctrl-C,
-- a cluster lost): the next run builds them too, whether or not its own pages touch them.
CREATE TABLE IF NOT EXISTS reports_due (story TEXT PRIMARY KEY);
-- Older versions of pages re-read with new content (run --update).
CREATE TABLE IF NOT EXISTS superseded (
    id TEXT NOT NULL, source TEXT NOT NULL, title TEXT, content_hash TEXT, replaced_at TEXT NOT NULL);
-- A story as its storyline last took it in, kept when the story changes or goes, until it is
-- linked again: the storyline subtracts that, instead of being rebuilt from all its stories.
CREATE TABLE IF NOT EXISTS storyline_leaving (
    story TEXT PRIMARY KEY, state TEXT, first_date TEXT, last_date TEXT, title TEXT);
CREATE TRIGGER IF NOT EXISTS stories_leaving_update BEFORE UPDATE OF state, first_date, last_date, title ON stories
WHEN old.storyline IS NOT NULL AND (old.state IS NOT new.state OR old.first_date IS NOT new.first_date
    OR old.last_date IS NOT new.last_date OR old.title IS NOT new.title) BEGIN
    INSERT OR IGNORE INTO storyline_leaving VALUES (old.id, old.state, old.first_date, old.last_date, old.title);
END;
CREATE TRIGGER IF NOT EXISTS stories_leaving_delete BEFORE DELETE ON stories WHEN old.storyline IS NOT NULL BEGIN
    INSERT OR IGNORE INTO storyline_leaving VALUES (old.id, old.state, old.first_date, old.last_date, old.title);
END;
"""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS pages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    url TEXT,
    status TEXT NOT NULL CHECK (status IN ('ok', 'skipped')),
    reason TEXT,
    title TEXT,
    text TEXT,
    byline TEXT,
    site_name TEXT,
    claimed_date TEXT,
    dateline TEXT,          -- JSON {place, agency, raw} or NULL
    agency TEXT,
    injections TEXT NOT NULL DEFAULT '[]',
    warnings TEXT NOT NULL DEFAULT '[]',
    exact_hash TEXT,
    content_hash TEXT,      -- sha1 of the page as read, to tell a reused id from the same page
    terms TEXT,             -- JSON {term: count}, for story grouping
    story_counts TEXT,      -- JSON {headline, entities, day}: the rest of what story grouping compares
    duplicate_of TEXT,
    relation TEXT,
    relation_score REAL,
    story TEXT,
    signals TEXT,           -- JSON: what the page shows around its article (extract/signals.py)
    content_farm TEXT,      -- JSON {score, reasons}
    published TEXT,         -- JSON {value, earliest, latest, confidence, evidence}
    published_value TEXT,   -- published.value, for story date spans in SQL
    misdated INTEGER,
    original_reasons TEXT,  -- JSON list: why this page is its copy group's original
    related_to TEXT,        -- a report that is no copy: the earlier report it updates (version) or retells (rewrite)
    related_as TEXT,
    related_score REAL,
    mentions TEXT,          -- JSON: the text's time expressions (forensics/timex.py), NULL when the text changed
    skip_retry TEXT,        -- a skipped page: JSON {transient, settings}, when a later run tries it again
    read_from TEXT,         -- a record whose source is its URL: where it was read (feed.jsonl#L3), for delete --source
    added_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pages_exact ON pages (exact_hash);
CREATE INDEX IF NOT EXISTS pages_story ON pages (story);
CREATE TABLE IF NOT EXISTS lsh_index (
    key INTEGER NOT NULL, page INTEGER NOT NULL, PRIMARY KEY (key, page)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links (
    a TEXT NOT NULL, b TEXT NOT NULL, relation TEXT NOT NULL, score REAL NOT NULL,
    PRIMARY KEY (a, b)
);
CREATE INDEX IF NOT EXISTS links_b ON links (b);
CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    title TEXT,
    original TEXT,
    first_date TEXT,
    last_date TEXT,
    state TEXT,             -- JSON StoryState: centroid sums, report count, day span, key terms
    storyline TEXT
);
""" + _STORY_TABLES


# Columns added after the first release: added to an older store when a run opens it.
ADDED_COLUMNS = {"signals": "TEXT", "content_farm": "TEXT", "published": "TEXT", "published_value": "TEXT",
                  "misdated": "INTEGER", "original_reasons": "TEXT", "related_to": "TEXT",
                  "related_as": "TEXT", "related_score": "REAL", "story_counts": "TEXT", "mentions": "TEXT",
                  "skip_retry": "TEXT", "read_from": "TEXT"}
_ADDED_STORY_COLUMNS = {"state": "TEXT", "storyline": "TEXT"}
_ADDED_STORYLINE_COLUMNS = {"state": "TEXT"}
_WRITE_ONLY_COLUMNS = {"mentions", "skip_retry", "read_from"}  # used by runs only: a reader of an older store does without them


def _statements(script: str) -> list[str]:
    """A script's statements one by one (a trigger's body holds semicolons of its own)."""
    statements, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    return statements + ([pending.strip()] if pending.strip() else [])


def has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def create_tables(db: sqlite3.Connection) -> None:
    """A new store's tables, in one transaction, so that two first runs on one new file make them once."""
    db.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\n{FTS_SCHEMA}\n"  # CREATE ... IF NOT EXISTS
                     f"INSERT OR IGNORE INTO meta VALUES ('schema_version', '{SCHEMA_VERSION}');\nCOMMIT;")


def has_read_columns(db: sqlite3.Connection) -> bool:
    """Whether a store has every column reading it needs (a reader never adds them)."""
    have = {r[1] for r in db.execute("PRAGMA table_info(pages)")}
    have_story = {r[1] for r in db.execute("PRAGMA table_info(stories)")}
    needed = [c for c in ADDED_COLUMNS if c not in _WRITE_ONLY_COLUMNS]
    return all(c in have for c in needed) and all(c in have_story for c in _ADDED_STORY_COLUMNS)


def upgrade_tables(db: sqlite3.Connection) -> None:
    """Bring an older store's tables up to date. Inside the caller's immediate transaction: the
    columns are read under the write lock, so two runs upgrading one store do not both add them."""
    statements = []
    for table, added in (("pages", ADDED_COLUMNS), ("stories", _ADDED_STORY_COLUMNS),
                         ("storylines", _ADDED_STORYLINE_COLUMNS)):
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        if have:  # (a store from before storylines gets the whole table below)
            statements += [f"ALTER TABLE {table} ADD COLUMN {column} {kind}"
                           for column, kind in added.items() if column not in have]
    statements += _statements(_STORY_TABLES)
    statements.append(DDL_LSH_INDEX)  # a store from before the index had a table of text ids
    if not has_table(db, "pages_fts"):  # a store from before full-text search: indexed once
        statements += [*_statements(FTS_SCHEMA), "INSERT INTO pages_fts (pages_fts) VALUES ('rebuild')"]
    for statement in statements:  # not executescript: it would commit the transaction first
        db.execute(statement)
