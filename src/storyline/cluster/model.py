"""The join decision: the probability that a page belongs to a story.

Features, as in the strongest news-stream clustering systems (Miranda et al.
2018): cosine of the page to the story's centroid for headline, body and names
(the centroid is the sum of the story's unit vectors, normalised: a story's
core terms gain weight as it grows, so a large story still draws its reports),
and a Gaussian decay on the days between the page and the story's date span.
A logistic model turns them into a probability, so the join threshold is a
probability (0.5: more likely than not), not a raw similarity. There are two
sets of coefficients: for articles, fitted on hand-labelled Timeline17 pairs;
for headline-only records (a feed of titles, where body and headline are one
text), fitted on the UCI headline stories. bench/cluster/fit.py fits both and
records the fit in join_model.json.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..errors import ConfigError

FEATURES = ("headline", "body", "entities", "time")
# A page with no credible date yet (a content farm's, before forensics) is compared
# with the stories most recently active, so a short gap is the likely case: half a
# decay width. Forensics dates it next, and review_stories checks it again.
UNKNOWN_DAY_GAP = 0.5  # in units of sigma


def time_decay(day: int | None, first: int | None, last: int | None, sigma_days: float) -> float:
    """exp(-gap² / 2σ²), gap in days between a day and a date span (0 inside it)."""
    if day is None or first is None or last is None:
        return math.exp(-0.5 * UNKNOWN_DAY_GAP ** 2)
    gap = first - day if day < first else day - last if day > last else 0
    return math.exp(-0.5 * (gap / sigma_days) ** 2)


@dataclass(slots=True, frozen=True)
class JoinModel:
    intercept: float
    weights: tuple[float, ...]  # one per FEATURES, for articles
    headline_intercept: float | None = None  # for headline-only pages; the article's when None
    headline_weights: tuple[float, ...] | None = None

    def score(self, features: tuple[float, ...], headline_only: bool = False) -> float:
        if headline_only and self.headline_weights is not None:
            return self.headline_intercept + sum(w * x for w, x in zip(self.headline_weights, features))
        return self.intercept + sum(w * x for w, x in zip(self.weights, features))

    def probability(self, features: tuple[float, ...], headline_only: bool = False) -> float:
        z = self.score(features, headline_only)
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0

    def as_json(self) -> dict:
        out = {"intercept": self.intercept, "weights": dict(zip(FEATURES, self.weights))}
        if self.headline_weights is not None:
            out["headline_model"] = {"intercept": self.headline_intercept,
                                     "weights": dict(zip(FEATURES, self.headline_weights))}
        return out


@lru_cache(maxsize=4)
def load_model(path: str = "") -> tuple[JoinModel, float]:
    """The join model and its decay width in days: the shipped one, or one fitted by
    bench/cluster/fit.py on your own labelled pairs (config `story_model`)."""
    try:
        if path:
            with open(path, "rb") as raw:
                data = json.load(raw)
        else:
            with resources.files(__package__).joinpath("join_model.json").open("rb") as raw:
                data = json.load(raw)
        head = data.get("headline_model")
        model = JoinModel(float(data["intercept"]), tuple(float(data["weights"][f]) for f in FEATURES),
                          float(head["intercept"]) if head else None,
                          tuple(float(head["weights"][f]) for f in FEATURES) if head else None)
        sigma = float(data["sigma_days"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"story_model {path or 'join_model.json'}: not a join model ({err})") from err
    numbers = (model.intercept, *model.weights, *(model.headline_weights or ()), sigma,
               *((model.headline_intercept,) if model.headline_intercept is not None else ()))
    if not all(math.isfinite(n) for n in numbers):  # a NaN weight would make every join silently fail
        raise ConfigError(f"story_model {path}: weights, intercepts and sigma_days must be finite numbers")
    if sigma <= 0:
        raise ConfigError(f"story_model {path}: sigma_days must be positive")
    return model, sigma

