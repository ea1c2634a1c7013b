"""The demo's previous year: consistent agreements and records in 2025, an evaluation that spans every grade,
match logs the ranker can learn from; made once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from marketplace.agreements.models import Agreement, AgreementStatus, ServiceRecord
from marketplace.agreements.records import agreements_with_records, verify_chain
from marketplace.demo.history import YEAR
from marketplace.demo.services import seed_demo
from marketplace.evaluation.models import CounselorEvaluation, EntityImprovement
from marketplace.jobs.models import Job, JobState
from marketplace.needs.models import Invitation, InvitationStatus
from marketplace.notifications.models import Notification
from marketplace.ranking.models import MatchLog, ModelVersion
from marketplace.ranking.services import training_groups

TABLES = (Agreement, ServiceRecord, Invitation, MatchLog, CounselorEvaluation, EntityImprovement, Job,
          Notification, ModelVersion)


def _counts(db):
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def test_previous_year_is_consistent_and_made_once(db, demo):
    db.session.commit()
    before = _counts(db)
    seed_demo()
    db.session.commit()
    assert _counts(db) == before

    past = db.session.scalars(select(Agreement).where(Agreement.number.like(f"%-{YEAR}-%"))
                              .order_by(Agreement.id)).all()
    assert len(past) >= 30
    for agreement in past:
        assert agreement.status is AgreementStatus.CLOSED and 1 <= agreement.satisfaction <= 5
        steps = [agreement.created_at, agreement.proposed_at, agreement.signed_at, agreement.started_at,
                 agreement.submitted_at, agreement.accepted_at, agreement.closed_at]
        assert steps == sorted(steps) and all(step.year == YEAR for step in steps)
        assert all(r.served_on.year == YEAR and r.created_at.year == YEAR for r in agreement.records)
        invitation = agreement.invitation
        assert invitation.status is InvitationStatus.ACCEPTED and invitation.answered_at.year == YEAR
    assert all(verify_chain(ident).ok for ident in agreements_with_records())
    # no stale unread messages from last year's work (the demo's 2025 notices are left unread by some on purpose)
    last_year = [n for n in db.session.scalars(select(Notification)) if n.created_at.year == YEAR
                 and not (n.link or "").startswith("/notices/")]
    assert last_year and all(n.read_at is not None for n in last_year)

    results = db.session.scalars(select(CounselorEvaluation).where(CounselorEvaluation.year == YEAR)).all()
    grades = Counter(r.grade.value for r in results)
    assert set(grades) == {"excellent", "qualified", "basic", "unqualified"}
    jobs = db.session.scalars(select(Job).where(Job.kind == "evaluation")).all()
    assert jobs and all(job.state is JobState.SUCCEEDED for job in jobs)

    groups = training_groups()
    assert sum(1 for g in groups if g.judged) >= 20  # enough for `flask matching train`
    assert db.session.scalar(select(ModelVersion)) is None  # the demo starts cold; training is a command
