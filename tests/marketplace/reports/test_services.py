"""Reporting services: periods and due dates, the transition table, frozen figures, who sees and does what,
typical cases linked to accepted agreements, the ministry's publishing, the overview of the level below."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.audit.services import ACTION_LABELS
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.reports import services
from marketplace.reports.models import PeriodKind, ReportState
from tests.marketplace.reports.conftest import CASE_TEXT, draft


def test_periods_and_due_dates(app):
    assert services.bounds(PeriodKind.QUARTER, 2025, 2) == (date(2025, 4, 1), date(2025, 6, 30))
    assert services.bounds(PeriodKind.HALF, 2025, 2) == (date(2025, 7, 1), date(2025, 12, 31))
    assert services.bounds(PeriodKind.YEAR, 2025, 1) == (date(2025, 1, 1), date(2025, 12, 31))
    assert services.due_on(PeriodKind.YEAR, 2025, 1) == date(2026, 1, 31)
    assert services.due_on(PeriodKind.QUARTER, 2025, 4) == date(2026, 1, 15)
    assert services.last_ended(PeriodKind.QUARTER, date(2026, 5, 2)) == (2026, 1)
    assert services.last_ended(PeriodKind.YEAR, date(2026, 5, 2)) == (2025, 1)
    app.config["REPORT_DUE_DAYS"] = {"year": 60}
    try:
        assert services.due_on(PeriodKind.YEAR, 2025, 1) == date(2026, 3, 1)
    finally:
        app.config.pop("REPORT_DUE_DAYS")


def test_submit_return_resubmit_accept(world, accepted):
    county, city = world["county"], world["city"]
    report = draft(county)
    assert report.reviewer.region_code == "130100"
    assert services.get_visible_or_none(city, report.id) is None  # a draft is the county's own
    assert [a["action"] for a in services.actions_for(county, report)] == ["submit"]

    services.transition(report, "submit", county)
    db.session.commit()
    assert report.state is ReportState.SUBMITTED
    assert report.figures["accepted"] == 1 and report.figures["satisfaction"] == 5.0
    assert services.get_visible_or_none(city, report.id) is report
    assert [a["action"] for a in services.actions_for(city, report)] == ["return", "accept"]
    assert services.actions_for(county, report) == []
    assert db.session.scalar(select(Notification).where(Notification.user_id == city.id)).link == \
        f"/reports/{report.id}"

    with pytest.raises(DomainError):
        services.transition(report, "return", city, "")  # a reason is required
    with pytest.raises(NotAllowed):
        services.transition(report, "accept", county)
    services.transition(report, "return", city, "请补充满意度低的原因")
    db.session.commit()
    assert report.state is ReportState.RETURNED and report.comments[-1].body == "请补充满意度低的原因"
    assert db.session.scalar(select(Notification).where(Notification.user_id == county.id,
                                                        Notification.title.contains("退回"))).body == \
        "请补充满意度低的原因"

    services.update_report(report, services.ReportInput(PeriodKind.YEAR, 2025, 1, "补充后的做法"), county)
    services.transition(report, "submit", county)
    services.transition(report, "accept", city)
    db.session.commit()
    assert report.state is ReportState.ACCEPTED
    with pytest.raises(Conflict):
        services.transition(report, "return", city, "again")
    with pytest.raises(NotAllowed):
        services.update_report(report, services.ReportInput(PeriodKind.YEAR, 2025, 1, "改"), county)

    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "work_reports")
                                   .order_by(AuditEntry.id)))
    assert actions == ["report.create", "report.submit", "report.return", "report.update", "report.submit",
                       "report.accept"]
    assert all(a in ACTION_LABELS for a in actions)


def test_one_report_per_period_and_bad_input(world):
    draft(world["county"])
    with pytest.raises(Conflict):
        draft(world["county"])
    with pytest.raises(DomainError) as error:
        draft(world["county"], period_kind=PeriodKind.HALF, period_no=3)
    assert "期次" in error.value.message
    with pytest.raises(DomainError):
        draft(world["county"], year=1999)
    with pytest.raises(NotAllowed):
        draft(world["national"])  # the ministry reports to no one
    with pytest.raises(NotAllowed):
        draft(world["township"])


def test_submitting_needs_the_practices(world):
    report = draft(world["county"], practices="")
    with pytest.raises(DomainError) as error:
        services.transition(report, "submit", world["county"])
    assert error.value.field == "practices"


def test_who_sees_a_submitted_report(world, xingtang, accepted):
    report = draft(world["county"])
    services.transition(report, "submit", world["county"])
    db.session.commit()
    for reader in ("national", "province", "city", "county"):
        assert services.get_visible_or_none(world[reader], report.id) is report, reader
    for outsider in ("other_province", "township", "counselor", "operator"):
        assert services.get_visible_or_none(world[outsider], report.id) is None, outsider
    assert services.get_visible_or_none(xingtang, report.id) is None
    # Only the level directly above decides.
    assert services.actions_for(world["province"], report) == []
    with pytest.raises(NotAllowed):
        services.transition(report, "accept", world["province"])


def test_cases_link_to_accepted_agreements_of_the_jurisdiction(world, xingtang, accepted):
    report = draft(world["county"])
    case = services.add_case(report, accepted.id, "财务规范化让社员增收", CASE_TEXT, world["county"])
    assert case.agreement is accepted
    other = draft(xingtang)
    with pytest.raises(DomainError) as error:  # 正定县's agreement is outside 行唐县
        services.add_case(other, accepted.id, "标题", CASE_TEXT, xingtang)
    assert error.value.field == "agreement_id"
    accepted.accepted_at = None
    with pytest.raises(DomainError):
        services.add_case(report, accepted.id, "标题", CASE_TEXT, world["county"])


@pytest.mark.parametrize("text", ["联系人 13931100001", "身份证 130123198001011234", "辅导员陈志明上门指导",
                                  "理事长刘建军介绍"])
def test_case_texts_refuse_personal_data(world, accepted, text):
    report = draft(world["county"])
    with pytest.raises(DomainError) as error:
        services.add_case(report, accepted.id, "案例", text, world["county"])
    assert "个人信息" in error.value.message


def test_only_the_ministry_publishes_cases_of_reports_it_accepted(world, accepted):
    province, national = world["province"], world["national"]
    report = draft(province)
    case = services.add_case(report, accepted.id, "财务规范化让社员增收", CASE_TEXT, province)
    services.transition(report, "submit", province)
    with pytest.raises(NotAllowed):
        services.set_published(case, True, national)  # not yet accepted
    services.transition(report, "accept", national)
    with pytest.raises(NotAllowed):
        services.set_published(case, True, province)
    services.set_published(case, True, national)
    db.session.commit()
    assert db.session.scalars(services.published_cases()).all() == [case]
    services.set_published(case, False, national)
    assert db.session.scalars(services.published_cases()).all() == []


def test_a_county_case_is_not_published_by_the_city(world, accepted):
    report = draft(world["county"])
    case = services.add_case(report, accepted.id, "案例", CASE_TEXT, world["county"])
    services.transition(report, "submit", world["county"])
    services.transition(report, "accept", world["city"])
    assert not services.can_publish(world["city"], case) and not services.can_publish(world["national"], case)


def test_overview_of_the_level_below(world, xingtang, accepted):
    city = world["city"]
    submitted = draft(world["county"])
    services.transition(submitted, "submit", world["county"])
    draft(xingtang)  # a draft is not a report sent
    db.session.commit()
    rows = {row.region.code: row for row in services.overview(city, PeriodKind.YEAR, 2025, 1)}
    assert rows["130123"].report is submitted and rows["130123"].latest is submitted
    assert not rows["130123"].overdue
    assert rows["130125"].report is None and rows["130125"].overdue  # due 2026-01-31, never submitted
    assert "130102" in rows  # every county and district below the city is listed
    national_rows = {r.region.code: r for r in services.overview(world["national"], PeriodKind.YEAR, 2025, 1)}
    assert national_rows["130000"].overdue and "110000" in national_rows
