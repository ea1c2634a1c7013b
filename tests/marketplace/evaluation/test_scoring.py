"""The pure scoring functions, with exact figures."""

import pytest

from marketplace.evaluation import scoring
from marketplace.evaluation.scoring import Improvement


def test_improvement_score_counts_the_dimensions_that_went_up():
    assert scoring.improvement_score(Improvement("none", "county", 60, 80)) == 100.0
    assert scoring.improvement_score(Improvement(checklist_before=70, checklist_after=65, members_before=10,
                                                 members_after=12)) == 50.0
    assert scoring.improvement_score(Improvement("province", "province", revenue_before=10, revenue_after=9)) == 0.0
    assert scoring.improvement_score(Improvement(checklist_before=50)) is None  # no complete pair


def test_quality_score_averages_entities_with_a_record():
    records = [Improvement("none", "county"), Improvement(members_before=3, members_after=3), Improvement()]
    assert scoring.quality_score(records) == (50.0, 2, 1)
    assert scoring.quality_score([]) == (0.0, 0, 0)


def test_satisfaction_maps_one_to_five_onto_zero_to_hundred():
    assert scoring.satisfaction_score(5, 3) == 100.0
    assert scoring.satisfaction_score(1, 1) == 0.0
    assert scoring.satisfaction_score(4.5, 2) == 87.5
    assert scoring.satisfaction_score(None, 0) == 0.0


def test_counselor_scores_and_total():
    indicators = {"needs_taken": 2, "agreements_accepted": 3, "service_records": 5, "entities_served": 2,
                  "quality_mean": 75.0, "satisfaction_mean": 4.5, "satisfaction_count": 2}
    scores = scoring.counselor_scores(indicators, {})
    assert scores == {"quantity": 41.25, "quality": 75.0, "satisfaction": 87.5}
    assert scoring.total_score(scores, {"quantity": 40, "quality": 30, "satisfaction": 30}) == 65.25
    assert scoring.total_score(scores, {"quantity": 20, "quality": 40, "satisfaction": 40}) == 73.25
    # full marks are capped at 100 per indicator
    assert scoring.counselor_scores({**indicators, "service_records": 500}, {"service_records": 20})["quantity"] \
        == 60.0


def test_center_scores():
    indicators = {"agreements_accepted": 10, "items_pass_rate": 0.8, "documents": 3, "records_share": 0.5,
                  "satisfaction_mean": 3.0, "satisfaction_count": 4}
    assert scoring.center_scores(indicators, {}) == {"service": 65.0, "standard": 62.5, "satisfaction": 50.0}


@pytest.mark.parametrize(("score", "grade"), [(100, "excellent"), (90, "excellent"), (89.99, "qualified"),
                                              (75, "qualified"), (74.9, "basic"), (60, "basic"),
                                              (59.99, "unqualified"), (0, "unqualified")])
def test_grade_thresholds(score, grade):
    assert scoring.grade_for(score, scoring.DEFAULT_THRESHOLDS) == grade


def test_check_scheme():
    good = {"counselor": {"quantity": 1, "quality": 1, "satisfaction": 1}}
    assert scoring.check_scheme(good, {"excellent": 90, "qualified": 75, "basic": 60}) == {}
    assert scoring.check_scheme({"counselor": {"quantity": 0, "quality": 0, "satisfaction": 0}},
                                scoring.DEFAULT_THRESHOLDS) == {"weights.counselor": "weights"}
    assert scoring.check_scheme(good, {"excellent": 70, "qualified": 75, "basic": 60}) == {"thresholds": "order"}
    assert scoring.check_scheme(good, {"excellent": 190, "qualified": 75, "basic": 60}) == {"thresholds": "range"}
