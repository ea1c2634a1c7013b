"""Indicators from recorded data, schemes, the background run, adjustments, proposals."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.centers.models import CenterStatus
from marketplace.directory import services as directory
from marketplace.directory.models import CounselorStatus
from marketplace.errors import DomainError, NotAllowed
from marketplace.evaluation import services
from marketplace.evaluation.models import CounselorEvaluation, EvaluationKind, Grade, Proposal
from marketplace.extensions import db
from marketplace.jobs.models import JobState
from marketplace.notifications.models import Notification

EXPECTED = {"needs_taken": 2, "agreements_accepted": 3, "service_records": 5, "entities_served": 2,
            "quality_mean": 75.0, "improvement_recorded": 2, "improved": 2, "satisfaction_mean": 4.5,
            "satisfaction_count": 2, "training_hours": 0.0}


def test_indicators_on_known_data(served):
    assert services.counselor_indicators([served.id], 2025)[served.id] == EXPECTED
    other_year = services.counselor_indicators([served.id], 2024)[served.id]
    assert other_year["needs_taken"] == 1 and other_year["entities_served"] == 1
    assert other_year["service_records"] == 1 and other_year["agreements_accepted"] == 0


def run(actor, subject="counselor", year=2025, kind=EvaluationKind.ANNUAL):
    job = services.start_evaluation(actor, subject, year, kind)
    db.session.commit()  # the eager task runs after commit
    db.session.refresh(job)
    return job


def result_of(counselor, kind=EvaluationKind.ANNUAL):
    return db.session.scalar(select(CounselorEvaluation).where(CounselorEvaluation.counselor_id == counselor.id,
                                                               CounselorEvaluation.kind == kind))


def test_run_computes_score_and_grade_with_national_default(world, served):
    job = run(world["county"])
    assert job.state is JobState.SUCCEEDED and job.processed == job.total == 1
    result = result_of(served)
    assert result.indicators == EXPECTED
    assert result.scores == {"quantity": 41.25, "quality": 75.0, "satisfaction": 87.5}
    assert result.score == 65.25 and result.grade is Grade.BASIC and result.scheme_region_code is None
    assert job.summary == {"grades": {"basic": 1}, "proposals": 0}


def test_annual_evaluation_covers_only_those_in_post_during_the_year(world, served):
    from tests.marketplace.needs.helpers import make_counselor

    later = make_counselor(world["county"], appointed_on=date(2026, 3, 1))  # appointed after 2025
    job = run(world["county"], year=2025)
    assert job.total == 1 and result_of(served) is not None and result_of(later) is None
    run(world["county"], year=2026)
    assert result_of(later).year == 2026


def test_province_scheme_overrides_the_national_default(world, served):
    services.save_scheme(world["national"], {"counselor": {"quantity": 40, "quality": 30, "satisfaction": 30}},
                         {"excellent": 95, "qualified": 80, "basic": 65}, {})
    services.save_scheme(world["province"], {"counselor": {"quantity": 20, "quality": 40, "satisfaction": 40}},
                         {"excellent": 90, "qualified": 70, "basic": 60}, {})
    db.session.commit()
    run(world["county"])
    result = result_of(served)
    assert result.score == 73.25 and result.grade is Grade.QUALIFIED and result.scheme_region_code == "130000"


def test_national_default_applies_without_a_province_scheme(world, served):
    services.save_scheme(world["national"], {"counselor": {"quantity": 40, "quality": 30, "satisfaction": 30}},
                         {"excellent": 95, "qualified": 80, "basic": 66}, {})
    db.session.commit()
    run(world["county"])
    assert result_of(served).grade is Grade.UNQUALIFIED and result_of(served).scheme_region_code == "000000"


@pytest.mark.parametrize(("weights", "thresholds", "message"), [
    ({"counselor": {"quantity": -1, "quality": 1, "satisfaction": 1}}, {"excellent": 90, "qualified": 75,
                                                                         "basic": 60}, "权重不能为负数"),
    ({"counselor": {"quantity": 1, "quality": 1, "satisfaction": 1}}, {"excellent": 70, "qualified": 75,
                                                                        "basic": 60}, "依次降低"),
])
def test_bad_scheme_is_refused(world, weights, thresholds, message):
    with pytest.raises(DomainError, match=message):
        services.save_scheme(world["province"], weights, thresholds, {})


def test_only_national_and_province_officials_set_schemes(world):
    for actor in ("city", "county", "counselor"):
        with pytest.raises(NotAllowed):
            services.save_scheme(world[actor], {}, {"excellent": 90, "qualified": 75, "basic": 60}, {})


def test_rerun_is_idempotent_and_keeps_the_adjustment(world, served):
    run(world["county"])
    result = result_of(served)
    services.adjust(world["county"], result, Grade.QUALIFIED, "年度内承担防汛专项服务，未计入平台记录")
    db.session.commit()
    run(world["county"])
    rows = db.session.scalars(select(CounselorEvaluation)).all()
    assert len(rows) == 1
    assert rows[0].computed_grade is Grade.BASIC and rows[0].grade is Grade.QUALIFIED
    assert rows[0].adjust_reason == "年度内承担防汛专项服务，未计入平台记录"
    assert rows[0].adjusted_by_id == world["county"].id and rows[0].adjusted_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "evaluation.adjust"))
    assert entry.details["before"] == "basic" and entry.details["after"] == "qualified"


def test_adjustment_needs_a_reason_and_the_appointing_department(world, served):
    run(world["county"])
    result = result_of(served)
    with pytest.raises(DomainError, match="须填写理由"):
        services.adjust(world["county"], result, Grade.EXCELLENT, "  ")
    with pytest.raises(NotAllowed):
        services.adjust(world["province"], result, Grade.EXCELLENT, "理由")
    assert result.adjusted_grade is None


def test_term_end_unqualified_proposes_transfer_out(world, served):
    served.term_end = date(2025, 12, 31)
    db.session.commit()
    services.save_scheme(world["national"], {}, {"excellent": 95, "qualified": 85, "basic": 70}, {})
    db.session.commit()
    run(world["county"], kind=EvaluationKind.TERM_END)
    result = result_of(served, EvaluationKind.TERM_END)
    assert result.grade is Grade.UNQUALIFIED and result.proposal is Proposal.TRANSFER_OUT
    note = db.session.scalar(select(Notification).where(Notification.user_id == world["county"].id,
                                                        Notification.title.contains("建议调出")))
    assert note is not None and note.link == f"/directory/{served.id}"
    assert services.pending_transfer(served) == result
    # a rerun does not notify again
    run(world["county"], kind=EvaluationKind.TERM_END)
    assert len(db.session.scalars(select(Notification).where(Notification.user_id == world["county"].id,
                                                             Notification.title.contains("建议调出"))).all()) == 1
    # the department confirms through the directory's transition once the term has ended
    directory.transition(served, "expire", None)
    directory.transition(served, "transfer_out", world["county"], "聘期届满考核不合格")
    db.session.commit()
    assert served.status is CounselorStatus.TRANSFERRED_OUT and services.pending_transfer(served) is None


def test_adjusting_away_from_unqualified_withdraws_the_proposal(world, served):
    served.term_end = date(2025, 12, 31)
    services.save_scheme(world["national"], {}, {"excellent": 95, "qualified": 85, "basic": 70}, {})
    db.session.commit()
    run(world["county"], kind=EvaluationKind.TERM_END)
    result = result_of(served, EvaluationKind.TERM_END)
    services.adjust(world["county"], result, Grade.BASIC, "服务对象多为新成立合作社，提升需时间")
    assert result.proposal is None and services.pending_transfer(served) is None


def test_annual_result_never_proposes_transfer(world, served):
    services.save_scheme(world["national"], {}, {"excellent": 95, "qualified": 85, "basic": 70}, {})
    db.session.commit()
    run(world["county"])
    assert result_of(served).grade is Grade.UNQUALIFIED and result_of(served).proposal is None


def test_latest_grade_for_the_matching(world, served):
    assert services.latest_grade("counselor", [served.id, 999]) == {}
    run(world["county"])
    assert services.latest_grade("counselor", [served.id, 999]) == {served.id: "basic"}
    services.adjust(world["county"], result_of(served), Grade.EXCELLENT, "表彰")
    assert services.latest_grade("counselor", [served.id]) == {served.id: "excellent"}


def test_only_appointing_levels_run_evaluations(world, served):
    for actor in ("township", "counselor", "operator"):
        with pytest.raises(NotAllowed):
            services.start_evaluation(world[actor], "counselor", 2025)
    with pytest.raises(DomainError, match="没有需要评价的辅导员"):
        services.start_evaluation(world["city"], "counselor", 2025)


def test_center_evaluation_and_proposals(world, served):
    from marketplace.agreements.models import ItemResult
    from marketplace.centers import services as centers
    from tests.marketplace.centers.conftest import attach_documents, center_input
    from tests.marketplace.evaluation.builders import at, make_agreement
    from tests.marketplace.needs.helpers import make_need

    staff = world["center_staff"]
    center = centers.register_center(staff, center_input())
    attach_documents(staff, center)
    centers.transition(center, "submit", staff)
    centers.transition(center, "file", world["county"])
    db.session.commit()
    need = make_need(world["operator"], publish=False)
    make_agreement(need, center=center, signed_at=at(2025, 2), accepted_at=at(2025, 3), satisfaction=3,
                   rated_at=at(2025, 3), records=1, items=(ItemResult.PASSED, ItemResult.PASSED, ItemResult.FAILED,
                                                           ItemResult.PASSED))
    values = services.center_indicators([center.id], 2025)[center.id]
    assert values == {"agreements_accepted": 1, "items_pass_rate": 0.75, "documents": 4, "records_share": 1.0,
                      "satisfaction_mean": 3.0, "satisfaction_count": 1}
    job = run(world["county"], subject="center")
    assert job.state is JobState.SUCCEEDED
    from marketplace.evaluation.models import CenterEvaluation

    result = db.session.scalar(select(CenterEvaluation))
    # service (5 + 75)/2 = 40, standard 100, satisfaction 50 → 40×.4 + 100×.3 + 50×.3 = 61 → 基本合格 → 警示
    assert result.scores == {"service": 40.0, "standard": 100.0, "satisfaction": 50.0}
    assert result.score == 61.0 and result.grade is Grade.BASIC and result.proposal is Proposal.WARN
    assert services.center_proposal(Grade.UNQUALIFIED, CenterStatus.FILED) is Proposal.RECTIFY
    assert services.center_proposal(Grade.UNQUALIFIED, CenterStatus.WARNED) is Proposal.DELIST
    assert services.center_proposal(Grade.QUALIFIED, CenterStatus.FILED) is None
    assert services.latest_grade("center", [center.id]) == {center.id: "basic"}


def test_training_hours_count_only_where_the_province_weights_them(world, served):
    """Training hours are an indicator everywhere; a province that gives training a weight scores them (hours
    against the full-marks figure) and the total moves; with the default weight 0 nothing changes."""
    from datetime import date
    from decimal import Decimal

    from marketplace.training import services as training
    from marketplace.training.models import Audience, TrainingMode

    course = training.plan_training(world["county"], training.TrainingInput(
        title="财务规范化培训", starts_on=date(2025, 4, 1), ends_on=date(2025, 4, 2), mode=TrainingMode.ONLINE,
        hours=Decimal("12"), organiser="县经管站", capacity=10, audience=Audience.OWN, topic_specialty=4))
    enrollment = training.enroll(course, served, world["county"])
    training.record_attendance(course, {enrollment.id: (True, None)}, world["county"])
    db.session.commit()
    run(world["county"])
    result = result_of(served)
    assert result.indicators["training_hours"] == 12.0
    assert "training" not in result.scores and result.score == 65.25
    services.save_scheme(world["province"], {"counselor": {"quantity": 40, "quality": 20, "satisfaction": 20,
                                                           "training": 20}},
                         {"excellent": 90, "qualified": 75, "basic": 60}, {"training_hours": 24})
    db.session.commit()
    run(world["county"])
    result = result_of(served)
    assert result.scores["training"] == 50.0  # 12 of 24 hours
    assert result.score == round((41.25 * 40 + 75 * 20 + 87.5 * 20 + 50 * 20) / 100, 2)
