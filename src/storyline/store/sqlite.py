"""Embedded SQLite store (WAL): the connection and the pages. The other tables have a module
each (copies.py: links and the LSH index; forensics.py: dates and verdicts; stories.py,
storylines.py, reports.py), mixed into SqliteStore.

Every write happens inside a transaction, so a crash or a kill leaves the
store as it was at the last commit; re-running the same input then adds only
what is missing (page ids are stable, see read/ids.py).
"""
from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ..errors import StoreError
from ..records import Article, Mention, Relation, Signature, Skipped, StoredPage
from ..schema import dateline_json, injections_json, signals_json
from .lsh_index import LshIndex, PendingKeys
from .rows import chunks, mention_row, mentions_from, now, page_dict, stored_page
from .aliases import AliasTables
from .copies import CopyTables
from .corrections import Corrections
from .forensics import ForensicsColumns
from .listing import Listing
from .reports import ReportTables
from .stories import StoryTables
from .storylines import StorylineTables
from .tables import create_tables, has_read_columns, has_table, upgrade_tables


log = logging.getLogger(__name__)
# A writer's page cache (SQLite's default is 2 MB). A run inserts band keys and term counts at
# random places in B-trees that outgrow a small cache within a few thousand pages; every insert
# then rereads its leaf, and every commit rewrites more pages.
WRITER_CACHE_KB = 256 * 1024
PAGE_COLUMNS = ("id", "source", "url", "status", "reason", "title", "text", "byline", "site_name",
                "claimed_date", "json_extract(signals, '$.rendered_date') AS rendered_date", "published", "misdated", "dateline", "agency", "injections", "content_farm",
                "warnings", "duplicate_of", "relation", "relation_score", "original_reasons", "story",
                "related_to", "related_as", "related_score")


def _looks_like_a_store(db: sqlite3.Connection, tables: set[str]) -> bool:
    """A store of any storyline version: a pages table with the columns every version had."""
    if "pages" not in tables:
        return False
    columns = {r[1] for r in db.execute("PRAGMA table_info(pages)")}
    return {"seq", "id", "source", "status"} <= columns


