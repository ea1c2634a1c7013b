"""Training services: plan and change a training, enrol counselors (themselves or by their department), record
attendance and credit hours, and read a counselor's training history and a jurisdiction's coverage.

Who may do what: the organising department's officials manage a training; officials above it read it (it
lies in their jurisdiction); a counselor in post who is in the audience (the department's own appointees, or
every counselor in its region and below) sees it and may enrol while it is planned. Services flush, never
commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, distinct, func, or_, select

from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.directory.models import Counselor, CounselorStatus
from marketplace.errors import Conflict, DomainError, NotAllowed, raise_if_errors
from marketplace.extensions import db
from marketplace.jurisdiction import scoped
from marketplace.notifications.services import notify
from marketplace.regions.models import Region
from marketplace.timeutil import utcnow
from marketplace.training.models import Audience, Training, TrainingEnrollment, TrainingMode, TrainingState

MAX_HOURS = Decimal("200")
MAX_CAPACITY = 10_000
MAX_NUMBERS = 500  # certificate numbers in one enrolment list

# The training's state machine: the only list of actions. The page's buttons, the route and the API read it.
# action: (states it may start from, state it leads to, button label, button style, a reason is required)
TRANSITIONS: dict[str, tuple[frozenset[TrainingState], TrainingState, object, str, bool]] = {
    "complete": (frozenset({TrainingState.PLANNED}), TrainingState.COMPLETED, _l("结束培训"), "success", False),
    "cancel": (frozenset({TrainingState.PLANNED}), TrainingState.CANCELLED, _l("取消培训"), "outline-danger", True),
}


@dataclass
class TrainingInput:
    title: str
    starts_on: date
    ends_on: date
    mode: TrainingMode
    hours: Decimal
    organiser: str
    capacity: int
    audience: Audience
    topic_specialty: int | None = None
    topic: str | None = None
    place: str | None = None
    description: str | None = None


def china_today() -> date:
    """Today in China: dates of trainings are China dates."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


# --- who may -------------------------------------------------------------------------------------------------

def can_plan(user: User) -> bool:
    return user.is_authenticated and user.role is Role.OFFICIAL and user.department_id is not None


def can_manage(user: User, training: Training) -> bool:
    """The organising department's officials manage its trainings."""
    return can_plan(user) and user.department_id == training.department_id


def actions_for(user: User, training: Training) -> list[dict]:
    """The transition buttons this user may press on this training (from TRANSITIONS)."""
    if not can_manage(user, training):
        return []
    return [{"action": name, "label": str(label), "style": style, "needs_reason": needs_reason}
            for name, (sources, _target, label, style, needs_reason) in TRANSITIONS.items()
            if training.state in sources]


def counselor_of(user: User) -> Counselor | None:
    if not user.is_authenticated or user.role is not Role.COUNSELOR:
        return None
    return db.session.scalars(select(Counselor).where(Counselor.user_id == user.id)).first()


def _ancestor_codes(region_code: str) -> list[str]:
    region = db.session.get(Region, region_code)
    return [code for code in (region.path.strip("/").split("/") if region else []) if code]


def audience_clause(counselor: Counselor):
    """Trainings whose audience includes this counselor: organised by their own department, or by a
    department of their region or above that opened it to the whole jurisdiction."""
    return and_(Training.region_code.in_(_ancestor_codes(counselor.region_code)),
                or_(Training.audience == Audience.JURISDICTION, Training.department_id == counselor.department_id))


def open_to(counselor: Counselor) -> Select[tuple[Training]]:
    """The trainings a counselor sees: those whose audience includes them and those they are enrolled in."""
    enrolled = select(TrainingEnrollment.training_id).where(TrainingEnrollment.counselor_id == counselor.id)
    return select(Training).where(or_(and_(audience_clause(counselor), Training.state != TrainingState.CANCELLED),
                                      Training.id.in_(enrolled)))


def visible_trainings(user: User) -> Select[tuple[Training]]:
    """Officials: their jurisdiction's trainings (one scoping mechanism); counselors: the ones open to them."""
    if user.is_authenticated and user.is_official:
        return scoped(Training, user)
    counselor = counselor_of(user)
    if counselor is None:
        return select(Training).where(Training.id.is_(None))
    return open_to(counselor)


def get_visible_or_none(user: User, training_id: int) -> Training | None:
    return db.session.scalars(visible_trainings(user).where(Training.id == training_id)).first()


def in_audience(training: Training, counselor: Counselor) -> bool:
    if counselor.status is not CounselorStatus.APPOINTED:
        return False
    if training.audience is Audience.OWN:
        return counselor.department_id == training.department_id
    return training.region_code in _ancestor_codes(counselor.region_code)


# --- planning ------------------------------------------------------------------------------------------------

