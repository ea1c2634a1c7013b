"""Ranking: order, reasons, determinism and ties, the fairness penalty, the short list."""

from __future__ import annotations

import numpy as np

from matching.features import FEATURES
from matching.pool import CandidatePool
from matching.ranker import Ranker, fairness_penalty, stable_order
from matching.scorer import COLD_START_WEIGHTS, ColdStartScorer
from tests.matching.helpers import NEED, OTHER_CITY, OTHER_PROVINCE, TOWN, cand, pool


def test_cold_start_weights_cover_the_features_and_sum_to_one():
    assert set(COLD_START_WEIGHTS) == set(FEATURES)
    assert abs(sum(COLD_START_WEIGHTS.values()) - 1.0) < 1e-9
    assert ColdStartScorer().score(np.ones((1, len(FEATURES))))[0] == 1.0


def test_industry_then_nearness_rank_first():
    p = pool(cand(1, home=OTHER_CITY), cand(2, home=TOWN), cand(3, home=TOWN, industries=2))
    assert [r.id for r in Ranker().rank(NEED, p)] == [2, 1, 3]


def test_result_carries_reasons_and_features():
    [first] = Ranker().rank(NEED, pool(cand(1, open_count=2)), limit=1)
    assert first.reasons[:2] == ["专长匹配：财务会计", "产业匹配：粮油作物"] and "在办 2/5" in first.reasons
    assert len(first.features) == len(FEATURES) and 0 < first.score <= 1


def test_same_input_same_order_and_ties_by_kind_then_id():
    records = [cand(i) for i in (5, 3, 9)] + [cand(2, kind="center", capacity=5)]
    ranked = Ranker().rank(NEED, pool(*records))
    assert [(r.kind, r.id) for r in ranked] == [("counselor", 3), ("counselor", 5), ("counselor", 9),
                                                ("center", 2)]
    again = Ranker().rank(NEED, pool(*reversed(records)))
    assert [(r.kind, r.id) for r in again] == [(r.kind, r.id) for r in ranked]


def test_stable_order():
    assert stable_order(np.array([1.0, 2.0, 2.0]), np.array([0, 1, 0]), np.array([7, 1, 9])).tolist() == [2, 1, 0]


def test_kind_limit_and_exclude():
    p = pool(cand(1), cand(2), cand(3, kind="center", capacity=None))
    assert [r.id for r in Ranker().rank(NEED, p, kind="center")] == [3]
    assert [r.id for r in Ranker().rank(NEED, p, limit=1)] == [1]
    assert [r.id for r in Ranker().rank(NEED, p, kind="counselor", exclude=[("counselor", 1)])] == [2]
    assert Ranker().rank(NEED, CandidatePool.build([])) == []


def test_fairness_penalty_spreads_the_load():
    assert fairness_penalty(np.array([0.0]))[0] == 0
    busy, idle = cand(1, recent_assignments=20), cand(2)
    assert [r.id for r in Ranker(fairness=0).rank(NEED, pool(busy, idle))] == [1, 2]
    assert [r.id for r in Ranker().rank(NEED, pool(busy, idle))] == [2, 1]


class Reverse:
    """A stand-in learned model that prefers the far candidates."""

    name, version = "reverse", "t1"

    def score(self, X):
        return -X[:, FEATURES.index("shared_level")]


def test_a_learned_model_reranks_the_short_list():
    p = pool(cand(1, home=TOWN), cand(2, home=OTHER_CITY), cand(3, home=OTHER_PROVINCE, areas=(TOWN[:4],)))
    ranker = Ranker(model=Reverse(), shortlist=2)
    assert (ranker.name, ranker.version) == ("reverse", "t1")
    assert [r.id for r in ranker.rank(NEED, p)] == [3, 1]  # the short list is #1 and #3; #2 is cut
