"""The yearly update (1 January – 30 June): window, status of a year, confirming, unlocking, reminders; and the
daily 期满 task. Dates are passed explicitly, so nothing depends on the day the tests run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
import time_machine
from sqlalchemy import func, select
from stdnum.cn import ric

from marketplace.audit.models import AuditEntry
from marketplace.directory import yearly
from marketplace.directory.models import (
    Counselor,
    CounselorEvent,
    CounselorStatus,
    Education,
    PoliticalStatus,
    Source,
    WorkMode,
    YearlyConfirmation,
    YearlyUnlock,
)
from marketplace.directory.services import CounselorInput, appoint_counselor, expire_due, update_counselor
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.notifications.models import Notification
from tests.conftest import csrf_token_from, text_of

IN_WINDOW = date(2026, 3, 1)
AFTER_WINDOW = date(2026, 7, 1)
_serial = count(1)


def id_number(serial: int) -> str:
    base = f"13012319800101{serial:03d}"
    return base + ric.calc_check_digit(base + "0")


def person(name: str = "刘桂芳", **fields) -> CounselorInput:
    values = dict(name=name, id_number=id_number(next(_serial)), phone="13800001111", region_code="130123100",
                  specialties=4, industries=1, work_mode=WorkMode.PART_TIME, source=Source.RURAL_EXPERT,
                  appointed_on=date(2025, 1, 1))
    values.update(fields)
    return CounselorInput(**values)


def appoint(actor, db, data_year: int | None = 2026, status: CounselorStatus | None = None, **fields) -> Counselor:
    """Appointed on its appointment day (a term already over would be recorded 期满 at once): records made
    while their term ran, which the daily task must expire later."""
    day = fields.get("appointed_on")
    with time_machine.travel(datetime(day.year, day.month, day.day, 4, tzinfo=UTC) if day else datetime.now(UTC),
                             tick=False):
        counselor = appoint_counselor(actor, person(**fields))
    counselor.data_year = data_year
    if status is not None:
        counselor.status = status
    db.session.commit()
    return counselor


COMPLETE = dict(political_status=PoliticalStatus.MASSES, education=Education.BACHELOR, employer="正定县农业农村局",
                title="农艺师")


# --- the window -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "inside"), [
    (date(2026, 1, 1), True), (date(2026, 3, 15), True), (date(2026, 6, 30), True),
    (date(2026, 7, 1), False), (date(2026, 12, 31), False),
])
def test_window(day, inside):
    assert yearly.in_window(day) is inside
    assert yearly.data_year(day) == 2025
    assert yearly.window(day) == (date(2026, 1, 1), date(2026, 6, 30))


def test_editing_allowed_outside_the_window_only_with_an_active_unlock(world, db):
    county = world["county"].department
    assert yearly.editing_allowed(county, IN_WINDOW)
    assert not yearly.editing_allowed(county, AFTER_WINDOW)
    yearly.unlock(world["city"], county, "补录", date(2026, 7, 31), today=AFTER_WINDOW)
    assert yearly.editing_allowed(county, AFTER_WINDOW)
    assert yearly.editing_allowed(county, date(2026, 7, 31))
    assert not yearly.editing_allowed(county, date(2026, 8, 1))
    assert not yearly.editing_allowed(world["city"].department, AFTER_WINDOW)  # only the unlocked department


def test_update_counselor_respects_the_window(world, db):
    counselor = appoint(world["county"], db)
    outside = person(name="刘桂兰", id_number=counselor_id_number(counselor))
    with pytest.raises(NotAllowed):
        update_counselor(world["county"], counselor, outside, today=AFTER_WINDOW)
    assert counselor.name == "刘桂芳"
    assert update_counselor(world["county"], counselor, outside, today=IN_WINDOW)["name"] == ["刘桂芳", "刘桂兰"]

    yearly.unlock(world["city"], world["county"].department, "更正姓名", date(2026, 7, 10), today=AFTER_WINDOW)
    again = person(name="刘桂英", id_number=counselor_id_number(counselor))
    assert "name" in update_counselor(world["county"], counselor, again, today=date(2026, 7, 5))
    with pytest.raises(NotAllowed):
        update_counselor(world["county"], counselor, person(name="刘桂珍", id_number=counselor_id_number(counselor)),
                         today=date(2026, 7, 11))


def counselor_id_number(counselor: Counselor) -> str:
    from marketplace import crypto

    return crypto.decrypt(counselor.id_number_cipher)


# --- the status of a year -----------------------------------------------------------------------------------------

@pytest.fixture
def directory(world, db):
    """Counselors at the county and the city, in several states and degrees of completeness."""
    county, city = world["county"], world["city"]
    appoint(county, db, **COMPLETE)                                                   # complete, updated
    appoint(county, db, data_year=2025, **COMPLETE)                                   # not updated this year
    appoint(county, db, data_year=None, employer="", title=None)                      # nothing optional
    appoint(county, db, status=CounselorStatus.SUSPENDED, political_status=PoliticalStatus.MASSES,
            education=Education.COLLEGE, employer="某合作社")                           # suspended, no title
    appoint(county, db, data_year=2024, status=CounselorStatus.EXPIRED)               # not recorded: ignored
    appoint(city, db, data_year=2025, region_code="130102", **COMPLETE)
    appoint(world["other_province"], db, region_code="110105")                        # another jurisdiction
    db.session.add(YearlyConfirmation(department_id=county.department_id, department_region_code="130123",
                                      data_year=2025, confirmed_by_id=county.id, counselor_count=4))
    db.session.commit()
    return world


def test_status_counts(directory, db):
    rows = {row.department.region_code: row for row in yearly.year_status(directory["province"].department,
                                                                            IN_WINDOW)}
    assert list(rows) == ["130000", "130100", "130123"]  # appointing levels only, top-down; no township
    county = rows["130123"]
    assert (county.counselors, county.not_updated, county.incomplete) == (4, 2, 2)
    assert county.missing == {"political_status": 1, "education": 1, "employer": 1, "title": 2}
    assert county.is_confirmed and county.confirmation.confirmed_by.id == directory["county"].id
    city = rows["130100"]
    assert (city.counselors, city.not_updated, city.incomplete, city.is_confirmed) == (1, 1, 0, False)
    assert rows["130000"].counselors == 0 and not rows["130000"].is_confirmed

    summary = yearly.year_summary(directory["province"].department, IN_WINDOW)
    assert (summary.departments, summary.confirmed, summary.counselors, summary.not_updated,
            summary.incomplete) == (3, 1, 5, 3, 2)
    national = yearly.year_summary(directory["national"].department, IN_WINDOW)
    assert (national.departments, national.counselors) == (5, 6)
    assert yearly.year_status(directory["township"].department, IN_WINDOW) == []


def test_status_uses_a_fixed_number_of_queries(directory, db, make_user, query_counter):
    for code in ("130102", "130104", "130105", "130107", "130108"):
        make_user(region_code=code)
    db.session.expire_all()
    national = directory["national"].department
    with query_counter() as statements:
        rows = yearly.year_status(national, IN_WINDOW)
    assert len(rows) == 10
    assert len(statements) <= 4


def test_status_shows_an_active_unlock(directory, db):
    yearly.unlock(directory["city"], directory["county"].department, "补录", date(2026, 8, 1), today=AFTER_WINDOW)
    rows = {r.department.region_code: r for r in yearly.year_status(directory["city"].department, AFTER_WINDOW)}
    assert rows["130123"].unlock.until == date(2026, 8, 1)
    assert rows["130100"].unlock is None


# --- confirming ---------------------------------------------------------------------------------------------------

def test_confirm_inside_the_window(world, db):
    appoint(world["county"], db)
    appoint(world["county"], db, status=CounselorStatus.STRUCK_OFF)
    confirmation = yearly.confirm_year(world["county"], IN_WINDOW)
    db.session.commit()
    assert (confirmation.data_year, confirmation.counselor_count) == (2025, 1)
    assert confirmation.department_id == world["county"].department_id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "directory.confirm_year"))
    assert entry.actor_id == world["county"].id and entry.region_code == "130123"
    assert entry.details["data_year"] == 2025

    with pytest.raises(Conflict) as error:
        yearly.confirm_year(world["county"], date(2026, 6, 30))
    assert "已经确认" in error.value.message
    assert db.session.scalar(select(func.count(YearlyConfirmation.id))) == 1


def test_confirm_outside_the_window_needs_an_unlock(world, db):
    with pytest.raises(NotAllowed):
        yearly.confirm_year(world["county"], AFTER_WINDOW)
    yearly.unlock(world["province"], world["county"].department, "逾期确认", date(2026, 7, 15), today=AFTER_WINDOW)
    assert yearly.confirm_year(world["county"], date(2026, 7, 2)).data_year == 2025


@pytest.mark.parametrize("actor", ["township", "counselor", "operator", "center_staff"])
def test_only_officials_of_appointing_departments_confirm(world, actor):
    with pytest.raises(NotAllowed):
        yearly.confirm_year(world[actor], IN_WINDOW)


def test_each_department_confirms_its_own(world, db):
    yearly.confirm_year(world["city"], IN_WINDOW)
    rows = {r.department.region_code: r for r in yearly.year_status(world["city"].department, IN_WINDOW)}
    assert rows["130100"].is_confirmed and not rows["130123"].is_confirmed


# --- unlocking ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("actor", ["national", "province", "city"])
def test_a_superior_unlocks(world, db, actor):
    county = world["county"].department
    grant = yearly.unlock(world[actor], county, "  补录2025年度数据 ", date(2026, 9, 1), today=AFTER_WINDOW)
    db.session.commit()
    assert (grant.department_id, grant.data_year, grant.reason, grant.unlocked_by_id) == (
        county.id, 2025, "补录2025年度数据", world[actor].id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "directory.unlock"))
    assert entry.region_code == "130123" and entry.details["until"] == "2026-09-01"
    notes = db.session.scalars(select(Notification).where(Notification.user_id == world["county"].id)).all()
    assert len(notes) == 1 and "2026-09-01" in notes[0].title and notes[0].body == "补录2025年度数据"


@pytest.mark.parametrize(("actor", "target"), [
    ("county", "county"),            # not itself
    ("county", "city"),              # not upwards
    ("other_province", "county"),    # not another jurisdiction
    ("township", "county"),
    ("city", "township"),            # townships keep no counselors
    ("counselor", "county"),
])
def test_who_may_not_unlock(world, actor, target):
    department = world[target].department
    with pytest.raises(NotAllowed):
        yearly.unlock(world[actor], department, "补录", date(2026, 7, 31), today=AFTER_WINDOW)


@pytest.mark.parametrize(("reason", "until", "field"), [
    ("", date(2026, 7, 31), "reason"),
    ("   ", date(2026, 7, 31), "reason"),
    ("补录", None, "until"),
    ("补录", date(2026, 6, 30), "until"),                        # in the past
    ("补录", AFTER_WINDOW + timedelta(days=91), "until"),         # longer than 90 days
])
def test_unlock_needs_a_reason_and_a_near_date(world, db, reason, until, field):
    with pytest.raises(DomainError) as error:
        yearly.unlock(world["city"], world["county"].department, reason, until, today=AFTER_WINDOW)
    assert error.value.field == field
    assert db.session.scalar(select(func.count(YearlyUnlock.id))) == 0


def test_unlock_for_exactly_90_days(world):
    until = AFTER_WINDOW + timedelta(days=90)
    assert yearly.unlock(world["city"], world["county"].department, "补录", until, today=AFTER_WINDOW).until == until


# --- reminders ----------------------------------------------------------------------------------------------------

def _reminders(db):
    return db.session.scalars(select(Notification).where(Notification.link == yearly.reminder_link(2025))
                              .order_by(Notification.user_id)).all()


@pytest.mark.parametrize("day", [date(2026, 1, 10), date(2026, 4, 30), date(2026, 7, 1), date(2026, 11, 1)])
def test_no_reminders_outside_may_and_june(world, db, day):
    assert yearly.send_reminders(day) == 0
    assert _reminders(db) == []


def test_reminders_go_to_departments_that_have_not_confirmed(world, db, make_user):
    yearly.confirm_year(world["county"], IN_WINDOW)
    make_user(region_code="130100", is_enabled=False)  # a disabled official of the city
    db.session.commit()
    assert yearly.send_reminders(date(2026, 5, 4)) == 4
    db.session.commit()
    reminded = {n.user_id for n in _reminders(db)}
    assert reminded == {world[k].id for k in ("national", "province", "other_province", "city")}
    assert "2026-06-30" in _reminders(db)[0].title


def test_reminders_are_not_repeated_within_a_week(world, db):
    assert yearly.send_reminders(date(2026, 6, 1)) == 5
    db.session.commit()
    assert yearly.send_reminders(date(2026, 6, 2)) == 0
    assert yearly.send_reminders(date(2026, 6, 6)) == 0
    for note in _reminders(db):  # a week later
        note.created_at -= timedelta(days=7)
    yearly.confirm_year(world["city"], date(2026, 6, 8))
    db.session.commit()
    assert yearly.send_reminders(date(2026, 6, 8)) == 4
    assert len(_reminders(db)) == 9


def test_reminder_task(app, world, db):
    from tasks.directory import send_yearly_reminders

    db.session.commit()
    assert send_yearly_reminders.delay("2026-05-20").get() == 5
    assert send_yearly_reminders.delay("2026-05-21").get() == 0
    db.session.expire_all()
    assert len(_reminders(db)) == 5


def test_periodic_jobs_are_scheduled():
    from tasks import BEAT_SCHEDULE

    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"directory.send_yearly_reminders", "directory.expire_terms"} <= tasks


# --- 期满 -----------------------------------------------------------------------------------------------------------

def test_expire_due_marks_past_terms_only(world, db):
    county = world["county"]
    past = appoint(county, db, appointed_on=date(2020, 1, 1))                          # ended 2022-12-31
    suspended = appoint(county, db, appointed_on=date(2021, 1, 1), status=CounselorStatus.SUSPENDED)
    ends_today = appoint(county, db, appointed_on=date(2023, 3, 1))                    # ends 2026-02-28
    current = appoint(county, db, appointed_on=date(2025, 1, 1))
    struck = appoint(county, db, appointed_on=date(2019, 1, 1), status=CounselorStatus.STRUCK_OFF)

    assert expire_due(date(2026, 2, 28)) == 2
    db.session.commit()
    for counselor in (past, suspended, ends_today, current, struck):
        db.session.refresh(counselor)
    assert past.status is suspended.status is CounselorStatus.EXPIRED
    assert ends_today.status is current.status is CounselorStatus.APPOINTED
    assert struck.status is CounselorStatus.STRUCK_OFF
    event = db.session.scalar(select(CounselorEvent).where(CounselorEvent.counselor_id == past.id,
                                                           CounselorEvent.action == "expire"))
    assert (event.to_status, event.actor_id) == (CounselorStatus.EXPIRED, None)  # by the system
    assert "2022-12-31" in event.reason
    assert expire_due(date(2026, 2, 28)) == 0  # idempotent

    assert expire_due(date(2026, 3, 1)) == 1
    db.session.refresh(ends_today)
    assert ends_today.status is CounselorStatus.EXPIRED


def test_expire_event_records_the_previous_status(world, db):
    counselor = appoint(world["county"], db, appointed_on=date(2020, 1, 1))
    expire_due(date(2026, 1, 1))
    event = db.session.scalar(select(CounselorEvent).where(CounselorEvent.counselor_id == counselor.id,
                                                           CounselorEvent.action == "expire"))
    assert event.from_status is CounselorStatus.APPOINTED


def test_expire_task(world, db):
    from tasks.directory import expire_terms

    counselor = appoint(world["county"], db, appointed_on=date(2020, 1, 1))
    assert expire_terms.delay("2026-01-01").get() == 1
    db.session.expire_all()
    assert db.session.get(Counselor, counselor.id).status is CounselorStatus.EXPIRED
    assert expire_terms.delay("2026-01-01").get() == 0


# --- pages ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def in_window(monkeypatch):
    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 5, 10))


@pytest.fixture
def after_window(monkeypatch):
    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 10, 10))


def test_status_page(directory, client, login, in_window):
    login(directory["province"])
    response = client.get("/directory/yearly")
    assert response.status_code == 200
    text = text_of(response)
    assert "2026-01-01" in text and "2026-06-30" in text and "2025" in text
    assert "石家庄市" in text and "正定县" in text
    assert "已确认" in text and "未确认" in text
    assert "职称 2" in text
    html = response.get_data(as_text=True)
    assert "/directory/yearly/confirm" in html  # the province confirms its own
    assert "/directory/yearly/unlock/" not in html  # inside the window no unlock is needed
    assert "<script>" not in html and "style=" not in html

    pending = text_of(client.get("/directory/yearly?pending=1"))
    assert "石家庄市" in pending and "正定县" not in pending


def test_confirm_through_the_page(world, client, login, in_window, db, request):
    login(world["county"])
    request.getfixturevalue("csrf_enabled")
    page = client.get("/directory/yearly")
    assert client.post("/directory/yearly/confirm").status_code == 400  # no CSRF token
    response = client.post("/directory/yearly/confirm", data={"csrf_token": csrf_token_from(page.text)},
                           follow_redirects=True)
    assert "已确认 2025 年度名录数据" in text_of(response)
    assert db.session.scalar(select(YearlyConfirmation)).confirmed_by_id == world["county"].id
    again = client.post("/directory/yearly/confirm", data={"csrf_token": csrf_token_from(page.text)},
                        follow_redirects=True)
    assert "已经确认" in text_of(again)


def test_confirm_after_the_window_is_refused_on_the_page(world, client, login, after_window, db):
    login(world["county"])
    assert "联系上级部门解锁" in text_of(client.get("/directory/yearly"))
    response = client.post("/directory/yearly/confirm", follow_redirects=True)
    assert "须由上级部门解锁" in text_of(response)
    assert db.session.scalar(select(func.count(YearlyConfirmation.id))) == 0


def test_unlock_through_the_page(world, client, login, after_window, db):
    login(world["city"])
    html = client.get("/directory/yearly").get_data(as_text=True)
    county_id = world["county"].department_id
    assert f"/directory/yearly/unlock/{county_id}" in html
    refused = client.post(f"/directory/yearly/unlock/{county_id}", data={"reason": "", "until": "2026-10-20"},
                          follow_redirects=True)
    assert "请填写解锁原因" in text_of(refused)
    too_long = client.post(f"/directory/yearly/unlock/{county_id}",
                           data={"reason": "补录", "until": "2027-02-01"}, follow_redirects=True)
    assert "最长 90 天" in text_of(too_long)
    response = client.post(f"/directory/yearly/unlock/{county_id}",
                           data={"reason": "补录上年度数据", "until": "2026-10-31"}, follow_redirects=True)
    assert "已为" in text_of(response) and "2026-10-31" in text_of(response)
    grant = db.session.scalar(select(YearlyUnlock))
    assert (grant.department_id, grant.until, grant.unlocked_by_id) == (county_id, date(2026, 10, 31),
                                                                         world["city"].id)
    assert "已解锁至 2026-10-31" in text_of(client.get("/directory/yearly"))
