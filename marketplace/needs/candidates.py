"""Candidates for a need: counselors and filed service centers, ranked with reasons.

`rank_candidates` is the interface the need page, the inbox, the official's view and the API use. It turns
database rows into `matching` records and hands them to a ranker; today that is the rule-based cold-start
ranker (`matching.rules.RuleBasedRanker`), to be replaced by the learned ranker of issue 5 behind the same
signature.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from marketplace.directory.labels import INDUSTRY_LABELS, SPECIALTY_LABELS
from marketplace.directory.models import Counselor, CounselorStatus, Industry, Specialty, counselor_service_areas
from marketplace.extensions import db
from marketplace.needs.models import Invitation, Need, NeedStatus
from marketplace.regions.models import Region
from matching.rules import CandidateRecord, NeedRecord, RuleBasedRanker

log = logging.getLogger(__name__)
KINDS = ("counselor", "center", "all")
ACTIVE = (NeedStatus.ASSIGNED, NeedStatus.IN_SERVICE)


@dataclass
class Candidate:
    kind: str  # "counselor" or "center"
    id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)


def path_of(region: Region | None) -> tuple[str, ...]:
    return tuple(region.path.strip("/").split("/")) if region is not None else ()


def need_record(need: Need) -> NeedRecord:
    category = Specialty(need.category)
    industry = Industry(need.industry) if need.industry else None
    return NeedRecord(category=need.category, category_name=str(SPECIALTY_LABELS[category]),
                      industry=need.industry or 0, industry_name=str(INDUSTRY_LABELS[industry]) if industry else "",
                      place=path_of(need.region), allows_remote=need.allows_remote)


def open_assignments(counselor_ids: list[int]) -> dict[int, int]:
    """Open assignments (assigned or in service) per counselor, in one query."""
    if not counselor_ids:
        return {}
    rows = db.session.execute(select(Need.assigned_counselor_id, func.count()).where(
        Need.assigned_counselor_id.in_(counselor_ids), Need.status.in_(ACTIVE)).group_by(
        Need.assigned_counselor_id)).all()
    return dict(rows)


def counselor_record(counselor: Counselor, open_count: int) -> CandidateRecord:
    return CandidateRecord(
        kind="counselor", id=counselor.id, name=counselor.name, specialties=counselor.specialties,
        industries=counselor.industries, home=path_of(counselor.region),
        areas=tuple(path_of(r) for r in counselor.service_areas), is_remote=counselor.is_remote,
        open_count=open_count, capacity=counselor.capacity)


def counselor_records(need: Need, ids: list[int] | None = None) -> list[CandidateRecord]:
    """Appointed counselors with the need's specialty, in its province (by home or service area) or serving
    remotely when the need allows it. The ranker applies the exact rules."""
    query = select(Counselor).where(Counselor.status == CounselorStatus.APPOINTED,
                                    Counselor.specialties.op("&")(need.category) != 0)
    if ids is not None:
        query = query.where(Counselor.id.in_(ids))
    place = path_of(need.region)
    if len(place) > 1:
        province = select(Region.code).where(Region.path.startswith(f"/{place[0]}/{place[1]}/", autoescape=True))
        near = [Counselor.region_code.in_(province), Counselor.id.in_(
            select(counselor_service_areas.c.counselor_id).where(counselor_service_areas.c.region_code.in_(province)))]
        if need.allows_remote:
            near.append(Counselor.is_remote.is_(True))
        query = query.where(or_(*near))
    counselors = db.session.scalars(query.options(selectinload(Counselor.service_areas))).unique().all()
    counts = open_assignments([c.id for c in counselors])
    return [counselor_record(c, counts.get(c.id, 0)) for c in counselors]


def _service_center_model():
    """The centers area's model, if that area is installed (it is built separately)."""
    try:
        from marketplace.centers.models import ServiceCenter
    except ImportError:
        return None
    return ServiceCenter


def _filed(model):
    column = model.status
    enum_class = getattr(column.type, "enum_class", None)
    return column == (enum_class("filed") if enum_class is not None else "filed")


def center_records(need: Need, ids: list[int] | None = None) -> list[CandidateRecord]:
    """Filed service centers offering the need's category; none while the centers area is not there."""
    model = _service_center_model()
    if model is None:
        return []
    try:
        query = select(model.id, model.name, model.categories, Region.path).join(
            Region, Region.code == model.region_code).where(_filed(model), model.categories.op("&")(need.category) != 0)
    except (AttributeError, ValueError):
        log.warning("service centers have no name/region_code/status/categories; no centers offered")
        return []
    if ids is not None:
        query = query.where(model.id.in_(ids))
    return [CandidateRecord(kind="center", id=row.id, name=row.name, specialties=row.categories,
                            home=tuple(row.path.strip("/").split("/")))
            for row in db.session.execute(query)]


def asked(need: Need) -> list[tuple[str, int]]:
    """(kind, id) of every candidate already invited for the need."""
    rows = db.session.execute(select(Invitation.kind, Invitation.counselor_id, Invitation.center_id).where(
        Invitation.need_id == need.id)).all()
    return [(kind.value, counselor_id or center_id) for kind, counselor_id, center_id in rows]


def rank_candidates(need: Need, kind: str = "counselor", limit: int = 10,
                    exclude_asked: bool = False) -> list[Candidate]:
    """The best candidates for `need`, best first, each with a score and reasons in Chinese.

    kind: "counselor", "center" or "all". Counselors at capacity, not appointed, or not serving the need's
    place never appear. With `exclude_asked`, candidates already invited for this need are left out.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    records: list[CandidateRecord] = []
    if kind in ("counselor", "all"):
        records += counselor_records(need)
    if kind in ("center", "all"):
        records += center_records(need)
    ranked = RuleBasedRanker().rank(need_record(need), records, limit=limit,
                                    exclude=asked(need) if exclude_asked else ())
    return [Candidate(r.kind, r.id, r.name, r.score, r.reasons) for r in ranked]


def check_candidate(need: Need, kind: str, candidate_id: int) -> Candidate | None:
    """The candidate scored for this need, or None if it is not eligible (at capacity, far away, ...)."""
    records = counselor_records(need, [candidate_id]) if kind == "counselor" else center_records(need, [candidate_id])
    ranked = RuleBasedRanker().rank(need_record(need), records, limit=1)
    return Candidate(ranked[0].kind, ranked[0].id, ranked[0].name, ranked[0].score, ranked[0].reasons) if ranked \
        else None