def _validate(data: TrainingInput, enrolled: int = 0) -> None:
    errors: dict[str, str] = {}
    if not (data.title or "").strip():
        errors["title"] = _("请填写培训名称")
    if data.ends_on < data.starts_on:
        errors["ends_on"] = _("结束日期不能早于开始日期")
    if not (Decimal("0.5") <= data.hours <= MAX_HOURS):
        errors["hours"] = _("学时应在 0.5 至 %(max)s 之间", max=MAX_HOURS)
    if not (1 <= data.capacity <= MAX_CAPACITY):
        errors["capacity"] = _("人数上限应在 1 至 %(max)d 之间", max=MAX_CAPACITY)
    elif data.capacity < enrolled:
        errors["capacity"] = _("已有 %(n)d 人报名，人数上限不能低于此数", n=enrolled)
    if data.mode is not TrainingMode.ONLINE and not (data.place or "").strip():
        errors["place"] = _("线下培训请填写培训地点")
    if not data.topic_specialty and not (data.topic or "").strip():
        errors["topic"] = _("请选择培训专题或填写自定专题")
    raise_if_errors(errors)


def _apply(training: Training, data: TrainingInput) -> None:
    training.title = data.title.strip()
    training.starts_on, training.ends_on = data.starts_on, data.ends_on
    training.mode, training.hours, training.organiser = data.mode, data.hours, data.organiser.strip()
    training.capacity, training.audience = data.capacity, data.audience
    training.topic_specialty = data.topic_specialty or None
    training.topic = (data.topic or "").strip() or None
    training.place = (data.place or "").strip() or None
    training.description = (data.description or "").strip() or None


def plan_training(actor: User, data: TrainingInput) -> Training:
    """A new training organised by the actor's department."""
    if not can_plan(actor):
        raise NotAllowed(_("只有农业农村部门可以安排培训"))
    _validate(data)
    training = Training(department_id=actor.department_id, region_code=actor.department.region_code,
                        created_by_id=actor.id, state=TrainingState.PLANNED)
    _apply(training, data)
    db.session.add(training)
    db.session.flush()
    record(actor, "training.create", training, title=training.title)
    return training


def update_training(training: Training, data: TrainingInput, actor: User) -> None:
    if not can_manage(actor, training):
        raise NotAllowed(_("只有组织培训的部门可以修改培训"))
    if training.state is not TrainingState.PLANNED:
        raise Conflict(_("培训已结束或已取消，不能再修改"))
    _validate(data, enrolled=len(training.enrollments))
    _apply(training, data)
    db.session.flush()
    record(actor, "training.update", training, title=training.title)


def transition(training: Training, action: str, actor: User, reason: str | None = None) -> None:
    """Move a training along TRANSITIONS (结束 once attendance is recorded, or 取消 with a reason)."""
    if action not in TRANSITIONS:
        raise DomainError(_("未知的操作"))
    if not can_manage(actor, training):
        raise NotAllowed(_("只有组织培训的部门可以操作"))
    sources, target, _label, _style, needs_reason = TRANSITIONS[action]
    if training.state not in sources:
        raise Conflict(_("培训当前状态不能执行此操作"))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise DomainError(_("请填写原因"), field="reason")
    if target is TrainingState.COMPLETED:
        if training.starts_on > china_today():
            raise Conflict(_("培训尚未开始，不能结束"))
        unrecorded = [e for e in training.enrollments if e.attended is None]
        if unrecorded:
            raise Conflict(_("还有 %(n)d 人未登记出勤，请先登记", n=len(unrecorded)))
    training.state, training.state_reason = target, reason or None
    db.session.flush()
    record(actor, f"training.{action}", training, reason=reason or None)
    if target is TrainingState.CANCELLED:
        for enrollment in training.enrollments:
            user = enrollment.counselor.user
            if user is not None:
                notify(user, _("培训已取消：%(title)s", title=training.title), reason,
                       link=f"/training/{training.id}")


# --- enrolment -----------------------------------------------------------------------------------------------

def _check_open(training: Training, by_self: bool = True) -> None:
    """Counselors enrol themselves until the training's last day; the organising department may still add
    or remove participants afterwards (to record a training held offline) until it is closed."""
    if training.state is not TrainingState.PLANNED:
        raise Conflict(_("培训已结束或已取消，不能报名"))
    if by_self and training.ends_on < china_today():
        raise Conflict(_("培训已过结束日期，不能报名"))


