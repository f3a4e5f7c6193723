"""Copy detection at corpus scale: the batch engine on real articles, its parity with
the one-page path, the persistent LSH index, upgrading an old store, and what the
seeds show a reader (copies, versions, rewrites, which page is the original)."""
from __future__ import annotations

import json
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from storyline import Storyline, extract
from storyline.config import Config
from storyline.dedup import batch, fingerprint, text_shingles
from storyline.dedup import FINGERPRINT
from storyline.store.lsh_index import LshIndex
from storyline.dedup.original import Candidate, rank_originals, why_original
from storyline.dedup.shingles import shingle_batch, tokens
from storyline.dedup.verify import overlap
from storyline.records import Article

from .conftest import SEED, SHARED

CONFIG = Config()
TIMELINE17 = SHARED / "data" / "timeline17"
N_BASES = 30
PER_TOPIC = 3
KINDS = ("spam", "truncated", "exact", "furniture")
SPAM = "Ethermac"


# -- a corpus of real articles and their copies ------------------------------------------

def _detokenise(text: str) -> str:
    """timeline17 text is tokenised ("Jackson 's death ,"): make it read like a page."""
    text = text.replace("``", '"').replace("''", '"')
    text = re.sub(r" ([.,;:!?%)'])", r"\1", text)
    return re.sub(r" n't", "n't", text)


@dataclass(frozen=True)
class Base:
    id: str
    paragraphs: list[str]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _articles() -> list[Base]:
    """The first articles of every timeline17 topic that read like news pages (5+ paragraphs)."""
    if not TIMELINE17.is_dir():
        pytest.skip("../shared/data/timeline17 is not present")
    out = []
    for path in sorted(TIMELINE17.glob("*/articles.jsonl")):
        with path.open(encoding="utf-8") as handle:
            for k, line in enumerate(handle):
                if k >= 12:
                    break
                record = json.loads(line)
                paragraphs = [_detokenise(p.strip()) for p in record["text"].split("\n") if p.strip()]
                words = sum(len(p.split()) for p in paragraphs)
                if len(paragraphs) >= 5 and 150 <= words <= 3000:
                    out.append(Base(f"t17/{path.parent.name}/{record['id']}", paragraphs))
    return out


def _spammed(text: str) -> str:
    """'Ethermac' injected five times: four words on their own, one glued to a word ("EthermacTuesday")."""
    words = text.split(" ")
    step = len(words) // 6
    words[5 * step] = SPAM + words[5 * step]
    for k in (4, 3, 2, 1):  # from the back, so earlier positions stay put
        words.insert(k * step, SPAM)
    assert sum(w.count(SPAM) for w in words) == 5
    return " ".join(words)


def _truncated(base: Base) -> str:
    return "\n\n".join(base.paragraphs[: int(len(base.paragraphs) * 0.6)])


def _recased(text: str) -> str:
    """The same words in other case and punctuation, on one line."""
    return " ".join(text.upper().replace(",", " ;").replace(".", " !").replace('"', "'").split())


def _with_furniture(text: str, headlines: list[str]) -> str:
    return "\n\n".join(["Home | World | Business", text, "Related", *headlines, "Comments are moderated."])


def _updated(base: Base, filler: Base, share: float = 0.4) -> Base:
    """A later report reusing the first 40% of an article's paragraphs, then other text of about
    the same length: shares a part of the article (as wire updates do), but is no copy of it."""
    keep = base.paragraphs[: int(len(base.paragraphs) * share)]
    target, words, extra = sum(len(p.split()) for p in base.paragraphs), sum(len(p.split()) for p in keep), []
    for paragraph in filler.paragraphs:
        if words >= target:
            break
        extra.append(paragraph)
        words += len(paragraph.split())
    return Base(f"{base.id}~update", keep + extra)


