"""Benchmark: ranking quality and fairness of load on a simulated history.

    .venv/bin/python bench/simulate_history.py [--days 120] [--needs-per-day 30] [--counselors 3000]
                                               [--centers 300] [--seed 7]

The generator (documented in docs/matching.md):
- World: Hebei's real counties; `--counselors` counselors and `--centers` centers with random specialties,
  industries, homes, service areas, capacities and prices (bench/matching_world.py), and no record yet.
- Latent traits the features never see: each candidate's quality q ~ N(0, 1) and willingness w ~ N(0, 1);
  each entity type's taste for nearness (family farms 1.6, cooperatives 0.9, federations 0.4).
- Each day `--needs-per-day` needs appear (random place, specialty, industry, budget, entity type). The
  platform shows the top 10 of the serving ranker (cold start, with the fairness penalty) and logs them
  with their features. The operator's utility for a shown candidate is
      1.2·industry match + taste·nearness + 0.8·q + 0.4·text similarity + 0.6·(price fit − 0.5)·center
      − 0.3·log2(1 + rank) + Gumbel noise
  and they invite in order of utility (at most 3, until one accepts). A candidate accepts with probability
  sigmoid(0.5 + w − 2·load) and answers in Gamma(2, 6·e^−w) hours. An accepted need is served for 14 days;
  its agreement is accepted with probability sigmoid(1 + q) and rated round(3.6 + 0.9·q + N(0, 0.6)) in 1–5.
  So q shows up only slowly, through satisfaction, and w through the acceptance rate and response time.
- Statistics (acceptance, response time, satisfaction, workload, experience, recent assignments) feed back
  into the pool, rebuilt every simulated week.
- Labels per shown candidate: matching.training.relevance (shown 0, invited 1, accepted 2, agreement 3,
  satisfied 4), as QueryGroups of the shown lists only (the first world; bench/simulate_outcomes.py is
  issue 11's harder one, with whole eligible groups). The last 20 % of needs by time are held out: the
  learned model is trained on the rest
  (matching.training.train, the promotion code itself) and every policy re-ranks the held-out shown lists.

Fairness: the whole history is simulated twice, with and without the recent-assignment penalty, and the
share of assignments taken by the busiest 1 % of candidates is compared.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matching_world import counties, make_candidates, make_need
from matching.features import FEATURES
from matching.pool import CandidatePool
from matching.ranker import FAIRNESS, Ranker
from matching.scorer import ColdStartScorer
from matching.training import Candidate, QueryGroup, evaluate, fit, relevance, split_by_time, train

F = {name: i for i, name in enumerate(FEATURES)}
TASTE = (0.9, 0.4, 1.6)  # cooperative, federation, family farm
SERVICE_DAYS = 14
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


class NearestFirst:
    name, version = "nearest-first", "1"

    def score(self, X):
        return X[:, F["shared_level"]] * 10 + X[:, F["distance"]]


class RandomOrder:
    name, version = "random", "1"

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def score(self, X):
        return self.rng.random(X.shape[0])


def simulate(args, fairness: float) -> dict:
    rng = np.random.default_rng(args.seed)
    places = counties(("13",))
    base = make_candidates(args.counselors, args.centers, places, seed=args.seed, with_history=False)
    n = len(base)
    position = {(r.kind, r.id): i for i, r in enumerate(base)}
    quality, willing = rng.normal(0, 1, n), rng.normal(0, 1, n)
    invited, accepted = np.zeros(n), np.zeros(n)
    hours_sum, hours_n = np.zeros(n), np.zeros(n)
    sat_sum, sat_n = np.zeros(n), np.zeros(n)
    served_types, served_ind = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    open_until: list[list[int]] = [[] for _ in range(n)]   # days on which open assignments end
    assigned_days: list[list[int]] = [[] for _ in range(n)]
    assignments = np.zeros(n)
    examples: list[QueryGroup] = []
    ranker = Ranker(fairness=fairness)
    query = 0
    pool = None
    for day in range(args.days):
        if day % 7 == 0 or pool is None:
            records = [replace(
                r, invited=int(invited[i]), accepted=int(accepted[i]),
                response_hours=hours_sum[i] / hours_n[i] if hours_n[i] else None,
                satisfaction_mean=sat_sum[i] / sat_n[i] if sat_n[i] else None, satisfaction_count=int(sat_n[i]),
                open_count=sum(1 for d in open_until[i] if d > day), served_types=int(served_types[i]),
                served_industries=int(served_ind[i]),
                recent_assignments=sum(1 for d in assigned_days[i] if d > day - 30)) for i, r in enumerate(base)]
            pool = CandidatePool.build(records)
        for _ in range(args.needs_per_day):
            query += 1
            need = make_need(rng, places)
            at = T0 + timedelta(days=day, minutes=query % 1440)
            shown = ranker.rank(need, pool, limit=10)
            if not shown:
                continue
            idx = [position[(c.kind, c.id)] for c in shown]
            X = np.array([c.features for c in shown])
            taste = TASTE[need.entity_type]
            utility = (1.2 * (X[:, F["industry_match"]] == 1) + taste * X[:, F["shared_level"]]
                       + 0.8 * quality[idx] + 0.4 * X[:, F["text_similarity"]]
                       + 0.6 * (X[:, F["price_fit"]] - 0.5) * X[:, F["is_center"]]
                       - 0.3 * np.log2(1 + np.arange(1, len(shown) + 1)) + rng.gumbel(0, 0.5, len(shown)))
            outcome = {j: relevance() for j in range(len(shown))}
            for j in np.argsort(-utility)[:3]:
                i = idx[j]
                invited[i] += 1
                cap = pool.capacity[pool.position[(shown[j].kind, shown[j].id)]]
                load = 0.0 if math.isinf(cap) else sum(1 for d in open_until[i] if d > day) / cap
                hours_sum[i] += rng.gamma(2, 6 * math.exp(-willing[i]))
                hours_n[i] += 1
                if rng.random() >= sigmoid(0.5 + willing[i] - 2 * load):
                    outcome[j] = relevance(invited=True)
                    continue
                accepted[i] += 1
                assignments[i] += 1
                assigned_days[i].append(day)
                open_until[i].append(day + SERVICE_DAYS)
                served_types[i] |= 1 << need.entity_type
                served_ind[i] |= need.industry
                done = rng.random() < sigmoid(1 + quality[i])
                satisfaction = int(np.clip(round(3.6 + 0.9 * quality[i] + rng.normal(0, 0.6)), 1, 5)) if done else None
                if done:
                    sat_sum[i] += satisfaction
                    sat_n[i] += 1
                outcome[j] = relevance(invited=True, accepted=True, agreement_accepted=done, satisfaction=satisfaction)
                break
            examples.append(QueryGroup(query, at, tuple(
                Candidate(shown[j].kind, shown[j].id, tuple(X[j]), outcome[j], shown_rank=j + 1,
                          path="shown" if outcome[j] > 0 else "") for j in range(len(shown)))))
    top = max(1, n // 100)
    busiest = np.sort(assignments)[::-1]
    return {"examples": examples, "queries": query, "assignments": int(assignments.sum()),
            "top1_share": float(busiest[:top].sum() / max(assignments.sum(), 1)),
            "max_assignments": int(busiest[0]), "candidates_used": int((assignments > 0).sum()), "n": n,
            "sat_mean": float(sat_sum.sum() / max(sat_n.sum(), 1))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--needs-per-day", type=int, default=30)
    parser.add_argument("--counselors", type=int, default=3000)
    parser.add_argument("--centers", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    run = simulate(args, FAIRNESS)
    examples = run["examples"]
    train_set, held = split_by_time(examples, 0.2)
    result = train(examples, ColdStartScorer(), version="sim", random_state=0, min_held_out=1)
    learned = fit(train_set, version="sim-train", random_state=0)  # trained before the held-out period only
    shown = sum(len(g.candidates) for g in examples)
    print(f"history: {run['queries']} needs, {shown} shown candidates, {run['assignments']} assignments, "
          f"{run['n']} candidates; held out {len(held)} needs "
          f"({time.perf_counter() - started:.0f} s)")
    print(f"promotion: learned ndcg@5 {result.metrics['ndcg@5']:.4f} vs cold-start "
          f"{result.serving_metrics['ndcg@5']:.4f} -> {'promoted' if result.promoted else 'not promoted'}")
    policies = [("learned", learned), ("cold-start", ColdStartScorer()), ("nearest-first", NearestFirst()),
                ("random", RandomOrder(0))]
    print("| policy | NDCG@5 | MRR | needs judged |")
    print("|---|---|---|---|")
    for name, scorer in policies:
        m = evaluate(scorer, held)
        print(f"| {name} | {m['ndcg@5']:.4f} | {m['mrr']:.4f} | {m['queries']} |")
    plain = simulate(args, 0.0)
    print("| fairness penalty | assignments | share to busiest 1 % | most to one | candidates used "
          "| mean satisfaction |")
    print("|---|---|---|---|---|---|")
    for label, r in ((f"on ({FAIRNESS})", run), ("off", plain)):
        print(f"| {label} | {r['assignments']} | {100 * r['top1_share']:.1f} % | {r['max_assignments']} | "
              f"{r['candidates_used']} | {r['sat_mean']:.2f} |")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
