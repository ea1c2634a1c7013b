"""Fixtures for the award tests: 正定县 counselors and a center with 2025 evaluation results."""

from __future__ import annotations

import pytest

from marketplace.awards import services
from marketplace.awards.models import AwardSubject
from marketplace.evaluation.models import CenterEvaluation, CounselorEvaluation, EvaluationKind, Grade
from marketplace.extensions import db
from tests.marketplace.needs.helpers import make_counselor
from tests.marketplace.needs.test_centers import make_center

YEAR = 2025


def grade_counselor(counselor, grade: Grade, year: int = YEAR) -> None:
    db.session.add(CounselorEvaluation(counselor_id=counselor.id, year=year, kind=EvaluationKind.ANNUAL,
                                       department_region_code=counselor.department_region_code,
                                       counselor_user_id=counselor.user_id, computed_grade=grade))
    db.session.commit()


def grade_center(center, grade: Grade, year: int = YEAR) -> None:
    db.session.add(CenterEvaluation(center_id=center.id, year=year, kind=EvaluationKind.ANNUAL,
                                    region_code=center.region_code, center_owner_id=center.owner_id,
                                    computed_grade=grade))
    db.session.commit()


def nominate(official, subject_row, submit: bool = False, reason: str = "服务合作社 12 家，满意度 4.8。"):
    kind = AwardSubject.COUNSELOR if hasattr(subject_row, "certificate_no") else AwardSubject.CENTER
    award = services.nominate(official, services.Nomination(kind, subject_row.id, YEAR, reason))
    if submit:
        services.transition(award, "submit", official)
    db.session.commit()
    return award


@pytest.fixture
def graded(world):
    """The world's counselor (优秀), a colleague (基本合格) and the world's center (合格), all 正定县, 2025."""
    star = make_counselor(world["county"], user=world["counselor"], name="刘桂芳")
    weak = make_counselor(world["county"], name="王建国")
    center = make_center(world["center_staff"])
    grade_counselor(star, Grade.EXCELLENT)
    grade_counselor(weak, Grade.BASIC)
    grade_center(center, Grade.QUALIFIED)
    return {"star": star, "weak": weak, "center": center}
