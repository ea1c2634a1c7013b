"""Ranking: order, reasons, determinism and ties, the fairness penalty, the short list."""

from __future__ import annotations

import numpy as np

from matching.features import FEATURES
from matching.pool import CandidatePool
from matching.ranker import Ranker, fairness_penalty, stable_order
from matching.scorer import COLD_START_WEIGHTS, ColdStartScorer
from tests.matching.helpers import NEED, OTHER_CITY, OTHER_PROVINCE, OTHER_TOWN, TOWN, cand, pool


def test_cold_start_weights_cover_the_features_and_sum_to_one():
    assert set(COLD_START_WEIGHTS) == set(FEATURES)
    assert abs(sum(COLD_START_WEIGHTS.values()) - 1.0) < 1e-9
    assert ColdStartScorer().score(np.ones((1, len(FEATURES))))[0] == 1.0


def test_industry_and_nearness_rank_first():
    """Within the county the industry decides; a counselor of the farm's own township who does not know its
    industry still comes before one of another city who does (cold-start weights v3, docs/matching.md)."""
    p = pool(cand(1, home=OTHER_CITY), cand(2, home=TOWN), cand(3, home=TOWN, industries=2),
             cand(4, home=OTHER_TOWN))
    assert [r.id for r in Ranker().rank(NEED, p)] == [2, 4, 3, 1]


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


def test_the_fairness_rule_only_reorders_within_its_margin():
    """The penalty is at most margin × the group's score range: a busy provider loses to an idle one
    that is nearly as good, never to one clearly worse."""
    scores = np.array([0.9, 0.5, 0.1])
    penalty = fairness_penalty(np.array([1000.0, 0.0, 0.0]), 0.05, scores)
    assert penalty[0] < 0.05 * 0.8 + 1e-12 and penalty[1] == 0
    good_busy = cand(1, recent_assignments=30, satisfaction_mean=4.8, satisfaction_count=20)
    near_equal = cand(2, satisfaction_mean=4.75, satisfaction_count=20)
    clearly_worse = cand(3, satisfaction_mean=3.0, satisfaction_count=20)
    order = [r.id for r in Ranker(fairness=0.05).rank(NEED, pool(good_busy, near_equal, clearly_worse))]
    assert order == [2, 1, 3]


def test_the_randomized_slot_places_a_lower_candidate():
    records = [cand(i, satisfaction_mean=5.0 - i / 10, satisfaction_count=10) for i in range(1, 13)]
    p = pool(*records)
    plain = Ranker(fairness=0).rank(NEED, p, limit=5)
    explored = Ranker(fairness=0).rank(NEED, p, limit=5, explore=(2, 0.99))
    assert [c.explored for c in explored] == [False, False, True, False, False]
    assert explored[2].id not in {c.id for c in plain} and explored[2].id == 12
    assert [c.id for c in explored][:2] == [c.id for c in plain][:2]


def test_serving_remotely_counts_for_remote_needs_only():
    from dataclasses import replace

    remote_need = replace(NEED, allows_remote=True)
    local, remote = cand(1, home=OTHER_CITY), cand(2, home=OTHER_CITY, is_remote=True)
    assert [r.id for r in Ranker(fairness=0).rank(remote_need, pool(local, remote))] == [2, 1]
    assert [r.id for r in Ranker(fairness=0).rank(NEED, pool(local, remote))] == [1, 2]  # on site: a tie, by id
    assert Ranker().rank(remote_need, pool(remote))[0].features[FEATURES.index("remote_fit")] == 1.0
    assert Ranker().rank(NEED, pool(remote))[0].features[FEATURES.index("remote_fit")] == 0.5


def test_a_service_area_that_covers_the_township_says_so():
    center = cand(1, kind="center", capacity=None, home=OTHER_CITY, areas=(TOWN,))
    [ranked] = Ranker().rank(NEED, pool(center))
    assert "服务范围覆盖本乡镇" in ranked.reasons and "同乡镇" not in ranked.reasons
    [home] = Ranker().rank(NEED, pool(cand(2, home=TOWN, areas=(TOWN,))))
    assert "同乡镇" in home.reasons  # lives there: the plain nearness


def test_a_verdict_instead_of_a_number():
    strong = cand(1, satisfaction_mean=4.9, satisfaction_count=30, invited=10, accepted=9, response_hours=4)
    weak = cand(2, home=OTHER_PROVINCE, industries=2, satisfaction_mean=2.0, satisfaction_count=30,
                areas=(TOWN[:2],))
    ranked = {r.id: r.verdict for r in Ranker(min_pool=100).rank(NEED, pool(strong, weak))}
    assert ranked[1] == "很合适" and ranked[2] == "可以考虑"
    assert ranked[1].code == "verdict_strong"


def test_no_kilometres_from_a_stand_in_point():
    """A county without its own point (大兴安岭's 加格达奇区 takes its prefecture's) gets no km figure."""
    from matching.pool import NeedQuery

    need = NeedQuery(category=4, category_name="财务会计", place=("000000", "230000", "232700", "232761"))
    other = cand(1, home=("000000", "230000", "232700", "232721"))  # 呼玛县: its own point, ~100 km away
    [ranked] = Ranker().rank(need, pool(other))
    assert "同市" in ranked.reasons and not any("公里" in r for r in ranked.reasons)
