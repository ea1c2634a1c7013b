"""Pure scoring: indicator values → group scores → total → grade. No database, no Flask; tested with exact figures.

Counselors are scored on three groups: quantity (服务数量: needs taken, agreements accepted, service records,
distinct entities served, each against the figure that earns full marks), quality improvement of the entities
served (服务对象质量提升: the share of recorded dimensions that improved, averaged over the entities with a
record), satisfaction (主体满意度: the mean rating mapped from 1–5 to 0–100) and, when a province gives it a
weight (0 by default), training (岗位培训: hours credited in the year against full marks). Centers are scored on service
quality, standardized operation and satisfaction. The total is the weighted mean of the group scores.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The built-in national default (a department may store its own province scheme; see services.scheme_for).
DEFAULT_WEIGHTS = {
    "counselor": {"quantity": 40, "quality": 30, "satisfaction": 30, "training": 0},
    "center": {"service": 40, "standard": 30, "satisfaction": 30},
}
DEFAULT_THRESHOLDS = {"excellent": 90, "qualified": 75, "basic": 60}
DEFAULT_FULL_MARKS = {"needs_taken": 5, "agreements_accepted": 5, "service_records": 20, "entities_served": 5,
                      "center_agreements_accepted": 20, "training_hours": 24}
QUANTITY_KEYS = ("needs_taken", "agreements_accepted", "service_records", "entities_served")
GRADE_ORDER = ("excellent", "qualified", "basic")  # highest first; below "basic" is "unqualified"
LEVEL_RANK = {"none": 0, "county": 1, "city": 2, "province": 3, "national": 4}


@dataclass(frozen=True)
class Improvement:
    """An entity's before/after figures (None: not recorded)."""

    level_before: str | None = None
    level_after: str | None = None
    checklist_before: float | None = None
    checklist_after: float | None = None
    revenue_before: float | None = None
    revenue_after: float | None = None
    members_before: float | None = None
    members_after: float | None = None


def improvement_score(record: Improvement) -> float | None:
    """100 × the share of recorded dimensions (model level, checklist, revenue, members) that went up; None when
    no dimension has both figures."""
    pairs = [
        (LEVEL_RANK.get(record.level_before or ""), LEVEL_RANK.get(record.level_after or ""))
        if record.level_before and record.level_after else (None, None),
        (record.checklist_before, record.checklist_after),
        (record.revenue_before, record.revenue_after),
        (record.members_before, record.members_after),
    ]
    recorded = [(before, after) for before, after in pairs if before is not None and after is not None]
    if not recorded:
        return None
    improved = sum(1 for before, after in recorded if after > before)
    return round(100 * improved / len(recorded), 2)


def quality_score(records: list[Improvement]) -> tuple[float, int, int]:
    """(mean improvement score, entities with a usable record, entities improved in at least one dimension)."""
    scores = [s for s in (improvement_score(r) for r in records) if s is not None]
    if not scores:
        return 0.0, 0, 0
    return round(sum(scores) / len(scores), 2), len(scores), sum(1 for s in scores if s > 0)


def satisfaction_score(mean: float | None, count: int) -> float:
    """A mean rating of 1–5 as 0–100 (1 → 0, 5 → 100); no ratings score 0."""
    if not count or mean is None:
        return 0.0
    return round((mean - 1) / 4 * 100, 2)


def ratio_score(value: float, full: float) -> float:
    if full <= 0:
        return 100.0
    return min(1.0, max(0.0, value / full)) * 100


def counselor_scores(indicators: Mapping[str, Any], full_marks: Mapping[str, float]) -> dict[str, float]:
    """Group scores (0–100) of a counselor's indicators."""
    marks = {**DEFAULT_FULL_MARKS, **full_marks}
    quantity = sum(ratio_score(indicators.get(k, 0) or 0, marks[k]) for k in QUANTITY_KEYS) / len(QUANTITY_KEYS)
    scores = {
        "quantity": round(quantity, 2),
        "quality": round(indicators.get("quality_mean", 0.0) or 0.0, 2),
        "satisfaction": satisfaction_score(indicators.get("satisfaction_mean"),
                                           indicators.get("satisfaction_count", 0)),
    }
    if "training_hours" in indicators:
        scores["training"] = round(ratio_score(float(indicators["training_hours"] or 0), marks["training_hours"]), 2)
    return scores


def center_scores(indicators: Mapping[str, Any], full_marks: Mapping[str, float]) -> dict[str, float]:
    """Group scores of a center: service quality (accepted agreements against full marks, share of items
    passed at acceptance), standardized operation (internal rules on file out of 4, share of accepted agreements
    with service records), satisfaction."""
    marks = {**DEFAULT_FULL_MARKS, **full_marks}
    accepted = ratio_score(indicators.get("agreements_accepted", 0) or 0, marks["center_agreements_accepted"])
    pass_rate = (indicators.get("items_pass_rate") or 0.0) * 100
    documents = (indicators.get("documents", 0) or 0) / 4 * 100
    traced = (indicators.get("records_share") or 0.0) * 100
    return {
        "service": round((accepted + pass_rate) / 2, 2),
        "standard": round((documents + traced) / 2, 2),
        "satisfaction": satisfaction_score(indicators.get("satisfaction_mean"),
                                           indicators.get("satisfaction_count", 0)),
    }


def total_score(scores: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted mean of the group scores (groups without a weight count 0)."""
    total_weight = sum(float(w) for w in weights.values())
    if total_weight <= 0:
        return 0.0
    return round(sum(scores.get(k, 0.0) * float(w) for k, w in weights.items()) / total_weight, 2)


def grade_for(score: float, thresholds: Mapping[str, float]) -> str:
    """The highest grade whose minimum the score reaches ("excellent" ≥ t[excellent], ...), else "unqualified"."""
    for grade in GRADE_ORDER:
        if score >= float(thresholds[grade]):
            return grade
    return "unqualified"


def check_scheme(weights: Mapping[str, Mapping[str, float]], thresholds: Mapping[str, float]) -> dict[str, str]:
    """Errors by field (message keys are filled in by the caller's translations): weights not negative with a
    positive sum per subject; thresholds within 0–100 and strictly descending."""
    errors: dict[str, str] = {}
    for subject, groups in weights.items():
        values = [float(v) for v in groups.values()]
        if any(v < 0 for v in values) or sum(values) <= 0:
            errors[f"weights.{subject}"] = "weights"
    values = [float(thresholds[g]) for g in GRADE_ORDER]
    if any(v < 0 or v > 100 for v in values):
        errors["thresholds"] = "range"
    elif not (values[0] > values[1] > values[2]):
        errors["thresholds"] = "order"
    return errors