def enroll(training: Training, counselor: Counselor, actor: User) -> TrainingEnrollment:
    """Put a counselor on the list: by themselves, or by the organising department."""
    by_self = counselor.user_id is not None and counselor.user_id == actor.id
    if not by_self and not can_manage(actor, training):
        raise NotAllowed(_("只能为本人报名，或由组织培训的部门报名"))
    _check_open(training, by_self)
    if not in_audience(training, counselor):
        raise Conflict(_("%(name)s 不在本次培训的参训范围内（仅限在聘辅导员）", name=counselor.name))
    if any(e.counselor_id == counselor.id for e in training.enrollments):
        raise Conflict(_("%(name)s 已报名", name=counselor.name))
    if len(training.enrollments) >= training.capacity:
        raise Conflict(_("报名人数已满（%(n)d 人）", n=training.capacity))
    enrollment = TrainingEnrollment(training=training, counselor=counselor, enrolled_by_id=actor.id)
    db.session.add(enrollment)
    db.session.flush()
    record(actor, "training.enroll", training, counselor_id=counselor.id)
    if not by_self and counselor.user is not None:
        notify(counselor.user, _("您已被安排参加培训：%(title)s", title=training.title),
               _("%(start)s 起，%(hours)s 学时", start=training.starts_on.isoformat(), hours=training.hours),
               link=f"/training/{training.id}")
    return enrollment


def withdraw(enrollment: TrainingEnrollment, actor: User) -> None:
    training = enrollment.training
    counselor = enrollment.counselor
    by_self = counselor.user_id is not None and counselor.user_id == actor.id
    if not by_self and not can_manage(actor, training):
        raise NotAllowed(_("只能取消本人的报名"))
    _check_open(training, by_self)
    if enrollment.attended is not None:
        raise Conflict(_("已登记出勤，不能取消报名"))
    training.enrollments.remove(enrollment)
    db.session.flush()
    record(actor, "training.withdraw", training, counselor_id=counselor.id)


NUMBER_SPLIT = re.compile(r"[\s,，;；、]+")


def enroll_by_numbers(training: Training, text: str, actor: User) -> int:
    """Enrol the counselors whose certificate numbers are listed (one per line or separated by commas); all or
    nothing: an unknown, out-of-jurisdiction or ineligible number refuses the whole list, naming each."""
    if not can_manage(actor, training):
        raise NotAllowed(_("只有组织培训的部门可以安排报名"))
    _check_open(training, by_self=False)
    numbers = list(dict.fromkeys(n.upper() for n in NUMBER_SPLIT.split(text or "") if n))
    if not numbers:
        raise DomainError(_("请填写至少一个证书编号"), field="numbers")
    if len(numbers) > MAX_NUMBERS:
        raise DomainError(_("一次最多填写 %(n)d 个证书编号", n=MAX_NUMBERS), field="numbers")
    found = {c.certificate_no.upper(): c for c in db.session.scalars(
        scoped(Counselor, actor).where(func.upper(Counselor.certificate_no).in_(numbers)))}
    enrolled = {e.counselor_id for e in training.enrollments}
    problems, chosen = [], []
    for number in numbers:
        counselor = found.get(number)
        if counselor is None:
            problems.append(_("%(no)s：辖区内没有此证书编号", no=number))
        elif not in_audience(training, counselor):
            problems.append(_("%(no)s（%(name)s）：不在参训范围内", no=number, name=counselor.name))
        elif counselor.id not in enrolled:
            chosen.append(counselor)
    if not problems and len(training.enrollments) + len(chosen) > training.capacity:
        problems.append(_("超出人数上限（%(n)d 人）", n=training.capacity))
    if problems:
        raise DomainError("；".join(problems), field="numbers")
    for counselor in chosen:
        enroll(training, counselor, actor)
    return len(chosen)


# --- attendance ----------------------------------------------------------------------------------------------

def parse_hours(value: str | None, training: Training) -> Decimal | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        hours = Decimal(text)
    except InvalidOperation:
        raise DomainError(_("学时“%(v)s”不是数字", v=text)) from None
    if not (Decimal("0") <= hours <= training.hours) or hours != hours.quantize(Decimal("0.1")):
        raise DomainError(_("学时应在 0 至 %(max)s 之间，最多一位小数", max=training.hours))
    return hours


def record_attendance(training: Training, marks: dict[int, tuple[bool, Decimal | None]], actor: User) -> int:
    """Record who attended and the hours credited (the training's hours unless given); absent means 0 hours.
    `marks` maps enrolment ids of this training to (attended, hours). An attended counselor gets a completion
    certificate number. Returns how many rows changed."""
    if not can_manage(actor, training):
        raise NotAllowed(_("只有组织培训的部门可以登记出勤"))
    if training.state is TrainingState.CANCELLED:
        raise Conflict(_("培训已取消"))
    if training.starts_on > china_today():
        raise Conflict(_("培训尚未开始，不能登记出勤"))
    by_id = {e.id: e for e in training.enrollments}
    unknown = [i for i in marks if i not in by_id]
    if unknown:
        raise DomainError(_("名单中没有这些报名记录"))
    changed = 0
    now = utcnow()
    for enrollment_id, (attended, hours) in marks.items():
        enrollment = by_id[enrollment_id]
        hours = (hours if hours is not None else training.hours) if attended else Decimal("0")
        if enrollment.attended == attended and enrollment.hours == hours:
            continue
        enrollment.attended, enrollment.hours = attended, hours
        enrollment.recorded_by_id, enrollment.recorded_at = actor.id, now
        changed += 1
    db.session.flush()
    for enrollment in training.enrollments:
        if enrollment.attended and not enrollment.certificate_no:
            enrollment.certificate_no = certificate_number(enrollment)
    db.session.flush()
    if changed:
        record(actor, "training.attendance", training, changed=changed)
    return changed


