"""Benchmark: a counselor's "为您推荐的需求" (recommended needs) with 100,000 counselors and 10,000 centers.

    .venv/bin/python bench/inbox_speed.py [--counselors 100000] [--centers 10000] [--needs 200] [--runs 20]

The inbox's scoring step, in process: for `--runs` counselors with room, the 200 newest candidate needs the
SQL pre-filter would return (open, one of the counselor's specialties, in its province; 30 % remote), each
scored with `matching.ranker.standing` (the ladder over the whole pool, the counselor's score, reasons and rank
among all candidates) — what `marketplace.ranking.services.standings` does per request. Prints p50/p95 of the
whole step per counselor (cold-start scorer).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matching_world import INDUSTRY_NAMES, SPECIALTY_NAMES, counties, make_candidates, random_text, township
from matching.pool import CandidatePool, NeedQuery
from matching.ranker import Ranker, standing


def needs_for(rng, pool: CandidatePool, position: int, places, n: int) -> list[NeedQuery]:
    province = f"{pool.home[position, 0]:06d}"
    local = [p for p in places if p[1] == province] or places
    bits = [b for b in range(8) if pool.specialties[position] >> b & 1]
    out = []
    for _ in range(n):
        s, ind = int(rng.choice(bits)), int(rng.integers(8))
        county = local[rng.integers(len(local))]
        out.append(NeedQuery(category=1 << s, category_name=SPECIALTY_NAMES[s], industry=1 << ind,
                             industry_name=INDUSTRY_NAMES[ind], place=township(county, int(rng.integers(5))),
                             allows_remote=bool(rng.random() < 0.3), budget=float(rng.integers(5, 40) * 100),
                             entity_type=int(rng.integers(3)), text=random_text(rng, 8)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counselors", type=int, default=100_000)
    parser.add_argument("--centers", type=int, default=10_000)
    parser.add_argument("--needs", type=int, default=200)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    places = counties()
    started = time.perf_counter()
    pool = CandidatePool.build(make_candidates(args.counselors, args.centers, places, seed=1))
    print(f"pool: {pool.size} candidates, built in {time.perf_counter() - started:.1f} s")
    rng = np.random.default_rng(3)
    ranker = Ranker()
    with_room = np.flatnonzero((pool.kind == 0) & (pool.open_count < pool.capacity))
    times, shown = [], []
    for position in rng.choice(with_room, size=args.runs, replace=False):
        needs = needs_for(rng, pool, int(position), places, args.needs)
        t0 = time.perf_counter()
        found = [s for need in needs if (s := standing(ranker, need, pool, int(position))) is not None]
        times.append((time.perf_counter() - t0) * 1000)
        shown.append(len(found))
    print(f"{args.runs} counselors x {args.needs} candidate needs: p50 {np.percentile(times, 50):.0f} ms, "
          f"p95 {np.percentile(times, 95):.0f} ms, max {max(times):.0f} ms; "
          f"eligible after the ladder: median {int(np.median(shown))} of {args.needs}")


if __name__ == "__main__":
    main()
