"""Demo data for evaluation and oversight (called by `demo.services.seed_demo`; idempotent): the national
default scheme, improvement records for the demo entities served this year, last year's annual evaluation run
by each demo department (the year `demo.history` filled with work), and fresh roll-ups."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.agreements.models import Agreement
from marketplace.entities.models import Entity, ModelLevel
from marketplace.evaluation import scoring, services
from marketplace.evaluation.models import EntityImprovement, EvaluationKind, EvaluationScheme
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.oversight.services import refresh_rollups
from marketplace.regions.models import ROOT_CODE, Level
from marketplace.timeutil import local_today


def seed_oversight_demo(today: date | None = None) -> None:
    year = (today or local_today()).year
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
    _evaluate("counselor", year - 1, tuple(Level))  # the year demo.history filled with work
    _evaluate("center", year, (Level.COUNTY,))  # the demo center was filed this year
    refresh_rollups()


def _evaluate(subject: str, year: int, levels: tuple[Level, ...]) -> None:
    """Each demo department at these levels runs the year's annual evaluation, as the evaluation task would
    (a job per run, computed now instead of queued). Once per department, subject and year."""
    done = {(job.actor_id, job.params.get("subject"), job.params.get("year"))
            for job in db.session.scalars(select(Job).where(Job.kind == services.JOB_KIND))}
    for official in db.session.scalars(select(User).where(User.role == Role.OFFICIAL).order_by(User.id)):
        if official.level not in levels or not services.can_evaluate(official, subject) or \
                (official.id, subject, year) in done:
            continue
        ids = list(db.session.scalars(services.subjects_query(official, subject, year, EvaluationKind.ANNUAL)))
        if not ids:
            continue
        job = Job(kind=services.JOB_KIND, actor_id=official.id, region_code=official.department.region_code,
                  total=len(ids), state=JobState.PENDING,
                  params={"subject": subject, "year": year, "kind": EvaluationKind.ANNUAL.value})
        db.session.add(job)
        db.session.flush()
        services.run_evaluation(job)
