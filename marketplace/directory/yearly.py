"""The yearly update window (1 January – 30 June): departments complete and confirm last year's data.

Outside the window, changing existing records needs a superior's unlock for the department. Departments
at the appointing levels (national to county) keep counselors, so only they confirm; the status of a year is
read for a department and every appointing department below it with a few grouped queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from marketplace.accounts.models import Department, Role, User
from marketplace.audit.services import record
from marketplace.directory.models import Counselor, CounselorStatus, YearlyConfirmation, YearlyUnlock
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.notifications.services import notify
from marketplace.regions.models import Level, Region
from marketplace.timeutil import local_today, utcnow  # local_today: the window runs on calendar dates in China

WINDOW_START = (1, 1)
WINDOW_END = (6, 30)
APPOINTING_LEVELS = (Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY)
RECORDED = (CounselorStatus.APPOINTED, CounselorStatus.SUSPENDED)
# Optional fields whose absence the status page reports ("what is missing").
OPTIONAL_FIELDS = ("political_status", "education", "employer", "title")
MAX_UNLOCK_DAYS = 90
REMINDER_MONTHS = (5, 6)
REMINDER_INTERVAL = timedelta(days=6)
PAGE_PATH = "/directory/yearly"


def in_window(today: date) -> bool:
    return WINDOW_START <= (today.month, today.day) <= WINDOW_END


def window(today: date) -> tuple[date, date]:
    """This calendar year's window (whether or not it is open today)."""
    return date(today.year, *WINDOW_START), date(today.year, *WINDOW_END)


def data_year(today: date) -> int:
    """The year whose data the current window completes."""
    return today.year - 1


def active_unlock(department: Department, today: date) -> YearlyUnlock | None:
    return db.session.scalars(select(YearlyUnlock).where(
        YearlyUnlock.department_id == department.id, YearlyUnlock.until >= today)
        .order_by(YearlyUnlock.until.desc())).first()


def editing_allowed(department: Department, today: date) -> bool:
    """Existing records may be changed inside the window, or outside it with an active unlock."""
    return in_window(today) or active_unlock(department, today) is not None


# --- status of a year -----------------------------------------------------------------------------------------

@dataclass
class DepartmentStatus:
    """One department's row on the status page."""

    department: Department
    counselors: int = 0
    not_updated: int = 0
    incomplete: int = 0
    missing: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OPTIONAL_FIELDS, 0))
    confirmation: YearlyConfirmation | None = None
    unlock: YearlyUnlock | None = None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmation is not None


@dataclass
class Summary:
    """Totals over a department and everything below it."""

    departments: int = 0
    confirmed: int = 0
    counselors: int = 0
    not_updated: int = 0
    incomplete: int = 0


def departments_below(department: Department, pending_year: int | None = None) -> Select[tuple[Department]]:
    """The appointing departments in `department`'s jurisdiction (itself included), top-down by region.
    With `pending_year`, only those that have not confirmed that year."""
    query = (select(Department).join(Region, Region.code == Department.region_code)
             .where(Region.path.startswith(department.region.path, autoescape=True),
                    Department.level.in_(APPOINTING_LEVELS))
             .order_by(Region.path))
    if pending_year is not None:
        query = query.where(~_confirmed(pending_year))
    return query


def _confirmed(year: int):
    return exists().where(YearlyConfirmation.department_id == Department.id, YearlyConfirmation.data_year == year)


def _missing_clause(name: str):
    column = getattr(Counselor, name)
    return column.is_(None) if name in ("political_status", "education") else or_(column.is_(None), column == "")


def _counts(today: date):
    """The aggregate columns over counselors recorded (appointed or suspended)."""
    not_updated = or_(Counselor.data_year.is_(None), Counselor.data_year < today.year)
    return [
        func.count(Counselor.id).label("counselors"),
        func.coalesce(func.sum(case((not_updated, 1), else_=0)), 0).label("not_updated"),
        func.coalesce(func.sum(case((or_(*(_missing_clause(n) for n in OPTIONAL_FIELDS)), 1), else_=0)), 0)
        .label("incomplete"),
        *(func.coalesce(func.sum(case((_missing_clause(n), 1), else_=0)), 0).label(n) for n in OPTIONAL_FIELDS),
    ]


def status_rows(departments: list[Department], today: date) -> list[DepartmentStatus]:
    """The status of the data year for each of `departments` (three queries, whatever their number)."""
    rows = {d.id: DepartmentStatus(department=d) for d in departments}
    if not rows:
        return []
    ids = list(rows)
    counted = db.session.execute(
        select(Counselor.department_id, *_counts(today))
        .where(Counselor.department_id.in_(ids), Counselor.status.in_(RECORDED))
        .group_by(Counselor.department_id))
    for row in counted:
        status = rows[row.department_id]
        status.counselors, status.not_updated, status.incomplete = row.counselors, row.not_updated, row.incomplete
        status.missing = {name: getattr(row, name) for name in OPTIONAL_FIELDS}
    year = data_year(today)
    for confirmation in db.session.scalars(
            select(YearlyConfirmation).options(joinedload(YearlyConfirmation.confirmed_by))
            .where(YearlyConfirmation.department_id.in_(ids), YearlyConfirmation.data_year == year)):
        rows[confirmation.department_id].confirmation = confirmation
    for unlock in db.session.scalars(
            select(YearlyUnlock).where(YearlyUnlock.department_id.in_(ids), YearlyUnlock.until >= today)
            .order_by(YearlyUnlock.until)):
        rows[unlock.department_id].unlock = unlock  # the latest `until` wins
    return list(rows.values())


