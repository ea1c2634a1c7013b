"""Learning from outcomes: query groups, graded labels, position bias, evaluation and the promotion rule.

The web side hands the library plain records: one `QueryGroup` per need that had any outcome, holding every
candidate that was eligible when the need was published (the ladder and the rules as they stood then), each
with the features it had then, a graded relevance from what followed (`relevance`), how that outcome came
about (`path`) and, if the ranker showed it, the position it was shown at.

Position bias: an operator invites the first of a shown list more readily than the tenth, whatever their
merit. `estimate_propensities` measures that from the randomized slot (a random eligible candidate placed at
a random position of some lists; its merit does not depend on the position, so how often it is taken at
each position is the position's effect alone). A positive outcome from a shown list is weighted by
1 / propensity of its position (inverse propensity weighting, clipped) in training and evaluation;
outcomes that came another way (the counselor's interest, an official's assignment, an agreement bought from
an offering, the public directory) were not filtered by the list and weigh 1.

Training (`fit`, `pipeline.AdditiveModel`) learns the operator's choice from every shown candidate and what
followed from every candidate that was tried, whatever the path; a candidate neither shown nor tried is no
evidence either way. The exchange rate γ between the two parts gives them an equal say within a need
(`equal_spread_gamma`); `choose_gamma` validates it with the evaluator below (kept in the report).

Evaluation (`ReferenceModel`, a direct method): the logged lists cannot judge a model that puts forward
candidates nobody showed (an estimator on the shown lists measures agreement with the policy that chose
them, and preferred models that change little). So a separate reference model of what follows an
invitation (`reference_target`: the domain's grades of `relevance` without the invitation's own point;
nothing of the learned model's parameters) is fitted by gradient-boosted trees on every judged candidate of
held-out needs, with the position each was shown at as two more inputs (position-aware: the position
explains its own share of the outcomes, the correction for position bias of this estimator), and predicts,
as if shown first, a relevance for every candidate of each held-out need's *whole eligible group*,
cross-fitted (each fifth of the held-out needs judged by a reference fitted on the other four fifths: it
never shares data with the model it judges, nor with the serving one). Each scorer orders the whole group;
NDCG@5 against that relevance, with a bootstrap confidence interval over needs.
The logged IPS estimate (`evaluate`: IPS-weighted NDCG@5 on the condensed list of judged candidates) is
still computed and kept in the report for comparison.

`should_promote`: the new model serves only with at least `MIN_TRAIN_NEEDS` training needs and
`MIN_HELD_OUT` held-out needs (the reference model is only as good as its data; a tiny world once promoted
a worse model), and only if the lower bound of its
interval beats the serving scorer's point estimate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor

from matching.features import FEATURES
from matching.pipeline import AdditiveModel, ChoiceOutcomeModel
from matching.scorer import LearnedScorer

MIN_QUERIES = 20      # fewer needs with an outcome than this: do not train
MIN_HELD_OUT = 100    # fewer held-out needs with an outcome than this: never promote
MIN_TRAIN_NEEDS = 400  # fewer training needs than this: never promote (the reference model is too rough)
GAMMAS = (0.0, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0)  # the exchange rates `choose_gamma` tries
DEFAULT_GAMMA = 2.0   # when the training window is too small to validate: see docs/matching.md
# γ is bounded whatever the equal-spread rule says: one grade step after the invitation is worth at least one
# and at most four log-odds of the operator's choice (odds × 2.7 to × 55). Equal spread blows up a part with
# little signal: where quality weighs little the outcome part is flat, equal spread asked for γ 7.7–11.3 and
# the model was truly worse than the cold start, which no offline evaluator saw. Against the simulations'
# truth the best γ lay at 3–5 in all 12 histories (4 worlds × 3 seeds); 4 was chosen after seeing that
# (docs/benchmarks.md, worlds C and D)
GAMMA_BOUNDS = (1.0, 4.0)
MIN_VALIDATION = 30   # validation needs `choose_gamma` requires
REFERENCE_FOLDS = 5   # cross-fitting folds of the reference evaluator
MAX_WEIGHT = 10.0     # IPS weights are clipped here (a rare position must not dominate)
BOOTSTRAP = 1000
CONFIDENCE = 0.95
K = 5
# how an outcome came about (the paths of issue 11)
PATHS = ("shown", "interest", "passon", "directory", "offering", "assignment")


class NotEnoughData(Exception):
    """Too few outcomes to train on."""


@dataclass(frozen=True)
class Candidate:
    """One eligible candidate of a query group."""

    kind: str
    id: int
    features: tuple[float, ...]
    relevance: float = 0.0
    shown_rank: int | None = None   # position in the logged list (1 = first), None: not shown
    path: str = ""                  # how the outcome came about (PATHS), "" without an outcome
    explored: bool = False          # shown in the randomized slot

    @property
    def judged(self) -> bool:
        """Its relevance is known: it was shown (then its label is what followed, 0 included) or tried
        through another path. A candidate neither shown nor tried says nothing either way."""
        return self.shown_rank is not None or bool(self.path)


@dataclass(frozen=True)
class QueryGroup:
    query: int                      # the need
    at: datetime                    # when it was published
    candidates: tuple[Candidate, ...]

    @property
    def judged(self) -> bool:
        return any(c.relevance > 0 for c in self.candidates)


def relevance(invited: bool = False, accepted: bool = False, agreement_accepted: bool = False,
              satisfaction: int | None = None, via_list: bool = True) -> float:
    """Graded relevance from what followed: nothing 0, invited 1, accepted 2, agreement accepted 3, and 4
    when its satisfaction was 4–5 (1–2 drops it to 1: a provider who served badly is not what the operator
    should have been shown first).

    `via_list` False (the candidate came another way: its interest, an official's assignment, an offering,
    the public directory): the invitation alone earns nothing, since that path, not the candidate's merit
    against the others, put it forward and there are no passed-over candidates to compare it with; what
    followed (acceptance, agreement, rating) counts as for a shown candidate."""
    if not via_list and invited and not accepted and not agreement_accepted:
        return 0.0
    if agreement_accepted:
        if satisfaction is not None and satisfaction >= 4:
            return 4.0
        if satisfaction is not None and satisfaction <= 2:
            return 1.0
        return 3.0
    if accepted:
        return 2.0
    return 1.0 if invited else 0.0


# --- position bias ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Propensities:
    """Examination probability per position, relative to the first (p[0] = 1), and how it was estimated."""

    by_rank: tuple[float, ...]
    eta: float = 0.0
    n_explored: int = 0

    def of(self, rank: int | None) -> float:
        if rank is None:
            return 1.0
        if rank - 1 < len(self.by_rank):
            return self.by_rank[rank - 1]
        return (1.0 / rank) ** self.eta

    def weight(self, c: Candidate) -> float:
        """The IPS weight of a candidate's label: 1 / propensity for a positive from a shown list, else 1."""
        if c.relevance <= 0 or c.path != "shown" or c.shown_rank is None:
            return 1.0
        return float(min(1.0 / max(self.of(c.shown_rank), 1e-9), MAX_WEIGHT))


