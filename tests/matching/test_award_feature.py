"""The `award_record` feature: the web side's weighted count of recent approved awards, squashed to 0..1."""

from __future__ import annotations

import numpy as np

from matching import features as f
from matching.scorer import COLD_START_WEIGHTS
from tests.matching.helpers import NEED, cand, pool


def test_award_record_is_zero_without_awards_and_rises_towards_one():
    values = f.award_record(np.array([0.0, 1.0, 3.0, np.nan, -2.0]))
    assert values.tolist() == [0.0, 0.5, 0.75, 0.0, 0.0]


def test_award_record_reaches_the_feature_matrix_from_the_record():
    p = pool(cand(1), cand(2, award_record=1.5))
    X, _km = f.feature_matrix(NEED, p, np.arange(2), np.array([4, 4]))
    column = X[:, f.FEATURES.index("award_record")]
    assert column.tolist() == [0.0, 0.6]


def test_cold_start_gives_it_no_weight_so_rankings_do_not_move():
    assert COLD_START_WEIGHTS["award_record"] == 0.0
