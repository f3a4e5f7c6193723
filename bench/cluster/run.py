"""Stories and storylines: quality on Timeline17, the seeds and AEB; speed at 10k and 100k pages.

    python bench/cluster/run.py            # everything (about 15 minutes on 2 cores)
    python bench/cluster/run.py --quick    # no 100k run, no store run of the whole stream

Writes bench/cluster/results.md and results.json. What each part measures:

1. Storylines vs topics. All 2,304 Timeline17 articles (10 topic/source sets, 4 topics) mixed
   into one stream in date order; each article's storyline is compared with its topic
   (B-cubed and pairwise P/R/F1). Through the product: `Storyline.run` on the stream as
   JSONL records {id, text, date} (extraction, copies, dating, review, storylines). And
   with the in-memory engine (online.py + storylines.py) on the whole stream, on the dev
   sets (thresholds were chosen there) and on the held-out sets; and with headlines only
   (each article reduced to its first 30 words as a title).
2. Stories: their number on the stream and on the seeds, and a random sample of
   multi-page stories printed for a reader to judge purity (README.md records the verdict).
3. Many unrelated stories: the 181 AEB articles (different events, undated) through the
   engine: how many end up sharing a story or a storyline.
4. Speed: the grouping stage (vectors, join decision, storylines) on a synthetic stream of
   10k and 100k pages: Timeline17 replicated, each replica shifted by 3 days and with half
   its words renamed, so stories run in parallel and crowd the index. Counting terms and
   names is per page work done in the extraction workers; timed separately. Reference in
   the same run: the same engine scoring every story (no index) at 1k-4k pages. Batch mode
   (batch.py, 28-day blocks) against online on the same streams: agreement B-cubed F1.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "dedup"))
from data import SEEDS, Article, timeline17  # noqa: E402
from metrics import bcubed, pair_scores  # noqa: E402

import storyline  # noqa: E402
from storyline import Storyline  # noqa: E402
from storyline.cluster.batch import BatchSettings, cluster_batch, weigh  # noqa: E402
from storyline.cluster.model import load_model  # noqa: E402
from storyline.cluster.online import StoryIndex  # noqa: E402
from storyline.cluster.storylines import StorySummary, link_storylines  # noqa: E402
from storyline.cluster.vectors import StoryCounts, Weights, story_counts  # noqa: E402
from storyline.config import Config  # noqa: E402

DEV_SETS = {"H1N1_reuters", "MJ_bbc", "bpoil_reuters", "bpoil_guardian", "haiti_bbc"}
AEB = HERE.parents[2] / "shared" / "data" / "aeb" / "ground-truth.json"
CONFIG = Config()
MODEL, SIGMA = load_model("")


def scores(truth: list, predicted: list) -> dict:
    b, p = bcubed(truth, predicted), pair_scores(truth, predicted)
    return {"groups": len(set(predicted)), "bcubed_p": round(b["precision"], 4), "bcubed_r": round(b["recall"], 4),
            "bcubed_f1": round(b["f1"], 4), "pair_p": round(p["precision"], 4), "pair_r": round(p["recall"], 4),
            "pair_f1": round(p["f1"], 4)}


# -- the in-memory engine: the stages run/local.py runs, without the store -----------
def group_online(ids: list[str], counts: list[StoryCounts], index: StoryIndex | None = None
                 ) -> tuple[dict[str, str], StoryIndex, float]:
    weights = Weights()
    index = index or StoryIndex(MODEL, CONFIG.story_join_probability, SIGMA)
    out = {}
    start = time.perf_counter()
    for pid, c in zip(ids, counts):
        weights.count(c)
        vec = weights.vectors(pid, c)
        decision = index.decide(vec)
        story = decision.story or "s-" + pid
        index.add(story, vec)
        out[pid] = story
    return out, index, time.perf_counter() - start


def storylines_of(index: StoryIndex) -> tuple[dict[str, str], list]:
    summaries = [StorySummary.of(s, st.body, st.entities, st.first_day, st.last_day, st.reports)
                 for s, st in index.stories.items()]
    lines = link_storylines(summaries, similarity=CONFIG.storyline_similarity,
                            decay_days=CONFIG.storyline_decay_days,
                            merge_similarity=CONFIG.storyline_merge_similarity,
                            start_similarity=CONFIG.storyline_start_similarity)
    return {s: line.id for line in lines for s in line.stories}, lines


def engine_quality(arts: list[Article], counts: list[StoryCounts]) -> dict:
    ids = [a.key for a in arts]
    story_of, index, _ = group_online(ids, counts)
    line_of, lines = storylines_of(index)
    truth = [a.topic for a in arts]
    top = sorted(lines, key=lambda l: -len(l.stories))[:4]
    return {"pages": len(arts), "stories": len(set(story_of.values())),
            "storylines_vs_topics": scores(truth, [line_of[story_of[i]] for i in ids]),
            "stories_vs_topics": scores(truth, [story_of[i] for i in ids]),
            "largest_storylines": [(line.name, len(line.stories)) for line in top]}


# -- 1 and 2 through the product -------------------------------------------------------
def product_run(arts: list[Article], sample: int = 15) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        stream = Path(tmp) / "timeline17.jsonl"
        with stream.open("w", encoding="utf-8") as out:
            for a in arts:
                out.write(json.dumps({"id": a.key, "text": a.text, "date": a.date}) + "\n")
        start = time.perf_counter()
        with Storyline(Path(tmp) / "s.db", CONFIG) as sl:
            summary = sl.run([stream], workers=2)
            seconds = time.perf_counter() - start
            pages = [p for p in sl.pages() if p["story"]]
            stories = sl.stories()
            lines = sl.storylines()
            texts = {p["id"]: p["text"] for p in pages}
    line_of = {s["id"]: s["storyline"] for s in stories}
    truth = [p["id"].split("_")[0] for p in pages]
    halves = {}
    for half, keep in (("dev", lambda pid: pid.split("/")[0] in DEV_SETS),
                       ("held_out", lambda pid: pid.split("/")[0] not in DEV_SETS)):
        chosen = [p for p in pages if keep(p["id"])]
        halves[half] = scores([p["id"].split("_")[0] for p in chosen], [line_of[p["story"]] for p in chosen])
    multi = [s for s in stories if s["page_count"] > 1]
    rng = random.Random(17)
    picked = rng.sample(multi, min(sample, len(multi)))
    return {
        "pages_stored": len(pages), "skipped": len(summary.skipped), "seconds": round(seconds, 1),
        "copies": summary.totals["duplicates"], "stories": len(stories), "multi_page_stories": len(multi),
        "split_reports": summary.split_reports, "merged_stories": summary.merged_stories,
        "storylines": len(lines),
        "storylines_vs_topics": scores(truth, [line_of[p["story"]] for p in pages]),
        "storylines_vs_topics_by_half": halves,
        "largest_storylines": [(line["name"], line["story_count"], line["page_count"])
                               for line in sorted(lines, key=lambda l: -l["page_count"])[:6]],
        "story_sample": [{"story": s["id"], "pages": [f"{pid} ({next(p['published']['value'] for p in pages if p['id'] == pid)}): "
                                                     f"{' '.join(texts[pid].split()[:22])}" for pid in s["pages"][:6]]}
                         for s in picked],
    }


def seeds_run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        with Storyline(Path(tmp) / "s.db", CONFIG) as sl:
            sl.run([SEEDS])
            stories = sl.stories()
            lines = sl.storylines()
            names = {p["id"]: p["source"].rsplit("/", 1)[-1][:3] for p in sl.pages()}
    return {"stories": [sorted(names[p] for p in s["pages"]) for s in stories],
            "storylines": [{"name": line["name"], "stories": len(line["stories"])} for line in lines]}


def aeb_run() -> dict:
    truth = json.loads(AEB.read_text(encoding="utf-8"))
    ids = sorted(truth)
    counts = [story_counts(None, truth[i]["articleBody"]) for i in ids]
    story_of, index, _ = group_online(ids, counts)
    line_of, lines = storylines_of(index)
    by_story, by_line = Counter(story_of.values()), Counter(line_of[story_of[i]] for i in ids)
    return {"pages": len(ids), "stories": len(by_story), "pages_sharing_a_story": sum(n for n in by_story.values() if n > 1),
            "storylines": len(by_line), "pages_sharing_a_storyline": sum(n for n in by_line.values() if n > 1),
            "shared_stories": [[truth[i]["url"] for i in ids if story_of[i] == s] for s, n in by_story.items() if n > 1],
            "shared_storylines": [{"name": line.name, "urls": [truth[i]["url"] for i in ids if line_of[story_of[i]] == line.id]}
                                  for line in sorted(lines, key=lambda l: -len(l.stories)) if by_line[line.id] > 1]}


# -- 4 speed -----------------------------------------------------------------------------
def synthetic(arts: list[Article], counts: list[StoryCounts], n: int) -> tuple[list[str], list[StoryCounts], list[str]]:
    """n pages: replicas of the stream, shifted 3 days each, half of each replica's words renamed."""
    ids, out, topics = [], [], []
    replica = 0
    while len(ids) < n:
        def rename(c: dict[str, int], r: int = replica) -> dict[str, int]:
            if r == 0:
                return c
            return {(t if int(hashlib.blake2b(f"{t}|{r}".encode(), digest_size=2).hexdigest(), 16) % 2 else f"{t}~{r}"): k
                    for t, k in c.items()}
        for a, c in zip(arts, counts):
            if len(ids) == n:
                break
            ids.append(f"{replica}/{a.key}")
            out.append(StoryCounts(rename(c.headline), rename(c.body), rename(c.entities), a.day + 3 * replica))
            topics.append(f"{replica}/{a.topic}")
        replica += 1
    order = sorted(range(len(ids)), key=lambda i: (out[i].day, ids[i]))
    return [ids[i] for i in order], [out[i] for i in order], [topics[i] for i in order]


