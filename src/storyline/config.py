"""One frozen configuration: defaults < config file < environment < flags.

The config file is TOML (`storyline.toml` in the working directory, or the
path in STORYLINE_CONFIG); environment variables are STORYLINE_<FIELD>.
"""
from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True, slots=True)
class Config:
    # Limits on hostile input (see README, "Limits").
    max_page_bytes: int = 20_000_000  # a single page or record larger than this is skipped
    max_text_chars: int = 2_000_000  # clean text is cut to this many characters
    max_seconds_per_page: float = 60.0  # extraction taking longer is stopped; the page is skipped
    max_worker_memory_mb: int = 4096  # address space of an extraction process; 0 for no limit
    # What a plain text is: "article" (clean text, kept whole), "page" (a page dump, cleaned of
    # furniture) or "auto" (a JSONL record's own `text_kind`, else sniffed; a .txt file is a page).
    text_kind: str = "auto"
    # Dedup: MinHash over word shingles, LSH bands, verified by real overlap.
    # 3-word shingles: each injected spam word breaks only 3 shingles. 84 bands of
    # 3 rows catch a pair at Jaccard 0.3 with probability 0.90, at 0.4 with 0.995
    # (copies cut and padded with furniture fall that low); 3 rows keep unrelated
    # pages (Jaccard ~0.003) from colliding. Chosen on bench/dedup (results.md).
    shingle_size: int = 3
    num_perm: int = 252
    lsh_bands: int = 84
    near_jaccard: float = 0.4  # verified Jaccard at or above this is a near copy
    contained_ratio: float = 0.8  # share of the smaller page found in the larger
    # A copy both cut and padded (paragraphs dropped, link lists added) keeps a
    # lower share; it still counts when that share is long text, not a quote.
    partial_ratio: float = 0.5
    partial_min_shingles: int = 50
    # Two reports of one story from the same agency and dateline place sharing at
    # least this share of the smaller one's shingles are versions of one wire story.
    # Seeds 000/001 (AP, Moscow, a day apart) share 0.15; independent reports of the
    # same event share under 0.06 (seeds 000/003, 001/003).
    version_overlap: float = 0.1
    # Story grouping (README "Stories"): a page joins the story it most likely belongs
    # to when that probability, from the join model (headline, body and name cosines,
    # Gaussian decay on days), reaches story_join_probability. The model ships fitted
    # on hand-labelled Timeline17 pairs (bench/cluster/fit.py); story_model names
    # another one. After dating, a report whose probability against the rest of its
    # story falls below story_split_probability leaves it; two stories whose centroids
    # reach story_merge_probability merge (the gap between the thresholds keeps
    # pages from flipping back and forth).
    story_model: str = ""
    story_join_probability: float = 0.5
    story_split_probability: float = 0.2
    story_merge_probability: float = 0.5
    # Storylines: a story continues a storyline when its similarity to it (half names,
    # half body words), decayed by the gap in days (Gaussian of this width), reaches
    # storyline_similarity. Chosen on the dev sets of the Timeline17 stream and the dev
    # half of bench/cluster's many-topic set, with stems and NER names (bench/cluster/README.md):
    # 0.05 let a week of swine-flu reports join a Haiti storyline.
    # A storyline of one story takes storyline_start_similarity to join; the bar falls
    # towards storyline_similarity as 1/stories (a broad, established thread). Without
    # it, unrelated pages chain at the low bar (AEB: 153 of 181 pages shared a
    # storyline at 0.05; 72 with the start bar, mostly real threads).
    storyline_similarity: float = 0.07
    storyline_start_similarity: float = 0.3
    # 240 days, not 120: threads whose reports come months apart (the many-topic dev half
    # 0.909 -> 0.927 at merge 0.15; Timeline17 dev unchanged). The seeds' visits are 79 days apart.
    storyline_decay_days: float = 240.0
    # Two storylines whose centroids reach this (decayed by the gap between them) are
    # one thread that started twice: they merge. 0.15 chosen on the same dev halves
    # (bench/cluster/storyline_grid.md, 2026-12-01: many-topic dev 0.898 at 0.2); on AEB it
    # links 107 pages instead of 94: threads (Delhi smog, the Davis Cup, South Dakota's meth
    # campaign, Prince Andrew and Epstein) and some loose links (NASA's Moon plans with Europa;
    # China's plague cases with the US-China trade talks).
    storyline_merge_similarity: float = 0.15


def _coerce(field: dataclasses.Field, value: Any) -> Any:
    kind = field.type if isinstance(field.type, type) else {"int": int, "float": float}.get(str(field.type), str)
    try:
        return kind(value)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"config {field.name}: cannot read {value!r} as {kind.__name__}") from err


TEXT_KINDS = ("auto", "article", "page")


def load_config(path: str | os.PathLike | None = None, **overrides: Any) -> Config:
    """Build the configuration from defaults, file, environment, then overrides."""
    fields = {f.name: f for f in dataclasses.fields(Config)}
    values: dict[str, Any] = {}
    named = path or os.environ.get("STORYLINE_CONFIG")
    file = Path(named) if named else Path("storyline.toml")
    if named and not file.is_file():
        raise ConfigError(f"config file {file} not found")
    if file.is_file():
        with file.open("rb") as handle:
            data = tomllib.load(handle)
        for key, value in data.items():
            if key not in fields:
                raise ConfigError(f"{file}: unknown setting {key!r}")
            values[key] = _coerce(fields[key], value)
    for name, field in fields.items():
        env = os.environ.get(f"STORYLINE_{name.upper()}")
        if env is not None:
            values[name] = _coerce(field, env)
    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(fields[name], value)
    config = Config(**values)
    if config.text_kind not in TEXT_KINDS:
        raise ConfigError(f"text_kind must be one of {', '.join(TEXT_KINDS)}, not {config.text_kind!r}")
    for name in ("story_join_probability", "story_split_probability", "story_merge_probability"):
        if not 0.0 <= getattr(config, name) <= 1.0:
            raise ConfigError(f"{name} must be a probability in [0, 1]")
    if config.storyline_decay_days <= 0:
        raise ConfigError("storyline_decay_days must be positive")
    if config.lsh_bands < 1 or config.num_perm % config.lsh_bands:
        raise ConfigError(f"num_perm ({config.num_perm}) must be a multiple of lsh_bands ({config.lsh_bands})")
    return config
