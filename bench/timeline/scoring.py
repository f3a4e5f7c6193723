"""Scores as the TLS papers compute them, with tilse 0.2.1 (Martschat & Markert's toolkit,
the one news-tls's experiments/evaluate.py calls):

* date F1: the predicted dates against the reference's dates, as sets;
* AR-1 / AR-2: `TimelineRougeEvaluator.evaluate_align_date_content_costs_many_to_one`
  ("align+ m:1"), ROUGE-1 / ROUGE-2 counts from the original ROUGE-1.5.5 Perl script (stemmed,
  stopwords removed: tilse's defaults) when it runs here, else tilse's Python reimplementation;
* the average over reference timelines is news-tls's: precision and recall are averaged, and
  the F of those averages is reported (`macro_f` keeps the mean of per-timeline F too).

Both sides are normalised alike before scoring: lower-cased, PTB bracket and quote tokens
(-LRB-, ``) turned back into the characters, '<' and '>' dropped (ROUGE's HTML input format
cannot hold them), whitespace collapsed. ROUGE-1.5.5 then splits on non-alphanumerics itself.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

_PTB = {"-lrb-": "(", "-rrb-": ")", "-lsb-": "[", "-rsb-": "]", "-lcb-": "{", "-rcb-": "}",
        "``": '"', "''": '"'}
_PTB_RE = re.compile("|".join(re.escape(k) for k in _PTB))


def normalise(sentence: str) -> str:
    s = _PTB_RE.sub(lambda m: _PTB[m.group(0)], sentence.lower())
    s = s.replace("<", " ").replace(">", " ")
    return " ".join(s.split())


def perl_rouge_problem() -> str | None:
    """Why the original ROUGE-1.5.5 cannot run here, or None when it can."""
    try:
        import pyrouge.base
    except ImportError as e:
        return f"pyrouge (shipped with tilse) missing: {e}"
    if not shutil.which("perl"):
        return "no perl"
    script = f"{pyrouge.base.ROUGE_EVAL_HOME}/ROUGE-1.5.5.pl"
    r = subprocess.run(["perl", "-I", pyrouge.base.ROUGE_EVAL_HOME, "-c", script], capture_output=True, text=True)
    if r.returncode != 0:
        first = (r.stderr.strip().splitlines() or ["?"])[0]
        return f"ROUGE-1.5.5.pl does not compile ({first[:120]}); Debian: apt-get install libxml-parser-perl"
    return None


_EVALUATORS: dict[str, object] = {}


def _evaluator(rouge: str):
    if rouge not in _EVALUATORS:
        from tilse.evaluation.rouge import TimelineRougeEvaluator
        _EVALUATORS[rouge] = TimelineRougeEvaluator(measures={"rouge_1", "rouge_2"}, rouge_computation=rouge)
    return _EVALUATORS[rouge]


def _prf(p: float, r: float) -> dict:
    return {"precision": p, "recall": r, "f_score": 2 * p * r / (p + r) if p + r else 0.0}


def score(predicted: dict[date, list[str]], reference: dict[date, list[str]], rouge: str = "original") -> dict:
    """Date P/R/F and AR-1 / AR-2 P/R/F of one predicted timeline against one reference."""
    from tilse.data.timelines import GroundTruth, Timeline
    pred = {d: [normalise(s) for s in ss if normalise(s)] for d, ss in predicted.items()}
    pred = {d: ss for d, ss in pred.items() if ss}
    ref = {d: [normalise(s) for s in ss] for d, ss in reference.items()}
    shared = len(set(pred) & set(ref))
    dates = _prf(shared / len(pred) if pred else 0.0, shared / len(ref))
    if not pred:  # tilse's alignment needs at least one predicted date
        zero = _prf(0.0, 0.0)
        return {"date": dates, "rouge_1": zero, "rouge_2": dict(zero)}
    scores = _evaluator(rouge).evaluate_align_date_content_costs_many_to_one(Timeline(pred), GroundTruth([Timeline(ref)]))
    return {"date": dates,
            "rouge_1": _prf(scores["rouge_1"]["precision"], scores["rouge_1"]["recall"]),
            "rouge_2": _prf(scores["rouge_2"]["precision"], scores["rouge_2"]["recall"])}


def average(per_timeline: list[dict]) -> dict:
    """news-tls's average: mean precision, mean recall, F of the two; plus the mean of F."""
    out = {}
    for metric in ("date", "rouge_1", "rouge_2"):
        rows = [s[metric] for s in per_timeline]
        n = len(rows) or 1
        p = sum(r["precision"] for r in rows) / n
        r = sum(r["recall"] for r in rows) / n
        out[metric] = {**_prf(p, r), "macro_f": sum(x["f_score"] for x in rows) / n}
    return out
