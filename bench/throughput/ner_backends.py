"""NER on NumPy's BLAS (what storyline runs since 984695b) against thinc's default, BLIS: the same
entities, and the time of each.

    .venv/bin/python bench/throughput/ner_backends.py [--full-texts 300]

Texts: the headline and lead (cluster/ner.py `lead`) of every Timeline17 article and UCI headline
in ../shared/data (4,961 pages), and the first `--full-texts` Timeline17 texts whole, as the reports
read them (report/entities.py `page_spans`). Each backend runs in its own process pinned to CPU 0,
one after the other, BLAS on one thread (cluster/ner.py `one_blas_thread`). Compared: every page's
entity counts (leads) and spans (full texts). Results go to bench/throughput/results-ner.md.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1].parent / "shared" / "data"
sys.path.insert(0, str(HERE))
from run_aeb import machine  # noqa: E402


def pages() -> list[tuple[str, str]]:
    out = []
    for path in sorted((SHARED / "timeline17").glob("*/articles.jsonl")):
        out += [(r.get("title") or "", r["text"]) for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]
    headlines = (SHARED / "uci-stories" / "headlines.jsonl").read_text(encoding="utf-8").splitlines()
    return out + [(json.loads(line)["title"], "") for line in headlines]


def run_backend(blis: bool, full_texts: int, dest: str) -> None:
    """In this process: load the model on the given backend, read every lead and the full texts."""
    from storyline.cluster import ner
    from storyline.report import entities

    if blis:  # the model as storyline loaded it before 984695b: thinc's default ops, BLIS
        from thinc.api import use_ops

        with use_ops("numpy", use_blis=True):
            nlp = ner.model_package().load(exclude=ner.NOT_RUN)
        ner.load_nlp = entities.load_nlp = lambda: nlp  # what entity_counts_many and page_spans call
    texts = pages()
    ops = ner.load_nlp().get_pipe("ner").model.ops
    assert ops.use_blis == blis, "the model is not on the backend asked for"
    start = time.perf_counter()
    leads = ner.entity_counts_many(texts)
    lead_seconds = time.perf_counter() - start
    start = time.perf_counter()
    spans = entities.page_spans([t for _, t in texts[:full_texts]])
    full_seconds = time.perf_counter() - start
    Path(dest).write_text(json.dumps({"leads": leads, "spans": [[[s.key, s.type, s.start] for s in p] for p in spans],
                                      "lead_seconds": lead_seconds, "full_seconds": full_seconds}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full-texts", type=int, default=300)
    parser.add_argument("--backend", choices=("blis", "numpy"), help="(internal) one backend's run")
    parser.add_argument("--dest")
    args = parser.parse_args()
    if args.backend:
        run_backend(args.backend == "blis", args.full_texts, args.dest)
        return
    got = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("blis", "numpy"):
            dest = f"{tmp}/{backend}.json"
            subprocess.run(["taskset", "-c", "0", sys.executable, __file__, "--backend", backend, "--dest", dest,
                            "--full-texts", str(args.full_texts)], check=True)
            got[backend] = json.loads(Path(dest).read_text())
    a, b = got["blis"], got["numpy"]
    lead_diff = sum(x != y for x, y in zip(a["leads"], b["leads"]))
    span_diff = sum(x != y for x, y in zip(a["spans"], b["spans"]))
    lines = ["# NER on NumPy's BLAS against thinc's BLIS", "",
             f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d')}", f"- machine: {machine()}",
             "- versions: " + ", ".join(f"{p} {version(p)}" for p in ("storyline", "spacy", "thinc", "blis", "numpy")),
             f"- command: `python bench/throughput/ner_backends.py --full-texts {args.full_texts}` (each backend in "
             "its own process on CPU 0, BLAS on one thread)", "",
             "| texts | pages | BLIS s | NumPy s | NumPy / BLIS | pages whose entities differ |", "|---|---|---|---|---|---|",
             f"| headline and lead (story grouping) | {len(a['leads']):,} | {a['lead_seconds']:.2f} | "
             f"{b['lead_seconds']:.2f} | {b['lead_seconds'] / a['lead_seconds']:.2f} | {lead_diff} |",
             f"| whole text (reports) | {len(a['spans']):,} | {a['full_seconds']:.2f} | {b['full_seconds']:.2f} | "
             f"{b['full_seconds'] / a['full_seconds']:.2f} | {span_diff} |"]
    (HERE / "results-ner.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