class SqliteStore(CopyTables, ForensicsColumns, StoryTables, StorylineTables, AliasTables, ReportTables, Listing,
                  Corrections):
    """The store. `read_only` opens an existing store without ever taking the write lock,
    so readers never wait for, or block, a running `storyline run`."""

    def __init__(self, path: str | Path = "storyline.db", *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.pending_keys = PendingKeys()  # LSH keys of the open transaction's pages (lsh_index.py)
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path} (create one with `storyline run --db {self.path} INPUT`)")
        if self.path.is_dir():  # SQLite would only say "unable to open" or "disk I/O error"
            raise StoreError(f"{self.path} is a folder, not a store file (--db names the store's file)")
        try:
            if read_only:
                self.db = self._open_read_only()
            else:
                self.db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA busy_timeout=60000")
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            has_schema = "pages" in tables
            if tables and not _looks_like_a_store(self.db, tables):  # before any write, even the WAL switch
                shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
                raise StoreError(f"{self.path} is an SQLite database of another program (tables: {shown}): "
                                 "storyline neither reads nor writes it; name a new file with --db")
            if read_only and not has_schema:
                raise StoreError(f"{self.path} is empty or not a storyline store (yet)")
            if not read_only:
                self._use_write_ahead_log()
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KB}")
                if not has_schema:
                    create_tables(self.db)
                else:
                    with self.transaction():
                        upgrade_tables(self.db)
            elif not has_read_columns(self.db):
                raise StoreError(f"{self.path} was made by an older storyline; run `storyline run --db {self.path}` "
                                 "(with any input) once to upgrade it")
        except sqlite3.DatabaseError as err:
            raise StoreError(f"cannot open store {self.path}: {err}") from err

    def _use_write_ahead_log(self, seconds: float = 60.0) -> None:
        """Switch to WAL. Changing the journal mode does not wait on SQLite's busy timeout: when
        another run is opening the same new file at this moment it fails at once with 'database
        is locked'. So wait here, as the busy timeout would."""
        deadline = time.monotonic() + seconds
        pause = 0.01
        while True:
            try:
                self.db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as err:
                if "locked" not in str(err) or time.monotonic() > deadline:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 0.5)

    def _open_read_only(self) -> sqlite3.Connection:
        """A reader's connection. A store in WAL mode needs its shared-memory file, which cannot be
        made on a read-only medium or in a folder the user may not write: then the file is opened
        as immutable (no locks, no WAL). A write-ahead log left beside it (a writer that did not
        close) cannot be read that way, so its latest changes may be missing: said on stderr."""
        uri = self.path.resolve().as_uri()
        try:
            db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=60, isolation_level=None)
            db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
            return db
        except sqlite3.OperationalError:
            wal = self.path.with_name(self.path.name + "-wal")
            if wal.exists() and wal.stat().st_size:
                log.warning("%s: reading without its write-ahead log %s (read-only); the latest changes may be "
                            "missing", self.path, wal)
            return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, timeout=60, isolation_level=None)

    def _has_table(self, name: str) -> bool:
        return has_table(self.db, name)

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, values: dict[str, object]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in values.items()])

    def check_settings(self, settings: dict[str, object]) -> None:
        """Fingerprints made with other settings cannot be matched: refuse to mix them."""
        with self.transaction():
            for key, value in settings.items():
                row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
                if row is None:
                    self.db.execute("INSERT INTO meta VALUES (?, ?)", (key, str(value)))
                elif row[0] != str(value):
                    raise StoreError(f"{self.path} was built with {key}={row[0]}; this run has {key}={value}. "
                                     "Use the store's setting, or a new store.")

    def has_pages(self) -> bool:
        return self.db.execute("SELECT 1 FROM pages LIMIT 1").fetchone() is not None

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        changes = self.db.total_changes
        try:
            yield self.db
            self.pending_keys.write(self.db)
            if self.db.total_changes != changes:
                # Readers that keep views of the store (the web reader's story list) look at this
                # number to know it changed; reports, written outside transactions, do not move it.
                self.db.execute("INSERT INTO meta (key, value) VALUES ('generation', 1) "
                                "ON CONFLICT (key) DO UPDATE SET value = value + 1")
        except BaseException:
            self.pending_keys.clear()
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def generation(self) -> tuple:
        """Changes whenever a transaction changed the store (and when pages or stories were
        added or removed by any other path)."""
        return tuple(self.db.execute(
            "SELECT (SELECT value FROM meta WHERE key = 'generation'), (SELECT max(seq) FROM pages), "
            "(SELECT count(*) FROM stories)").fetchone())

    # -- pages -------------------------------------------------------------
    def has_page(self, page_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM pages WHERE id = ?", (page_id,)).fetchone() is not None

    def skip_reason(self, page_id: str) -> str | None:
        """Why a stored page was skipped, or None if it was not."""
        row = self.db.execute("SELECT reason FROM pages WHERE id = ? AND status = 'skipped'", (page_id,)).fetchone()
        return row[0] if row else None

    def add_skipped(self, skipped: Skipped, settings: str = "") -> None:
        """Record a skipped page, or update the record of one skipped before; a stored article
        with the same id is left alone. `settings`: the limit settings the skip depends on."""
        self.db.execute(
            "INSERT INTO pages (id, source, status, reason, skip_retry, added_at) VALUES (?, ?, 'skipped', ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET source = excluded.source, reason = excluded.reason, "
            "skip_retry = excluded.skip_retry WHERE pages.status = 'skipped'",
            (skipped.id, skipped.source, skipped.reason,
             json.dumps({"transient": skipped.transient, "settings": settings}), now()),
        )

    def worth_retrying(self, page_id: str, settings: str) -> bool:
        """A page skipped before that a run should try again: the failure may not recur (a crash),
        or the limit settings changed since. A skip from before this was recorded is tried again."""
        row = self.db.execute("SELECT skip_retry FROM pages WHERE id = ? AND status = 'skipped'",
                              (page_id,)).fetchone()
        if row is None:
            return False
        retry = json.loads(row[0]) if row[0] else {"transient": True}
        return bool(retry.get("transient")) or retry.get("settings") != settings

    def forget_skips(self, page_id: str, source: str) -> None:
        """A page is stored at last: the skips recorded for it, or for its source (a file skipped
        unread has an id of its own), go."""
        # Two searches, not one OR: SQLite answers an OR of two columns by scanning the table, once
        # per stored page (quadratic in the store's size).
        self.db.execute("DELETE FROM pages WHERE status = 'skipped' AND id = ?", (page_id,))
        self.db.execute("DELETE FROM pages WHERE status = 'skipped' AND source = ?", (source,))

    def stored_content_hash(self, page_id: str) -> str | None:
        row = self.db.execute("SELECT content_hash FROM pages WHERE id = ?", (page_id,)).fetchone()
        return row[0] if row else None

    def add_article(self, article: Article, sig: Signature, terms: dict[str, int], *,
                    content_hash: str | None = None, index_lsh: bool = True,
                    story_counts: dict | None = None, mentions: tuple[Mention, ...] | None = None) -> None:
        """Store an article. Its document frequencies are counted apart (count_documents), once per batch."""
        dateline = dateline_json(article.dateline)
        self.db.execute(
            """INSERT INTO pages (id, source, url, status, title, text, byline, site_name, claimed_date,
                   dateline, agency, injections, warnings, exact_hash, content_hash, terms, signals, added_at,
                   story_counts, mentions, read_from)
               VALUES (?, ?, ?, 'ok', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (article.id, article.source, article.url, article.title, article.text, article.byline,
             article.site_name, article.claimed_date, json.dumps(dateline, ensure_ascii=False) if dateline else None,
             article.agency, json.dumps(injections_json(article.injections), ensure_ascii=False),
             json.dumps(list(article.warnings), ensure_ascii=False), sig.exact_hash, content_hash,
             json.dumps(terms, ensure_ascii=False), json.dumps(signals_json(article.signals)), now(),
             json.dumps(story_counts, ensure_ascii=False) if story_counts is not None else None,
             json.dumps([mention_row(m) for m in mentions], ensure_ascii=False) if mentions is not None else None,
             article.read_from),
        )
        if index_lsh:  # an exact copy needs no keys: its twin's keys find the same pages
            seq = self.db.execute("SELECT seq FROM pages WHERE id = ?", (article.id,)).fetchone()[0]
            if self.db.in_transaction:  # written in key order when the transaction ends
                self.pending_keys.add(seq, sig.lsh_keys)
            else:
                LshIndex(self.db).add(seq, sig.lsh_keys)

    def count_documents(self, keys: Mapping[str, int], docs: int) -> None:
        """Add each key's count to its document frequency, and `docs` to the number of documents
        (negative counts: pages removed). A batch's pages share most of their terms: one upsert per
        distinct key, not per page."""
        if not docs:
            return
        self.db.executemany(
            "INSERT INTO term_df (term, df) VALUES (?, ?) ON CONFLICT (term) DO UPDATE SET df = df + excluded.df",
            keys.items(),
        )
        self.db.execute("INSERT INTO meta VALUES ('n_docs', ?) ON CONFLICT (key) "
                        "DO UPDATE SET value = CAST(value AS INTEGER) + CAST(excluded.value AS INTEGER)", (str(docs),))

    def stored_pages(self, ids: Iterable[str]) -> list[StoredPage]:
        """Stored articles (not skipped pages) by id: in slices of ids in id order, each in store order."""
        return self._pages_where("id", ids, "AND status = 'ok'")

    def story_pages(self, story_ids: Iterable[str]) -> list[StoredPage]:
        """The pages of these stories, in store order."""
        return self._pages_where("story", story_ids)

    def copies_of(self, ids: Iterable[str]) -> list[StoredPage]:
        """The copies of these pages, in store order."""
        return self._pages_where("duplicate_of", ids)

    def _pages_where(self, column: str, values: Iterable[str], also: str = "") -> list[StoredPage]:
        out: list[StoredPage] = []
        for chunk, marks in chunks(sorted(set(values))):
            out += [stored_page(r) for r in self.db.execute(
                f"SELECT * FROM pages WHERE {column} IN ({marks}) {also} ORDER BY seq", chunk)]
        return out

    def page_text(self, page_id: str) -> str:
        row = self.db.execute("SELECT text FROM pages WHERE id = ?", (page_id,)).fetchone()
        return (row[0] or "") if row else ""

    def page_text_and_mentions(self, page_id: str) -> tuple[str, tuple[Mention, ...] | None]:
        """A page's text and its stored time expressions (None when not stored: found again from the text)."""
        row = self.db.execute("SELECT text, mentions FROM pages WHERE id = ?", (page_id,)).fetchone()
        if row is None:
            return "", None
        return row[0] or "", mentions_from(row[1])

    def page_seqs(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT id, seq FROM pages WHERE status = 'ok'").fetchall())

    def iter_pages(self, slice_size: int = 1000) -> Iterator[StoredPage]:
        """Every stored article in store order, read in slices."""
        last = -1
        while rows := self.db.execute("SELECT * FROM pages WHERE status = 'ok' AND seq > ? ORDER BY seq LIMIT ?",
                                      (last, slice_size)).fetchall():
            yield from (stored_page(r) for r in rows)
            last = rows[-1]["seq"]

    # -- clearing derived data (storyline rebuild) ----------------------------
    def clear_stories(self) -> int:
        """Every story, storyline and hand edit goes (they are recomputed); returns how many pages
        had been placed by hand. Their ids are carried over by remember_placements / carry_ids_over."""
        dropped = self.hand_edits()
        for table in ("stories", "story_keys", "story_aliases", "storylines", "storyline_keys", "storyline_aliases",
                      "story_pins", "story_apart", "storyline_leaving"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute("UPDATE pages SET story = NULL, related_to = NULL, related_as = NULL, related_score = NULL")
        return dropped

    def story_exists(self, story_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM stories WHERE id = ?", (story_id,)).fetchone() is not None

    def related_ids(self, ids: Iterable[str]) -> set[str]:
        """The pages whose dates may move when these pages change: their stories and copy groups."""
        ids = sorted(set(ids))
        found = set(ids)
        for chunk, marks in chunks(ids):
            found.update(r[0] for r in self.db.execute(
                f"""SELECT id FROM pages WHERE status = 'ok' AND (story IN (SELECT story FROM pages WHERE id IN ({marks}))
                    OR duplicate_of IN ({marks}) OR id IN (SELECT duplicate_of FROM pages WHERE id IN ({marks})))""",
                chunk * 3))
        return found

    def set_story(self, page_id: str, story: str) -> None:
        self.db.execute("UPDATE pages SET story = ? WHERE id = ?", (story, page_id))

    def page(self, page_id: str) -> dict | None:
        row = self.db.execute(f"SELECT {', '.join(PAGE_COLUMNS)} FROM pages WHERE id = ?", (page_id,)).fetchone()
        return page_dict(row) if row else None

    def pages(self, *, errors: bool = False, story: str | None = None, page: str | None = None,
              with_text: bool = True) -> list[dict]:
        cols = [c for c in PAGE_COLUMNS if with_text or c != "text"]
        where, args = ("status = 'skipped'", ()) if errors else ("1", ())
        if story is not None:
            where, args = "story = ?", (story,)
        if page is not None:
            where, args = "id = ?", (page,)
        rows = self.db.execute(f"SELECT {', '.join(cols)} FROM pages WHERE {where} ORDER BY seq", args)
        return [page_dict(r) for r in rows]

    def set_related(self, relation: Relation) -> None:
        self.db.execute("UPDATE pages SET related_to = ?, related_as = ?, related_score = ? WHERE id = ?",
                        (relation.other, relation.relation, relation.score, relation.page))

    def document_frequencies(self, terms: Iterable[str]) -> tuple[int, dict[str, int]]:
        terms = list(set(terms))
        out: dict[str, int] = {}
        for chunk, marks in chunks(terms):
            out.update(self.db.execute(f"SELECT term, df FROM term_df WHERE term IN ({marks})", chunk).fetchall())
        row = self.db.execute("SELECT value FROM meta WHERE key = 'n_docs'").fetchone()
        return (int(row[0]) if row else 0), out

    def counts(self) -> dict[str, int]:
        row = self.db.execute(
            """SELECT count(*) FILTER (WHERE status = 'ok'), count(*) FILTER (WHERE status = 'skipped'),
                      count(*) FILTER (WHERE duplicate_of IS NOT NULL), (SELECT count(*) FROM stories),
                      (SELECT count(*) FROM storylines)
               FROM pages"""
        ).fetchone()
        return {"pages": row[0], "skipped": row[1], "duplicates": row[2], "stories": row[3], "storylines": row[4]}
