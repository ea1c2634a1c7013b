"""Feature functions: each small, named, vectorised over the candidates, and scaled to 0..1.

`feature_matrix` stacks them in the order of `FEATURES`, which the cold-start weights, the learned
pipeline, the match log and saved models all share. Unknown values map to a neutral 0.5 (or 0 where the
absence is itself informative) so a new candidate is neither favoured nor buried.

`reasons` explains one ranked candidate in Chinese, for farm operators and officials.
"""

from __future__ import annotations

import math

import numpy as np

from matching.candidates import NEARNESS_LABELS
from matching.geo import haversine_km, is_exact, point_of
from matching.pool import GRADE_LABELS, CandidatePool, NeedQuery, _bit_index
from matching.shrinkage import DEFAULT_ACCEPTANCE, DEFAULT_RESPONSE, DEFAULT_SATISFACTION, Prior

NEUTRAL = 0.5
DISTANCE_SCALE_KM = 100.0      # distance score falls to 1/e at this distance

FEATURES = (
    "specialty_match", "industry_match", "text_similarity", "shared_level", "distance", "free_capacity",
    "acceptance_rate", "response_speed", "satisfaction", "satisfaction_uncertainty", "grade", "price_fit",
    "type_experience", "industry_experience", "is_center", "remote_fit", "covers_place", "award_record",
)


def specialty_match(category: int, specialties: np.ndarray) -> np.ndarray:
    """1 when the candidate has the need's specialty."""
    return ((specialties & category) != 0).astype(np.float64)


def industry_match(industry: int, industries: np.ndarray) -> np.ndarray:
    """1 when the candidate works in the need's industry, 0 when it does not, 0.5 when either is unknown."""
    if not industry:
        return np.full(industries.shape, NEUTRAL)
    return np.where(industries == 0, NEUTRAL, ((industries & industry) != 0).astype(np.float64))


def text_similarity(need_vector, matrix) -> np.ndarray:
    """Cosine similarity of the need's text with each profile (TF-IDF rows are unit length)."""
    if need_vector is None or matrix is None:
        return np.zeros(0 if matrix is None else matrix.shape[0])
    return np.asarray((matrix @ need_vector.T).todense(), dtype=np.float64).ravel()


def shared_level(levels: np.ndarray) -> np.ndarray:
    """Nearness on the region ladder, 4 (same township) to 0 (remote), scaled to 0..1."""
    return levels.astype(np.float64) / 4.0


