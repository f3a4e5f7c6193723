"""Labelled copies, made the way content farms make them, from real articles.

Base articles: every article of ../shared/data/timeline17 (2,304, text
re-joined from its tokens) and the 181 gold texts of ../shared/data/aeb. Base
articles that are already near copies of each other (the same wire story in two
outlets) are merged into one labelled group first, so only the generator's
copies and real pre-existing copies count as duplicates.

Kinds of copy (each a function of a base article and a seeded RNG):
spam        spam words injected: glued before the title ("Ethermac-"), after it
            ("-Aspire Money Growth"), inserted between words, glued to a word
furniture   page chrome added: a menu line, a "Related" list of other headlines,
            a photo credit, a caption printed twice, comment and copyright lines
truncated   only the first 40-80 % of the paragraphs
excerpt     a middle run of 50-80 % of the paragraphs
dropped     20-40 % of the paragraphs dropped at random
update      a wire update: a new lead paragraph, 1-3 paragraphs of another
            article of the same topic appended, the rest kept
retitled    a new title and two sentences reworded (quotes, numbers)
farm        spam + furniture + dropped together, as on seeds 000, 001, 004
"""
from __future__ import annotations

import gzip
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
KINDS = ("spam", "furniture", "truncated", "excerpt", "dropped", "update", "retitled", "farm")
SPAM = ["Ethermac", "Aspire Money Growth", "消息", "TrendPulse", "FinFlare", "NovaBit", "BullRun Daily", "Zenith Yield",
        "CoinVerse", "Wealth Orbit", "快讯", "热点", "PrimeSignal", "AlphaNest"]
MENU = ["Home | News | World | Business | Markets | Sports | Entertainment | Lifestyle",
        "Top Stories  Latest  Video  Opinion  Subscribe  Sign in", "MENU  Search  Trending  Newsletters  Podcasts"]
FOOTER = ["Read Comments", "Copyright 2024 All rights reserved.", "Leave a Comment", "Share this article: Facebook Twitter Email",
          "Comments are moderated and must follow our community policy.", "veryGood! (639)", "Recommendation", "Ranking"]


@dataclass(frozen=True, slots=True)
class Doc:
    id: str
    title: str
    body: str  # paragraphs separated by blank lines
    group: str  # label: documents of one group are copies of each other
    kind: str  # "base" or one of KINDS
    topic: str

    @property
    def text(self) -> str:
        return self.title + "\n\n" + self.body


def _detokenise(text: str) -> str:
    text = text.replace("-LRB-", "(").replace("-RRB-", ")").replace("``", '"').replace("''", '"')
    text = re.sub(r" ([.,;:!?%)'])", r"\1", text)
    text = re.sub(r"\( ", "(", text)
    return re.sub(r" n't", "n't", text)


