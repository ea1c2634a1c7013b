"""Ranking needs against candidates with the serving model, logging what was shown, training new models.

`rank` is what `marketplace.needs.candidates` calls. The serving model is the registry's `is_serving` row
(loaded once per process and version); without one, or if it cannot be loaded, the cold-start scorer serves.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import func, select, update

from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.ranking.models import MatchLog, ModelVersion
from marketplace.ranking.records import (
    candidate_pool,
    live_filter,
    live_loads,
    live_open_counts,
    load_records,
    need_query,
)
from marketplace.timeutil import utcnow
from matching import persistence, training
from matching.features import Reason
from matching.pool import CandidatePool
from matching.ranker import FAIRNESS, RankedCandidate, Ranker, Standing, standing
from matching.scorer import ColdStartScorer, LearnedScorer

log = logging.getLogger(__name__)
SLACK = 5  # extra candidates ranked so that those failing the live check can be dropped
_random = random.Random()  # the randomized slot's chance (not security-relevant)
_loaded: dict[str, LearnedScorer] = {}


# The serving model's row (which version serves) is read once per process every MATCHING_MODEL_MEMO_SECONDS
# (a promotion made in another process serves here within that bound; one made in this process at once), and
# each version's model file is loaded once per process. Never kept under TESTING.
_serving_memo: dict[str, tuple[float, tuple[str, str] | None]] = {}


def _memo_seconds(name: str) -> float:
    if current_app.testing and not current_app.config.get("MATCHING_STATE_MEMO_IN_TESTS"):
        return 0.0
    return float(current_app.config.get(name, 0))


@cache
def _statement(name: str):
    """The reads a showing makes, built once per process (a statement object keeps its cache key)."""
    from sqlalchemy import bindparam

    if name == "serving":
        return select(ModelVersion.version, ModelVersion.path).where(ModelVersion.is_serving.is_(True))
    if name == "last_log":
        return (select(MatchLog.model_version, MatchLog.items).where(
            MatchLog.need_id == bindparam("need_id"), MatchLog.kind == bindparam("kind"))
            .order_by(MatchLog.id.desc()).limit(1))
    raise KeyError(name)


def _serving_row() -> tuple[str, str] | None:
    seconds = _memo_seconds("MATCHING_MODEL_MEMO_SECONDS")
    key = current_app.config.get("SQLALCHEMY_DATABASE_URI", "")
    now = time.monotonic()
    hit = _serving_memo.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    row = db.session.execute(_statement("serving")).first()
    found = (row.version, row.path) if row is not None else None
    if seconds > 0:
        _serving_memo[key] = (now, found)
    return found


def serving_model() -> LearnedScorer | None:
    """The learned model in service, or None (cold start)."""
    row = _serving_row()
    if row is None:
        return None
    version, path = row
    if version not in _loaded:
        try:
            _loaded[version] = persistence.load(path)
        except (OSError, ValueError, persistence.ModelMismatch):
            log.warning("cannot load serving model %s from %s; cold start serves", version, path, exc_info=True)
            return None
    return _loaded[version]


def ranker() -> Ranker:
    return Ranker(model=serving_model(), fairness=float(current_app.config.get("MATCHING_FAIRNESS", FAIRNESS)))


def explore_slot(limit: int) -> tuple[int, float] | None:
    """The randomized slot for this showing, or None: with probability `MATCHING_EXPLORE` (0 by default:
    off), a uniformly chosen position of the first `limit` shows a candidate drawn at random from those ranked
    below (see `matching.training.estimate_propensities`)."""
    chance = float(current_app.config.get("MATCHING_EXPLORE", 0.0))
    if chance <= 0 or limit < 2 or _random.random() >= chance:
        return None
    return _random.randrange(limit), _random.random()


def with_live_load(ranked: list[RankedCandidate], counts: dict[int, int] | None = None) -> list[RankedCandidate]:
    """The workload reason ("在办 2/5") rewritten from the database now, not from the cached pool (`counts`:
    open assignments per counselor read just now, else read here)."""
    if counts is None:
        counts = live_open_counts([c.id for c in ranked if c.kind == "counselor"])
    out = []
    for c in ranked:
        if c.kind == "counselor":
            reasons = [Reason(f"在办 {counts.get(c.id, 0)}/{r.params['capacity']}", "workload",
                              open=counts.get(c.id, 0), capacity=r.params["capacity"])
                       if getattr(r, "code", "") == "workload" else r for r in c.reasons]
            c = replace(c, reasons=reasons)
        out.append(c)
    return out


# The ranking of a need over the pool (before the live check) is a pure function of the need as the ranker
# sees it, the pool, the ranker and the exclusions: it is kept per process for MATCHING_RANK_MEMO_SECONDS for
# the same pool object, so repeated views of a need do not re-rank every candidate. A new pool, another model,
# a changed need or other exclusions rank afresh; the live check of status and load runs on every request.
RANK_MEMO_SIZE = 512
_rank_memo: dict[tuple, tuple[float, CandidatePool, tuple[RankedCandidate, ...]]] = {}
_rank_memo_lock = threading.Lock()


def _ranked(used: Ranker, need: Need, kind: str, limit: int, exclude: Iterable[tuple[str, int]],
            explore: tuple[int, float] | None) -> list[RankedCandidate]:
    pool = candidate_pool()
    query = need_query(need)
    seconds = float(current_app.config.get("MATCHING_RANK_MEMO_SECONDS", 0))
    if explore is not None or seconds <= 0:  # a randomized showing is drawn anew each time
        return used.rank(query, pool, limit=limit, kind=None if kind == "all" else kind, exclude=exclude,
                         explore=explore)
    exclude = frozenset(exclude)
    key = (current_app.config.get("SQLALCHEMY_DATABASE_URI", ""), query, kind, limit, exclude, used.name,
           used.version, used.fairness, used.min_pool, id(pool))
    now = time.monotonic()
    with _rank_memo_lock:
        hit = _rank_memo.get(key)
    if hit is not None and hit[1] is pool and now - hit[0] < seconds:
        return list(hit[2])
    ranked = used.rank(query, pool, limit=limit, kind=None if kind == "all" else kind, exclude=exclude)
    with _rank_memo_lock:
        if len(_rank_memo) >= RANK_MEMO_SIZE:
            for stale in [k for k, v in _rank_memo.items() if now - v[0] >= seconds or v[1] is not pool]:
                del _rank_memo[stale]
            while len(_rank_memo) >= RANK_MEMO_SIZE:
                del _rank_memo[next(iter(_rank_memo))]
        _rank_memo[key] = (now, pool, tuple(ranked))
    return ranked


def rank(need: Need, kind: str = "all", limit: int = 10,
         exclude: Iterable[tuple[str, int]] = ()) -> tuple[Ranker, list[RankedCandidate]]:
    """(the ranker used, the `limit` best candidates of `kind`), checked live for status and workload."""
    used = ranker()
    ranked = _ranked(used, need, kind, limit + SLACK, exclude, explore_slot(limit))
    live = live_loads([(c.kind, c.id) for c in ranked])  # who may be offered now, with their load now
    return used, with_live_load([c for c in ranked if (c.kind, c.id) in live][:limit],
                                {i: n for (k, i), n in live.items() if k == "counselor"})


def check(need: Need, kind: str, candidate_id: int) -> tuple[Ranker, RankedCandidate | None]:
    """The candidate scored for this need, or None if it is not eligible now."""
    used = ranker()
    if not live_filter([(kind, candidate_id)]):
        return used, None
    pool = candidate_pool()
    position = pool.index_of(kind, candidate_id)
    if position is None:  # appointed or filed since the pool was cached
        pool = CandidatePool.build(load_records({kind: [candidate_id]}))
        position = pool.index_of(kind, candidate_id)
        if position is None:
            return used, None
    ranked = used.rank(need_query(need), pool, limit=1, only=[position])
    return used, with_live_load(ranked)[0] if ranked else None


def standings(kind: str, candidate_id: int, needs: list[Need],
              exclude: dict[int, set[tuple[str, int]]] | None = None) -> tuple[Ranker, dict[int, Standing]]:
    """How one candidate stands for each of `needs` (need id → its score, reasons and rank among all
    candidates), by the rules of `rank`; needs it is not eligible for (ladder, capacity, place, `exclude` by
    need id) are left out. Checked live once for status and workload. No SQL per need: the needs must come
    with their entity and region loaded."""
    used = ranker()
    if not needs or not live_filter([(kind, candidate_id)]):
        return used, {}
    pool = candidate_pool()
    position = pool.index_of(kind, candidate_id)
    if position is None:  # appointed or filed since the pool was cached
        pool = CandidatePool.build(load_records({kind: [candidate_id]}))
        position = pool.index_of(kind, candidate_id)
        if position is None:
            return used, {}
    exclude = exclude or {}
    out: dict[int, Standing] = {}
    for need in needs:
        found = standing(used, need_query(need), pool, position, exclude=exclude.get(need.id, ()))
        if found is not None:
            out[need.id] = found
    return used, out


# The last match log of each (need, kind) as this process last read or committed it, kept
# MATCHING_LOG_MEMO_SECONDS: a repeated showing of an unchanged list skips both the log and the look-up. A log
# another process committed meanwhile is seen after that bound at the latest (until then, a showing that
# equals this process's last one is not logged again). A log is remembered only once its transaction commits.
_log_memo: dict[tuple, tuple[float, tuple[str, tuple] | None]] = {}
_PENDING_LOGS = "fudao_pending_match_logs"


def _log_key(need: Need, kind: str) -> tuple:
    return (current_app.config.get("SQLALCHEMY_DATABASE_URI", ""), need.id, kind)


def _last_log(need: Need, kind: str) -> tuple[str, tuple] | None:
    """(model version, ((kind, id), …)) of the need's last match log of `kind`, or None."""
    seconds = _memo_seconds("MATCHING_LOG_MEMO_SECONDS")
    key = _log_key(need, kind)
    now = time.monotonic()
    hit = _log_memo.get(key)
    if hit is not None and now - hit[0] < seconds:
        return hit[1]
    last = db.session.execute(_statement("last_log"), {"need_id": need.id, "kind": kind}).first()
    found = (last.model_version, tuple((item[0], item[1]) for item in last.items)) if last is not None else None
    if seconds > 0 and not db.session.info.get(_PENDING_LOGS, {}).get(key):
        if len(_log_memo) > 4096:
            _log_memo.clear()
        _log_memo[key] = (now, found)
    return found


