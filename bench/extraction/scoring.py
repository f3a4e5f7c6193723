"""The Article Extraction Benchmark's scoring, written from its authors' description.

Text is split into ``\\w+`` tokens (``re.findall``, case kept). Each page's gold and
predicted text become multisets (Counters) of 4-token shingles; per page

    TP = size of the multiset intersection, FP = |predicted| - TP, FN = |gold| - TP

give a precision and a recall; precision and recall are averaged over the pages, and
F1 is the harmonic mean of the two averages (not the mean of per-page F1s).

Edge cases follow the benchmark authors' own script, evaluate.py in
scrapinghub/article-extraction-benchmark (read for this; no code is copied):

- a text of 1 to 3 tokens is one shorter shingle (all its tokens), not nothing; an
  empty text (no token) has no shingle;
- per page: both texts without shingles -> precision = recall = 1; a prediction without
  shingles for a non-empty gold -> precision 0 (and recall 0); a gold without shingles
  for a non-empty prediction -> recall 0 (and precision 0);
- the averages: precision is averaged only over pages whose prediction has a shingle
  (TP + FP > 0), recall only over pages whose gold has one (TP + FN > 0). So an empty
  prediction costs recall (0 on that page) but does not enter the precision average.
  evaluate.py fails when no page qualifies or both averages are 0; here such an average
  is 0.0 and F1 is 0.0.

evaluate.py also divides TP/FP/FN by their sum per page; that leaves the per-page
ratios unchanged, so it is not done here. It adds bootstrap confidence intervals; this
module does not (``page_scores`` gives the per-page numbers for inspection instead).

``split_of`` is the fixed dev / heldout split of the page ids used by the benchmark;
``load_*`` read the benchmark's files (``../shared/data/aeb`` from the repository).
"""
from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["PageScore", "Scores", "shingles", "score_page", "score_pages", "page_scores",
           "aggregate", "split_of", "split_ids", "load_gold", "load_page_text", "load_html", "SHINGLE"]

SHINGLE = 4
_TOKEN = re.compile(r"\w+")


def tokens(text: str | None) -> list[str]:
    return _TOKEN.findall(text or "")


def shingles(text: str | None, n: int = SHINGLE) -> Counter:
    """Multiset of n-token shingles; a text of 1..n-1 tokens is one shorter shingle."""
    toks = tokens(text)
    if not toks:
        return Counter()
    return Counter(tuple(toks[i:i + n]) for i in range(max(1, len(toks) - n + 1)))


@dataclass(frozen=True)
class PageScore:
    tp: int
    fp: int
    fn: int

    @property
    def has_prediction(self) -> bool:  # counts in the precision average
        return self.tp + self.fp > 0

    @property
    def has_gold(self) -> bool:  # counts in the recall average
        return self.tp + self.fn > 0

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0  # identical (or both empty)
        return self.tp / (self.tp + self.fp) if self.has_prediction else 0.0

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.has_gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "precision": self.precision, "recall": self.recall, "f1": self.f1}


@dataclass(frozen=True)
class Scores:
    f1: float
    precision: float
    recall: float
    pages: int

    def as_dict(self) -> dict:
        return asdict(self)


def score_page(gold: str | None, predicted: str | None, n: int = SHINGLE) -> PageScore:
    g, p = shingles(gold, n), shingles(predicted, n)
    tp = sum((g & p).values())
    return PageScore(tp=tp, fp=sum(p.values()) - tp, fn=sum(g.values()) - tp)


def aggregate(pages: Iterable[PageScore]) -> Scores:
    """Average precision and recall over the pages (see the module doc), F1 of the averages."""
    pages = list(pages)
    precisions = [s.precision for s in pages if s.has_prediction]
    recalls = [s.recall for s in pages if s.has_gold]
    precision = sum(precisions) / len(precisions) if precisions else 0.0
    recall = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return Scores(f1=f1, precision=precision, recall=recall, pages=len(pages))


def page_scores(gold: Mapping[str, str], predicted: Mapping[str, str | None]) -> dict[str, PageScore]:
    """Per-page scores for every gold page id (a missing prediction counts as empty)."""
    return {pid: score_page(gold[pid], predicted.get(pid)) for pid in gold}


def score_pages(gold: Mapping[str, str], predicted: Mapping[str, str | None],
                ids: Iterable[str] | None = None) -> Scores:
    """Benchmark scores over ``ids`` (default: every gold page)."""
    ids = list(gold) if ids is None else list(ids)
    return aggregate(score_page(gold[pid], predicted.get(pid)) for pid in ids)


def split_of(page_id: str) -> str:
    """'dev' when sha1(page id) in hex starts with 0-7, else 'heldout' (about half each)."""
    return "dev" if hashlib.sha1(page_id.encode("utf-8")).hexdigest()[0] in "01234567" else "heldout"


def split_ids(ids: Iterable[str]) -> dict[str, list[str]]:
    """{'all': ids, 'dev': [...], 'heldout': [...]}, each sorted."""
    ids = sorted(ids)
    return {"all": ids,
            "dev": [i for i in ids if split_of(i) == "dev"],
            "heldout": [i for i in ids if split_of(i) == "heldout"]}


def load_gold(aeb: Path) -> dict[str, str]:
    """{page id: gold article body} from ground-truth.json."""
    data = json.loads((Path(aeb) / "ground-truth.json").read_text(encoding="utf-8"))
    return {pid: item.get("articleBody") or "" for pid, item in data.items()}


def load_page_text(aeb: Path) -> dict[str, str]:
    """{page id: the whole page rendered as plain text} from page-text.json."""
    data = json.loads((Path(aeb) / "page-text.json").read_text(encoding="utf-8"))
    return {pid: item.get("articleBody") or "" for pid, item in data["output"].items()}


def load_html(aeb: Path, ids: Iterable[str]) -> dict[str, bytes]:
    """{page id: raw HTML bytes} from html/<id>.html.gz."""
    return {pid: gzip.decompress((Path(aeb) / "html" / f"{pid}.html.gz").read_bytes()) for pid in ids}
