"""Ranking quality: NDCG@k and MRR over queries (needs), each a list of graded relevances in ranked order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def dcg(relevances: Sequence[float], k: int) -> float:
    rel = np.asarray(relevances[:k], dtype=np.float64)
    return float(np.sum((2.0 ** rel - 1.0) / np.log2(np.arange(2, rel.size + 2))))


def ndcg_at_k(relevances: Sequence[float], k: int = 5) -> float:
    """DCG of the ranking over the DCG of the best ordering of the same items; 0 when nothing is relevant."""
    ideal = dcg(sorted(relevances, reverse=True), k)
    return dcg(list(relevances), k) / ideal if ideal > 0 else 0.0


def reciprocal_rank(relevances: Sequence[float]) -> float:
    """1 / rank of the first relevant item (0 when none is)."""
    for rank, rel in enumerate(relevances, start=1):
        if rel > 0:
            return 1.0 / rank
    return 0.0


def mean_metrics(rankings: Iterable[Sequence[float]], k: int = 5) -> dict[str, float]:
    """Mean NDCG@k and MRR over the rankings that hold at least one relevant item."""
    judged = [list(r) for r in rankings if any(x > 0 for x in r)]
    if not judged:
        return {f"ndcg@{k}": 0.0, "mrr": 0.0, "queries": 0}
    return {f"ndcg@{k}": float(np.mean([ndcg_at_k(r, k) for r in judged])),
            "mrr": float(np.mean([reciprocal_rank(r) for r in judged])), "queries": len(judged)}
