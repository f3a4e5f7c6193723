"""Copies found and verified: exact, near (spam injected, furniture changed), contained."""
from __future__ import annotations

import numpy as np

from storyline import Storyline
from storyline.config import Config
from storyline.dedup import UnionFind, compare, fingerprint
from storyline.records import Article

from .conftest import SEED

CONFIG = Config()


def _article(pid: str, text: str) -> Article:
    return Article(id=pid, source=pid, title=None, text=text)


def _body(seed: str) -> str:
    from storyline import extract

    return next(extract([SEED[seed]]))["text"]


def _inject(text: str, word: str, every: int) -> str:
    words = text.split(" ")
    for i in range(every, len(words), every):
        words[i] = word + words[i]
    return " ".join(words)


def test_minhash_estimates_jaccard():
    a, b = fingerprint(_article("a", _body("001")), CONFIG), fingerprint(_article("b", _body("002")), CONFIG)
    common = np.intersect1d(a.shingles, b.shingles).size
    true = common / (a.shingles.size + b.shingles.size - common)
    estimate = float(np.mean(a.minhash == b.minhash))
    assert abs(estimate - true) < 0.12


def test_relations():
    text = _body("004")
    base = fingerprint(_article("base", text), CONFIG)
    shouted = fingerprint(_article("x", text.upper().replace(",", " ")), CONFIG)
    assert compare(base, shouted, CONFIG) == ("exact", 1.0)
    spammed = fingerprint(_article("s", _inject(text, "Ethermac", 40)), CONFIG)
    relation, score = compare(base, spammed, CONFIG)
    assert relation == "near" and 0.6 < score < 1
    excerpt = fingerprint(_article("e", text[: len(text) // 4]), CONFIG)
    relation, score = compare(base, excerpt, CONFIG)
    assert relation == "contained" and score > 0.95
    other = fingerprint(_article("o", _body("003")), CONFIG)
    assert compare(base, other, CONFIG) is None


def test_union_find_root_is_order_free():
    pairs = [("c", "d"), ("a", "c"), ("e", "f")]
    one, two = UnionFind(), UnionFind()
    for x, y in pairs:
        one.union(x, y)
    for x, y in reversed(pairs):
        two.union(y, x)
    assert one.groups() == {"a": ["c", "d", "a"], "e": ["e", "f"]} or sorted(map(sorted, one.groups().values())) == [
        ["a", "c", "d"], ["e", "f"]]
    assert {k: sorted(v) for k, v in one.groups().items()} == {k: sorted(v) for k, v in two.groups().items()}


def test_copies_found_through_the_store(tmp_path):
    text = SEED["004"].read_text(encoding="utf-8")
    folder = tmp_path / "pile"
    folder.mkdir()
    (folder / "a_original.txt").write_text(text, encoding="utf-8")
    (folder / "b_exact.txt").write_text(text, encoding="utf-8")  # same bytes, another place
    (folder / "c_spam.txt").write_text(_inject(text, "Ethermac", 30), encoding="utf-8")
    (folder / "d_other.txt").write_text(SEED["003"].read_text(encoding="utf-8"), encoding="utf-8")
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([folder])
        pages = {p["source"].rsplit("/", 1)[1]: p for p in sl.pages()}
    # The two identical pages are exact copies of each other; either may be the original,
    # but never the copy with injected words.
    twins = [pages["a_original.txt"], pages["b_exact.txt"]]
    original = next(p for p in twins if p["duplicate_of"] is None)["id"]
    assert [(p["duplicate_of"], p["relation"]) for p in twins if p["id"] != original] == [(original, "exact")]
    assert (pages["c_spam.txt"]["duplicate_of"], pages["c_spam.txt"]["relation"]) == (original, "near")
    assert pages["d_other.txt"]["duplicate_of"] is None
    assert pages["c_spam.txt"]["story"] == pages["a_original.txt"]["story"] == pages["b_exact.txt"]["story"]


def _digest_inputs(shared, tmp_path):
    """A long page made of four real articles (3,000+ words), and two 120-word excerpts of two of
    them: each excerpt has Jaccard under 0.05 with the long page."""
    import json

    with open(shared / "data/timeline17/bpoil_bbc/articles.jsonl", encoding="utf-8") as handle:
        articles = [a for a in map(json.loads, handle) if 400 < len(a["text"].split()) < 900][:4]

    def excerpt(article: dict, start: int) -> str:
        return " ".join(article["text"].split()[start:start + 120])

    records = [{"id": "digest", "text": "\n\n".join(a["text"] for a in articles), "text_kind": "article"},
               {"id": "part-2", "text": excerpt(articles[1], 50), "text_kind": "article"},
               {"id": "part-3", "text": excerpt(articles[2], 100), "text_kind": "article"}]
    path = tmp_path / "digest.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def test_a_short_part_of_a_long_page_is_found_and_two_parts_stay_apart(shared, tmp_path):
    """Issue 15, copies item 2. Before window keys neither excerpt was found; and a long page
    holding both must not chain two unrelated excerpts into one copy group."""
    with Storyline(tmp_path / "s.db") as sl:
        sl.run([_digest_inputs(shared, tmp_path)])
        pages = {p["id"]: p for p in sl.pages()}
    linked = [pid for pid in ("part-2", "part-3") if pages[pid]["duplicate_of"] == "digest"]
    assert len(linked) == 1 and pages[linked[0]]["relation"] == "contained"
    other = ({"part-2", "part-3"} - set(linked)).pop()
    assert pages[other]["duplicate_of"] != linked[0] and pages[linked[0]]["duplicate_of"] != other


def test_a_new_page_is_verified_against_a_set_of_near_copies_until_one_link_holds():
    """A wire story reprinted 40 times: the 41st copy is verified against LINKS_PER_GROUP of them,
    not all 40, and joins the set; a text the set does not hold is tried a few times, then left."""
    from storyline.dedup import link_new_page
    from storyline.dedup.groups import LINKS_PER_GROUP, MAX_FAILS_PER_GROUP

    text = _body("002")
    stored = {f"copy{i:02d}": _inject(text, f"Spam{i}", 30 + i) for i in range(40)}
    same_text = UnionFind()
    for page in stored:
        same_text.union("copy00", page)
    read: list[str] = []

    def text_of(page: str) -> str:
        read.append(page)
        return stored[page]

    new = fingerprint(_article("new", _inject(text, "Other", 25)), CONFIG)
    links = link_new_page(new, sorted(stored), text_of, same_text, CONFIG)
    assert len(links) == LINKS_PER_GROUP == len(read) and {link.relation for link in links} == {"near"}
    assert same_text.find("new") == same_text.find("copy07")
    read.clear()
    unrelated = fingerprint(_article("other", _body("004")), CONFIG)
    assert link_new_page(unrelated, sorted(stored), text_of, same_text, CONFIG) == []
    assert len(read) == MAX_FAILS_PER_GROUP


def test_a_text_shorter_than_the_shingle_size_is_one_shingle_whatever_the_size():
    """shingle_size is a setting: at 4 or more, a batch of fewer words than that crashed with a
    shape error (its page skipped as 'extraction crashed its worker process')."""
    from storyline.dedup.shingles import shingle_batch
    for size in (3, 4, 8):
        batch = shingle_batch(["two words"], size)
        assert batch.hashes.size == 1 and batch.doc.tolist() == [0]
    assert shingle_batch(["one", "a b c d e f"], 4).doc.tolist() == [0, 1, 1, 1]