@dataclass(frozen=True)
class Corpus:
    texts: list[str]
    ids: list[str]
    article_of: list[int]  # per text: index (into articles) of the article it is, or is a copy of
    kind: list[str]  # "base", "update" (an article of its own) or one of KINDS (a copy)
    articles: list[Base]


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    by_topic: dict[str, list[Base]] = {}
    for article in _articles():
        by_topic.setdefault(article.id.split("/")[1], []).append(article)
    bases = [a for topic in sorted(by_topic) for a in by_topic[topic][:PER_TOPIC]][:N_BASES]
    pool = [a for topic in sorted(by_topic) for a in by_topic[topic][PER_TOPIC:]]  # articles not in the corpus
    assert len(bases) == N_BASES and len(pool) >= 50
    headlines = [" ".join(a.paragraphs[0].split()[:12]) for a in pool[:40]]
    fillers = pool[40:]

    articles = list(bases)
    texts = [b.text for b in bases]
    ids = [b.id for b in bases]
    article_of = list(range(N_BASES))
    kind = ["base"] * N_BASES
    # Every other base gets one kind of copy in turn; base 1 gets all four.
    plan = [(i, KINDS[(i // 2) % 4]) for i in range(0, N_BASES, 2)] + [(1, k) for k in KINDS]
    for n, (i, what) in enumerate(plan):
        base = bases[i]
        copy = {"spam": lambda: _spammed(base.text), "truncated": lambda: _truncated(base),
                "exact": lambda: _recased(base.text),
                # ten first lines of other articles, a different ten on each page
                "furniture": lambda: _with_furniture(base.text, headlines[(10 * n) % 40:(10 * n) % 40 + 10])}[what]()
        texts.append(copy)
        ids.append(f"{base.id}#{what}")
        article_of.append(i)
        kind.append(what)
    # Later reports sharing part of an article (one that has no copies): articles of their own.
    for k, i in enumerate(range(3, N_BASES, 2)):
        update = _updated(bases[i], fillers[k % len(fillers)])
        articles.append(update)
        texts.append(update.text)
        ids.append(update.id)
        article_of.append(len(articles) - 1)
        kind.append("update")
    return Corpus(texts, ids, article_of, kind, articles)


def _genuine_overlap(a: str, b: str) -> bool:
    jaccard, containment = overlap(text_shingles(a), text_shingles(b))
    return jaccard >= 0.4 or containment >= 0.5


def _partition(group: np.ndarray, ids: list[str]) -> set[frozenset[str]]:
    members: dict[int, set[str]] = {}
    for label, pid in zip(group.tolist(), ids):
        members.setdefault(label, set()).add(pid)
    return {frozenset(m) for m in members.values()}


# -- 1. batch find_copies on real articles ---------------------------------------------------

def test_every_copy_joins_its_article_and_unrelated_articles_stay_apart(corpus):
    result = batch.find_copies(corpus.texts, corpus.ids)
    relation = {(int(a), int(b)): r for (a, b), r in zip(result.pairs, result.relation)}
    copies = [j for j, k in enumerate(corpus.kind) if k in KINDS]
    assert len(copies) == 19
    for j in copies:
        i = corpus.article_of[j]
        assert result.group[i] == result.group[j], f"{corpus.ids[j]} not grouped with its article"
        label = relation.get((min(i, j), max(i, j)))
        if corpus.kind[j] == "exact":
            assert label == "exact", corpus.ids[j]
        else:
            assert label in ("near", "contained"), (corpus.ids[j], label)
    # Precision: two different articles share a group only if their texts genuinely overlap
    # (Jaccard >= 0.4 or containment >= 0.5).
    for label in set(result.group.tolist()):
        members = np.flatnonzero(result.group == label)
        articles = sorted({corpus.article_of[m] for m in members})
        for x in articles:
            for y in articles:
                if x < y:
                    assert _genuine_overlap(corpus.articles[x].text, corpus.articles[y].text), \
                        f"{corpus.articles[x].id} and {corpus.articles[y].id} grouped without sharing their text"
    # The corpus does hold texts sharing a part (quotes, reused paragraphs) that are no copies, and
    # some are LSH candidates that verification must turn down: the check above has teeth.
    shingles = [text_shingles(a.text) for a in corpus.articles]
    partial = [(x, y) for x in range(len(shingles)) for y in range(x + 1, len(shingles))
               if 0.3 <= overlap(shingles[x], shingles[y])[1] < 0.5]
    assert len(partial) >= 5
    assert result.candidates > len(result.pairs) - sum(r == "exact" for r in result.relation)
    # The thirty articles stay in thirty groups.
    assert len(set(result.group[:N_BASES].tolist())) == N_BASES


# -- 2. order independence -------------------------------------------------------------------

@pytest.mark.parametrize("seed", [None, 1, 2, 3], ids=["reversed", "shuffle-1", "shuffle-2", "shuffle-3"])
def test_shuffled_input_gives_the_same_groups_and_pairs(corpus, seed):
    first = batch.find_copies(corpus.texts, corpus.ids)
    order = list(range(len(corpus.texts)))[::-1]  # reversed: every copy comes before its article
    if seed is not None:
        random.Random(seed).shuffle(order)
    texts, ids = [corpus.texts[k] for k in order], [corpus.ids[k] for k in order]
    second = batch.find_copies(texts, ids)
    assert _partition(second.group, ids) == _partition(first.group, corpus.ids)

    def named(result, names):
        return {(*sorted((names[a], names[b])), r) for (a, b), r in zip(result.pairs.tolist(), result.relation)}

    assert named(second, ids) == named(first, corpus.ids)


# -- 3. the batch engine and the one-page path agree ---------------------------------------

def test_one_page_fingerprint_equals_batch_keys_in_any_batch(corpus, monkeypatch):
    whole = batch.fingerprint_texts(corpus.texts)
    for k in (0, 7, 31, len(corpus.texts) - 1):
        text = corpus.texts[k]
        one = fingerprint(Article(id="x", source="x", title=None, text=text), CONFIG)
        alone = batch.fingerprint_texts([text])
        assert len(one.band_keys) == CONFIG.lsh_bands
        assert list(one.band_keys) == alone.keys[0].tolist() == whole.keys[k].tolist()
        assert alone.stream_hash[0] == whole.stream_hash[k]
    # Chunks of 4 texts: every signature is still the same as in one big batch.
    monkeypatch.setattr(batch, "CHUNK", 4)
    chunked = batch.fingerprint_texts(corpus.texts)
    assert np.array_equal(chunked.keys, whole.keys)
    assert np.array_equal(chunked.stream_hash, whole.stream_hash)
    assert np.array_equal(chunked.shingle_counts, whole.shingle_counts)
    assert (whole.keys >= 0).all()  # they go into an SQLite INTEGER column


# -- 4. tokenisation parity ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "“Curly quotes” and ‘single ones’ — em dashes—joined – en dash… ellipsis",
    "Café naïve résumé Zürich São Paulo Ærø Øresund façade coöperate",
    "Décomposé: e\u0301te\u0301 (combining accents)",
    "北京 东京 서울 東京都 日本語のテキストです。中文，标点！",
    "snake_case __init__ foo_bar_baz _leading trailing_",
    "In 2024, 3.5% of 1,000,000 voters; ٣ Arabic-Indic, ² superscript, 42nd, 10:30",
    "ΣΊΣΥΦΟΣ straße ǅemal ﬁnance ÅNGSTRÖM",
    "tab\tnew\nline\r\nnbsp\u00a0thin\u2009zero\u200bwidth",
])
def test_batch_tokens_match_the_tokeniser(text):
    assert shingle_batch([text], 1).token_counts[0] == len(tokens(text))
    # In a batch too: each text counts its own tokens.
    counts = shingle_batch(["lead words", text, "tail"], 1).token_counts.tolist()
    assert counts == [2, len(tokens(text)), 1]


GREEK = ("Ο δρόμος της πόλης είναι κλειστός σήμερα λόγω της κακοκαιρίας και οι αρχές ζητούν "
         "από τους οδηγούς να αποφεύγουν τις μετακινήσεις μέχρι το απόγευμα της Τρίτης")
ENGLISH = ("The road into the city is closed today because of the storm, and officials are asking "
           "drivers to avoid travelling until Tuesday afternoon")


@pytest.mark.parametrize("text", [pytest.param(ENGLISH, id="english"),
                                  pytest.param(GREEK, id="greek")])
def test_upper_cased_copy_is_exact_in_both_engines(text):
    shouted = text.upper()
    assert tokens(shouted) == tokens(text)  # what exact_hash (the store path) sees
    one, two = (fingerprint(Article(id=i, source=i, title=None, text=t), CONFIG)
                for i, t in (("a", text), ("b", shouted)))
    assert one.exact_hash == two.exact_hash
    assert one.band_keys == two.band_keys
    result = batch.find_copies([text, shouted])
    assert result.pairs.tolist() == [[0, 1]] and result.relation == ["exact"]


def test_control_character_x01_does_not_split_a_text():
    text = "alpha\x01beta gamma \x01\x01 delta"
    batch_ = shingle_batch([text], 1)
    assert batch_.token_counts.tolist() == [len(tokens(text))] == [4]
    fp = batch.fingerprint_texts([text, "other text here"])
    assert fp.keys.shape == (2, CONFIG.lsh_bands) and fp.shingle_counts.tolist() == [2, 1]
    # The character reads as a space: the same words with spaces are an exact copy.
    result = batch.find_copies([text, "Alpha beta, gamma; delta.", "something else entirely here"])
    assert result.pairs.tolist() == [[0, 1]] and result.relation == ["exact"]
    assert result.group.tolist() == [0, 0, 2]


# -- 5. empty and tiny texts -----------------------------------------------------------------

def test_empty_and_tiny_texts():
    result = batch.find_copies(["", "one", "one", "a b c d"])
    assert result.group[1] == result.group[2]
    assert {(int(a), int(b)): r for (a, b), r in zip(result.pairs, result.relation)}[(1, 2)] == "exact"
    assert (result.group == result.group[0]).sum() == 1  # "" is with nothing
    assert result.group[3] not in (result.group[0], result.group[1])
    assert not any(0 in pair for pair in result.pairs.tolist())


@pytest.mark.parametrize("texts, chunk", [([""], 2000), (["a b c", "d e f", ""], 2), (["", ""], 2000)],
                         ids=["one-empty-text", "last-chunk-one-empty-text", "only-empty-texts"])
def test_batches_of_empty_texts_do_not_crash(texts, chunk, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK", chunk)
    result = batch.find_copies(texts)
    assert result.group.tolist() == list(range(len(texts))) and result.pairs.size == 0


# -- 6. the persistent LSH index -------------------------------------------------------------

def test_lsh_index_finds_pages_sharing_any_key():
    db = sqlite3.connect(":memory:")
    index = LshIndex(db)
    index.create()
    index.add(1, [10, 20, 30])
    index.add(2, [30, 40])
    index.add(3, [50])
    assert index.candidates([30]) == [1, 2]
    assert index.candidates([20, 50]) == [1, 3]
    assert index.candidates([40, 30, 10]) == [1, 2]
    assert index.candidates([99]) == [] and index.candidates([]) == []
    assert index.rows() == 6
    index.add_many(np.array([5, 4], dtype=np.int64), np.array([[70, 80], [60, 70]], dtype=np.int64))
    assert index.candidates([70]) == [4, 5] and index.candidates([60]) == [4] and index.candidates([80]) == [5]
    assert index.rows() == 10
    index.add(1, [10, 20])  # already there: no new rows
    assert index.rows() == 10
    # More keys than SQLite takes as parameters in one statement.
    many = list(range(1000, 2200)) + [50]
    assert index.candidates(many) == [3]



def _keys_by_page(db: Path) -> dict[str, set[int]]:
    con = sqlite3.connect(db)
    try:
        return {pid: {k for (k,) in con.execute("SELECT key FROM lsh_index WHERE page = ?", (seq,))}
                for pid, seq in con.execute("SELECT id, seq FROM pages WHERE status = 'ok'")}
    finally:
        con.close()


def test_pages_of_one_batch_find_each_other_and_a_failed_batch_leaves_no_keys(tmp_path, monkeypatch):
    """A batch's LSH keys go into the index when its transaction ends (in key order, store/
    lsh_index.py PendingKeys): a page still finds a copy stored before it in the same batch, every
    page ends with its keys, and a batch that fails leaves neither pages nor keys behind."""
    import storyline.run.local as local

    body = next(extract([SEED["003"]]))["text"]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a_original.txt").write_text(body, encoding="utf-8")
    (folder / "b_copy.txt").write_text(_inject(body, SPAM, 3), encoding="utf-8")
    (folder / "c_other.txt").write_text(next(extract([SEED["004"]]))["text"], encoding="utf-8")
    db = tmp_path / "s.db"

    calls = {"n": 0}
    real_add_page = local.add_page

    def add_page_then_fail(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk gone")
        return real_add_page(*args, **kwargs)

    monkeypatch.setattr(local, "add_page", add_page_then_fail)
    with Storyline(db) as sl:  # one store object for both runs, as the web reader keeps one
        with pytest.raises(RuntimeError, match="disk gone"):
            sl.run([folder], workers=1)
        con = sqlite3.connect(db)
        assert con.execute("SELECT count(*) FROM pages WHERE status = 'ok'").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM lsh_index").fetchone()[0] == 0
        con.close()
        monkeypatch.setattr(local, "add_page", real_add_page)
        # The failed batch's pages get other sequence numbers or the same ones: either way no key
        # of theirs may be left waiting to be filed under a page of the next batch.
        words = random.Random(7).choices(["harbour", "council", "vote", "budget", "ferry", "school", "road",
                                          "mayor", "rain", "market", "bridge", "repair"], k=400)
        (folder / "0_first.txt").write_text(" ".join(words).capitalize() + ".", encoding="utf-8")
        summary = sl.run([folder], workers=1)
        pages = {Path(p["source"]).name: p for p in sl.pages()}
    assert summary.added == 4
    a, b = pages["a_original.txt"], pages["b_copy.txt"]
    assert (a["duplicate_of"], b["duplicate_of"]) in ((b["id"], None), (None, a["id"]))  # one copy group
    assert "near" in (a["relation"], b["relation"]) and pages["c_other.txt"]["duplicate_of"] is None
    keys = _keys_by_page(db)
    assert all(len(k) >= CONFIG.lsh_bands for k in keys.values())
    # The same keys as the page's own fingerprint: nothing lost, nothing filed under another page.
    for page in pages.values():
        sig = fingerprint(Article(page["id"], page["source"], page["title"], page["text"]), CONFIG)
        assert keys[page["id"]] == set(sig.lsh_keys)

# -- 7. upgrading a store made by an older release -------------------------------------------

def _inject(text: str, word: str, times: int) -> str:
    words = text.split(" ")
    for k in range(times, 0, -1):
        words.insert(k * len(words) // (times + 1), word)
    return " ".join(words)


def test_old_store_is_reindexed_and_still_finds_copies(seed_dir, tmp_path):
    db = tmp_path / "s.db"
    with Storyline(db) as sl:
        sl.run([seed_dir])
        seed_ids = {Path(p["source"]).name[:3]: p["id"] for p in sl.pages()}
    old = sqlite3.connect(db)
    old.executescript("""
        DROP TABLE lsh_index;
        CREATE TABLE lsh (key INTEGER NOT NULL, page_id TEXT NOT NULL);
        DELETE FROM meta WHERE key = 'fingerprint';
        UPDATE meta SET value = '126' WHERE key = 'num_perm';
        UPDATE meta SET value = '42' WHERE key = 'lsh_bands';
    """)
    old.close()
    body = next(extract([SEED["003"]]))["text"]
    new = tmp_path / "new"
    new.mkdir()
    (new / "copy_of_003.txt").write_text(_inject(body, SPAM, 3), encoding="utf-8")

    with Storyline(db) as sl:
        summary = sl.run([new])
        pages = sl.pages()
    assert summary.added == 1 and not summary.skipped
    copy = next(p for p in pages if Path(p["source"]).name == "copy_of_003.txt")
    assert copy["duplicate_of"] == seed_ids["003"] and copy["relation"] == "near"

    con = sqlite3.connect(db)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    meta = dict(con.execute("SELECT key, value FROM meta"))
    assert "lsh" not in tables and "lsh_index" in tables
    assert meta["fingerprint"] == FINGERPRINT
    assert (meta["num_perm"], meta["lsh_bands"]) == (str(CONFIG.num_perm), str(CONFIG.lsh_bands))
    # Every stored page (the five seeds, re-indexed, and the new one) has its keys, once per band,
    # and a long one the keys of its windows too (no key twice for one page).
    from storyline.dedup.lsh import window_keys
    from storyline.dedup.shingles import shingle_sequence

    windows = {k for (text,) in con.execute("SELECT text FROM pages")
               for k in window_keys(shingle_sequence(text, CONFIG.shingle_size), CONFIG.num_perm, CONFIG.lsh_bands)}
    assert windows  # seed 000 is long enough
    assert con.execute("SELECT count(*) FROM lsh_index").fetchone()[0] >= 6 * CONFIG.lsh_bands + len(windows) // 2
    assert all(n >= CONFIG.lsh_bands for (n,) in con.execute("SELECT count(*) FROM lsh_index GROUP BY page"))
    assert con.execute("SELECT count(DISTINCT page) FROM lsh_index").fetchone()[0] == 6
    con.close()


# -- 8. relations on the seeds, as the API and the CLI show them -----------------------------

@pytest.fixture(scope="module")
def seed_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("seeds")
    for path in SEED.values():
        shutil.copy(path, folder / path.name)
    db = folder / "s.db"
    with Storyline(db) as sl:
        sl.run([folder / p.name for p in SEED.values()])
    return db


def _by_seed(db: Path) -> dict[str, dict]:
    with Storyline(db, read_only=True) as sl:
        return {Path(p["source"]).name[:3]: p for p in sl.pages()}


def test_seed_relations(seed_store):
    pages = _by_seed(seed_store)
    assert pages["001"]["duplicate_of"] == pages["002"]["id"] and pages["001"]["relation"] == "near"
    assert pages["002"]["duplicate_of"] == pages["000"]["id"] and pages["002"]["relation"] == "version"
    assert 0.1 <= pages["002"]["relation_score"] < 0.4
    assert pages["000"]["duplicate_of"] == pages["003"]["id"] and pages["000"]["relation"] == "rewrite"
    assert pages["003"]["relation"] is None and pages["003"]["duplicate_of"] is None
    assert pages["004"]["relation"] is None and pages["004"]["duplicate_of"] is None
    reasons = pages["002"]["original_reasons"]
    assert isinstance(reasons, list) and reasons and all(isinstance(r, str) and r for r in reasons)
    copies = [p for p in pages.values() if p["relation"] in ("exact", "near", "contained")]
    assert copies and all(p["original_reasons"] is None for p in copies)


def test_cli_pages_names_copies_versions_and_rewrites(seed_store):
    pages = _by_seed(seed_store)
    script = Path(sys.executable).with_name("storyline")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "storyline.cli"]
    proc = subprocess.run([*command, "pages", "--db", str(seed_store)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"near copy of {pages['002']['id']}" in out
    assert f"version of {pages['000']['id']}" in out
    assert f"rewrite of {pages['003']['id']}" in out
    assert "5 pages" in out


# -- 9. which copy is the original -----------------------------------------------------------

TEXT = ("The two leaders met in the capital on Tuesday and agreed to expand trade, "
        "officials said after the talks, which lasted most of the day.")


def _candidate(pid: str, **kw) -> Candidate:
    fields = dict(text=TEXT, injected=False, agency=None, claimed_date=None)
    fields.update(kw)
    return Candidate(id=pid, **fields)


def test_earliest_credible_date_is_the_original():
    # Same text, same length; the id order favours the later page, so only the date decides.
    later = _candidate("a-later", claimed_date="2024-01-16", credible_date="2024-01-16")
    earlier = _candidate("b-earlier", claimed_date="2024-01-15", credible_date="2024-01-15")
    for pages in ([later, earlier], [earlier, later]):
        ranked = rank_originals(pages)
        assert [c.id for c in ranked] == ["b-earlier", "a-later"]
        assert "earliest credible date (2024-01-15)" in why_original(ranked[0], ranked[1:])


def test_content_farm_never_outranks_a_clean_copy_even_with_the_earliest_date():
    farm = _candidate("a-farm", content_farm=True, claimed_date="2024-01-10", credible_date="2024-01-10",
                      text=TEXT + " More text here.")
    clean = _candidate("b-clean", claimed_date="2024-01-15", credible_date="2024-01-15")
    ranked = rank_originals([farm, clean])
    assert [c.id for c in ranked] == ["b-clean", "a-farm"]
    assert "no injected spam, unlike other copies" in why_original(ranked[0], ranked[1:])


def test_without_dates_the_agency_named_copy_is_the_original():
    # Shorter and later by id: only the agency can put it first.
    plain = _candidate("a-plain", text=TEXT + " Extra closing sentence.")
    agency = _candidate("b-agency", agency="AP")
    ranked = rank_originals([plain, agency])
    assert [c.id for c in ranked] == ["b-agency", "a-plain"]
    reasons = why_original(ranked[0], ranked[1:])
    assert "names the wire agency (AP)" in reasons
    assert not any("earliest credible date" in r for r in reasons)