def _remember_committed(session) -> None:
    for key, found in session.info.pop(_PENDING_LOGS, {}).items():
        _log_memo[key] = (time.monotonic(), found)


def _forget_pending(session, *args) -> None:
    for key in session.info.pop(_PENDING_LOGS, {}):
        _log_memo.pop(key, None)


def _track_logs() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _remember_committed):
        event.listen(Session, "after_commit", _remember_committed)
        event.listen(Session, "after_soft_rollback", _forget_pending)


def log_shown(need: Need, kind: str, used: Ranker, ranked: list[RankedCandidate]) -> MatchLog | None:
    """Record the candidates shown to the need's operator (skipped when the list is unchanged since the last
    showing). Flushes."""
    if not ranked:
        return None
    items = [[c.kind, c.id, rank, c.score, list(c.features), c.explored] for rank, c in enumerate(ranked, start=1)]
    shown = tuple((item[0], item[1]) for item in items)
    last = _last_log(need, kind)
    if last is not None and last[0] == used.version and last[1] == shown:
        return None
    entry = MatchLog(need_id=need.id, kind=kind, model_name=used.name, model_version=used.version, items=items)
    db.session.add(entry)
    db.session.flush()
    if _memo_seconds("MATCHING_LOG_MEMO_SECONDS") > 0:
        _track_logs()
        key = _log_key(need, kind)
        _log_memo.pop(key, None)  # until the commit, the database says
        db.session.info.setdefault(_PENDING_LOGS, {})[key] = (used.version, shown)
    return entry