def distance_km(place_code: str | None, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Kilometres between the need's place and each candidate's home (NaN when either is unknown)."""
    lon, lat = point_of(place_code)
    if math.isnan(lon):
        return np.full(lons.shape, np.nan)
    return haversine_km(lon, lat, lons, lats)


def distance_score(km: np.ndarray) -> np.ndarray:
    """exp(-km / 100): 1 next door, 0.37 at 100 km; neutral when unknown."""
    return np.where(np.isnan(km), NEUTRAL, np.exp(-np.nan_to_num(km) / DISTANCE_SCALE_KM))


def free_capacity(open_count: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Share of the capacity still free; 1 for candidates without a limit."""
    with np.errstate(divide="ignore", invalid="ignore"):
        free = np.clip((capacity - open_count) / capacity, 0.0, 1.0)
    return np.where(np.isinf(capacity), 1.0, np.nan_to_num(free))


def acceptance_rate(accepted: np.ndarray, invited: np.ndarray, prior: Prior | None = None) -> np.ndarray:
    """Accepted share of answered invitations, shrunk towards the pool's rate by the fitted beta prior
    (`shrinkage.fit_rate`; Laplace's (a + 1) / (n + 2) without one)."""
    prior = prior or Prior(*DEFAULT_ACCEPTANCE)
    return (accepted + prior.strength * prior.mean) / (invited + prior.strength)


def response_speed(hours: np.ndarray, count: np.ndarray | None = None, prior: Prior | None = None) -> np.ndarray:
    """1 / (1 + hours / 24) of the mean hours to answer shrunk towards the pool's (0.5 for a day)."""
    if count is None:
        return np.where(np.isnan(hours), NEUTRAL, 1.0 / (1.0 + np.nan_to_num(hours) / 24.0))
    shrunk = (prior or Prior(*DEFAULT_RESPONSE)).shrink(hours, np.where(np.isnan(hours), 0.0, count))
    return 1.0 / (1.0 + shrunk / 24.0)


def satisfaction(mean: np.ndarray, count: np.ndarray, prior: Prior | None = None) -> np.ndarray:
    """Empirical-Bayes satisfaction: the mean rating shrunk towards the population's by the number of ratings
    with the fitted prior strength (`shrinkage.fit_normal`), scaled from 1..5 to 0..1."""
    return ((prior or Prior(*DEFAULT_SATISFACTION)).shrink(mean, count) - 1.0) / 4.0


def satisfaction_uncertainty(count: np.ndarray, prior: Prior | None = None) -> np.ndarray:
    """How uncertain that estimate still is: sqrt(k / (n + k)), 1 with no rating, towards 0 with many."""
    return (prior or Prior(*DEFAULT_SATISFACTION)).uncertainty(count)


def remote_fit(allows_remote: bool, is_remote: np.ndarray) -> np.ndarray:
    """For a need that may be served remotely: 1 when the candidate serves remotely, 0 when it does not;
    neutral for on-site needs (remote service does not count there)."""
    if not allows_remote:
        return np.full(is_remote.shape, NEUTRAL)
    return is_remote.astype(np.float64)


def covers_place(covered: np.ndarray) -> np.ndarray:
    """1 when one of the candidate's service areas contains the need's place."""
    return covered.astype(np.float64)


def grade_score(grade: np.ndarray) -> np.ndarray:
    """Latest evaluation grade 不合格 0 … 优秀 1; neutral without one."""
    return np.where(grade < 0, NEUTRAL, grade.astype(np.float64) / 3.0)


def price_fit(budget: float | None, prices: np.ndarray) -> np.ndarray:
    """1 when the lowest offered price is within the budget, falling to 0 at twice the budget; neutral when
    there is no budget or no price (counselors)."""
    if budget is None:
        return np.full(prices.shape, NEUTRAL)
    over = (prices - budget) / max(budget, 1.0)
    fit = np.where(prices <= budget, 1.0, np.clip(1.0 - over, 0.0, 1.0))
    return np.where(np.isnan(prices), NEUTRAL, fit)


def type_experience(entity_type: int, served_types: np.ndarray) -> np.ndarray:
    """1 when the candidate has served an entity of this type (cooperative, federation, family farm)."""
    if entity_type < 0:
        return np.zeros(served_types.shape)
    return ((served_types >> entity_type) & 1).astype(np.float64)


def industry_experience(industry: int, served_industries: np.ndarray) -> np.ndarray:
    """1 when the candidate has served a need in this industry."""
    if not industry:
        return np.zeros(served_industries.shape)
    return ((served_industries & industry) != 0).astype(np.float64)


def is_center(kind: np.ndarray) -> np.ndarray:
    return (kind == 1).astype(np.float64)


def award_record(record: np.ndarray) -> np.ndarray:
    """Recent approved awards (评优评先), as the web side weighs them (level and age), squashed to 0..1 by
    r / (1 + r): 0 without any (the absence is informative), 0.5 for one county award this year."""
    record = np.clip(np.nan_to_num(record), 0.0, None)
    return record / (1.0 + record)


def feature_matrix(need: NeedQuery, pool: CandidatePool, idx: np.ndarray, levels: np.ndarray,
                   need_vector=None, covered: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(features (len(idx) × len(FEATURES)), distances in km) for the candidates at `idx`.

    `levels` and `covered` (a service area contains the place) are those candidates' nearness;
    `need_vector` is `pool.need_vector(need)`.
    """
    priors = pool.priors
    if covered is None:
        covered = np.zeros(idx.size, dtype=bool)
    km = distance_km(need.place[-1] if need.place else None, pool.lon[idx], pool.lat[idx])
    text = (text_similarity(need_vector, pool.text_matrix[idx]) if need_vector is not None
            and pool.text_matrix is not None else np.zeros(idx.size))
    price_column = pool.prices[idx, _bit_index(need.category)] if need.category else np.full(idx.size, np.nan)
    columns = (
        specialty_match(need.category, pool.specialties[idx]),
        industry_match(need.industry, pool.industries[idx]),
        text,
        shared_level(levels),
        distance_score(km),
        free_capacity(pool.open_count[idx], pool.capacity[idx]),
        acceptance_rate(pool.accepted[idx], pool.invited[idx], priors.acceptance),
        response_speed(pool.response_hours[idx], pool.response_count[idx], priors.response),
        satisfaction(pool.sat_mean[idx], pool.sat_count[idx], priors.satisfaction),
        satisfaction_uncertainty(pool.sat_count[idx], priors.satisfaction),
        grade_score(pool.grade[idx]),
        price_fit(need.budget, price_column),
        type_experience(need.entity_type, pool.served_types[idx]),
        industry_experience(need.industry, pool.served_industries[idx]),
        is_center(pool.kind[idx]),
        remote_fit(need.allows_remote, pool.is_remote[idx]),
        covers_place(covered),
        award_record(pool.award_record[idx]),
    )
    return np.column_stack(columns) if idx.size else np.zeros((0, len(FEATURES))), km


class Reason(str):
    """A reason as the Chinese text the library writes, carrying a `code` and its `params` so that a web layer
    can render it in another language (it is a `str`, so it joins, compares and stores as the text)."""

    code: str
    params: dict

    def __new__(cls, text: str, code: str, **params) -> Reason:
        reason = super().__new__(cls, text)
        reason.code, reason.params = code, params
        return reason


COVER_LABELS = {4: "服务范围覆盖本乡镇", 3: "服务范围覆盖本县", 2: "服务范围覆盖本市", 1: "服务范围覆盖本省"}


def nearness_reason(level: int, km: float, by_area: bool = False) -> Reason:
    """"同市，约 12 公里"; just the level when the distance is unknown or approximate, under 1 km (county
    points: the same county is 0 km) or the service is remote. When the nearness comes from a service area
    that contains the place rather than from where the candidate lives: "服务范围覆盖本乡镇"."""
    if by_area and int(level) in COVER_LABELS:
        return Reason(COVER_LABELS[int(level)], "covers", level=int(level))
    label = NEARNESS_LABELS[int(level)]
    if level > 0 and not math.isnan(km) and km >= 1:
        return Reason(f"{label}，约 {round(km)} 公里", "near_km", level=int(level), km=round(km))
    return Reason(label, "near", level=int(level))


def home_depth(need: NeedQuery, pool: CandidatePool, i: int) -> int:
    """How deep candidate `i`'s home agrees with the need's place (0 to 4)."""
    depth = 0
    for level, code in enumerate(need.place[1:5]):
        if pool.home[i, level] != int(code):
            break
        depth += 1
    return depth


VERDICTS = ((0.72, "很合适", "strong"), (0.6, "合适", "good"), (0.0, "可以考虑", "fair"))


def verdict(cold_score: float) -> Reason:
    """A short verdict a farmer understands, from the cold-start score (its scale is fixed whatever model
    serves): 很合适 ≥ 0.72 (the specialty, the industry, nearby and a good record), 合适 ≥ 0.6, else 可以考虑."""
    for threshold, text, code in VERDICTS:
        if cold_score >= threshold:
            return Reason(text, f"verdict_{code}")
    return Reason(VERDICTS[-1][1], f"verdict_{VERDICTS[-1][2]}")


def reasons(need: NeedQuery, pool: CandidatePool, i: int, level: int, km: float, row: np.ndarray) -> list[Reason]:
    """Why candidate `i` was proposed, in Chinese, strongest facts first."""
    f = dict(zip(FEATURES, row, strict=True))
    out = [Reason(f"专长匹配：{need.category_name}", "specialty", category=need.category)] \
        if f["specialty_match"] else []
    if need.industry and f["industry_match"] == 1.0:
        out.append(Reason(f"产业匹配：{need.industry_name}", "industry", industry=need.industry))
    place_exact = bool(need.place) and is_exact(need.place[-1])
    km = km if place_exact and pool.exact_point[i] else math.nan  # no kilometre figure from a stand-in point
    by_area = bool(f["covers_place"]) and home_depth(need, pool, i) < level
    out.append(nearness_reason(level, km, by_area))
    if not math.isinf(pool.capacity[i]):
        open_count, capacity = int(pool.open_count[i]), int(pool.capacity[i])
        out.append(Reason(f"在办 {open_count}/{capacity}", "workload", open=open_count, capacity=capacity))
    if pool.sat_count[i] > 0:
        mean, count = round(float(pool.sat_mean[i]), 1), int(pool.sat_count[i])
        out.append(Reason(f"满意度 {mean:.1f}（{count} 次）", "satisfaction", mean=mean, count=count))
    if pool.invited[i] >= 3:
        rate = round(100 * pool.accepted[i] / pool.invited[i])
        out.append(Reason(f"接受邀请 {rate}%", "acceptance", rate=rate))
    if pool.grade[i] >= 2:  # a reason to choose: 合格 or 优秀 (lower grades only lower the score)
        out.append(Reason(f"最近评价：{GRADE_LABELS[pool.grade[i]]}", "grade", grade=int(pool.grade[i])))
    price = pool.prices[i, _bit_index(need.category)] if need.category else math.nan
    if not math.isnan(price):
        if need.budget is not None and price <= need.budget:
            out.append(Reason("报价在预算内", "price_within_budget", price=float(price)))
        elif need.budget is not None:
            out.append(Reason(f"报价 {price:,.0f} 元起，超出预算", "price_over_budget", price=float(price)))
        else:
            out.append(Reason(f"报价 {price:,.0f} 元起", "price", price=float(price)))
    if f["type_experience"]:
        out.append(Reason("服务过同类主体", "type_experience"))
    if f["industry_experience"] and need.industry:
        out.append(Reason(f"有{need.industry_name}服务经验", "industry_experience", industry=need.industry))
    if f["text_similarity"] >= 0.3:
        out.append(Reason("服务内容相近", "similar_work"))
    return out
