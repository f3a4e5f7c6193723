"""One frozen configuration: defaults < config file < environment < flags.

The config file is TOML (`storyline.toml` in the working directory, or the
path in STORYLINE_CONFIG); environment variables are STORYLINE_<FIELD>.
"""
from __future__ import annotations

import dataclasses
import math
import numbers
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
    max_seconds_per_page: float = 60.0  # extraction taking longer is stopped; the page is skipped; 0 for no limit
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

    def __post_init__(self) -> None:
        """Refuse a setting the pipeline cannot run with, however the Config was made (file,
        environment, flag or Config(...)): a bad value is a usage error, not a traceback later."""
        for name, (low, high, note) in RANGES.items():
            object.__setattr__(self, name, _in_range(name, getattr(self, name), low, high, note))
        if 0 < self.max_worker_memory_mb < MIN_WORKER_MEMORY_MB:
            raise ConfigError(f"max_worker_memory_mb must be 0 (no limit) or at least {MIN_WORKER_MEMORY_MB}, not "
                              f"{self.max_worker_memory_mb}: an extraction process holds about 320 MB of address space "
                              "(its libraries and the NER model) before it reads a page, so a smaller limit skips "
                              "every page")
        if self.text_kind not in TEXT_KINDS:
            raise ConfigError(f"text_kind must be one of {', '.join(TEXT_KINDS)}, not {self.text_kind!r}")
        if self.num_perm % self.lsh_bands:
            raise ConfigError(f"num_perm ({self.num_perm}) must be a multiple of lsh_bands ({self.lsh_bands})")


FIELDS = {f.name: f for f in dataclasses.fields(Config)}
TEXT_KINDS = ("auto", "article", "page")
MIN_WORKER_MEMORY_MB = 512  # Python, lxml, trafilatura and spaCy's model take ~320 MB of it before the first page
_SHARE = (0, 1, "")  # probabilities, similarities, shares of shingles
# Allowed range (inclusive) of every numeric setting; nan and inf are outside all of them.
# Upper bounds sit well below where a larger value breaks: a read allocates max_page_bytes at
# once (a terabyte fails), a wait over ~24 days overflows poll(), the address-space limit must
# fit an rlimit, the shingle loop runs shingle_size times per batch, a signature takes num_perm
# cells per page.
RANGES: dict[str, tuple[float, float, str]] = {
    "max_page_bytes": (1, 2_000_000_000, ""),  # 0 or less: every JSONL record read as end of file
    "max_text_chars": (1, math.inf, ""),
    "max_seconds_per_page": (0, 86_400, " (0: no limit)"),
    "max_worker_memory_mb": (0, 1_000_000_000, " (0: no limit)"),
    "shingle_size": (1, 50, ""),
    "num_perm": (1, 4096, ""),
    "lsh_bands": (1, 4096, ""),
    "near_jaccard": _SHARE,
    "contained_ratio": _SHARE,
    "partial_ratio": _SHARE,
    "partial_min_shingles": (0, math.inf, ""),
    "version_overlap": _SHARE,
    "story_join_probability": _SHARE,
    "story_split_probability": _SHARE,
    "story_merge_probability": _SHARE,
    "storyline_similarity": _SHARE,
    "storyline_start_similarity": _SHARE,
    "storyline_decay_days": (1, 36_500, ""),  # dates are whole days; a tiny width overflows (gap / width)²
    "storyline_merge_similarity": _SHARE,
}


def _kind(field: dataclasses.Field) -> type:
    return field.type if isinstance(field.type, type) else {"int": int, "float": float}.get(str(field.type), str)


def _in_range(name: str, value: Any, low: float, high: float, note: str) -> int | float:
    """The value as a plain int or float (60 and 60.0 are one setting); a bool, a fraction for a
    count, nan, inf or a value outside [low, high] is a ConfigError naming the range."""
    whole = _kind(FIELDS[name]) is int
    number = isinstance(value, numbers.Integral if whole else numbers.Real) and not isinstance(value, bool)
    if not (number and low <= value <= high):  # nan fails every comparison; floats all have a finite high
        what = "an integer" if whole else "a number"
        allowed = f"of at least {low:,}" if high == math.inf else f"from {low:,} to {high:,}"
        raise ConfigError(f"{name} must be {what} {allowed}{note}, not {value!r}")
    return int(value) if whole else float(value)


def _coerce(field: dataclasses.Field, value: Any) -> Any:
    """A setting from the file, the environment or a flag, as its field's type where it reads as
    one (a whole float as an int); anything else is left for Config to refuse with its range."""
    kind = _kind(field)
    if kind is str:
        return str(value)
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError as err:
            raise ConfigError(f"config {field.name}: cannot read {value!r} as {kind.__name__}") from err
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _read_toml(file: Path) -> dict[str, Any]:
    """The file's settings. A bad ./storyline.toml is read by every command, so what is wrong
    with it is a one-line ConfigError, never a tomllib traceback."""
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{file}: not valid TOML ({_toml_problem(err)})") from err
    except UnicodeDecodeError as err:
        raise ConfigError(f"{file}: not valid TOML (not UTF-8 text at byte {err.start})") from err
    except ValueError as err:  # an integer of over 4,300 digits
        raise ConfigError(f"{file}: not valid TOML ({err})") from err
    except OSError as err:
        raise ConfigError(f"config file {file}: cannot be read ({err.strerror or err})") from err


def _toml_problem(err: tomllib.TOMLDecodeError) -> str:
    """'line 1, column 5: invalid value' from tomllib's 'Invalid value (at line 1, column 5)'."""
    what, at, where = str(err).rpartition(" (at ")
    if not at:
        return str(err)
    return f"{where.removesuffix(')')}: {what[:1].lower()}{what[1:]}"


def load_config(path: str | os.PathLike | None = None, **overrides: Any) -> Config:
    """Build the configuration from defaults, file, environment, then overrides."""
    values: dict[str, Any] = {}
    named = path or os.environ.get("STORYLINE_CONFIG")
    file = Path(named) if named else Path("storyline.toml")
    if named and not file.is_file():
        raise ConfigError(f"config file {file} not found")
    if file.is_file():
        for key, value in _read_toml(file).items():
            if key not in FIELDS:
                raise ConfigError(f"{file}: unknown setting {key!r}")
            values[key] = _coerce(FIELDS[key], value)
    for name, field in FIELDS.items():
        env = os.environ.get(f"STORYLINE_{name.upper()}")
        if env is not None:
            values[name] = _coerce(field, env)
    for name, value in overrides.items():
        if name not in FIELDS:
            raise ConfigError(f"unknown setting {name!r}")
        if value is not None:
            values[name] = _coerce(FIELDS[name], value)
    return Config(**values)  # checked in Config.__post_init__