class _Exhaustive(StoryIndex):
    """Reference: the same join decision, every story scored (no index)."""

    def candidates(self, page):  # noqa: D401
        return list(self.stories)


def speed(arts: list[Article], counts: list[StoryCounts], sizes: list[int]) -> dict:
    out: dict = {"online": {}, "batch": {}, "exhaustive": {}}
    for n in sizes:
        ids, c, topics = synthetic(arts, counts, n)
        story_of, index, seconds = group_online(ids, c)
        start = time.perf_counter()
        _, lines = storylines_of(index)
        line_seconds = time.perf_counter() - start
        out["online"][n] = {"pages": n, "stories": len(index.stories), "storylines": len(lines),
                            "group_s": round(seconds, 2), "storylines_s": round(line_seconds, 2),
                            "pages_per_s": round(n / (seconds + line_seconds), 1)}
        start = time.perf_counter()
        vectors = weigh(zip(ids, c))
        batch = cluster_batch(vectors, BatchSettings(MODEL, SIGMA, CONFIG.story_join_probability))
        batch_seconds = time.perf_counter() - start
        agreement = bcubed([story_of[i] for i in ids], [batch[i] for i in ids])
        out["batch"][n] = {"seconds": round(batch_seconds, 2), "pages_per_s": round(n / batch_seconds, 1),
                           "stories": len(set(batch.values())), "agreement_bcubed_f1": round(agreement["f1"], 4),
                           "online_story_purity_vs_replica_topic": round(bcubed(topics, [story_of[i] for i in ids])["precision"], 4),
                           "batch_story_purity_vs_replica_topic": round(bcubed(topics, [batch[i] for i in ids])["precision"], 4)}
        print(f"  {n}: online {out['online'][n]}, batch {out['batch'][n]}", flush=True)
    for n in (1000, 2000, 4000):
        ids, c, _ = synthetic(arts, counts, n)
        _, index, seconds = group_online(ids, c, _Exhaustive(MODEL, CONFIG.story_join_probability, SIGMA))
        _, _, indexed = group_online(ids, c)
        out["exhaustive"][n] = {"exhaustive_pages_per_s": round(n / seconds, 1), "indexed_pages_per_s": round(n / indexed, 1)}
        print(f"  exhaustive {n}: {out['exhaustive'][n]}", flush=True)
    if len(sizes) > 1:
        a, b = sizes[0], sizes[-1]
        ta = out["online"][a]["group_s"] + out["online"][a]["storylines_s"]
        tb = out["online"][b]["group_s"] + out["online"][b]["storylines_s"]
        out["growth_exponent"] = round(float(np.log(tb / ta) / np.log(b / a)), 3)
    return out


