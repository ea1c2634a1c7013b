"""Scorers: the cold-start weighted sum that serves from day one, and the learned model.

Both expose `name`, `version` and `score(X)` over a feature matrix in the order of `features.FEATURES`.

Cold-start weights (sum 1.0; every feature is on 0..1, so the score is too), version 3. Satisfaction is the
empirical-Bayes estimate (matching/shrinkage.py), so a provider's few ratings move it little and many move
it a lot; it carries the largest weight because it is the only feature that measures how well the work was
done. The weights are set so that a provider rated 1.7 over ten ratings (0.31 on the 0..1 scale after
shrinkage) loses more against an average provider (3.9 over six: 0.70; 0.42 × 0.39 ≈ 0.164) than the industry
match, the same township and the distance can give it (0.10 + 0.05 + 0.01); docs/matching.md shows the
reasoning and tests/matching/test_shrinkage.py holds it. Version 3 gives nearness on the ladder the weight of
the industry (0.10) and the grade and the experience flags none: a grade is the appointing office's
judgement of the profile, not a record of service, and strong profiles that serve badly topped lists on it
(docs/benchmarks.md). Specialty is a gate in the ladder (a constant share); the softer signals follow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

from matching.features import FEATURES

COLD_START_WEIGHTS = {
    "specialty_match": 0.08,
    "industry_match": 0.10,
    "text_similarity": 0.04,
    "shared_level": 0.10,
    "distance": 0.05,
    "free_capacity": 0.05,
    "acceptance_rate": 0.06,
    "response_speed": 0.03,
    "satisfaction": 0.42,
    "satisfaction_uncertainty": 0.0,
    "grade": 0.0,
    "price_fit": 0.04,
    "type_experience": 0.0,
    "industry_experience": 0.0,
    "is_center": 0.0,
    "remote_fit": 0.03,
    "covers_place": 0.0,
    "award_record": 0.0,  # no say until a learned model gives it one (docs/awards.md)
}


class ColdStartScorer:
    """A fixed weighted sum of the features (weights above)."""

    name = "cold-start"
    version = "3"

    def __init__(self, weights: dict[str, float] | None = None):
        weights = weights or COLD_START_WEIGHTS
        self.weights = np.array([weights.get(name, 0.0) for name in FEATURES], dtype=np.float64)

    def score(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weights


@lru_cache(maxsize=1)
def _threadpools() -> ThreadpoolController:
    return ThreadpoolController()


@dataclass
class LearnedScorer:
    """A fitted scikit-learn pipeline predicting graded relevance from the features."""

    pipeline: object
    version: str
    features: tuple[str, ...] = FEATURES
    metadata: dict = field(default_factory=dict)
    name: str = "learned"

    def score(self, X: np.ndarray) -> np.ndarray:
        if X.shape[0] == 0:
            return np.zeros(0)
        # A short list is scored fastest on one thread: OpenMP's start-up costs more than the trees.
        with _threadpools().limit(limits=1, user_api="openmp"):
            return np.asarray(self.pipeline.predict(X), dtype=np.float64)