# --- training ---------------------------------------------------------------------------------------------

def training_groups() -> list[training.QueryGroup]:
    """The query groups of every need with an outcome, rebuilt as at publication (`ranking.history`)."""
    from marketplace.ranking.history import query_groups

    return query_groups()


def train_model(now: datetime | None = None, random_state: int = 0) -> ModelVersion | None:
    """Train on the recorded outcomes, save the model, register it, and make it serve if it beats the serving
    model on the held-out period. None when there is not enough data. Flushes."""
    now = now or utcnow()
    serving = serving_model() or ColdStartScorer()
    version = now.strftime("%Y%m%d-%H%M%S")
    taken = db.session.scalar(select(func.count()).where(ModelVersion.version.startswith(version)))
    if taken:  # trained twice within a second (a manual run beside the nightly one)
        version = f"{version}-{taken + 1}"
    try:
        result = training.train(training_groups(), serving, version=version, random_state=random_state,
                                min_held_out=int(current_app.config.get("MATCHING_MIN_HELD_OUT",
                                                                        training.MIN_HELD_OUT)),
                                min_train=int(current_app.config.get("MATCHING_MIN_TRAIN_NEEDS",
                                                                     training.MIN_TRAIN_NEEDS)),
                                ips=bool(current_app.config.get("MATCHING_TRAIN_IPS", False)))
    except training.NotEnoughData as error:
        log.info("matching model not trained: %s", error)
        return None
    path = persistence.save(result.model, current_app.config["MATCHING_MODEL_DIR"], result.metadata)
    row = ModelVersion(name=result.model.name, version=version, path=str(path), metrics=result.metrics,
                       serving_metrics=result.serving_metrics, compared_with=f"{serving.name}/{serving.version}",
                       n_examples=result.n_examples, data_from=result.data_from, data_to=result.data_to,
                       trained_at=now, report=report(result, serving))
    if result.promoted:
        db.session.execute(update(ModelVersion).where(ModelVersion.is_serving.is_(True)).values(is_serving=False))
        row.is_serving = True
        _serving_memo.clear()  # this process serves the new model at once
    db.session.add(row)
    db.session.flush()
    log.info("matching model %s: ndcg@5 %.4f [%.4f, %.4f] vs %.4f, %s (%s)", version, result.metrics["ndcg@5"],
             result.metrics["low"], result.metrics["high"], result.serving_metrics["ndcg@5"],
             "promoted" if result.promoted else "kept the serving one", result.reason)
    return row


