"""Scorers: the cold-start weighted sum that serves from day one, and the learned model.

Both expose `name`, `version` and `score(X)` over a feature matrix in the order of `features.FEATURES`.

Cold-start weights (sum 1.0; every feature is on 0..1, so the score is too). Specialty is a gate in the
ladder (every eligible candidate has it) and carries a constant share; industry and nearness come next
because a farm operator reads them first; then the record of past work; then the softer signals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from threadpoolctl import ThreadpoolController

from matching.features import FEATURES

COLD_START_WEIGHTS = {
    "specialty_match": 0.15,
    "industry_match": 0.15,
    "text_similarity": 0.08,
    "shared_level": 0.12,
    "distance": 0.08,
    "free_capacity": 0.08,
    "acceptance_rate": 0.06,
    "response_speed": 0.03,
    "satisfaction": 0.10,
    "satisfaction_volume": 0.03,
    "grade": 0.05,
    "price_fit": 0.04,
    "type_experience": 0.015,
    "industry_experience": 0.015,
    "is_center": 0.0,
}


class ColdStartScorer:
    """A fixed weighted sum of the features (weights above)."""

    name = "cold-start"
    version = "1"

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
