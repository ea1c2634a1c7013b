"""Benchmark: ranking one need against 100,000 counselors and 10,000 centers, in process.

    .venv/bin/python bench/matching_speed.py [--counselors 100000] [--centers 10000] [--needs 300]

Builds the pool once (spread over every county in China), trains a learned model on a synthetic history
(so its trees are as deep as a real one's), then ranks `--needs` random needs with the cold-start scorer and
with the learned model (cold-start short list of 200, re-ranked), top 10 with reasons, and prints p50/p95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matching_world import counties, make_candidates, make_need
from matching.features import FEATURES
from matching.pool import CandidatePool
from matching.ranker import Ranker
from matching.training import Candidate, QueryGroup, fit


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def time_ranker(ranker: Ranker, pool: CandidatePool, needs) -> list[float]:
    times = []
    for need in needs:
        started = time.perf_counter()
        ranker.rank(need, pool, limit=10)
        times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counselors", type=int, default=100_000)
    parser.add_argument("--centers", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=300)
    args = parser.parse_args()
    places = counties()
    started = time.perf_counter()
    records = make_candidates(args.counselors, args.centers, places, seed=1)
    pool = CandidatePool.build(records)
    print(f"pool: {pool.size} candidates over {len(places)} counties, built in {time.perf_counter() - started:.1f} s"
          f" (TF-IDF vocabulary {len(pool.vectorizer.vocabulary_)})")
    rng = np.random.default_rng(2)
    X = rng.random((20_000, len(FEATURES)))
    y = 2 * X[:, 1] + X[:, 3] + X[:, 8] ** 2 + rng.normal(0, 0.3, len(X))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    # 2,000 needs of 10 shown candidates; one in five also tried (the outcome part of the two-part model)
    groups = [QueryGroup(q, t0 + timedelta(hours=q), tuple(
        Candidate("counselor", j, tuple(X[10 * q + j]), float(y[10 * q + j] > 2.5) * 2, shown_rank=j + 1,
                  path="shown" if (y[10 * q + j] > 2.5 or j % 5 == 0) else "") for j in range(10)))
        for q in range(len(X) // 10)]
    model = fit(groups, version="bench")
    needs = [make_need(rng, places) for _ in range(args.needs)]
    for name, ranker in (("cold-start", Ranker()), ("learned", Ranker(model=model))):
        time_ranker(ranker, pool, needs[:20])  # warm up
        times = time_ranker(ranker, pool, needs)
        sizes = [len(ranker.rank(n, pool, limit=10)) for n in needs[:20]]
        print(f"{name:>10}: p50 {percentile(times, 50):.2f} ms, p95 {percentile(times, 95):.2f} ms, "
              f"max {max(times):.2f} ms, mean {statistics.mean(times):.2f} ms over {len(times)} needs "
              f"(mean results {statistics.mean(sizes):.1f})")


if __name__ == "__main__":
    main()
