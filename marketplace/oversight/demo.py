"""Demo data for evaluation and oversight (called by `demo.services.seed_demo`; idempotent): the national
default scheme, improvement records for the demo entities served, this year's results for the demo
counselors and centers, and fresh roll-ups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from marketplace.agreements.models import Agreement
from marketplace.centers.models import ServiceCenter
from marketplace.directory.models import Counselor
from marketplace.entities.models import Entity, ModelLevel
from marketplace.evaluation import scoring, services
from marketplace.evaluation.models import EntityImprovement, EvaluationKind, EvaluationScheme
from marketplace.extensions import db
from marketplace.oversight.services import ACTIVE, refresh_rollups
from marketplace.regions.models import ROOT_CODE


def seed_oversight_demo(today: date | None = None) -> None:
    year = (today or date.today()).year
    if db.session.scalar(select(EvaluationScheme).where(EvaluationScheme.region_code == ROOT_CODE)) is None:
        db.session.add(EvaluationScheme(region_code=ROOT_CODE, weights=scoring.DEFAULT_WEIGHTS,
                                        thresholds=scoring.DEFAULT_THRESHOLDS, full_marks=scoring.DEFAULT_FULL_MARKS))
    served = list(db.session.scalars(select(Agreement.entity_id).distinct().where(Agreement.signed_at.is_not(None))))
    for n, entity_id in enumerate(sorted(served)):
        if db.session.scalar(select(EntityImprovement.id).where(EntityImprovement.entity_id == entity_id,
                                                                EntityImprovement.year == year)) is None:
            entity = db.session.get(Entity, entity_id)
            db.session.add(EntityImprovement(
                entity_id=entity_id, year=year, region_code=entity.region_code, checklist_before=55 + n % 10,
                checklist_after=70 + n % 20, model_level_before=ModelLevel.NONE,
                model_level_after=ModelLevel.COUNTY if n % 2 == 0 else ModelLevel.NONE,
                members_before=entity.members, members_after=(entity.members or 0) + 3 if entity.members else None,
                note="演示数据"))
    db.session.flush()
    counselor_ids = list(db.session.scalars(select(Counselor.id).where(Counselor.status.in_(ACTIVE))
                                            .order_by(Counselor.id)))
    for start in range(0, len(counselor_ids), services.CHUNK):
        services.evaluate_counselors(counselor_ids[start:start + services.CHUNK], year, EvaluationKind.ANNUAL)
    center_ids = list(db.session.scalars(select(ServiceCenter.id).where(
        ServiceCenter.status.in_(services.EVALUATED_CENTER_STATUSES))))
    if center_ids:
        services.evaluate_centers(center_ids, year)
    refresh_rollups()
