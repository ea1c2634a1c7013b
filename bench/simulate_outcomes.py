"""Benchmark: the matching loop on a harder, more honest simulated world (issue 11).

    .venv/bin/python bench/simulate_outcomes.py --seeds 1 2 3 [--days 100] [--needs-per-day 24]
                                                [--counselors 2000] [--centers 200] [--fairness-table]

A second world beside bench/simulate_history.py, built so that the easy ways to look good fail:
- **Latent quality** q ~ N(0, 1) per provider shows only through noisy ratings
  (round(3.4 + 0.8·q + N(0, 1.1)) in 1–5) and through whether its agreements are accepted (sigmoid(1 + 1.5·q)).
- **Strong profiles that serve badly**: 10 % of providers have the best grade (优秀), many industries and a
  long profile text, but q = −1.5.
- **Outcomes outside the shown list**: for each need the provider is first sought through one path — the
  shown list (45 %), the counselor's interest from "为您推荐的需求" (20 %: a willing, near counselor of the
  eligible group), the public directory (15 %: the operator's own search by industry and place), an
  official's assignment (12 %: near and well graded) or a center's offering (8 %: near and within budget);
  if that candidate declines, the operator turns to the shown list.
- **Position bias**: the operator examines position j of the shown list with probability j^−0.9 and invites
  the examined candidates in order of a noisy perceived utility (wants below, plus the grade and the stars
  shown; not q, not w), up to 3 until one accepts. Acceptance is sigmoid(0.5 + w − 2·load), w the latent willingness.
- **The randomized slot**: in 20 % of the lists one position (uniform over 1–10) shows a random eligible
  candidate from outside the top 10 (what `MATCHING_EXPLORE` does on the platform); the propensities are
  estimated from it (`training.estimate_propensities`).
- **Truth**: for every eligible candidate of a need, the world knows its true relevance
      rel = clip(wants + 1.4·q + 0.5·w − 2.3, 0, 4),  wants = industry + 2·taste·nearness + 0.8·remote + 0.4·text
  (taste for nearness per entity type: family farms 1.6, cooperatives 0.9, federations 0.4; remote: the need
  allows remote service and the candidate gives it). Policies are scored by NDCG@5 of their order of the
  whole eligible group against this truth.

Statistics (acceptance, response, satisfaction with its variance, load, experience, recent assignments) feed
back into the pool every simulated week. The serving ranker is the cold start with the fairness rule.
Training: every need with an outcome becomes a `QueryGroup` of its eligible candidates at publication
(features then), labelled by `training.relevance` with the path and the shown position; the last 20 % by
time are held out; `training.train` (the platform's code) decides promotion against the cold start from the
logged outcomes only; the simulation then says whether it chose right.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.matching_world import counties, make_candidates, make_need, random_text
from matching.candidates import eligible, ladder, nearness
from matching.features import FEATURES, feature_matrix
from matching.pipeline import build_pipeline
from matching.pool import CandidatePool
from matching.ranker import FAIRNESS, Ranker, fairness_penalty, stable_order
from matching.scorer import ColdStartScorer
from matching.training import (
    Candidate,
    QueryGroup,
    cross_fitted_relevances,
    evaluate_reference,
    fit,
    relevance,
    should_promote,
    split_by_time,
    train,
)

F = {name: i for i, name in enumerate(FEATURES)}
SERVICE_DAYS = 14
SHOWN = 10


@dataclass(frozen=True)
class World:
    """The generator's mix. A and B differ in everything the evaluator might be tuned to: the share of
    outcomes from outside the list, the position bias, the noise of the operators' choice and of the ratings,
    the share of strong profiles that serve badly, the size of the randomized slot and how much the truth
    weighs quality against what the operator can see."""

    paths: tuple[tuple[str, float], ...]
    position_eta: float      # position j of the shown list is examined with probability j^-eta
    choice_noise: float      # Gumbel scale of the operator's perceived utility
    rating_noise: float      # sd of a rating around 3.4 + 0.8 q
    fake_share: float        # strong profiles with q = -1.5
    explore: float           # share of lists with the randomized slot
    quality_weight: float    # weight of the latent quality in the truth
    taste: tuple[float, float, float]  # taste for nearness: cooperative, federation, family farm
    grade_pull: float = 0.5  # how much the grade shown sways the operator's choice
    stars_pull: float = 1.5  # how much the stars shown sway it


WORLDS = {
    "A": World(paths=(("shown", 0.45), ("interest", 0.20), ("directory", 0.15), ("assignment", 0.12),
                      ("offering", 0.08)),
               position_eta=0.9, choice_noise=0.7, rating_noise=1.1, fake_share=0.10, explore=0.2,
               quality_weight=1.4, taste=(0.9, 0.4, 1.6)),
    # mostly through the list, a steeper position bias, noisier operators and ratings, more fakes, a smaller
    # randomized slot, nearness worth more and quality a little less
    "B": World(paths=(("shown", 0.70), ("interest", 0.08), ("directory", 0.10), ("assignment", 0.07),
                      ("offering", 0.05)),
               position_eta=1.3, choice_noise=1.2, rating_noise=1.5, fake_share=0.15, explore=0.1,
               quality_weight=1.1, taste=(1.2, 0.6, 2.0)),
    # little to learn: quality weighs little in the truth, operators choose noisily, almost everything comes
    # through the list and few lists carry the randomized slot (the cold start is near what is there to know)
    "C": World(paths=(("shown", 0.85), ("interest", 0.05), ("directory", 0.05), ("assignment", 0.03),
                      ("offering", 0.02)),
               position_eta=1.5, choice_noise=1.6, rating_noise=1.6, fake_share=0.05, explore=0.05,
               quality_weight=0.5, taste=(0.9, 0.4, 1.6)),
    # misleading choices: operators go by the grade shown far more than by the stars, and a fifth of the
    # strong profiles serve badly, so what the operators pick teaches the wrong thing
    "D": World(paths=(("shown", 0.60), ("interest", 0.12), ("directory", 0.12), ("assignment", 0.10),
                      ("offering", 0.06)),
               position_eta=1.0, choice_noise=0.8, rating_noise=1.2, fake_share=0.20, explore=0.15,
               quality_weight=1.4, taste=(0.9, 0.4, 1.6), grade_pull=2.0, stars_pull=0.3),
}
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def ndcg5(scores: np.ndarray, truth: np.ndarray) -> float:
    order = np.lexsort((np.arange(scores.size), -np.round(scores, 9)))
    disc = 1.0 / np.log2(np.arange(2, 7))
    gains = 2.0 ** truth - 1.0
    ideal = np.sort(gains)[::-1][:5]
    best = float(np.sum(ideal * disc[:ideal.size]))
    got = gains[order][:5]
    return float(np.sum(got * disc[:got.size])) / best if best > 0 else 0.0


class Random:
    name, version = "random", "1"

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def score(self, X):
        return self.rng.random(X.shape[0])


class Nearest:
    name, version = "nearest", "1"

    def score(self, X):
        return X[:, F["shared_level"]] * 10 + X[:, F["distance"]]


class RulesShrunk:
    """Specialty (the gate) + industry + place rules, plus satisfaction shrunk towards the mean (the same
    empirical-Bayes estimate as the feature): the baseline of issue 11."""
    name, version = "rules+shrunk", "1"

    def score(self, X):
        return (X[:, F["industry_match"]] + 0.5 * X[:, F["shared_level"]] + 0.5 * X[:, F["distance"]]
                + 2.0 * X[:, F["satisfaction"]])


def simulate(seed: int, args, fairness: float, flat: bool = False) -> dict:
    world = WORLDS[getattr(args, "world", "A")]
    rng = np.random.default_rng(seed)
    places = counties(("13",))
    base = make_candidates(args.counselors, args.centers, places, seed=seed, with_history=False)
    n = len(base)
    quality, willing = rng.normal(0, 1, n), rng.normal(0, 1, n)
    # strong profiles that serve badly
    fake = rng.random(n) < world.fake_share
    quality[fake] = -1.5
    base = [replace(r, grade=3, industries=255, text=random_text(rng, 14)) if fake[i] else r
            for i, r in enumerate(base)]
    invited, accepted = np.zeros(n), np.zeros(n)
    hours = [[] for _ in range(n)]
    ratings = [[] for _ in range(n)]
    served_types, served_ind = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    open_until: list[list[int]] = [[] for _ in range(n)]
    assigned_days: list[list[int]] = [[] for _ in range(n)]
    assignments = np.zeros(n)
    assigned_quality = []
    groups: list[QueryGroup] = []
    truths: dict[int, np.ndarray] = {}
    ranker = Ranker(fairness=0.0)
    cold = ColdStartScorer()
    query = 0
    pool = None
    for day in range(args.days):
        if day % 7 == 0 or pool is None:
            records = [replace(
                r, invited=int(invited[i]), accepted=int(accepted[i]),
                response_hours=float(np.mean(hours[i])) if hours[i] else None, response_count=len(hours[i]),
                response_var=float(np.var(hours[i])) if len(hours[i]) > 1 else None,
                satisfaction_mean=float(np.mean(ratings[i])) if ratings[i] else None,
                satisfaction_count=len(ratings[i]),
                satisfaction_var=float(np.var(ratings[i])) if len(ratings[i]) > 1 else None,
                open_count=sum(1 for d in open_until[i] if d > day), served_types=int(served_types[i]),
                served_industries=int(served_ind[i]),
                recent_assignments=sum(1 for d in assigned_days[i] if d > day - 30)) for i, r in enumerate(base)]
            pool = CandidatePool.build(records)
        for _ in range(args.needs_per_day):
            query += 1
            need = make_need(rng, places)
            at = T0 + timedelta(days=day, minutes=query % 1440)
            level, covered = nearness(need, pool)
            mask = eligible(need, pool, level, covered)
            idx, _ring = ladder(mask, level, ranker.min_pool)
            if idx.size == 0:
                continue
            X, _km = feature_matrix(need, pool, idx, level[idx], pool.need_vector(need), covered[idx])
            score = cold.score(X)
            if fairness:
                score = score - (fairness * np.log1p(pool.recent[idx]) if flat
                                 else fairness_penalty(pool.recent[idx], fairness, score))
            order = stable_order(score, pool.kind[idx], pool.ids[idx])
            shown = list(order[:SHOWN])
            explored = -1
            if rng.random() < world.explore and order.size > SHOWN:
                slot = int(rng.integers(SHOWN))
                shown[slot] = int(rng.choice(order[SHOWN:]))
                explored = slot
            taste = world.taste[need.entity_type]
            remote = (need.allows_remote & pool.is_remote[idx]).astype(float)
            # what the operator wants and can see (the observable part of the truth) ...
            wants = (1.0 * (X[:, F["industry_match"]] == 1) + 2 * taste * X[:, F["shared_level"]]
                     + 0.8 * remote + 0.4 * X[:, F["text_similarity"]])
            truth = np.clip(wants + world.quality_weight * quality[idx] + 0.5 * willing[idx] - 2.3, 0, 4)
            # ... and what they choose by: that, the grade and the stars shown, not the latent quality
            perceived = wants + world.grade_pull * X[:, F["grade"]] + world.stars_pull * X[:, F["satisfaction"]]
            label = np.zeros(idx.size)
            path_of = [""] * idx.size

            def ask(j: int, path: str, idx=idx, pool=pool, day=day, need=need, path_of=path_of,
                    label=label) -> bool:
                i = idx[j]
                invited[i] += 1
                cap = pool.capacity[i]
                load = 0.0 if math.isinf(cap) else sum(1 for d in open_until[i] if d > day) / cap
                hours[i].append(float(rng.gamma(2, 6 * math.exp(-willing[i]))))
                path_of[j] = path
                if rng.random() >= sigmoid(0.5 + willing[i] - 2 * load):
                    label[j] = max(label[j], relevance(invited=True, via_list=path == "shown"))
                    return False
                accepted[i] += 1
                assignments[i] += 1
                assigned_quality.append(quality[i])
                assigned_days[i].append(day)
                open_until[i].append(day + SERVICE_DAYS)
                served_types[i] |= 1 << need.entity_type
                served_ind[i] |= need.industry
                done = rng.random() < sigmoid(1 + 1.5 * quality[i])
                rating = (int(np.clip(round(3.4 + 0.8 * quality[i] + rng.normal(0, world.rating_noise)), 1, 5))
                          if done else None)
                if done:
                    ratings[i].append(rating)
                label[j] = relevance(invited=True, accepted=True, agreement_accepted=done, satisfaction=rating)
                return True

            path = world.paths[int(rng.choice(len(world.paths), p=[p for _, p in world.paths]))][0]
            done = False
            if path != "shown":
                if path == "interest":
                    weight = np.where(pool.kind[idx] == 0, np.exp(1.5 * willing[idx] + 2 * X[:, F["shared_level"]]), 0)
                elif path == "directory":
                    weight = np.exp(perceived - world.stars_pull / 3 * X[:, F["satisfaction"]]
                                    + rng.gumbel(0, world.choice_noise, idx.size))
                elif path == "assignment":
                    weight = np.exp(3 * X[:, F["shared_level"]] + X[:, F["grade"]])
                else:
                    weight = np.where(pool.kind[idx] == 1, np.exp(2 * X[:, F["price_fit"]]
                                                                  + 2 * X[:, F["shared_level"]]), 0)
                if weight.sum() > 0:
                    done = ask(int(rng.choice(idx.size, p=weight / weight.sum())), path)
            if not done:
                examined = [r for r in range(len(shown)) if rng.random() < (r + 1) ** -world.position_eta]
                picks = sorted(examined, key=lambda r: -(perceived[shown[r]] + rng.gumbel(0, world.choice_noise)))
                for r in picks[:3]:
                    if path_of[shown[r]]:
                        continue
                    if ask(int(shown[r]), "shown"):
                        break
            position_of = {int(p): r + 1 for r, p in enumerate(shown)}
            candidates = tuple(Candidate(
                "center" if pool.kind[idx[j]] else "counselor", int(pool.ids[idx[j]]), tuple(X[j]), float(label[j]),
                shown_rank=position_of.get(j), path=path_of[j],
                explored=position_of.get(j) == explored + 1 and explored >= 0) for j in range(idx.size))
            groups.append(QueryGroup(query, at, candidates))
            truths[query] = truth
    top = max(1, n // 100)
    busiest = np.sort(assignments)[::-1]
    return {"groups": groups, "truths": truths, "n": n, "assignments": int(assignments.sum()),
            "top1_share": float(busiest[:top].sum() / max(assignments.sum(), 1)),
            "max_assignments": int(busiest[0]), "used": int((assignments > 0).sum()),
            "quality": float(np.mean(assigned_quality)) if assigned_quality else 0.0,
            "rating": float(np.mean([x for r in ratings for x in r])) if any(ratings) else 0.0}


def true_ndcg(scorer, groups, truths) -> float:
    values = [ndcg5(scorer.score(np.array([c.features for c in g.candidates])), truths[g.query]) for g in groups
              if truths[g.query].max() > 0]
    return float(np.mean(values)) if values else 0.0


class SingleRegression:
    """The approach before issue 11: one graded regression over the shown candidates only."""
    name, version = "single", "1"

    def __init__(self, groups):
        rows = [c for g in groups for c in g.candidates if c.shown_rank is not None]
        self.pipeline = build_pipeline(0).fit(np.array([c.features for c in rows]),
                                              np.array([c.relevance for c in rows]))

    def score(self, X):
        return self.pipeline.predict(X)


def simulated(seed: int, args) -> dict:
    """`simulate`, kept in `--cache` (a pickle per world, seed and size) so that the training side can be run
    again without simulating again."""
    if not args.cache:
        return simulate(seed, args, args.fairness)
    key = (f"{args.world}-s{seed}-d{args.days}-n{args.needs_per_day}-c{args.counselors}-k{args.centers}"
           f"-f{args.fairness:g}")
    path = Path(args.cache) / f"outcomes-{key}.pickle"
    if path.exists():
        with path.open("rb") as f:
            return pickle.load(f)
    run = simulate(seed, args, args.fairness)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        pickle.dump(run, f, protocol=pickle.HIGHEST_PROTOCOL)
    return run


def one_seed(seed: int, args) -> dict:
    started = time.perf_counter()
    run = simulated(seed, args)
    groups = [g for g in run["groups"] if g.judged]
    train_set, held = split_by_time(groups, 0.2)
    result = train(run["groups"], ColdStartScorer(), version=f"sim-{seed}", random_state=0, ips=args.ips,
                   validate=True)
    learned = result.candidate  # fitted on the training needs only, as evaluated by `train`
    trees = fit(train_set, f"sim-{seed}-trees", result.propensities, random_state=0, kind="trees")
    scores = {name: true_ndcg(s, held, run["truths"]) for name, s in (
        ("random", Random(seed)), ("nearest", Nearest()), ("rules+shrunk", RulesShrunk()),
        ("cold start", ColdStartScorer()), ("learned", learned), ("two-part trees (before)", trees))}
    truly_better = scores["learned"] > scores["cold start"]
    # the same rule on a model that is truly worse here (the trees of before): does it refuse it?
    relevances, _rows = cross_fitted_relevances(held)
    trees_metrics = evaluate_reference(trees, held, relevances)
    trees_promoted, _ = should_promote(trees_metrics, result.serving_metrics, result.metadata["min_held_out"],
                                       n_train=len(train_set), min_train=result.metadata["min_train"])
    trees_right = trees_promoted == (scores["two-part trees (before)"] > scores["cold start"])
    # and on the rules baseline (no training at all): a third model whose truth the rule must respect
    rules_metrics = evaluate_reference(RulesShrunk(), held, relevances)
    rules_promoted, _ = should_promote(rules_metrics, result.serving_metrics, result.metadata["min_held_out"],
                                       n_train=len(train_set), min_train=result.metadata["min_train"])
    rules_right = rules_promoted == (scores["rules+shrunk"] > scores["cold start"])
    # and on additive models `train` itself could produce, at exchange rates far from the chosen one: the
    # choice part alone (γ 0) and the outcome part nearly alone (γ 24)
    variants = {}
    for g in (0.0, 24.0):
        model = fit(train_set, f"sim-{seed}-g{g:g}", result.propensities, random_state=0, gamma=g)
        truth = true_ndcg(model, held, run["truths"])
        metrics = evaluate_reference(model, held, relevances)
        promoted, _ = should_promote(metrics, result.serving_metrics, result.metadata["min_held_out"],
                                     n_train=len(train_set), min_train=result.metadata["min_train"])
        variants[g] = {"truth": truth, "metrics": metrics, "promoted": promoted,
                       "right": promoted == (truth > scores["cold start"])}
    logged = result.metadata["logged_ips"]
    logged_promoted, _ = should_promote(logged["new"], logged["serving"], result.metadata["min_held_out"])
    return {"seed": seed, "scores": scores, "promoted": result.promoted, "reason": result.reason,
            "right": result.promoted == truly_better, "truly_better": truly_better,
            "reference": result.metrics, "reference_serving": result.serving_metrics, "logged": logged,
            "logged_promoted": logged_promoted, "trees": trees_metrics, "trees_promoted": trees_promoted,
            "trees_right": trees_right, "rules": rules_metrics, "rules_promoted": rules_promoted,
            "rules_right": rules_right, "variants": variants, "eta": result.propensities.eta,
            "gamma": result.metadata["gamma"], "gamma_choice": result.metadata["gamma_choice"],
            "n_needs": len(run["groups"]), "judged": len(groups), "held": len(held),
            "paths": result.metadata["outcomes_by_path"], "seconds": time.perf_counter() - started,
            "group_size": float(np.mean([len(g.candidates) for g in groups]))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--days", type=int, default=100)
    parser.add_argument("--needs-per-day", type=int, default=24)
    parser.add_argument("--counselors", type=int, default=2000)
    parser.add_argument("--centers", type=int, default=200)
    parser.add_argument("--fairness", type=float, default=FAIRNESS)
    parser.add_argument("--ips", action="store_true", help="position-weight the choice part in training")
    parser.add_argument("--fairness-table", action="store_true")
    parser.add_argument("--world", choices=sorted(WORLDS), default="A", help="the generator's mix (World)")
    parser.add_argument("--cache", default="", help="keep each simulated history here and reuse it")
    parser.add_argument("--simulate-only", action="store_true", help="fill --cache, train nothing")
    args = parser.parse_args()
    if args.simulate_only:
        for seed in args.seeds:
            began = time.perf_counter()
            run = simulated(seed, args)
            print(f"world {args.world} seed {seed}: {len(run['groups'])} needs ({time.perf_counter() - began:.0f} s)")
        return
    started = time.perf_counter()
    rows = [one_seed(seed, args) for seed in args.seeds]
    names = list(rows[0]["scores"])
    print(f"world {args.world}: {args.days} days x {args.needs_per_day} needs, {args.counselors} counselors, "
          f"{args.centers} centers")
    print("| seed | " + " | ".join(names) + " | learned / cold | cold / baseline | γ | promoted | right |")
    print("|---" * (len(names) + 6) + "|")
    for r in rows:
        s = r["scores"]
        print(f"| {r['seed']} | " + " | ".join(f"{s[k]:.4f}" for k in names)
              + f" | {s['learned'] / s['cold start']:.3f} | {s['cold start'] / s['rules+shrunk']:.3f} | "
              f"{r['gamma']:.2f} | {'yes' if r['promoted'] else 'no'} | {'yes' if r['right'] else 'NO'} |")
    print("| seed | reference NDCG@5 learned [95 % CI] | cold start | trees (before) [95 % CI] | trees promoted "
          "| right | rules + shrunk [95 % CI] | rules promoted | right | logged IPS learned [95 % CI] | cold start "
          "| logged IPS would promote learned | γ validation |")
    print("|---" * 13 + "|")
    for r in rows:
        a, b, ln, ls = r["reference"], r["reference_serving"], r["logged"]["new"], r["logged"]["serving"]
        t = r["trees"]
        table = ", ".join(f"{g:g}: {v:.3f}" for g, v in r["gamma_choice"].get("validation", {}).items())
        print(f"| {r['seed']} | {a['ndcg@5']:.4f} [{a['low']:.4f}, {a['high']:.4f}] | {b['ndcg@5']:.4f} | "
              f"{t['ndcg@5']:.4f} [{t['low']:.4f}, {t['high']:.4f}] | {'yes' if r['trees_promoted'] else 'no'} | "
              f"{'yes' if r['trees_right'] else 'NO'} | "
              f"{r['rules']['ndcg@5']:.4f} [{r['rules']['low']:.4f}, {r['rules']['high']:.4f}] | "
              f"{'yes' if r['rules_promoted'] else 'no'} | {'yes' if r['rules_right'] else 'NO'} | "
              f"{ln['ndcg@5']:.4f} [{ln['low']:.4f}, {ln['high']:.4f}] | {ls['ndcg@5']:.4f} | "
              f"{'yes' if r['logged_promoted'] else 'no'} | {table} |")
    print("| seed | γ | true NDCG@5 | / cold start | reference [95 % CI] | promoted | right |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        for g, v in r["variants"].items():
            m = v["metrics"]
            print(f"| {r['seed']} | {g:g} | {v['truth']:.4f} | {v['truth'] / r['scores']['cold start']:.3f} | "
                  f"{m['ndcg@5']:.4f} [{m['low']:.4f}, {m['high']:.4f}] | {'yes' if v['promoted'] else 'no'} | "
                  f"{'yes' if v['right'] else 'NO'} |")
    for r in rows:
        print(f"seed {r['seed']}: {r['n_needs']} needs, {r['judged']} with an outcome, {r['held']} held out, "
              f"mean group {r['group_size']:.0f}; outcomes by path {r['paths']}; eta {r['eta']:.2f}; "
              f"{r['reason']} ({r['seconds']:.0f} s)")
    if args.fairness_table:
        print("| fairness rule | share to busiest 1 % | most to one | providers used | mean latent quality "
              "of the assigned | mean rating |")
        print("|---|---|---|---|---|---|")
        seed = args.seeds[0]
        for label, margin, flat in (("off", 0.0, False), ("flat 0.05·log(1+recent) (before)", 0.05, True),
                                    ("bounded, margin 0.02", 0.02, False), ("bounded, margin 0.05", 0.05, False),
                                    ("bounded, margin 0.10", 0.10, False), ("bounded, margin 0.20", 0.20, False)):
            r = simulate(seed, args, margin, flat)
            print(f"| {label} | {100 * r['top1_share']:.1f} % | {r['max_assignments']} | {r['used']} | "
                  f"{r['quality']:.3f} | {r['rating']:.2f} |")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
