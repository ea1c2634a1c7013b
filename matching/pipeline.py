"""The learned model: two scikit-learn pipelines, one for the operator's choice and one for what followed.

Why two: the records answer two different questions, each without the other's bias.
- *Would the operator pick it?* Only a shown list answers this, since only there do we know who was passed
  over: every shown candidate is a row, the target is whether it was invited from the list (weighted by the
  inverse of its position's propensity when the position bias is corrected).
- *Once tried, how did it go?* Every candidate that was tried, whatever the path (the list, its interest,
  an assignment, an offering, the directory), is a row; the target is the outcome grade after the invitation
  (declined 0, accepted 1, agreement accepted 2, satisfied 3; a dissatisfied rating 0). Given the features,
  this does not depend on how the candidate came to be tried, so every recorded outcome teaches it.
Mixing the two in one regression (as a single graded label over everyone) teaches the model the paths'
habits instead: candidates tried through another path are nearly all positives, with nobody passed over
beside them (measured in bench/simulate_outcomes.py; docs/matching.md).

The score is choice × (1 + outcome): the expected graded relevance of the candidate if shown first.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def build_pipeline(random_state: int = 0) -> Pipeline:
    """Scaling, then gradient-boosted trees (pointwise regression). Trees capture the interactions a
    weighted sum cannot (nearness matters more on site than remotely; satisfaction once it rests on enough
    ratings). Early stopping is off and the random_state fixed, so the same data gives the same model."""
    return Pipeline([
        ("scale", StandardScaler()),
        ("model", HistGradientBoostingRegressor(max_iter=150, learning_rate=0.08, max_leaf_nodes=15,
                                                min_samples_leaf=40, l2_regularization=1.0,
                                                early_stopping=False, random_state=random_state)),
    ])


class ChoiceOutcomeModel(BaseEstimator):
    """choice(x) × (1 + outcome(x)), each a `build_pipeline` (see the module docstring)."""

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def fit(self, X_choice, y_choice, X_outcome, y_outcome, choice_weight=None) -> ChoiceOutcomeModel:
        self.choice_ = build_pipeline(self.random_state).fit(X_choice, y_choice, model__sample_weight=choice_weight)
        if len(y_outcome) >= 2 * 40:  # enough tried candidates for a leaf on each side
            self.outcome_ = build_pipeline(self.random_state).fit(X_outcome, y_outcome)
        else:
            self.outcome_ = None
        return self

    def predict(self, X) -> np.ndarray:
        choice = np.clip(self.choice_.predict(X), 0.0, None)
        if self.outcome_ is None:
            return choice
        return choice * (1.0 + np.clip(self.outcome_.predict(X), 0.0, None))
