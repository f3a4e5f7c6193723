"""The join decision: the probability that a page belongs to a story.

Features, as in the strongest news-stream clustering systems (Miranda et al.
2018): cosine of the page to the story's centroid for headline, body and names
(the centroid is the mean of the story's unit vectors, so this is the average
cosine to its reports), and a Gaussian decay on the days between the page and
the story's date span. A logistic model turns them into a probability; its
coefficients were fitted on hand-labelled article pairs (bench/cluster/fit.py,
the fit and its data are recorded in join_model.json), so the join threshold is
a probability (0.5: more likely than not), not a raw similarity.
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
    weights: tuple[float, ...]  # one per FEATURES

    def score(self, features: tuple[float, ...]) -> float:
        return self.intercept + sum(w * x for w, x in zip(self.weights, features))

    def probability(self, features: tuple[float, ...]) -> float:
        z = self.score(features)
        return 1.0 / (1.0 + math.exp(-z)) if z > -60 else 0.0

    def as_json(self) -> dict:
        return {"intercept": self.intercept, "weights": dict(zip(FEATURES, self.weights))}


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
        model = JoinModel(float(data["intercept"]), tuple(float(data["weights"][f]) for f in FEATURES))
        sigma = float(data["sigma_days"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ConfigError(f"story_model {path or 'join_model.json'}: not a join model ({err})") from err
    if sigma <= 0:
        raise ConfigError(f"story_model {path}: sigma_days must be positive")
    return model, sigma