def machine() -> dict:
    import numpy
    return {"date": date.today().isoformat(), "cpu": platform.processor() or platform.machine(),
            "cores": os.cpu_count(), "python": platform.python_version(), "numpy": numpy.__version__,
            "storyline": storyline.__version__ if hasattr(storyline, "__version__") else "dev"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--product", action="store_true",
                        help="only the product run of the whole stream (storyline run), into product.md / product.json")
    args = parser.parse_args()
    if args.product:
        product = {"machine": machine(), "product": product_run(timeline17())}
        (HERE / "product.json").write_text(json.dumps(product, indent=1, ensure_ascii=False) + "\n")
        (HERE / "product.md").write_text(product_report(product))
        print(product_report(product))
        return
    result: dict = {"machine": machine(), "config": {k: getattr(CONFIG, k) for k in (
        "story_join_probability", "story_split_probability", "story_merge_probability", "storyline_similarity",
        "storyline_decay_days", "storyline_merge_similarity", "storyline_start_similarity")}, "join_model": json.loads(
        (HERE.parents[1] / "src/storyline/cluster/join_model.json").read_text())}
    arts = timeline17()
    print("counting terms and names ...", flush=True)
    start = time.perf_counter()
    counts = [story_counts(None, a.text, day=a.day) for a in arts]
    result["counts_ms_per_page"] = round(1000 * (time.perf_counter() - start) / len(arts), 2)
    print("engine on the stream, dev and held-out sets, headlines only ...", flush=True)
    result["engine"] = {"all": engine_quality(arts, counts)}
    for name, keep in (("dev", lambda a: a.key.split("/")[0] in DEV_SETS),
                       ("held_out", lambda a: a.key.split("/")[0] not in DEV_SETS)):
        chosen = [(a, c) for a, c in zip(arts, counts) if keep(a)]
        result["engine"][name] = engine_quality([a for a, _ in chosen], [c for _, c in chosen])
    heads = [story_counts(" ".join(a.text.split()[:30]), "", day=a.day) for a in arts]
    result["engine"]["headlines_only"] = engine_quality(arts, heads)
    print("seeds and AEB ...", flush=True)
    result["seeds"] = seeds_run()
    result["aeb"] = aeb_run()
    if not args.quick:
        print("the product on the whole stream (storyline run) ...", flush=True)
        result["product"] = product_run(arts)
    print("speed ...", flush=True)
    result["speed"] = speed(arts, counts, [10_000] if args.quick else [10_000, 100_000])
    (HERE / "results.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    (HERE / "results.md").write_text(report(result))
    print(report(result))


def product_report(r: dict) -> str:
    m, p = r["machine"], r["product"]
    lines = [f"# bench/cluster: the product on Timeline17 ({m['date']}, {m['cpu']}, {m['cores']} cores, "
             f"Python {m['python']})", "", "`python bench/cluster/run.py --product`: all 2,304 Timeline17 articles "
             "in date order as JSONL records {id, text, date}, through `storyline run` (2 workers): extraction, "
             "copies, stories, dating, review, storylines, as a user runs it. Storylines are scored against the "
             "4 topics. Dev sets: the five on which the storyline thresholds were chosen (DEV_SETS); held-out: "
             "the other five; both halves are scored on the same mixed run.", "",
             "| pages | storylines | B-cubed P / R / F1 | pairwise P / R / F1 |", "|---|---|---|---|",
             _row("all", p["storylines_vs_topics"]),
             _row("dev sets", p["storylines_vs_topics_by_half"]["dev"]),
             _row("held-out sets", p["storylines_vs_topics_by_half"]["held_out"]), "",
             f"{p['pages_stored']} pages stored, {p['skipped']} skipped; {p['copies']} copies; {p['stories']} stories "
             f"({p['multi_page_stories']} with 2+ pages); {p['split_reports']} reports split off, "
             f"{p['merged_stories']} stories merged; {p['storylines']} storylines; {p['seconds']} s.", "",
             "Largest storylines (name, stories, pages):", ""]
    lines += [f"- {name} ({n_stories}, {n_pages})" for name, n_stories, n_pages in p["largest_storylines"]]
    return "\n".join(lines) + "\n"


def _row(name: str, s: dict) -> str:
    return (f"| {name} | {s['groups']} | {s['bcubed_p']:.3f} / {s['bcubed_r']:.3f} / **{s['bcubed_f1']:.3f}** | "
            f"{s['pair_p']:.3f} / {s['pair_r']:.3f} / {s['pair_f1']:.3f} |")


def report(r: dict) -> str:
    m = r["machine"]
    lines = [f"# bench/cluster results ({m['date']}, {m['cpu']}, {m['cores']} cores, Python {m['python']}, "
             f"numpy {m['numpy']})", "", "`python bench/cluster/run.py` — see its docstring for what each part measures.",
             "", "## Storylines against the 4 Timeline17 topics", "",
             "| run | storylines | B-cubed P / R / F1 | pairwise P / R / F1 |", "|---|---|---|---|"]
    if "product" in r:
        lines.append(_row("product: `storyline run` on the whole stream", r["product"]["storylines_vs_topics"]))
    for name, label in (("all", "engine, whole stream"), ("dev", "engine, dev sets (thresholds chosen here)"),
                        ("held_out", "engine, held-out sets"), ("headlines_only", "engine, headlines only (30 words)")):
        lines.append(_row(label, r["engine"][name]["storylines_vs_topics"]))
    lines += ["", "## Stories", "", "| run | pages | stories |", "|---|---|---|"]
    if "product" in r:
        p = r["product"]
        lines.append(f"| product, whole stream ({p['copies']} copies, {p['split_reports']} reports split off, "
                     f"{p['merged_stories']} stories merged) | {p['pages_stored']} | {p['stories']} "
                     f"({p['multi_page_stories']} with 2+ pages) |")
    for name in ("all", "dev", "held_out", "headlines_only"):
        e = r["engine"][name]
        lines.append(f"| engine, {name} | {e['pages']} | {e['stories']} |")
    lines += ["", f"Seeds: stories {r['seeds']['stories']}; storylines {r['seeds']['storylines']}.", "",
              f"AEB (181 articles of different events, undated): {r['aeb']['stories']} stories "
              f"({r['aeb']['pages_sharing_a_story']} pages share one), {r['aeb']['storylines']} storylines "
              f"({r['aeb']['pages_sharing_a_storyline']} pages share one).", ""]
    for group in r["aeb"]["shared_stories"]:
        lines.append(f"- shared story: {', '.join(group)}")
    lines.append("")
    for line in r["aeb"]["shared_storylines"]:
        lines.append(f"- storyline {line['name']} ({len(line['urls'])} pages): "
                     + ", ".join(u.split("//", 1)[-1][:50] for u in line["urls"]))
    if "product" in r:
        lines += ["", "### Sample of multi-page stories (product run; first words of each page)", ""]
        for i, s in enumerate(r["product"]["story_sample"], 1):
            lines.append(f"{i}. `{s['story']}`")
            lines += [f"   - {p}" for p in s["pages"]]
    sp = r["speed"]
    lines += ["", "## Speed of the grouping stage (synthetic stream)", "",
              f"Counting terms and names (extraction workers): {r['counts_ms_per_page']} ms per page.", "",
              "| pages | stories | storylines | online pages/s | batch pages/s | batch vs online agreement (B-cubed F1) |",
              "|---|---|---|---|---|---|"]
    for n, o in sp["online"].items():
        b = sp["batch"][n]
        lines.append(f"| {n} | {o['stories']} | {o['storylines']} | {o['pages_per_s']} | {b['pages_per_s']} | "
                     f"{b['agreement_bcubed_f1']} |")
    if "growth_exponent" in sp:
        lines.append(f"\nGrowth of online time from the smallest to the largest run: n^{sp['growth_exponent']}.")
    lines += ["", "| pages | every story scored (reference), pages/s | indexed, pages/s |", "|---|---|---|"]
    for n, e in sp["exhaustive"].items():
        lines.append(f"| {n} | {e['exhaustive_pages_per_s']} | {e['indexed_pages_per_s']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
