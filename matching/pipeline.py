"""The learned model's scikit-learn pipeline."""

from __future__ import annotations

from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler


def build_pipeline(random_state: int = 0) -> Pipeline:
    """Scaling, then gradient-boosted trees regressing graded relevance (pointwise learning to rank).

    Trees capture the interactions a weighted sum cannot (a near candidate matters more on site than
    remotely; satisfaction matters once it rests on enough ratings). Early stopping is off and the
    random_state fixed, so the same data gives the same model.
    """
    return Pipeline([
        ("scale", StandardScaler()),
        ("model", HistGradientBoostingRegressor(max_iter=150, learning_rate=0.08, max_leaf_nodes=15,
                                                min_samples_leaf=40, l2_regularization=1.0,
                                                early_stopping=False, random_state=random_state)),
    ])
