"""The AEB scorer (bench/extraction/scoring.py) on small hand-computed examples."""
from __future__ import annotations

import importlib.util
import sys

import pytest

from .conftest import ROOT


def _load_scoring():
    name = "storyline_bench_extraction_scoring"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench/extraction/scoring.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        spec.loader.exec_module(module)
    return sys.modules[name]


S = _load_scoring()


def test_tokens_are_word_runs_case_kept():
    assert S.tokens("Hello, world! It's 2024.") == ["Hello", "world", "It", "s", "2024"]
    assert S.tokens(None) == []


def test_shingles_are_a_multiset_of_four_token_windows():
    assert S.shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert S.shingles("a b c d a b c d a b c d")[("a", "b", "c", "d")] == 3
    assert sum(S.shingles("a b c d a b c d a b c d").values()) == 9


def test_short_and_empty_texts():
    assert S.shingles("a b") == {("a", "b"): 1}  # as the authors' evaluate.py: one short shingle
    assert S.shingles("") == {} and S.shingles("  ,. ") == {}


def test_identical_texts_score_one():
    s = S.score_page("The cat sat on the mat.", "The cat sat on the mat.")
    assert (s.tp, s.fp, s.fn) == (3, 0, 0)
    assert s.precision == s.recall == s.f1 == 1.0
    assert S.aggregate([s]).f1 == 1.0


def test_punctuation_and_spacing_do_not_matter_case_does():
    assert S.score_page("The cat -- sat, on\n\nthe mat", "The cat sat on the mat!").f1 == 1.0
    assert S.score_page("The cat sat down", "the cat sat down").f1 == 0.0


def test_disjoint_texts_score_zero():
    s = S.score_page("one two three four", "five six seven eight")
    assert (s.tp, s.fp, s.fn) == (0, 1, 1)
    assert s.precision == s.recall == s.f1 == 0.0
    assert S.aggregate([s]).f1 == 0.0


def test_partial_overlap_by_hand():
    # gold: 123 4 5 6 -> {1234, 2345, 3456}; pred: 3456, 4567, 5678 -> one in common
    s = S.score_page("one two three four five six", "three four five six seven eight")
    assert (s.tp, s.fp, s.fn) == (1, 2, 2)
    assert s.precision == pytest.approx(1 / 3) and s.recall == pytest.approx(1 / 3)
    assert s.f1 == pytest.approx(1 / 3)
    # a prediction missing the last word: 3 of the gold's 4 shingles, nothing extra
    t = S.score_page("the cat sat on the mat today", "the cat sat on the mat")
    assert (t.tp, t.fp, t.fn) == (3, 0, 1)
    assert t.precision == 1.0 and t.recall == 0.75 and t.f1 == pytest.approx(6 / 7)


def test_f1_is_the_harmonic_mean_of_the_averages_not_the_mean_of_page_f1():
    a = S.score_page("the cat sat on the mat today", "the cat sat on the mat")  # P 1, R 3/4
    b = S.score_page("one two three four five six", "three four five six seven eight")  # P 1/3, R 1/3
    agg = S.aggregate([a, b])
    assert agg.precision == pytest.approx(2 / 3)
    assert agg.recall == pytest.approx(13 / 24)
    assert agg.f1 == pytest.approx(52 / 87)  # 2PR/(P+R) with P = 16/24, R = 13/24
    assert agg.f1 != pytest.approx((a.f1 + b.f1) / 2)
    assert agg.pages == 2


def test_repeated_shingles_count_as_a_multiset():
    # gold has abcd x3, bcda x2, cdab x2, dabc x2 (9); the prediction abcd once
    s = S.score_page("a b c d a b c d a b c d", "a b c d")
    assert (s.tp, s.fp, s.fn) == (1, 0, 8)
    assert s.precision == 1.0 and s.recall == pytest.approx(1 / 9)
    # a prediction that repeats the gold: abcd x2, bcda, cdab, dabc against abcd once
    r = S.score_page("a b c d", "a b c d a b c d")
    assert (r.tp, r.fp, r.fn) == (1, 4, 0)
    assert r.precision == pytest.approx(0.2) and r.recall == 1.0  # a set would say 1.0 and 1.0


def test_empty_prediction_costs_recall_but_stays_out_of_the_precision_average():
    empty = S.score_page("one two three four five", "")
    assert (empty.tp, empty.fp, empty.fn) == (0, 0, 2)
    assert empty.precision == 0.0 and empty.recall == 0.0 and empty.f1 == 0.0
    assert not empty.has_prediction and empty.has_gold
    assert S.score_page("one two three four five", None) == empty
    perfect = S.score_page("a b c d e", "a b c d e")
    agg = S.aggregate([perfect, empty])
    assert agg.precision == 1.0 and agg.recall == 0.5 and agg.f1 == pytest.approx(2 / 3)


def test_empty_gold_costs_precision_but_stays_out_of_the_recall_average():
    s = S.score_page("", "some words that are not there")
    assert (s.tp, s.fp, s.fn) == (0, 3, 0)
    assert s.precision == 0.0 and s.recall == 0.0 and not s.has_gold
    agg = S.aggregate([S.score_page("a b c d e", "a b c d e"), s])
    assert agg.precision == 0.5 and agg.recall == 1.0


def test_both_empty_is_perfect_but_counts_in_no_average():
    s = S.score_page("", "...")
    assert (s.tp, s.fp, s.fn) == (0, 0, 0)
    assert s.precision == s.recall == s.f1 == 1.0
    half = S.score_page("the cat sat on the mat today", "the cat sat on the mat")
    assert S.aggregate([s, half]) == S.Scores(f1=pytest.approx(6 / 7), precision=1.0, recall=0.75, pages=2)
    assert S.aggregate([s]).f1 == 0.0 and S.aggregate([]).f1 == 0.0  # nothing to average


def test_score_pages_over_a_subset_and_missing_predictions():
    gold = {"x": "a b c d e", "y": "one two three four"}
    pred = {"x": "a b c d e"}  # y missing: an empty prediction
    assert S.score_pages(gold, pred, ids=["x"]).f1 == 1.0
    allp = S.score_pages(gold, pred)
    assert allp.precision == 1.0 and allp.recall == 0.5 and allp.pages == 2
    per_page = S.page_scores(gold, pred)
    assert per_page["x"].f1 == 1.0 and per_page["y"].f1 == 0.0


def test_split_is_fixed_by_sha1_of_the_id():
    assert S.split_of("d") == "dev"  # sha1('d') = 3c36...
    assert S.split_of("a") == "heldout"  # sha1('a') = 86f7...
    halves = S.split_ids(["a", "b", "c", "d", "e", "f", "g"])
    assert halves["dev"] == ["d", "e", "f", "g"] and halves["heldout"] == ["a", "b", "c"]
    assert halves["all"] == sorted(halves["dev"] + halves["heldout"])
