"""Labels, the split by time, training, the promotion rule, saving and loading."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from matching import persistence
from matching.features import FEATURES
from matching.pipeline import build_pipeline
from matching.scorer import ColdStartScorer
from matching.training import (
    Example,
    NotEnoughData,
    evaluate,
    relevance,
    should_promote,
    split_by_time,
    train,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SAT = FEATURES.index("satisfaction")
LEVEL = FEATURES.index("shared_level")


def history(needs: int = 60, per_need: int = 8, seed: int = 1) -> list[Example]:
    """Outcomes that depend on satisfaction and nearness in a way the cold-start weights underrate."""
    rng = np.random.default_rng(seed)
    out = []
    for q in range(needs):
        at = T0 + timedelta(days=q)
        rows = rng.random((per_need, len(FEATURES)))
        utility = 3 * rows[:, SAT] ** 2 - rows[:, LEVEL] + rng.normal(0, 0.1, per_need)
        best = int(np.argmax(utility))
        out += [Example(q, at, tuple(x), 3.0 if c == best else 0.0, "counselor", c) for c, x in enumerate(rows)]
    return out


def test_relevance_grades():
    assert relevance() == 0 and relevance(invited=True) == 1 and relevance(accepted=True) == 2
    assert relevance(agreement_accepted=True) == 3
    assert relevance(agreement_accepted=True, satisfaction=5) == 4
    assert relevance(agreement_accepted=True, satisfaction=1) == 2


def test_split_by_time_holds_out_the_latest_needs():
    examples = history(10, 2)
    train_set, held = split_by_time(examples, 0.2)
    assert {e.query for e in held} == {8, 9}
    assert max(e.at for e in train_set) < min(e.at for e in held)


def test_promotion_rule_is_strict():
    assert should_promote({"ndcg@5": 0.6}, {"ndcg@5": 0.5})
    assert not should_promote({"ndcg@5": 0.5}, {"ndcg@5": 0.5})


def test_train_beats_cold_start_and_is_promoted():
    result = train(history(), ColdStartScorer(), version="t1", random_state=0)
    assert result.promoted
    assert result.metrics["ndcg@5"] > result.serving_metrics["ndcg@5"]
    assert result.data_from == T0 and result.n_queries == 60
    assert result.metadata["features"] == list(FEATURES)


def test_a_worse_model_is_not_promoted():
    first = train(history(), ColdStartScorer(), version="t1")
    second = train(history(seed=2), first.model, version="t2")
    # the serving model is already good; the rule compares on the same held-out needs
    assert second.promoted == (second.metrics["ndcg@5"] > second.serving_metrics["ndcg@5"])


def test_training_is_deterministic():
    X = np.random.default_rng(0).random((200, len(FEATURES)))
    y = X[:, 0] + X[:, 1]
    a = build_pipeline(7).fit(X, y).predict(X)
    b = build_pipeline(7).fit(X, y).predict(X)
    assert np.array_equal(a, b)


def test_not_enough_data():
    with pytest.raises(NotEnoughData):
        train(history(needs=5), ColdStartScorer(), version="t1")


def test_save_and_load(tmp_path):
    result = train(history(), ColdStartScorer(), version="20260101-1")
    path = persistence.save(result.model, tmp_path, result.metadata)
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["version"] == "20260101-1" and meta["features"] == list(FEATURES)
    assert "scikit-learn" in meta["environment"] and meta["data_from"].startswith("2026-01-01")
    loaded = persistence.load(path)
    X = np.random.default_rng(3).random((5, len(FEATURES)))
    assert np.array_equal(loaded.score(X), result.model.score(X))
    assert evaluate(loaded, history(10)) == evaluate(result.model, history(10))


def test_load_refuses_other_features_or_versions(tmp_path):
    result = train(history(), ColdStartScorer(), version="v")
    path = persistence.save(result.model, tmp_path, result.metadata)
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    path.with_suffix(".json").write_text(json.dumps({**meta, "features": ["x"]}), encoding="utf-8")
    with pytest.raises(persistence.ModelMismatch):
        persistence.load(path)
    meta["environment"]["scikit-learn"] = "0.1.0"
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(persistence.ModelMismatch):
        persistence.load(path)
