"""Training services: planning rules, who is in the audience, enrolment (self, by list, capacity), attendance,
hours and certificates, the state table, coverage."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.training import services
from marketplace.training.models import Audience, TrainingMode, TrainingState
from tests.marketplace.needs.helpers import make_counselor
from tests.marketplace.training.conftest import plan, training_input


def test_planning_checks_every_field_at_once(world):
    bad = training_input(title=" ", ends_on=services.china_today() - timedelta(days=3), hours=Decimal("0"),
                         capacity=0, place="", topic_specialty=None, topic="")
    with pytest.raises(DomainError) as refused:
        services.plan_training(world["county"], bad)
    assert set(refused.value.errors) == {"title", "ends_on", "hours", "capacity", "place", "topic"}
    assert refused.value.errors["place"] == "线下培训请填写培训地点"


def test_online_training_needs_no_place_and_is_placed_in_the_department(world):
    training = plan(world["city"], mode=TrainingMode.ONLINE, place=None)
    assert training.region_code == "130100"
    assert training.state is TrainingState.PLANNED


def test_only_officials_plan(world):
    with pytest.raises(NotAllowed):
        services.plan_training(world["operator"], training_input())


def test_audience_own_department_or_whole_jurisdiction(world, make_user):
    county_counselor = make_counselor(world["county"])
    own = plan(world["city"], audience=Audience.OWN)
    everyone = plan(world["city"], audience=Audience.JURISDICTION)
    assert not services.in_audience(own, county_counselor)  # appointed by the county, not the city
    assert services.in_audience(everyone, county_counselor)
    visible = set(db.session.scalars(services.open_to(county_counselor)))
    assert visible == {everyone}


def test_enrolment_capacity_duplicates_and_closed_trainings(world, trainee):
    training = plan(world["county"], capacity=1)
    services.enroll(training, trainee, world["counselor"])
    with pytest.raises(Conflict, match="已报名"):
        services.enroll(training, trainee, world["counselor"])
    other = make_counselor(world["county"])
    with pytest.raises(Conflict, match="报名人数已满"):
        services.enroll(training, other, world["county"])
    services.transition(training, "cancel", world["county"], "场地调整")
    assert training.state is TrainingState.CANCELLED
    with pytest.raises(Conflict, match="已结束或已取消"):
        services.enroll(training, other, world["county"])


def test_a_counselor_cannot_enrol_someone_else(world, trainee):
    training = plan(world["county"])
    other = make_counselor(world["county"])
    with pytest.raises(NotAllowed):
        services.enroll(training, other, world["counselor"])


def test_enrol_by_certificate_numbers_is_all_or_nothing(world, trainee):
    training = plan(world["county"])
    second = make_counselor(world["county"])
    text = f"{trainee.certificate_no}\n{second.certificate_no.lower()}，NO-SUCH-1"
    with pytest.raises(DomainError) as refused:
        services.enroll_by_numbers(training, text, world["county"])
    assert "NO-SUCH-1：辖区内没有此证书编号" in refused.value.message
    assert training.enrollments == []
    assert services.enroll_by_numbers(training, f"{trainee.certificate_no}, {second.certificate_no}",
                                      world["county"]) == 2
    assert services.enroll_by_numbers(training, trainee.certificate_no, world["county"]) == 0  # already there


def test_another_jurisdictions_numbers_are_unknown(world, make_user):
    beijing = make_user(region_code="110101")
    outsider = make_counselor(beijing, region_code="110101")
    training = plan(world["county"], audience=Audience.JURISDICTION)
    with pytest.raises(DomainError, match="辖区内没有此证书编号"):
        services.enroll_by_numbers(training, outsider.certificate_no, world["county"])


def test_attendance_credits_hours_and_issues_certificates(world, trainee):
    training = plan(world["county"])
    absent = make_counselor(world["county"])
    first = services.enroll(training, trainee, world["counselor"])
    second = services.enroll(training, absent, world["county"])
    changed = services.record_attendance(training, {first.id: (True, None), second.id: (False, Decimal("5"))},
                                         world["county"])
    assert changed == 2
    assert first.hours == Decimal("12") and first.certificate_no == f"PX{training.starts_on.year}{first.id:07d}"
    assert second.hours == Decimal("0") and second.certificate_no is None
    assert services.hours_by_year([trainee.id, absent.id], training.starts_on.year) == {trainee.id: Decimal("12")}
    assert services.yearly_summary(trainee) == [(training.starts_on.year, Decimal("12"), 1)]
    assert services.record_attendance(training, {first.id: (True, None), second.id: (False, None)},
                                      world["county"]) == 0


def test_hours_above_the_training_are_refused(world, trainee):
    training = plan(world["county"])
    with pytest.raises(DomainError, match="学时应在 0 至 12"):
        services.parse_hours("13", training)
    with pytest.raises(DomainError, match="不是数字"):
        services.parse_hours("十二", training)
    assert services.parse_hours(" 6.5 ", training) == Decimal("6.5")


def test_no_attendance_before_the_training_starts(world, trainee):
    later = services.china_today() + timedelta(days=10)
    training = plan(world["county"], starts_on=later, ends_on=later)
    enrollment = services.enroll(training, trainee, world["counselor"])
    with pytest.raises(Conflict, match="尚未开始"):
        services.record_attendance(training, {enrollment.id: (True, None)}, world["county"])


def test_the_state_table_drives_the_buttons(world, trainee):
    training = plan(world["county"])
    assert [a["action"] for a in services.actions_for(world["county"], training)] == ["complete", "cancel"]
    assert services.actions_for(world["city"], training) == []  # above, reads but does not manage
    enrollment = services.enroll(training, trainee, world["counselor"])
    with pytest.raises(Conflict, match="未登记出勤"):
        services.transition(training, "complete", world["county"])
    with pytest.raises(DomainError, match="请填写原因"):
        services.transition(training, "cancel", world["county"], " ")
    services.record_attendance(training, {enrollment.id: (True, None)}, world["county"])
    services.transition(training, "complete", world["county"])
    assert training.state is TrainingState.COMPLETED
    assert services.actions_for(world["county"], training) == []
    with pytest.raises(Conflict):
        services.transition(training, "cancel", world["county"], "晚了")


def test_coverage_counts_counselors_in_post_and_lists_the_untrained(world, trainee):
    untrained = make_counselor(world["county"])
    training = plan(world["county"])
    enrollment = services.enroll(training, trainee, world["counselor"])
    services.record_attendance(training, {enrollment.id: (True, None)}, world["county"])
    db.session.commit()
    year = training.starts_on.year
    rows = services.coverage(world["city"], "130100", year)
    zhengding = next(r for r in rows if r["region"].code == "130123")
    assert (zhengding["total"], zhengding["trained"], zhengding["share"]) == (2, 1, 50.0)
    assert list(db.session.scalars(services.untrained(world["city"], "130100", year))) == [untrained]
    assert services.coverage(world["city"], "130100", year - 1)[0]["trained"] == 0


def test_after_the_last_day_only_the_department_adds_participants(world, trainee):
    past = services.china_today() - timedelta(days=30)
    training = plan(world["county"], starts_on=past, ends_on=past)
    with pytest.raises(Conflict, match="已过结束日期"):
        services.enroll(training, trainee, world["counselor"])
    enrollment = services.enroll(training, trainee, world["county"])  # recording a training held offline
    services.record_attendance(training, {enrollment.id: (True, None)}, world["county"])
    assert enrollment.certificate_no
