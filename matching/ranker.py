"""The ranker: ladder → features → score → fairness penalty → deterministic order → reasons.

One vectorised pass over the pool. With a learned model, the cold-start score picks a short list and the
model re-ranks it (the heavier model sees at most `shortlist` rows). Ties are broken by kind (counselors
first) then id, so the same input always gives the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from matching.candidates import MIN_POOL, eligible, ladder, nearness
from matching.features import feature_matrix, reasons, verdict
from matching.pool import KIND_NAMES, CandidatePool, NeedQuery
from matching.scorer import ColdStartScorer

SHORTLIST = 200
FAIRNESS = 0.20   # the fairness margin: the most a busy candidate can lose, as a share of the group's score range
HALF_LOAD = 2.0   # recent assignments at which a candidate loses half the margin


@dataclass(frozen=True)
class RankedCandidate:
    kind: str
    id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    features: tuple[float, ...] = ()
    verdict: str = ""
    explored: bool = False          # placed by the randomized slot (not by its score)


def fairness_penalty(recent: np.ndarray, margin: float = FAIRNESS, scores: np.ndarray | None = None) -> np.ndarray:
    """Spread the load without hiding quality: a candidate assigned `recent` times lately loses
    margin × range × recent / (recent + HALF_LOAD), range being the spread (max − min) of the group's scores
    (1 without `scores`). The penalty never exceeds margin × range, so it only reorders candidates whose
    scores lie within that margin of each other: a clearly better provider stays ahead however busy it is."""
    spread = 1.0
    if scores is not None and scores.size > 1:
        spread = float(np.max(scores) - np.min(scores)) or 1.0
    return margin * spread * recent / (recent + HALF_LOAD)


def stable_order(scores: np.ndarray, kinds: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions sorted by score (high first), then kind, then id."""
    return np.lexsort((ids, kinds, -np.round(scores, 9)))


class Ranker:
    """Ranks a pool for a need with a scorer (the cold-start one by default, or a `LearnedScorer`)."""

    def __init__(self, model=None, shortlist: int = SHORTLIST, fairness: float = FAIRNESS,
                 min_pool: int = MIN_POOL):
        self.cold = ColdStartScorer()
        self.model = model
        self.shortlist = shortlist
        self.fairness = fairness
        self.min_pool = min_pool

    @property
    def name(self) -> str:
        return (self.model or self.cold).name

    @property
    def version(self) -> str:
        return (self.model or self.cold).version

    def rank(self, need: NeedQuery, pool: CandidatePool, limit: int = 10, kind: str | None = None,
             exclude: Iterable[tuple[str, int]] = (), only: Iterable[int] | None = None,
             explore: tuple[int, float] | None = None) -> list[RankedCandidate]:
        """The `limit` best eligible candidates of `kind` (None: both), best first, with reasons.

        `exclude`: (kind, id) pairs to leave out; `only`: pool positions to restrict to (checking one).
        `explore`: (slot, u) — the randomized slot: position `slot` (0-based) shows instead the eligible
        candidate at quantile u of those ranked below `limit`, chosen by chance, not by score, so that how
        often it is taken at each position measures the position's effect alone (training's propensities).
        """
        if pool.size == 0 or limit <= 0:
            return []
        level, covered = nearness(need, pool)
        mask = eligible(need, pool, level, covered, kind=kind, exclude=exclude)
        if only is not None:
            restrict = np.zeros(pool.size, dtype=bool)
            restrict[list(only)] = True
            mask &= restrict
        idx, _ring = ladder(mask, level, self.min_pool)
        if idx.size == 0:
            return []
        idx, X, km, score, cold = self.score_group(need, pool, idx, level, covered)
        full = stable_order(score, pool.kind[idx], pool.ids[idx])
        order = full[:limit].copy()
        picked = -1
        if explore is not None and full.size > limit and order.size:
            slot, u = explore
            picked = int(full[limit + min(int(u * (full.size - limit)), full.size - limit - 1)])
            order[min(int(slot), order.size - 1)] = picked
        return [RankedCandidate(KIND_NAMES[pool.kind[idx[j]]], int(pool.ids[idx[j]]), pool.names[idx[j]],
                                round(float(score[j]), 4),
                                reasons(need, pool, int(idx[j]), int(level[idx[j]]), float(km[j]), X[j]),
                                tuple(round(float(x), 5) for x in X[j]), verdict(float(cold[j])),
                                explored=int(j) == picked)
                for j in order]

    def score_group(self, need: NeedQuery, pool: CandidatePool, idx: np.ndarray, level: np.ndarray,
                    covered: np.ndarray):
        """(idx, features, km, final scores, cold-start scores) of a group of eligible candidates: the
        cold start scores all, a learned model re-scores the short list, the fairness rule applies."""
        X, km = feature_matrix(need, pool, idx, level[idx], pool.need_vector(need), covered[idx])
        cold = score = self.cold.score(X)
        if self.model is not None:
            keep = stable_order(score, pool.kind[idx], pool.ids[idx])[:self.shortlist]
            idx, X, km, cold = idx[keep], X[keep], km[keep], cold[keep]
            score = self.model.score(X)
        if self.fairness:
            score = score - fairness_penalty(pool.recent[idx], self.fairness, score)
        return idx, X, km, score, cold

    def group(self, need: NeedQuery, pool: CandidatePool, exclude: Iterable[tuple[str, int]] = ()):
        """(pool positions, features) of every candidate eligible for `need` by the ladder and the rules —
        the query group that training and evaluation rank as a whole."""
        level, covered = nearness(need, pool)
        mask = eligible(need, pool, level, covered, exclude=exclude)
        idx, _ring = ladder(mask, level, self.min_pool)
        X, _km = feature_matrix(need, pool, idx, level[idx], pool.need_vector(need), covered[idx])
        return idx, X