def certificate_number(enrollment: TrainingEnrollment) -> str:
    """Unique by construction (the enrolment's id), so concurrent recordings never clash."""
    return f"PX{enrollment.training.starts_on.year}{enrollment.id:07d}"


# --- reading -------------------------------------------------------------------------------------------------

def history(counselor: Counselor) -> list[TrainingEnrollment]:
    return list(db.session.scalars(
        select(TrainingEnrollment).join(Training).where(TrainingEnrollment.counselor_id == counselor.id)
        .order_by(Training.starts_on.desc(), Training.id.desc())))


def hours_by_year(counselor_ids: list[int], year: int) -> dict[int, Decimal]:
    """Hours credited per counselor for trainings that started in `year` (not cancelled)."""
    if not counselor_ids:
        return {}
    rows = db.session.execute(
        select(TrainingEnrollment.counselor_id, func.sum(TrainingEnrollment.hours))
        .join(Training).where(TrainingEnrollment.counselor_id.in_(counselor_ids),
                              TrainingEnrollment.attended.is_(True), Training.state != TrainingState.CANCELLED,
                              Training.starts_on >= date(year, 1, 1), Training.starts_on <= date(year, 12, 31))
        .group_by(TrainingEnrollment.counselor_id))
    return {counselor_id: Decimal(total or 0) for counselor_id, total in rows}


def yearly_summary(counselor: Counselor) -> list[tuple[int, Decimal, int]]:
    """(year, hours, trainings attended) for each year the counselor attended something, newest first."""
    years: dict[int, list] = {}
    for enrollment in history(counselor):
        if enrollment.attended and enrollment.training.state is not TrainingState.CANCELLED:
            entry = years.setdefault(enrollment.training.starts_on.year, [Decimal("0"), 0])
            entry[0] += enrollment.hours or Decimal("0")
            entry[1] += 1
    return [(year, hours, count) for year, (hours, count) in sorted(years.items(), reverse=True)]


def trained_clause(year: int):
    """Counselors who attended at least one (not cancelled) training that started in `year`."""
    return Counselor.id.in_(
        select(TrainingEnrollment.counselor_id).join(Training)
        .where(TrainingEnrollment.attended.is_(True), Training.state != TrainingState.CANCELLED,
               Training.starts_on >= date(year, 1, 1), Training.starts_on <= date(year, 12, 31)))


def coverage(user: User, region_code: str, year: int) -> list[dict]:
    """For each region directly below `region_code` (and the region itself when counselors sit at its own
    level): counselors in post, those trained in `year`, and the share. Counselors placed in a township count
    in its county."""
    base = db.session.get(Region, region_code)
    if base is None:
        return []
    children = list(db.session.scalars(select(Region).where(Region.parent_code == base.code).order_by(Region.code)))
    in_post = scoped(Counselor, user).where(Counselor.status == CounselorStatus.APPOINTED).subquery()
    rows = []
    for region in [*children, base]:
        if region is base:
            match = in_post.c.region_code == base.code
        else:
            match = in_post.c.region_code.in_(select(Region.code).where(
                Region.path.startswith(region.path, autoescape=True)))
        total = db.session.scalar(select(func.count()).select_from(in_post).where(match)) or 0
        trained = db.session.scalar(select(func.count(distinct(in_post.c.id))).select_from(in_post).where(
            match, in_post.c.id.in_(select(TrainingEnrollment.counselor_id).join(Training).where(
                TrainingEnrollment.attended.is_(True), Training.state != TrainingState.CANCELLED,
                Training.starts_on >= date(year, 1, 1), Training.starts_on <= date(year, 12, 31))))) or 0
        if region is base and total == 0:
            continue
        rows.append({"region": region, "total": total, "trained": trained,
                     "share": round(trained * 100 / total, 1) if total else None, "is_self": region is base})
    return rows


def untrained(user: User, region_code: str, year: int) -> Select[tuple[Counselor]]:
    """Counselors in post in `region_code` and below with no training attended in `year`."""
    from marketplace.jurisdiction import in_region

    return (scoped(Counselor, user)
            .where(Counselor.status == CounselorStatus.APPOINTED, in_region(Counselor.region_code, region_code),
                   ~trained_clause(year))
            .order_by(Counselor.region_code, Counselor.name, Counselor.id))
