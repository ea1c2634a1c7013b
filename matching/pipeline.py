"""The learned model: two parts, one for the operator's choice and one for what followed.

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

`AdditiveModel` (the default): both parts linear on standardised features, a logistic regression for the
choice and a ridge regression for the outcome grade; score = the choice's log-odds + γ · the outcome grade.
A linear part extrapolates along its weights to the whole eligible group (a candidate ranked 150th by the
cold start, further away or with more ratings than any shown one), where trees fitted on the shown lists
and the tried candidates only stay flat at the edge of what they saw (measured on bench/simulate_outcomes.py,
world A: the tree model below 0.77–0.85 × the cold start, this one 1.15–1.19 ×). γ is the exchange rate
between "the operator would pick it" and "it went well"; `training.fit` sets it so that both parts spread
equally within a need (`training.equal_spread_gamma`, docs/matching.md). The fitted model is folded into one
weight vector, so scoring 110,000 candidates is one
matrix-vector product.

`ChoiceOutcomeModel` (before): the same two targets with gradient-boosted trees, score choice × (1 + outcome).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression, Ridge
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


MIN_OUTCOMES = 20   # fewer tried candidates than this: no outcome part (the choice alone ranks)


class AdditiveModel(BaseEstimator):
    """choice log-odds + γ · outcome grade, both linear on standardised features (module docstring).

    After `fit`: `choice_` and `outcome_` (or None) are the fitted pipelines; `coef_` and `intercept_` the
    combined score in the original feature space, used by `predict`."""

    def __init__(self, gamma: float = 2.0, C: float = 1.0, alpha: float = 10.0):
        self.gamma = gamma
        self.C = C
        self.alpha = alpha

    def fit(self, X_choice, y_choice, X_outcome, y_outcome, choice_weight=None) -> AdditiveModel:
        X_choice = np.asarray(X_choice, dtype=np.float64)
        picked = (np.asarray(y_choice) > 0).astype(int)
        self.n_features_in_ = X_choice.shape[1]
        if picked.min(initial=1) != picked.max(initial=0):  # both classes present
            self.choice_ = Pipeline([("scale", StandardScaler()),
                                     ("model", LogisticRegression(C=self.C, max_iter=2000))])
            self.choice_.fit(X_choice, picked, model__sample_weight=choice_weight)
        else:
            self.choice_ = None
        y_outcome = np.asarray(y_outcome, dtype=np.float64)
        if y_outcome.size >= MIN_OUTCOMES and np.ptp(y_outcome) > 0:
            self.outcome_ = Pipeline([("scale", StandardScaler()), ("model", Ridge(alpha=self.alpha))])
            self.outcome_.fit(np.asarray(X_outcome, dtype=np.float64), y_outcome)
        else:
            self.outcome_ = None
        self.set_gamma(self.gamma)
        return self

    def parts(self, X) -> tuple[np.ndarray, np.ndarray]:
        """(choice log-odds, outcome grade) of each row; zeros for a part that was not fitted."""
        X = np.asarray(X, dtype=np.float64)
        choice = self._linear(self.choice_, X.shape[1])
        outcome = self._linear(self.outcome_, X.shape[1])
        return X @ choice[0] + choice[1], X @ outcome[0] + outcome[1]

    def set_gamma(self, gamma: float) -> AdditiveModel:
        """Recombine the fitted parts with another γ (the parts do not depend on it)."""
        self.gamma = float(gamma)
        width = self.n_features_in_
        (wc, bc), (wo, bo) = self._linear(self.choice_, width), self._linear(self.outcome_, width)
        self.coef_ = wc + self.gamma * wo
        self.intercept_ = bc + self.gamma * bo
        return self

    @staticmethod
    def _linear(pipeline, width: int) -> tuple[np.ndarray, float]:
        """A scaler + linear model pipeline as one (weights, intercept) in the original feature space."""
        if pipeline is None:
            return np.zeros(width), 0.0
        scale, model = pipeline.named_steps["scale"], pipeline.named_steps["model"]
        coef = np.ravel(model.coef_) / scale.scale_
        return coef, float(np.ravel(model.intercept_)[0] - coef @ scale.mean_)

    def predict(self, X) -> np.ndarray:
        return np.asarray(X, dtype=np.float64) @ self.coef_ + self.intercept_
