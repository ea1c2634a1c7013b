"""Labels, position bias, the split by time, training, evaluation over whole groups, the promotion rule, saving
and loading."""

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
    MAX_WEIGHT,
    NO_BIAS,
    Candidate,
    NotEnoughData,
    Propensities,
    QueryGroup,
    estimate_propensities,
    evaluate,
    ips_ndcg,
    relevance,
    should_promote,
    split_by_time,
    train,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
SAT = FEATURES.index("satisfaction")
LEVEL = FEATURES.index("shared_level")


def history(needs: int = 200, per_need: int = 30, seed: int = 1, shown: int = 8, eta: float = 0.0) -> list[QueryGroup]:
    """Needs whose best candidate depends on satisfaction and nearness in a way the cold-start weights
    underrate; a shown list of `shown` (the cold start's order) from which the operator invites the best
    examined candidate (position j examined with probability j^-eta); one need in three finds its provider
    another way (then its outcome is recorded with that path)."""
    rng = np.random.default_rng(seed)
    cold = ColdStartScorer()
    out = []
    for q in range(needs):
        rows = rng.random((per_need, len(FEATURES)))
        utility = 3 * rows[:, SAT] ** 2 - rows[:, LEVEL] + rng.normal(0, 0.1, per_need)
        order = np.argsort(-cold.score(rows))
        rank = {int(j): r + 1 for r, j in enumerate(order[:shown])}
        labels, paths = np.zeros(per_need), [""] * per_need
        if q % 3 == 0:
            j = int(np.argmax(utility))
            labels[j], paths[j] = 3.0, "directory"
        else:
            examined = [j for j in order[:shown] if rng.random() < rank[int(j)] ** -eta]
            if examined:
                j = int(max(examined, key=lambda j: utility[j]))
                labels[j], paths[j] = (3.0 if utility[j] > 1 else 1.0), "shown"
        out.append(QueryGroup(q, T0 + timedelta(days=q), tuple(
            Candidate("counselor", c, tuple(rows[c]), float(labels[c]), rank.get(c), paths[c])
            for c in range(per_need))))
    return out


class Worse:
    """A scorer that ranks the best candidates last."""
    name, version = "worse", "1"

    def score(self, X):
        return -(3 * X[:, SAT] ** 2 - X[:, LEVEL])


def test_relevance_grades():
    assert relevance() == 0 and relevance(invited=True) == 1 and relevance(accepted=True) == 2
    assert relevance(agreement_accepted=True) == 3
    assert relevance(agreement_accepted=True, satisfaction=5) == 4
    assert relevance(agreement_accepted=True, satisfaction=1) == 1


def test_relevance_off_the_list_counts_from_the_answer_on():
    """Another path put the candidate forward: the invitation alone is no merit, what followed is."""
    assert relevance(invited=True, via_list=False) == 0
    assert relevance(invited=True, accepted=True, via_list=False) == 2
    assert relevance(invited=True, accepted=True, agreement_accepted=True, satisfaction=5, via_list=False) == 4


def test_split_by_time_holds_out_the_latest_needs():
    train_set, held = split_by_time(history(10, 5), 0.2)
    assert [g.query for g in held] == [8, 9]
    assert max(g.at for g in train_set) < min(g.at for g in held)


def test_propensity_weights_apply_to_positives_from_a_shown_list_only():
    p = Propensities(by_rank=tuple(r ** -1.0 for r in range(1, 11)), eta=1.0)
    f = (0.0,) * len(FEATURES)
    assert p.weight(Candidate("counselor", 1, f, 2.0, shown_rank=4, path="shown")) == pytest.approx(4.0)
    assert p.weight(Candidate("counselor", 1, f, 2.0, shown_rank=10, path="shown")) == MAX_WEIGHT
    assert p.weight(Candidate("counselor", 1, f, 0.0, shown_rank=4)) == 1.0  # nothing followed
    assert p.weight(Candidate("counselor", 1, f, 2.0, shown_rank=None, path="interest")) == 1.0
    assert p.weight(Candidate("counselor", 1, f, 2.0, shown_rank=4, path="directory")) == 1.0