NO_BIAS = Propensities(by_rank=(), eta=0.0)


def estimate_propensities(groups: Sequence[QueryGroup], positions: int = 10, min_explored: int = 50) -> Propensities:
    """Position bias from the randomized slot: the share of explored candidates taken (any positive
    outcome through the list) at each position, fitted as p(rank) = rank^(−η) by weighted least squares on
    the logs (smooths positions that few explored candidates reached). No bias (η = 0) below
    `min_explored` explored candidates."""
    shown = np.zeros(positions)
    taken = np.zeros(positions)
    for g in groups:
        for c in g.candidates:
            if c.explored and c.shown_rank is not None and c.shown_rank <= positions:
                shown[c.shown_rank - 1] += 1
                taken[c.shown_rank - 1] += c.relevance > 0 and c.path == "shown"
    n = int(shown.sum())
    if n < min_explored or taken.sum() == 0:
        return Propensities(by_rank=(), eta=0.0, n_explored=n)
    ranks = np.arange(1, positions + 1)
    rate = (taken + 0.5) / (shown + 1.0)  # half a success per position: no log of zero
    w = shown
    x, y = np.log(ranks), np.log(rate)
    slope = float(np.sum(w * (x - np.average(x, weights=w)) * (y - np.average(y, weights=w)))
                  / max(np.sum(w * (x - np.average(x, weights=w)) ** 2), 1e-12))
    eta = float(np.clip(-slope, 0.0, 3.0))
    return Propensities(by_rank=tuple(float(r ** -eta) for r in ranks), eta=eta, n_explored=n)