def base_articles() -> list[Doc]:
    docs = []
    for path in sorted((DATA / "timeline17").glob("*/articles.jsonl")):
        topic = path.parent.name.split("_")[0]
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            lines = [_detokenise(x.strip()) for x in record["text"].split("\n") if x.strip()]
            if len(lines) < 3:
                continue
            docs.append(Doc(f"t17/{path.parent.name}/{record['id']}", lines[0][:150], "\n\n".join(lines[1:]),
                            f"t17/{path.parent.name}/{record['id']}", "base", topic))
    gold = json.loads((DATA / "aeb" / "ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(gold):
        paragraphs = [p.strip() for p in gold[key]["articleBody"].split("\n") if p.strip()]
        if len(paragraphs) < 3:
            continue
        docs.append(Doc(f"aeb/{key}", paragraphs[0][:150], "\n\n".join(paragraphs[1:]), f"aeb/{key}", "base", "aeb"))
    return docs


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", paragraph) if s]


def _spam(title: str, body: str, rnd: random.Random, spam: list[str] = SPAM) -> tuple[str, str]:
    word = rnd.choice(spam)
    if rnd.random() < 0.5:
        title = f"{word}-{title}"
    else:
        title = f"{title}-{word}"
    words = body.split(" ")
    for _ in range(rnd.randint(2, 8)):
        spot = rnd.randrange(len(words))
        if rnd.random() < 0.5:
            words.insert(spot, rnd.choice(spam))
        else:
            words[spot] = rnd.choice(spam).replace(" ", "") + words[spot]  # glued: "EthermacTuesday"
    return title, " ".join(words)


def _furniture(body: str, rnd: random.Random, headlines: list[str]) -> str:
    paragraphs = body.split("\n\n")
    caption = rnd.choice(paragraphs)[:140]
    top = [rnd.choice(MENU), caption, f"Photo: {rnd.choice(['AP', 'Reuters', 'AFP', 'Getty Images'])}", caption]
    related = ["Related"] + rnd.sample(headlines, rnd.randint(5, 20))
    bottom = rnd.sample(FOOTER, 3)
    return "\n\n".join(top + paragraphs + related + bottom)


def _cut(body: str, rnd: random.Random, kind: str) -> str:
    paragraphs = body.split("\n\n")
    n = len(paragraphs)
    if kind == "truncated":
        keep = paragraphs[:max(1, round(n * rnd.uniform(0.4, 0.8)))]
    elif kind == "excerpt":
        size = max(1, round(n * rnd.uniform(0.5, 0.8)))
        start = rnd.randint(0, n - size)
        keep = paragraphs[start:start + size]
    else:  # dropped
        drop = set(rnd.sample(range(n), round(n * rnd.uniform(0.2, 0.4))))
        keep = [p for i, p in enumerate(paragraphs) if i not in drop] or paragraphs[:1]
    return "\n\n".join(keep)


def _update(body: str, rnd: random.Random, other: Doc) -> str:
    paragraphs = body.split("\n\n")
    new_lead = rnd.choice(other.body.split("\n\n"))
    added = other.body.split("\n\n")[1:1 + rnd.randint(1, 3)]
    return "\n\n".join([new_lead] + paragraphs + added)


def _retitle(title: str, body: str, rnd: random.Random, headlines: list[str]) -> tuple[str, str]:
    title = rnd.choice(headlines)
    sentences = _sentences(body)
    for _ in range(2):
        i = rnd.randrange(len(sentences))
        sentences[i] = re.sub(r"\d+", lambda m: str(int(m.group()) + 1), sentences[i].replace('"', "'"))
    return title, " ".join(sentences)


def perturb(doc: Doc, kind: str, rnd: random.Random, headlines: list[str], same_topic: list[Doc]) -> tuple[str, str]:
    title, body = doc.title, doc.body
    if kind == "spam":
        return _spam(title, body, rnd)
    if kind == "furniture":
        return title, _furniture(body, rnd, headlines)
    if kind in ("truncated", "excerpt", "dropped"):
        return title, _cut(body, rnd, kind)
    if kind == "update":
        return title, _update(body, rnd, rnd.choice(same_topic))
    if kind == "retitled":
        return _retitle(title, body, rnd, headlines)
    title, body = _spam(title, _cut(body, rnd, "dropped"), rnd)
    return title, _furniture(body, rnd, headlines)


def labelled_set(seed: int = 2026, per_kind: int = 200, multi: int = 100) -> list[Doc]:
    """Bases, one copy of each kind for `per_kind` bases, and 3 mixed copies for `multi` more bases."""
    rnd = random.Random(seed)
    bases = base_articles()
    headlines = [d.title for d in bases]
    by_topic: dict[str, list[Doc]] = {}
    for d in bases:
        by_topic.setdefault(d.topic, []).append(d)
    eligible = [d for d in bases if len(d.body.split("\n\n")) >= 4]
    chosen = rnd.sample(eligible, per_kind * len(KINDS) + multi)
    docs = list(bases)
    for k, base in enumerate(chosen):
        kinds = [KINDS[k // per_kind]] if k < per_kind * len(KINDS) else rnd.sample(KINDS, 3)
        for j, kind in enumerate(kinds):
            title, body = perturb(base, kind, rnd, headlines, by_topic[base.topic])
            docs.append(Doc(f"{base.id}#copy{j}-{kind}", title, body, base.group, kind, base.topic))
    return docs


def seed_pair() -> list[Doc]:
    """The real pair in the seeds: 001 (content-farm copy) and 002 (newspaper) of one AP story, extracted by storyline."""
    from storyline.extract import extract_page
    from storyline.records import Page

    out = []
    for path in sorted((DATA.parent / "seeds").glob("00[12]_*.txt")):
        article = extract_page(Page(id=path.name, source=str(path), kind="text",
                                    content=path.read_text(encoding="utf-8")))
        out.append(Doc(f"seed/{path.name[:3]}", article.title or "", article.text, "seed/ap-0116", "seed", "seed"))
    return out


def _markov_texts(n: int, rnd: np.random.Generator) -> list[str]:
    """n texts of 150-450 words walked on the word-successor graph of Timeline17 (an order-1 Markov
    chain of real text): realistic word and phrase statistics, and, unlike texts assembled from a
    fixed pool of whole sentences, no two texts share more than common phrases however many are made."""
    words: list[str] = []
    for path in sorted((DATA / "timeline17").glob("*/articles.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            words += json.loads(line)["text"].split()
    vocab, seq = np.unique(np.array(words, dtype=object), return_inverse=True)
    order = np.argsort(seq[:-1], kind="stable")
    successors = seq[1:][order]
    offsets = np.searchsorted(seq[:-1][order], np.arange(len(vocab) + 1))
    counts = np.diff(offsets)
    lengths = rnd.integers(150, 450, size=n)
    walk = np.empty((n, int(lengths.max())), dtype=np.int64)
    current = seq[rnd.integers(0, len(seq) - 1, size=n)]
    for step in range(walk.shape[1]):
        walk[:, step] = current
        has_next = counts[current] > 0
        pick = offsets[current] + (rnd.random(n) * np.maximum(counts[current], 1)).astype(np.int64)
        current = np.where(has_next, successors[np.minimum(pick, len(successors) - 1)], seq[rnd.integers(0, len(seq) - 1, size=n)])
    texts = []
    for row, length in zip(walk, lengths):
        toks = vocab[row[:length]]
        texts.append(" ".join(toks[:12]) + "\n\n" + " ".join(toks[12:]).replace(" . ", " .\n\n", 3))
    return texts


def scale_corpus(n: int, seed: int = 7, copy_share: float = 0.1) -> tuple[list[str], list[int]]:
    """n news-length synthetic texts (see _markov_texts); copy_share of them are copies (spam,
    furniture or cuts) of an earlier text. Returns texts and group labels."""
    rnd = random.Random(seed)
    fresh = iter(_markov_texts(n, np.random.default_rng(seed)))
    headlines = [d.title for d in base_articles()]
    texts: list[str] = []
    groups: list[int] = []
    for i in range(n):
        if i > 10 and rnd.random() < copy_share:
            j = rnd.randrange(i)
            kind = rnd.choice(("spam", "furniture", "truncated", "dropped"))
            title, body = texts[j].split("\n\n", 1)
            if kind == "spam":
                title, body = _spam(title, body, rnd)
            elif kind == "furniture":
                body = _furniture(body, rnd, headlines)
            else:
                body = _cut(body, rnd, kind)
            texts.append(title + "\n\n" + body)
            groups.append(groups[j])
        else:
            texts.append(next(fresh))
            groups.append(i)
    return texts, groups