def year_status(department: Department, today: date) -> list[DepartmentStatus]:
    """The status of the data year for `department` and every appointing department below it."""
    return status_rows(db.session.scalars(departments_below(department)).unique().all(), today)


def year_summary(department: Department, today: date) -> Summary:
    """Totals for the data year over `department`'s jurisdiction (two queries)."""
    below = departments_below(department).with_only_columns(Department.id).order_by(None)
    year = data_year(today)
    departments, confirmed = db.session.execute(
        select(func.count(Department.id), func.coalesce(func.sum(case((_confirmed(year), 1), else_=0)), 0))
        .where(Department.id.in_(below))).one()
    counts = db.session.execute(
        select(*_counts(today)[:3])
        .where(Counselor.department_id.in_(below), Counselor.status.in_(RECORDED))).one()
    return Summary(departments=departments, confirmed=confirmed, counselors=counts.counselors,
                   not_updated=counts.not_updated, incomplete=counts.incomplete)


# --- confirming and unlocking ---------------------------------------------------------------------------------

def _official(actor: User) -> bool:
    return actor.is_official and actor.is_enabled and actor.department is not None


def can_confirm(actor: User) -> bool:
    """Officials of an appointing department confirm their own department's data."""
    return _official(actor) and actor.department.level in APPOINTING_LEVELS


def can_unlock(actor: User, department: Department) -> bool:
    """Only a department strictly above: its region contains the other's and its level is higher."""
    return (_official(actor) and department.level in APPOINTING_LEVELS
            and actor.department.region.contains(department.region)
            and actor.department.level.rank < department.level.rank)


def confirm_year(actor: User, today: date | None = None) -> YearlyConfirmation:
    """The actor's department confirms its data for the data year (inside the window or when unlocked)."""
    today = today or local_today()
    if not can_confirm(actor):
        raise NotAllowed(_("只有县级及以上农业农村部门的管理员可以确认本部门的名录数据"))
    department = actor.department
    if not editing_allowed(department, today):
        raise NotAllowed(_("不在年度信息维护期（1 月 1 日至 6 月 30 日）内，须由上级部门解锁后才能确认"))
    year = data_year(today)
    existing = db.session.scalar(select(YearlyConfirmation).where(
        YearlyConfirmation.department_id == department.id, YearlyConfirmation.data_year == year))
    if existing is not None:
        raise Conflict(_("本部门 %(year)s 年度名录数据已经确认过", year=year))
    count = db.session.scalar(select(func.count(Counselor.id)).where(
        Counselor.department_id == department.id, Counselor.status.in_(RECORDED))) or 0
    confirmation = YearlyConfirmation(department_id=department.id, department_region_code=department.region_code,
                                      data_year=year, confirmed_by_id=actor.id, counselor_count=count)
    try:
        with db.session.begin_nested():  # a concurrent confirmation loses on the unique constraint
            db.session.add(confirmation)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("本部门 %(year)s 年度名录数据已经确认过", year=year)) from None
    record(actor, "directory.confirm_year", confirmation, region_code=department.region_code, data_year=year,
           counselor_count=count)
    return confirmation


