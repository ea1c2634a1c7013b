"""Learning from outcomes: graded labels, a split by time, training, and the promotion rule.

An example is one candidate shown for one need, with the features it had when shown (from the match log)
and a graded relevance from what followed: shown only 0, invited 1, accepted the invitation 2, an
agreement accepted 3, and 4 when that agreement's satisfaction was 4 or 5 (a dissatisfied 1–2 drops it
to 2). The last `holdout` share of needs by time is held out; a new model replaces the serving one only
if its NDCG@5 on that held-out period is higher.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from matching.features import FEATURES
from matching.metrics import mean_metrics
from matching.pipeline import build_pipeline
from matching.scorer import LearnedScorer

MIN_QUERIES = 20  # fewer judged needs than this: do not train


class NotEnoughData(Exception):
    """Too few outcomes to train on."""


@dataclass(frozen=True)
class Example:
    query: int                    # the need
    at: datetime                  # when the candidate was shown
    features: tuple[float, ...]
    relevance: float
    kind: str = ""
    id: int = 0


def relevance(invited: bool = False, accepted: bool = False, agreement_accepted: bool = False,
              satisfaction: int | None = None) -> float:
    """Graded relevance of one shown candidate from what followed (see the module docstring)."""
    if agreement_accepted:
        if satisfaction is not None and satisfaction >= 4:
            return 4.0
        if satisfaction is not None and satisfaction <= 2:
            return 2.0
        return 3.0
    if accepted:
        return 2.0
    return 1.0 if invited else 0.0


def split_by_time(examples: Sequence[Example], holdout: float = 0.2) -> tuple[list[Example], list[Example]]:
    """(train, held out): the needs first shown in the last `holdout` share of time order are held out."""
    first_seen: dict[int, datetime] = {}
    for e in examples:
        if e.query not in first_seen or e.at < first_seen[e.query]:
            first_seen[e.query] = e.at
    ordered = sorted(first_seen, key=lambda q: (first_seen[q], q))
    cut = len(ordered) - max(round(len(ordered) * holdout), 1) if ordered else 0
    held = set(ordered[cut:])
    return [e for e in examples if e.query not in held], [e for e in examples if e.query in held]


def rankings(scorer, examples: Sequence[Example]) -> list[list[float]]:
    """Per need: the relevances of its shown candidates re-ranked by the scorer (ties by kind, id)."""
    groups: dict[int, list[Example]] = defaultdict(list)
    for e in examples:
        groups[e.query].append(e)
    out = []
    for query in sorted(groups):
        group = groups[query]
        scores = scorer.score(np.array([e.features for e in group], dtype=np.float64))
        order = sorted(range(len(group)), key=lambda i: (-round(float(scores[i]), 9), group[i].kind, group[i].id))
        out.append([group[i].relevance for i in order])
    return out


def evaluate(scorer, examples: Sequence[Example], k: int = 5) -> dict[str, float]:
    """Mean NDCG@k and MRR of the scorer's order over the needs in `examples`."""
    return mean_metrics(rankings(scorer, examples), k)


def fit(examples: Sequence[Example], version: str, random_state: int = 0) -> LearnedScorer:
    """Fit the pipeline on the examples."""
    X = np.array([e.features for e in examples], dtype=np.float64)
    y = np.array([e.relevance for e in examples], dtype=np.float64)
    pipeline = build_pipeline(random_state).fit(X, y)
    return LearnedScorer(pipeline, version=version)


def should_promote(candidate: dict, serving: dict, metric: str = "ndcg@5") -> bool:
    """The promotion rule: strictly better on the held-out metric."""
    return candidate.get(metric, 0.0) > serving.get(metric, 0.0)


@dataclass
class TrainingResult:
    model: LearnedScorer
    metrics: dict                 # the new model on the held-out period
    serving_metrics: dict         # the serving scorer on the same period
    promoted: bool
    data_from: datetime
    data_to: datetime
    holdout_from: datetime
    n_examples: int
    n_queries: int
    metadata: dict = field(default_factory=dict)


def train(examples: Sequence[Example], serving, version: str, random_state: int = 0, holdout: float = 0.2,
          min_queries: int = MIN_QUERIES) -> TrainingResult:
    """Train on the earlier period, compare with `serving` on the held-out one, decide promotion.

    The model that is returned (and saved, when promoted) is refitted on all examples after the decision.
    """
    queries = {e.query for e in examples if e.relevance > 0}
    if len(queries) < min_queries:
        raise NotEnoughData(f"{len(queries)} needs with an outcome, {min_queries} needed")
    train_set, held = split_by_time(examples, holdout)
    if not train_set or not held:
        raise NotEnoughData("no held-out period")
    candidate = fit(train_set, version, random_state)
    new_metrics = evaluate(candidate, held)
    serving_metrics = evaluate(serving, held)
    promoted = should_promote(new_metrics, serving_metrics)
    model = fit(examples, version, random_state) if promoted else candidate
    times = [e.at for e in examples]
    result = TrainingResult(model=model, metrics=new_metrics, serving_metrics=serving_metrics, promoted=promoted,
                            data_from=min(times), data_to=max(times), holdout_from=min(e.at for e in held),
                            n_examples=len(examples), n_queries=len({e.query for e in examples}))
    result.metadata = {"metrics": new_metrics, "serving_metrics": serving_metrics, "promoted": promoted,
                       "data_from": result.data_from.isoformat(), "data_to": result.data_to.isoformat(),
                       "holdout_from": result.holdout_from.isoformat(), "n_examples": result.n_examples,
                       "n_queries": result.n_queries, "random_state": random_state, "features": list(FEATURES)}
    return result
