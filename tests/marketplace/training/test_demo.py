"""The demo's trainings: 2025's held trainings (and this spring's) with attendance and hours (which reach the
evaluation's indicators), two planned ones, fdy_liu enrolled in the county's; made once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from marketplace.demo.services import seed_demo
from marketplace.evaluation.models import CounselorEvaluation
from marketplace.training.models import Training, TrainingEnrollment, TrainingState
from marketplace.training.services import china_today


def test_demo_trainings(db, demo):
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(Training))
    seed_demo()
    db.session.commit()
    today = china_today()
    this_year = today >= date(today.year, 3, 27)  # the spring training of the current year is held by then
    assert db.session.scalar(select(func.count()).select_from(Training)) == count == 4 + this_year
    held = db.session.scalars(select(Training).where(Training.state == TrainingState.COMPLETED)).all()
    assert len(held) == 2 + this_year
    assert sorted(t.starts_on.year for t in held) == [2025, 2025] + [today.year] * this_year
    for training in held:
        attended = [e for e in training.enrollments if e.attended]
        assert attended and any(e.attended is False for e in training.enrollments)
        assert all(e.certificate_no and e.hours == training.hours for e in attended)
    planned = db.session.scalars(select(Training).where(Training.state == TrainingState.PLANNED)).all()
    assert len(planned) == 2
    liu = db.session.scalars(select(TrainingEnrollment).join(Training).where(
        Training.state == TrainingState.PLANNED)).all()
    assert [e.counselor.user.username for e in liu] == ["fdy_liu"]
    hours = [r.indicators.get("training_hours", 0) for r in db.session.scalars(select(CounselorEvaluation))]
    assert any(h > 0 for h in hours)
