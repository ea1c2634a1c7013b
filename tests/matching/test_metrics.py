"""NDCG@k and MRR."""

from __future__ import annotations

import pytest

from matching.metrics import mean_metrics, ndcg_at_k, reciprocal_rank


def test_ndcg_perfect_worst_and_empty():
    assert ndcg_at_k([3, 2, 0], 5) == 1.0
    assert 0 < ndcg_at_k([0, 2, 3], 5) < 1
    assert ndcg_at_k([0, 0], 5) == 0.0


def test_ndcg_only_looks_at_the_top_k():
    assert ndcg_at_k([0, 0, 1], 2) == 0.0


def test_reciprocal_rank():
    assert reciprocal_rank([0, 0, 1]) == pytest.approx(1 / 3)
    assert reciprocal_rank([0]) == 0.0


def test_mean_metrics_skips_needs_without_outcome():
    result = mean_metrics([[1, 0], [0, 1], [0, 0]], k=5)
    assert result["queries"] == 2 and result["mrr"] == pytest.approx(0.75)
