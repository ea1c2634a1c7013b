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
from matching.features import feature_matrix, reasons
from matching.pool import KIND_NAMES, CandidatePool, NeedQuery
from matching.scorer import ColdStartScorer

SHORTLIST = 200
FAIRNESS = 0.05  # score points taken per log(1 + recent assignments)


@dataclass(frozen=True)
class RankedCandidate:
    kind: str
    id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    features: tuple[float, ...] = ()


def fairness_penalty(recent: np.ndarray, weight: float = FAIRNESS) -> np.ndarray:
    """Spread the load: the more a candidate was assigned recently, the lower it ranks (log-damped)."""
    return weight * np.log1p(recent)


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
             exclude: Iterable[tuple[str, int]] = (), only: Iterable[int] | None = None) -> list[RankedCandidate]:
        """The `limit` best eligible candidates of `kind` (None: both), best first, with reasons.

        `exclude`: (kind, id) pairs to leave out; `only`: pool positions to restrict to (checking one).
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
        X, km = feature_matrix(need, pool, idx, level[idx], pool.need_vector(need))
        score = self.cold.score(X)
        if self.model is not None:
            keep = stable_order(score, pool.kind[idx], pool.ids[idx])[:self.shortlist]
            idx, X, km = idx[keep], X[keep], km[keep]
            score = self.model.score(X)
        if self.fairness:
            score = score - fairness_penalty(pool.recent[idx], self.fairness)
        order = stable_order(score, pool.kind[idx], pool.ids[idx])[:limit]
        return [RankedCandidate(KIND_NAMES[pool.kind[idx[j]]], int(pool.ids[idx[j]]), pool.names[idx[j]],
                                round(float(score[j]), 4),
                                reasons(need, pool, int(idx[j]), int(level[idx[j]]), float(km[j]), X[j]),
                                tuple(round(float(x), 5) for x in X[j]))
                for j in order]


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
    X, km = feature_matrix(need, pool, idx, level[idx], pool.need_vector(need))
    score = ranker.cold.score(X)
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
    if ranker.fairness:
        score_me -= float(fairness_penalty(pool.recent[position:position + 1], ranker.fairness)[0])
    rank = None
    if ranked_rows is not None:
        rows = idx[ranked_rows]
        final = score - fairness_penalty(pool.recent[rows], ranker.fairness) if ranker.fairness else score
        order = stable_order(final, pool.kind[rows], pool.ids[rows])
        rank = int(np.flatnonzero(order == me_in)[0]) + 1
    candidate = RankedCandidate(KIND_NAMES[pool.kind[position]], int(pool.ids[position]), pool.names[position],
                                round(score_me, 4), reasons(need, pool, position, int(level[position]),
                                                            float(km[me]), X[me]),
                                tuple(round(float(x), 5) for x in X[me]))
    return Standing(candidate, rank, int(idx.size))