def test_propensities_are_estimated_from_the_randomized_slot():
    """A random candidate at a random position is taken in proportion to how often that position is looked
    at (rank^-1 here): the fitted η comes out near 1; lists without the slot do not count."""
    rng = np.random.default_rng(0)
    f = (0.0,) * len(FEATURES)
    groups = []
    for q in range(4000):
        rank = int(rng.integers(1, 11))
        taken = rng.random() < 0.5 / rank
        groups.append(QueryGroup(q, T0, (Candidate("counselor", 1, f, 1.0 if taken else 0.0, rank,
                                                    "shown" if taken else "", explored=True),
                                          Candidate("counselor", 2, f, 1.0, 1, "shown"))))
    p = estimate_propensities(groups)
    assert p.eta == pytest.approx(1.0, abs=0.2) and p.n_explored == 4000
    assert p.of(1) == 1.0 and p.of(5) == pytest.approx(5 ** -p.eta)
    assert estimate_propensities(groups[:20]).eta == 0.0  # too few explored: no correction


def test_position_weighting_changes_the_estimate():
    """IPS NDCG: a positive found at position 5 counts five times over with η = 1."""
    scores = np.array([3.0, 2.0, 1.0])
    rel = np.array([0.0, 1.0, 1.0])
    plain = ips_ndcg(scores, rel, np.ones(3))
    weighted = ips_ndcg(scores, rel, np.array([1.0, 1.0, 5.0]))
    assert weighted < plain  # the heavier positive is ranked last


def test_evaluation_orders_the_whole_group_and_skips_the_unjudged():
    f = (0.0,) * len(FEATURES)
    group = QueryGroup(1, T0, (Candidate("counselor", 1, f, 0.0), Candidate("counselor", 2, f, 2.0, 3, "shown")))
    # the unjudged candidate (neither shown nor tried) is dropped from the condensed list
    assert ips_ndcg(np.array([1.0, 0.0]), np.array([0.0, 2.0]), np.ones(2),
                    judged=np.array([c.judged for c in group.candidates])) == 1.0
    assert evaluate(ColdStartScorer(), [group])["queries"] == 1


def test_train_learns_from_every_path_and_is_promoted():
    result = train(history(), ColdStartScorer(), version="t1", random_state=0)
    assert result.promoted, result.reason
    assert result.metrics["low"] > result.serving_metrics["ndcg@5"]
    assert result.metrics["low"] <= result.metrics["ndcg@5"] <= result.metrics["high"]
    assert result.data_from == T0 and result.n_queries == 200
    assert result.metadata["outcomes_by_path"]["directory"] == 67
    assert result.metadata["outcomes_by_path"]["shown"] > 0
    assert result.metadata["features"] == list(FEATURES) and "lower bound" in result.reason


def test_promotion_refuses_a_worse_model():
    result = train(history(), Worse(), version="t1")
    assert result.promoted  # against a bad serving scorer the learned model wins
    first = result.model
    second = train(history(seed=2), first, version="t2")
    assert not second.promoted  # same kind of data: its lower bound does not beat the serving point estimate
    assert second.reason.startswith("lower bound")


def test_promotion_refuses_too_few_held_out_needs():
    result = train(history(needs=60), Worse(), version="t1", min_held_out=30)  # 12 held out
    assert not result.promoted and "not enough evidence" in result.reason
    assert result.metrics["queries"] == 12


def test_promotion_rule():
    serving = {"ndcg@5": 0.5}
    assert should_promote({"ndcg@5": 0.7, "low": 0.55, "queries": 40}, serving)[0]
    assert not should_promote({"ndcg@5": 0.7, "low": 0.45, "queries": 40}, serving)[0]  # interval too wide
    assert not should_promote({"ndcg@5": 0.9, "low": 0.8, "queries": 10}, serving)[0]   # too few needs


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
    assert evaluate(loaded, history(10), NO_BIAS)["queries"] > 0


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