def unlock(actor: User, department: Department, reason: str, until: date | None,
           today: date | None = None) -> YearlyUnlock:
    """A superior lets `department` change its data outside the window until `until` (at most 90 days)."""
    today = today or local_today()
    if not can_unlock(actor, department):
        raise NotAllowed(_("只有上级部门可以为该部门解锁"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("请填写解锁原因"), field="reason")
    if until is None:
        raise DomainError(_("请填写解锁截止日期"), field="until")
    if until < today:
        raise DomainError(_("解锁截止日期不能早于今天"), field="until")
    if until > today + timedelta(days=MAX_UNLOCK_DAYS):
        raise DomainError(_("解锁期限最长 %(days)d 天", days=MAX_UNLOCK_DAYS), field="until")
    year = data_year(today)
    grant = YearlyUnlock(department_id=department.id, department_region_code=department.region_code,
                         data_year=year, unlocked_by_id=actor.id, reason=reason, until=until)
    db.session.add(grant)
    db.session.flush()
    record(actor, "directory.unlock", grant, region_code=department.region_code, department_id=department.id,
           data_year=year, until=until.isoformat(), reason=reason)
    for official in _officials_of([department.id]):
        notify(official, _("%(by)s已为本部门解锁名录数据维护，截止 %(until)s",
                           by=actor.department.name, until=until.isoformat()), reason, link=PAGE_PATH)
    return grant


def _officials_of(department_ids) -> list[User]:
    return list(db.session.scalars(select(User).where(
        User.department_id.in_(department_ids), User.role == Role.OFFICIAL, User.is_enabled.is_(True))
        .order_by(User.id)))


# --- reminders ------------------------------------------------------------------------------------------------

def reminder_link(year: int) -> str:
    """The link of a year's reminder; also how a reminder already sent is recognised (whatever the locale)."""
    return f"{PAGE_PATH}?year={year}"


def send_reminders(today: date | None = None) -> int:
    """In May and June, remind the officials of every appointing department that has not confirmed the data
    year; a user reminded in the last six days is skipped, so a daily run reminds each at most once a week.
    Returns the number of reminders sent."""
    today = today or local_today()
    if today.month not in REMINDER_MONTHS:
        return 0
    year = data_year(today)
    link = reminder_link(year)
    recently = exists().where(Notification.user_id == User.id, Notification.link == link,
                              Notification.created_at >= utcnow() - REMINDER_INTERVAL)
    pending = select(Department.id).where(Department.level.in_(APPOINTING_LEVELS), ~_confirmed(year))
    officials = db.session.scalars(select(User).where(
        User.department_id.in_(pending), User.role == Role.OFFICIAL, User.is_enabled.is_(True), ~recently)
        .order_by(User.id)).all()
    end = date(today.year, *WINDOW_END)
    for official in officials:
        notify(official, _("请在 %(end)s 前确认本部门 %(year)s 年度名录数据", end=end.isoformat(), year=year),
               _("本部门尚未确认 %(year)s 年度名录数据。请核对、补充本部门聘任的辅导员信息后，"
                 "在“年度信息维护”页面确认。距截止还有 %(days)d 天。", year=year, days=(end - today).days),
               link=link)
    return len(officials)


# --- the counselor's own view of the window -------------------------------------------------------------------

# What a counselor can see is missing from their own record (the department's fields are not theirs to fill).
OWN_FIELDS = OPTIONAL_FIELDS


@dataclass
class OwnWindow:
    """The yearly window as one counselor sees it on their own page."""

    today: date
    start: date
    end: date
    is_open: bool
    data_year: int
    updated_this_year: bool
    missing: list[str]
    confirmed_at: object | None  # a datetime when the counselor confirmed in this year's window

    @property
    def days_left(self) -> int:
        return max(0, (self.end - self.today).days)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def next_start(self) -> date:
        return self.start if self.today < self.start else date(self.today.year + 1, *WINDOW_START)


def own_window(counselor: Counselor, today: date | None = None) -> OwnWindow:
    """What is due by 30 June for this record: the fields missing, whether the record was updated this year,
    and whether the counselor has confirmed it is current."""
    today = today or local_today()
    start, end = window(today)
    missing = [name for name in OWN_FIELDS if getattr(counselor, name) in (None, "")]
    confirmed = counselor.self_confirmed_at if counselor.self_confirmed_year == today.year else None
    return OwnWindow(today=today, start=start, end=end, is_open=in_window(today), data_year=data_year(today),
                     updated_this_year=(counselor.data_year or 0) >= today.year, missing=missing,
                     confirmed_at=confirmed)


def confirm_own_data(user: User, counselor: Counselor, today: date | None = None) -> None:
    """The counselor confirms, inside the window, that their record is current: the record counts as updated
    this year (`data_year`), the confirmation is kept on the record, in its history and in the audit log, and
    the department sees it on the record page and the yearly status page. A second press changes nothing."""
    from sqlalchemy import update

    from marketplace.directory.models import CounselorEvent

    today = today or local_today()
    if counselor.user_id is None or counselor.user_id != user.id:
        raise NotAllowed(_("只能确认本人的名录信息"))
    if not in_window(today):
        raise NotAllowed(_("不在年度信息维护期（1 月 1 日至 6 月 30 日）内，无需确认"))
    if counselor.status not in RECORDED:
        raise NotAllowed(_("当前聘任状态无需确认名录信息"))
    now = utcnow()
    result = db.session.execute(
        update(Counselor).where(Counselor.id == counselor.id, or_(Counselor.self_confirmed_year.is_(None),
                                                                 Counselor.self_confirmed_year < today.year))
        .values(self_confirmed_year=today.year, self_confirmed_at=now, data_year=today.year)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(_("您已确认过今年的名录信息"))
    db.session.refresh(counselor)
    db.session.add(CounselorEvent(counselor_id=counselor.id, action="confirm_own", from_status=counselor.status,
                                  to_status=counselor.status, actor_id=user.id,
                                  changes={"data_year": data_year(today)}))
    db.session.flush()
    record(user, "counselor.confirm_own_data", counselor, region_code=counselor.department_region_code,
           data_year=data_year(today))