@dataclass(frozen=True)
class Standing:
    """One candidate's place among all candidates for a need: its scored entry, its rank (1 = best; None
    when a learned model serves and the candidate fell outside the short list) and how many were ranked."""

    candidate: RankedCandidate
    rank: int | None
    of: int


def standing(ranker: Ranker, need: NeedQuery, pool: CandidatePool, position: int,
             exclude: Iterable[tuple[str, int]] = ()) -> Standing | None:
    """Where the candidate at `position` stands for `need`, by the same rules as `Ranker.rank` (ladder,
    specialty, status, capacity, place, exclusions), all candidate kinds together; None when the ladder or
    the rules leave it out. One vectorised pass over the pool, like `rank`, with reasons for this candidate
    only (the counselor's view of a need: "recommended for you")."""
    level, covered = nearness(need, pool)
    mask = eligible(need, pool, level, covered, exclude=exclude)
    if not mask[position]:
        return None
    idx, _ring = ladder(mask, level, ranker.min_pool)
    where = np.flatnonzero(idx == position)
    if where.size == 0:
        return None
    X, km = feature_matrix(need, pool, idx, level[idx], pool.need_vector(need), covered[idx])
    score = cold = ranker.cold.score(X)
    me = int(where[0])
    ranked_rows = np.arange(idx.size)
    if ranker.model is not None:
        keep = stable_order(score, pool.kind[idx], pool.ids[idx])[:ranker.shortlist]
        score_me = float(ranker.model.score(X[me:me + 1])[0])
        if me in keep:
            ranked_rows = keep
            score = np.asarray(ranker.model.score(X[keep]), dtype=np.float64)
            me_in = int(np.flatnonzero(keep == me)[0])
        else:
            ranked_rows, me_in = None, -1
    else:
        me_in = me
        score_me = float(score[me])
    rank = None
    if ranked_rows is not None:
        rows = idx[ranked_rows]
        penalty = fairness_penalty(pool.recent[rows], ranker.fairness, score) if ranker.fairness else 0 * score
        score_me -= float(penalty[me_in])
        final = score - penalty
        order = stable_order(final, pool.kind[rows], pool.ids[rows])
        rank = int(np.flatnonzero(order == me_in)[0]) + 1
    candidate = RankedCandidate(KIND_NAMES[pool.kind[position]], int(pool.ids[position]), pool.names[position],
                                round(score_me, 4), reasons(need, pool, position, int(level[position]),
                                                            float(km[me]), X[me]),
                                tuple(round(float(x), 5) for x in X[me]), verdict(float(cold[me])))
    return Standing(candidate, rank, int(idx.size))