# --- splitting, fitting, evaluating -----------------------------------------------------------------------

def split_by_time(groups: Sequence[QueryGroup], holdout: float = 0.2) -> tuple[list[QueryGroup], list[QueryGroup]]:
    """(train, held out): the needs published in the last `holdout` share of time order are held out."""
    ordered = sorted(groups, key=lambda g: (g.at, g.query))
    cut = len(ordered) - max(round(len(ordered) * holdout), 1) if ordered else 0
    return ordered[:cut], ordered[cut:]


def outcome_grade(c: Candidate) -> float:
    """What followed once the candidate was tried: declined 0, accepted 1, agreement accepted 2, satisfied 3
    (a dissatisfied rating or a decline 0)."""
    return max(c.relevance - 1.0, 0.0)


def _rows(groups: Sequence[QueryGroup], propensities: Propensities, ips: bool):
    """(X, y, weight) of the choice part — every shown candidate, 1 when invited from the list, weighted by
    1 / propensity for such positives when `ips` — and (X, y) of the outcome part: every tried candidate,
    whatever the path, its `outcome_grade`."""
    shown = [c for g in groups for c in g.candidates if c.shown_rank is not None]
    tried = [c for g in groups for c in g.candidates if c.path]
    width = len(FEATURES)
    Xc = np.array([c.features for c in shown], dtype=np.float64).reshape(-1, width)
    yc = np.array([1.0 if c.path == "shown" and c.relevance > 0 else 0.0 for c in shown], dtype=np.float64)
    wc = np.array([propensities.weight(c) if ips else 1.0 for c in shown], dtype=np.float64)
    Xo = np.array([c.features for c in tried], dtype=np.float64).reshape(-1, width)
    yo = np.array([outcome_grade(c) for c in tried], dtype=np.float64)
    if not len(yc):
        raise NotEnoughData("no shown candidates to learn the choice from")
    return Xc, yc, wc, Xo, yo


def fit_additive(groups: Sequence[QueryGroup], gamma: float = DEFAULT_GAMMA, propensities: Propensities = NO_BIAS,
                 ips: bool = False) -> AdditiveModel:
    """`AdditiveModel` on the groups' rows (`_rows`)."""
    Xc, yc, wc, Xo, yo = _rows(groups, propensities, ips)
    return AdditiveModel(gamma=gamma).fit(Xc, yc, Xo, yo, choice_weight=wc)


def choose_gamma(groups: Sequence[QueryGroup], propensities: Propensities = NO_BIAS, random_state: int = 0,
                 ips: bool = False, gammas: Sequence[float] = GAMMAS) -> tuple[float, dict]:
    """The exchange rate γ of `AdditiveModel`, by validation inside the given (training) needs: the last
    quarter of them by time is set aside, the parts and a `ReferenceModel` are fitted on the rest, and the
    γ whose order of the set-aside needs' whole groups scores the best reference NDCG@5 wins (the smallest
    on a tie). Returns (γ, {"gamma": …, "validation": {γ: NDCG@5}, "needs": n}); `DEFAULT_GAMMA` without
    `MIN_VALIDATION` set-aside needs or without an outcome part."""
    inner, validation = split_by_time(groups, 0.25)
    if len(validation) < MIN_VALIDATION or len(inner) < MIN_VALIDATION:
        return DEFAULT_GAMMA, {"gamma": DEFAULT_GAMMA, "validation": {}, "needs": len(validation),
                               "why": "too few needs to validate"}
    model = fit_additive(inner, DEFAULT_GAMMA, propensities, ips)
    if model.outcome_ is None:
        return DEFAULT_GAMMA, {"gamma": DEFAULT_GAMMA, "validation": {}, "needs": len(validation),
                               "why": "no outcome part"}
    relevances, _rows_fitted = cross_fitted_relevances(validation, random_state=random_state)
    table = {}
    for gamma in gammas:
        scorer = LearnedScorer(model.set_gamma(gamma), version="validation")
        table[float(gamma)] = evaluate_reference(scorer, validation, relevances)[f"ndcg@{K}"]
    best = max(table, key=lambda g: (round(table[g], 6), -g))
    return best, {"gamma": best, "validation": table, "needs": len(validation)}