def report(result: training.TrainingResult, serving) -> dict:
    """What a training run stores for the officials' page: the data window, the counts, both scores with
    their intervals (the reference evaluator's, which decides, and the logged IPS estimate's, for comparison),
    the exchange rate γ with its validation table, the minimums, the decision and why."""
    meta = result.metadata
    return {"data_from": meta["data_from"], "data_to": meta["data_to"], "holdout_from": meta["holdout_from"],
            "n_queries": meta["n_queries"], "n_train": meta["n_train"], "n_held_out": meta["n_held_out"],
            "n_examples": meta["n_examples"], "outcomes_by_path": meta["outcomes_by_path"],
            "propensity_eta": meta["propensity_eta"], "n_explored": meta["n_explored"],
            "new": result.metrics, "serving": result.serving_metrics,
            "serving_model": f"{serving.name}/{serving.version}", "promoted": result.promoted,
            "reason": result.reason, "evaluator": meta["evaluator"], "gamma": meta["gamma"],
            "gamma_validation": {f"{g:g}": v for g, v in meta["gamma_choice"].get("validation", {}).items()},
            "gamma_equal_spread": meta["gamma_choice"].get("equal_spread"),
            "gamma_bounds": meta["gamma_choice"].get("bounds", list(training.GAMMA_BOUNDS)),
            "logged_ips": meta["logged_ips"], "min_held_out": meta["min_held_out"], "min_train": meta["min_train"],
            "reference_rows": meta["reference_rows"]}