def equal_spread_gamma(model: AdditiveModel, groups: Sequence[QueryGroup], sample: int = 200) -> float:
    """The γ at which the two parts have an equal say within a need: the mean, over (up to `sample`,
    evenly spaced) groups, of the standard deviation of the choice log-odds across the group's whole
    eligible candidates, divided by that of the outcome part. A one-standard-deviation difference between
    two candidates of a need then moves the score as much whichever part it comes from: neither "the
    operator would pick it" nor "it went well" can drown the other. `DEFAULT_GAMMA` without an outcome part."""
    if model.outcome_ is None or not groups:
        return DEFAULT_GAMMA
    step = max(len(groups) // sample, 1)
    choice_sd, outcome_sd = [], []
    for g in list(groups)[::step]:
        choice, outcome = model.parts(np.array([c.features for c in g.candidates], dtype=np.float64))
        choice_sd.append(choice.std())
        outcome_sd.append(outcome.std())
    spread = float(np.mean(outcome_sd))
    return float(np.mean(choice_sd)) / spread if spread > 1e-9 else DEFAULT_GAMMA


def fit(groups: Sequence[QueryGroup], version: str, propensities: Propensities = NO_BIAS,
        random_state: int = 0, ips: bool = False, gamma: float | None = None, kind: str = "additive",
        validate: bool = False) -> LearnedScorer:
    """Fit the learned model: `AdditiveModel` (default) or, with kind "trees", the earlier
    `ChoiceOutcomeModel`. The choice part learns from every shown candidate (target: invited from the list;
    weighted by 1 / its position's propensity, clipped at MAX_WEIGHT, when `ips`), the outcome part from
    every candidate that was tried, whatever the path.

    γ: as given, else `equal_spread_gamma` on these groups, bounded to `GAMMA_BOUNDS`. Validation with the
    reference evaluator (`choose_gamma`) was measured and is not used to choose: on every simulated world
    its curve rises with γ without a maximum (the reference model, fitted on outcomes, favours the outcome
    part without bound) while the true optimum lies at 3–6 (docs/benchmarks.md); with `validate` its table
    is computed and kept in the metadata for the report."""
    if kind == "trees":
        Xc, yc, wc, Xo, yo = _rows(groups, propensities, False)
        if ips:
            yc = yc * wc
        return LearnedScorer(ChoiceOutcomeModel(random_state).fit(Xc, yc, Xo, yo), version=version)
    model = fit_additive(groups, DEFAULT_GAMMA, propensities, ips)
    chosen = {"rule": "given"}
    if gamma is None:
        spread = equal_spread_gamma(model, groups)
        gamma = float(np.clip(spread, *GAMMA_BOUNDS))
        chosen = {"rule": "equal spread within a need", "equal_spread": spread, "bounds": list(GAMMA_BOUNDS)}
    if validate:
        chosen["validation"] = choose_gamma(groups, propensities, random_state, ips)[1].get("validation", {})
    model.set_gamma(gamma)
    return LearnedScorer(model, version=version, metadata={"gamma": float(gamma), "gamma_choice": chosen})


def ips_ndcg(scores: np.ndarray, relevances: np.ndarray, weights: np.ndarray, k: int = K,
             judged: np.ndarray | None = None) -> float:
    """NDCG@k of the order given by `scores` over the whole group (ties by position in the group), each
    gain weighted by its IPS weight, on the condensed list: the group is ordered whole, then the candidates
    whose relevance is unknown (`judged` False) are dropped before the cut at k (Sakai's condensed lists
    for incomplete judgments); 0 when nothing is relevant."""
    gains = (2.0 ** relevances - 1.0) * weights
    order = np.lexsort((np.arange(scores.size), -np.round(scores, 9)))
    if judged is not None:
        order = order[judged[order]]
        gains = np.where(judged, gains, 0.0)
    ideal = np.sort(gains)[::-1][:k]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    best = float(np.sum(ideal * discounts[:ideal.size]))
    got = gains[order][:k]
    return float(np.sum(got * discounts[:got.size])) / best if best > 0 else 0.0


def per_need(scorer, groups: Sequence[QueryGroup], propensities: Propensities = NO_BIAS, k: int = K) -> np.ndarray:
    """The IPS NDCG@k of the scorer on each judged group (its whole eligible candidates)."""
    out = []
    for g in groups:
        if not g.judged:
            continue
        X = np.array([c.features for c in g.candidates], dtype=np.float64)
        y = np.array([c.relevance for c in g.candidates], dtype=np.float64)
        w = np.array([propensities.weight(c) for c in g.candidates], dtype=np.float64)
        judged = np.array([c.judged for c in g.candidates], dtype=bool)
        out.append(ips_ndcg(scorer.score(X), y, w, k, judged))
    return np.array(out, dtype=np.float64)


def bootstrap_interval(values: np.ndarray, n: int = BOOTSTRAP, confidence: float = CONFIDENCE,
                       random_state: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean over needs."""
    if values.size == 0:
        return (0.0, 0.0)
    rng = np.random.default_rng(random_state)
    means = values[rng.integers(0, values.size, size=(n, values.size))].mean(axis=1)
    tail = (1 - confidence) / 2
    return (float(np.quantile(means, tail)), float(np.quantile(means, 1 - tail)))


def evaluate(scorer, groups: Sequence[QueryGroup], propensities: Propensities = NO_BIAS, k: int = K) -> dict:
    """Mean IPS NDCG@k over the judged groups with its bootstrap interval and the number of needs."""
    values = per_need(scorer, groups, propensities, k)
    low, high = bootstrap_interval(values)
    return {f"ndcg@{k}": float(values.mean()) if values.size else 0.0, "low": low, "high": high,
            "queries": int(values.size)}


# --- the reference evaluator (direct method) ----------------------------------------------------------------

class ReferenceModel:
    """A model of what follows an invitation (`reference_target`: accepted 2, agreement accepted 3,
    satisfied 4; nothing, a decline or a dissatisfied rating 0), fitted on every judged candidate of the
    given needs, used only to judge rankers on other needs (module docstring; `cross_fitted_relevances`).
    Independent of any ranker's parameters: its target is the domain's grade, its features the ranker's plus
    where the candidate was shown (`position_columns`: log of the position, and whether it was shown at all),
    so that the list's position explains its own share of the outcomes. It predicts every candidate as if
    shown first: the relevance of a candidate then no longer depends on where the serving ranker put it."""

    def __init__(self, random_state: int = 0):
        self.random_state = random_state

    def fit(self, groups: Sequence[QueryGroup]) -> ReferenceModel:
        rows = [c for g in groups for c in g.candidates if c.judged]
        self.n_rows_ = len(rows)
        X = np.hstack([np.array([c.features for c in rows], dtype=np.float64).reshape(-1, len(FEATURES)),
                       position_columns(rows)])
        y = np.array([reference_target(c) for c in rows], dtype=np.float64)
        leaf = int(np.clip(len(rows) // 20, 5, 40))  # leaves of 40 rows, fewer on a small history
        if len(rows) < 2 * leaf or (y.size == 0 or np.ptp(y) == 0):
            self.model_ = None
            self.mean_ = float(y.mean()) if y.size else 0.0
            return self
        self.model_ = HistGradientBoostingRegressor(
            max_iter=200, learning_rate=0.06, max_leaf_nodes=15, min_samples_leaf=leaf, l2_regularization=1.0,
            early_stopping=False, random_state=self.random_state).fit(X, y)
        return self

    def relevance(self, group: QueryGroup) -> np.ndarray:
        """The reference relevance (0–4) of every candidate of the group, each predicted as if shown first.
        What was observed is not put in place of the prediction: the candidates that were tried are mostly
        those the serving ranker put first, so observed grades (0 or 4) beside smoothed predictions
        (around 1) would credit the serving ranker with its own luck (measured: docs/benchmarks.md)."""
        X = np.array([c.features for c in group.candidates], dtype=np.float64).reshape(-1, len(FEATURES))
        if self.model_ is None:
            return np.full(X.shape[0], self.mean_)
        first = np.tile(np.array([[0.0, 1.0]]), (X.shape[0], 1))  # log(1) = 0, shown
        return np.clip(self.model_.predict(np.hstack([X, first])), 0.0, 4.0)

    def relevances(self, groups: Sequence[QueryGroup]) -> list[np.ndarray]:
        return [self.relevance(g) for g in groups]


def reference_target(c: Candidate) -> float:
    """The reference model's target: `relevance` without the invitation's own point (an invitation says what
    the operator saw in the list — the grade and stars shown, the position — not what followed): declined,
    unanswered or served with a dissatisfied rating 0, accepted 2, agreement accepted 3, satisfied 4."""
    return c.relevance if c.relevance >= 2.0 else 0.0


def position_columns(candidates: Sequence[Candidate]) -> np.ndarray:
    """Two columns per candidate: log of the position it was shown at (0 when not shown) and 1 if shown."""
    return np.array([[np.log(c.shown_rank), 1.0] if c.shown_rank is not None else [0.0, 0.0]
                     for c in candidates], dtype=np.float64).reshape(-1, 2)


def cross_fitted_relevances(groups: Sequence[QueryGroup], folds: int = REFERENCE_FOLDS,
                            random_state: int = 0) -> tuple[list[np.ndarray], int]:
    """The reference relevance of every candidate of the held-out groups, cross-fitted: the groups are dealt
    into `folds` (by position, so each fold spans the whole period) and each fold is judged by a
    `ReferenceModel` fitted on the other folds only. Neither the new model nor the serving one has seen
    these needs, so the reference shares no data (and no noise) with either: a reference fitted on the
    training needs measured the new model, fitted on the same needs, as better than an equally good serving
    model trained on other needs (tests/matching/test_training.py). Returns (relevances, rows fitted)."""
    groups = list(groups)
    folds = max(min(folds, len(groups)), 1)
    out: list[np.ndarray | None] = [None] * len(groups)
    rows = 0
    for f in range(folds):
        rest = [g for i, g in enumerate(groups) if i % folds != f] if folds > 1 else groups
        reference = ReferenceModel(random_state).fit(rest)
        rows += reference.n_rows_
        for i in range(f, len(groups), folds):
            out[i] = reference.relevance(groups[i])
    return [r for r in out if r is not None], rows // folds


def reference_ndcg(scores: np.ndarray, relevances: np.ndarray, k: int = K) -> float:
    """NDCG@k of the order given by `scores` over the whole group (ties by position in the group) against
    graded relevances; 0 when nothing is relevant."""
    return ips_ndcg(scores, relevances, np.ones(relevances.size), k)


def evaluate_reference(scorer, groups: Sequence[QueryGroup], relevances: Sequence[np.ndarray], k: int = K,
                       random_state: int = 0) -> dict:
    """Mean reference NDCG@k of the scorer over the groups (each group's whole candidates against its
    `ReferenceModel.relevance`), with its bootstrap interval and the number of needs; groups with no
    relevance at all are skipped."""
    values = []
    for g, rel in zip(groups, relevances, strict=True):
        if rel.max(initial=0.0) <= 0:
            continue
        X = np.array([c.features for c in g.candidates], dtype=np.float64)
        values.append(reference_ndcg(scorer.score(X), rel, k))
    values = np.array(values, dtype=np.float64)
    low, high = bootstrap_interval(values, random_state=random_state)
    return {f"ndcg@{k}": float(values.mean()) if values.size else 0.0, "low": low, "high": high,
            "queries": int(values.size)}


def should_promote(candidate: dict, serving: dict, min_needs: int = MIN_HELD_OUT,
                   metric: str = f"ndcg@{K}", n_train: int | None = None,
                   min_train: int = 0) -> tuple[bool, str]:
    """The promotion rule, with its reason: enough held-out needs (and, when `n_train` is given, enough
    training needs), and the new model's lower bound above the serving scorer's point estimate."""
    if candidate.get("queries", 0) < min_needs:
        return False, f"held-out needs {candidate.get('queries', 0)} < {min_needs}: not enough evidence"
    if n_train is not None and n_train < min_train:
        return False, f"training needs {n_train} < {min_train}: not enough evidence"
    low, point = candidate.get("low", 0.0), serving.get(metric, 0.0)
    if low > point:
        return True, f"lower bound {low:.4f} > serving {point:.4f}"
    return False, f"lower bound {low:.4f} ≤ serving {point:.4f}"


@dataclass
class TrainingResult:
    model: LearnedScorer
    metrics: dict                 # the new model on the held-out period (with its interval)
    serving_metrics: dict         # the serving scorer on the same needs
    promoted: bool
    reason: str
    data_from: datetime
    data_to: datetime
    holdout_from: datetime
    n_examples: int
    n_queries: int
    propensities: Propensities
    metadata: dict = field(default_factory=dict)
    candidate: LearnedScorer | None = None  # the model fitted on the training needs only (the one evaluated)


def train(groups: Sequence[QueryGroup], serving, version: str, random_state: int = 0, holdout: float = 0.2,
          min_queries: int = MIN_QUERIES, min_held_out: int = MIN_HELD_OUT, min_train: int = MIN_TRAIN_NEEDS,
          ips: bool = False, gamma: float | None = None, validate: bool = False) -> TrainingResult:
    """Estimate the position bias, train on the earlier needs (γ by `equal_spread_gamma` on them unless
    given; with `validate`, the reference evaluator's validation table of γ is kept in the report), compare
    with `serving` on the held-out ones (whole groups, reference NDCG@5 with intervals; the logged IPS
    estimate beside it), decide promotion. A promoted model is refitted on all needs with the same γ."""
    groups = [g for g in groups if g.candidates]
    judged = [g for g in groups if g.judged]
    if len(judged) < min_queries:
        raise NotEnoughData(f"{len(judged)} needs with an outcome, {min_queries} needed")
    propensities = estimate_propensities(groups)
    train_set, held = split_by_time(judged, holdout)
    if not train_set or not held:
        raise NotEnoughData("no held-out period")
    candidate = fit(train_set, version, propensities, random_state, ips, gamma, validate=validate)
    relevances, reference_rows = cross_fitted_relevances(held, random_state=random_state)
    new_metrics = evaluate_reference(candidate, held, relevances)
    serving_metrics = evaluate_reference(serving, held, relevances)
    logged = {"new": evaluate(candidate, held, propensities), "serving": evaluate(serving, held, propensities)}
    promoted, reason = should_promote(new_metrics, serving_metrics, min_held_out, n_train=len(train_set),
                                      min_train=min_train)
    gamma = candidate.metadata["gamma"]
    model = fit(judged, version, propensities, random_state, ips, gamma) if promoted else candidate
    model.metadata = {**candidate.metadata, **model.metadata, "gamma_choice": candidate.metadata["gamma_choice"]}
    times = [g.at for g in judged]
    counts = {path: sum(1 for g in judged for c in g.candidates if c.path == path) for path in PATHS}
    result = TrainingResult(model=model, metrics=new_metrics, serving_metrics=serving_metrics, promoted=promoted,
                            reason=reason, data_from=min(times), data_to=max(times), holdout_from=held[0].at,
                            n_examples=sum(len(g.candidates) for g in judged), n_queries=len(judged),
                            propensities=propensities, candidate=candidate)
    result.metadata = {
        "evaluator": "reference", "reference_rows": reference_rows, "reference_folds": REFERENCE_FOLDS,
        "logged_ips": logged,
        "gamma": gamma, "gamma_choice": candidate.metadata["gamma_choice"], "min_held_out": min_held_out,
        "min_train": min_train,
        "metrics": new_metrics, "serving_metrics": serving_metrics, "promoted": promoted, "reason": reason,
        "data_from": result.data_from.isoformat(), "data_to": result.data_to.isoformat(),
        "holdout_from": result.holdout_from.isoformat(), "n_examples": result.n_examples,
        "n_queries": result.n_queries, "n_train": len(train_set), "n_held_out": len(held),
        "outcomes_by_path": counts, "propensity_eta": propensities.eta,
        "propensities": list(propensities.by_rank), "n_explored": propensities.n_explored,
        "random_state": random_state, "features": list(FEATURES)}
    return result

