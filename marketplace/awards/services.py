"""Award services: nominate a counselor or a center from a finished evaluation, move a nomination along the one
transition table, and read the awards a user may see, the published list and a candidate's award record.

Who may do what: officials of a county, city, province or the ministry nominate the counselors and centers of
their jurisdiction for their own level's award (县级 / 市级 / 省级 / 国家级 优秀辅导员, 优秀服务中心) of a year in
which the subject was evaluated and graded as the setting `AWARD_ELIGIBLE_GRADES` allows (优秀 and 合格 by
default); the department directly above approves or returns (the ministry decides its own). Services flush,
never commit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from marketplace.accounts.models import Department, Role, User
from marketplace.accounts.services import ensure_department
from marketplace.audit.services import record
from marketplace.awards.models import Award, AwardState, AwardSubject
from marketplace.centers.models import CenterStatus, ServiceCenter
from marketplace.directory.models import Counselor, CounselorStatus
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.evaluation.models import CenterEvaluation, CounselorEvaluation, EvaluationKind
from marketplace.evaluation.services import department_officials, grade_label
from marketplace.extensions import db
from marketplace.jurisdiction import scoped
from marketplace.notifications.services import notify
from marketplace.regions.models import Level, Region
from marketplace.timeutil import local_today, utcnow

MAX_REASON = 2000
NOMINATING_LEVELS = (Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY)
LEVEL_PREFIX = {Level.NATIONAL: _l("国家级"), Level.PROVINCE: _l("省级"), Level.CITY: _l("市级"),
                Level.COUNTY: _l("县级")}
SUBJECT_TITLES = {AwardSubject.COUNSELOR: _l("优秀辅导员"), AwardSubject.CENTER: _l("优秀服务中心")}
# The ranker's award record: a county award counts 1, a city award 2, a province 3, a national award 4,
# halved for each year of age; awards older than RECENT_YEARS do not count.
LEVEL_WEIGHTS = {Level.COUNTY: 1.0, Level.CITY: 2.0, Level.PROVINCE: 3.0, Level.NATIONAL: 4.0}
RECENT_YEARS = 3

NOMINATOR, APPROVER = "nominator", "approver"
# The nomination's state machine: the only list of actions. The page's buttons, the route and the API read it.
# action: (states it may start from, state it leads to, who (nominator / approver), button label, button style,
#          the text it takes: "reason" (the nomination's reason, required), "comment" (required) or None)
TRANSITIONS: dict[str, tuple[frozenset[AwardState], AwardState, str, object, str, str | None]] = {
    "submit": (frozenset({AwardState.DRAFT, AwardState.RETURNED}), AwardState.NOMINATED, NOMINATOR,
               _l("提交上级审核"), "success", "reason"),
    "approve": (frozenset({AwardState.NOMINATED}), AwardState.APPROVED, APPROVER, _l("批准"), "success", None),
    "return": (frozenset({AwardState.NOMINATED}), AwardState.RETURNED, APPROVER, _l("退回"), "outline-danger",
               "comment"),
    "withdraw": (frozenset({AwardState.DRAFT, AwardState.NOMINATED, AwardState.RETURNED}), AwardState.WITHDRAWN,
                 NOMINATOR, _l("撤回提名"), "outline-secondary", "comment"),
    "reopen": (frozenset({AwardState.WITHDRAWN}), AwardState.DRAFT, NOMINATOR, _l("重新起草"),
               "outline-secondary", None),
}


@dataclass
class Nomination:
    subject: AwardSubject
    subject_id: int
    year: int
    reason: str


def eligible_grades() -> list[str]:
    """The evaluation grades that may be nominated (the setting; 优秀 and 合格 by default)."""
    return list(current_app.config.get("AWARD_ELIGIBLE_GRADES") or ["excellent", "qualified"])


def award_name(subject: AwardSubject, level: Level) -> str:
    """县级优秀辅导员 … 国家级优秀服务中心 (in the reader's language; the row keeps the Chinese name)."""
    return _("%(level)s%(title)s", level=LEVEL_PREFIX[level], title=SUBJECT_TITLES[subject])


# --- who may -------------------------------------------------------------------------------------------------

def can_nominate(user: User) -> bool:
    return (user.is_authenticated and user.role is Role.OFFICIAL and user.department is not None
            and user.department.level in NOMINATING_LEVELS)


def approver_of(department: Department, actor: User | None) -> Department:
    """The department directly above (the ministry decides its own nominations)."""
    region = db.session.get(Region, department.region_code)
    parent = db.session.get(Region, region.parent_code) if region and region.parent_code else None
    return ensure_department(parent, actor) if parent is not None else department


def side_of(user: User, award: Award) -> set[str]:
    """Which parties of this nomination the user speaks for: its nominating and/or its approving department."""
    if not user.is_authenticated or user.role is not Role.OFFICIAL or user.department_id is None:
        return set()
    sides = set()
    if user.department_id == award.department_id:
        sides.add(NOMINATOR)
    if user.department_id == award.approver_department_id:
        sides.add(APPROVER)
    return sides


def actions_for(user: User, award: Award) -> list[dict]:
    """The transition buttons this user may press on this nomination (from TRANSITIONS)."""
    sides = side_of(user, award)
    return [{"action": name, "label": str(label), "style": style, "text": text}
            for name, (sources, _target, who, label, style, text) in TRANSITIONS.items()
            if award.state in sources and who in sides]


# --- reading -------------------------------------------------------------------------------------------------

def visible_awards(user: User) -> Select[tuple[Award]]:
    """Officials: the nominations of their jurisdiction (their own, those below them, so those they decide);
    a counselor or a center's staff: their own approved awards."""
    query = scoped(Award, user)
    if not (user.is_authenticated and user.is_official):
        query = query.where(Award.state == AwardState.APPROVED)
    return query


def get_visible_or_none(user: User, award_id: int) -> Award | None:
    return db.session.scalars(visible_awards(user).where(Award.id == award_id)).first()


def published(year: int | None = None) -> Select[tuple[Award]]:
    """The approved awards, the public list (of one year when given)."""
    query = select(Award).where(Award.state == AwardState.APPROVED)
    if year is not None:
        query = query.where(Award.year == year)
    return query.order_by(Award.year.desc(), Award.level, Award.subject, Award.subject_region_code,
                          Award.subject_name, Award.id)


def published_years() -> list[int]:
    return list(db.session.scalars(select(Award.year).where(Award.state == AwardState.APPROVED)
                                   .distinct().order_by(Award.year.desc())))


def approved_for(subject: AwardSubject, ids: list[int]) -> dict[int, list[Award]]:
    """Approved awards per counselor or center (one query for a list page), newest first."""
    if not ids:
        return {}
    column = Award.counselor_id if subject is AwardSubject.COUNSELOR else Award.center_id
    out: dict[int, list[Award]] = defaultdict(list)
    for award in db.session.scalars(select(Award).where(column.in_(ids), Award.state == AwardState.APPROVED)
                                    .order_by(Award.year.desc(), Award.id)):
        out[award.counselor_id if subject is AwardSubject.COUNSELOR else award.center_id].append(award)
    return out


def award_records(year: int | None = None) -> dict[tuple[str, int], float]:
    """The ranker's `award_record` per candidate ("counselor"/"center", id): approved awards of the last
    RECENT_YEARS years, weighted by level (LEVEL_WEIGHTS) and halved per year of age."""
    this_year = year or local_today().year
    rows = db.session.execute(select(Award.counselor_id, Award.center_id, Award.level, Award.year).where(
        Award.state == AwardState.APPROVED, Award.year > this_year - RECENT_YEARS, Award.year <= this_year))
    out: dict[tuple[str, int], float] = defaultdict(float)
    for counselor_id, center_id, level, award_year in rows:
        key = ("counselor", counselor_id) if counselor_id is not None else ("center", center_id)
        out[key] += LEVEL_WEIGHTS[level] * 0.5 ** (this_year - award_year)
    return dict(out)


def _evaluation_grade(subject: AwardSubject, subject_id: int, year: int) -> str | None:
    if subject is AwardSubject.COUNSELOR:
        row = db.session.scalars(select(CounselorEvaluation).where(
            CounselorEvaluation.counselor_id == subject_id, CounselorEvaluation.year == year,
            CounselorEvaluation.kind == EvaluationKind.ANNUAL)).first()
    else:
        row = db.session.scalars(select(CenterEvaluation).where(
            CenterEvaluation.center_id == subject_id, CenterEvaluation.year == year,
            CenterEvaluation.kind == EvaluationKind.ANNUAL)).first()
    return row.grade.value if row is not None else None


def eligible(actor: User, subject: AwardSubject, year: int) -> list[tuple[object, str]]:
    """(counselor or center, grade) of the actor's jurisdiction graded as the setting allows in `year`'s
    annual evaluation, not yet nominated for this year's award of the actor's level (withdrawn ones count:
    reopen them)."""
    if not can_nominate(actor):
        return []
    level = actor.department.level
    grades = eligible_grades()
    if subject is AwardSubject.COUNSELOR:
        taken = select(Award.counselor_id).where(Award.counselor_id.is_not(None), Award.year == year,
                                                 Award.level == level)
        query = (select(Counselor, CounselorEvaluation).join(
            CounselorEvaluation, CounselorEvaluation.counselor_id == Counselor.id)
            .where(Counselor.id.in_(scoped(Counselor, actor).with_only_columns(Counselor.id)),
                   Counselor.status == CounselorStatus.APPOINTED, CounselorEvaluation.year == year,
                   CounselorEvaluation.kind == EvaluationKind.ANNUAL, Counselor.id.not_in(taken))
            .order_by(Counselor.region_code, Counselor.name, Counselor.id))
    else:
        taken = select(Award.center_id).where(Award.center_id.is_not(None), Award.year == year, Award.level == level)
        query = (select(ServiceCenter, CenterEvaluation).join(
            CenterEvaluation, CenterEvaluation.center_id == ServiceCenter.id)
            .where(ServiceCenter.id.in_(scoped(ServiceCenter, actor).with_only_columns(ServiceCenter.id)),
                   ServiceCenter.status == CenterStatus.FILED, CenterEvaluation.year == year,
                   CenterEvaluation.kind == EvaluationKind.ANNUAL, ServiceCenter.id.not_in(taken))
            .order_by(ServiceCenter.region_code, ServiceCenter.name, ServiceCenter.id))
    return [(row, result.grade.value) for row, result in db.session.execute(query)
            if result.grade.value in grades]


def evaluated_years(actor: User) -> list[int]:
    """Years with evaluation results in the actor's jurisdiction, newest first."""
    years = set(db.session.scalars(scoped(CounselorEvaluation, actor).with_only_columns(
        CounselorEvaluation.year).distinct()))
    years |= set(db.session.scalars(scoped(CenterEvaluation, actor).with_only_columns(
        CenterEvaluation.year).distinct()))
    return sorted(years, reverse=True)


# --- writing -------------------------------------------------------------------------------------------------

def _clean_reason(text: str | None, field: str = "reason") -> str:
    reason = (text or "").strip()
    if not reason:
        raise DomainError(_("请填写推荐理由"), field=field)
    if len(reason) > MAX_REASON:
        raise DomainError(_("推荐理由最多 %(n)d 字", n=MAX_REASON), field=field)
    return reason


def nominate(actor: User, data: Nomination) -> Award:
    """A draft nomination by the actor's department for its level's award of `data.year`; the subject must lie
    in its jurisdiction and be graded as the setting allows in that year's annual evaluation."""
    if not can_nominate(actor):
        raise NotAllowed(_("只有县级及以上农业农村部门可以提名评优"))
    reason = _clean_reason(data.reason)
    if not 2000 <= data.year <= local_today().year:
        raise DomainError(_("年度应在 2000 至 %(y)d 之间", y=local_today().year), field="year")
    model = Counselor if data.subject is AwardSubject.COUNSELOR else ServiceCenter
    subject = db.session.scalars(scoped(model, actor).where(model.id == data.subject_id)).first()
    if subject is None:
        raise DomainError(_("辖区内没有该提名对象"), field="subject_id")
    grade = _evaluation_grade(data.subject, subject.id, data.year)
    if grade is None:
        raise DomainError(_("%(name)s 没有 %(year)d 年度的绩效评价结果，不能提名", name=subject.name, year=data.year),
                          field="subject_id")
    if grade not in eligible_grades():
        allowed = "、".join(grade_label(g) for g in eligible_grades())
        raise DomainError(_("%(name)s %(year)d 年度评价为%(grade)s，只有评价为%(allowed)s的可以提名",
                            name=subject.name, year=data.year, grade=grade_label(grade), allowed=allowed),
                          field="subject_id")
    level = actor.department.level
    column = Award.counselor_id if data.subject is AwardSubject.COUNSELOR else Award.center_id
    if db.session.scalar(select(Award.id).where(column == subject.id, Award.year == data.year,
                                                Award.level == level)) is not None:
        raise Conflict(_("%(name)s 已有 %(year)d 年度的本级提名", name=subject.name, year=data.year))
    is_counselor = data.subject is AwardSubject.COUNSELOR
    award = Award(year=data.year, subject=data.subject, level=level, name=award_name(data.subject, level),
                  counselor_id=subject.id if is_counselor else None,
                  center_id=None if is_counselor else subject.id,
                  counselor_user_id=subject.user_id if is_counselor else None,
                  center_owner_id=None if is_counselor else subject.owner_id,
                  subject_name=subject.name, subject_region_code=subject.region_code, grade=grade,
                  department_id=actor.department_id, region_code=actor.department.region_code,
                  approver_department_id=approver_of(actor.department, actor).id, reason=reason,
                  state=AwardState.DRAFT, created_by_id=actor.id)
    db.session.add(award)
    db.session.flush()
    record(actor, "award.nominate", award, name=award.name, year=award.year)
    return award


def transition(award: Award, action: str, actor: User, text: str | None = None) -> None:
    """Move a nomination along TRANSITIONS: submit (with its reason), approve, return (with a comment),
    withdraw (with a comment) or reopen a withdrawn one as a draft."""
    if action not in TRANSITIONS:
        raise DomainError(_("未知的操作"))
    sources, target, who, _label, _style, takes = TRANSITIONS[action]
    if who not in side_of(actor, award):
        raise NotAllowed(_("只有提名部门可以执行此操作") if who == NOMINATOR else _("只有上一级部门可以审核"))
    if award.state not in sources:
        raise Conflict(_("提名当前状态不能执行此操作"))
    text = (text or "").strip()
    if takes == "reason":
        award.reason = _clean_reason(text or award.reason, field="text")
    elif takes == "comment":
        if not text:
            raise DomainError(_("请填写意见"), field="text")
        if len(text) > MAX_REASON:
            raise DomainError(_("意见最多 %(n)d 字", n=MAX_REASON), field="text")
    if target is AwardState.NOMINATED:
        award.nominated_at = utcnow()
    if who == APPROVER:
        award.decided_at, award.decided_by_id = utcnow(), actor.id
    if takes == "comment" or who == APPROVER:
        award.comment = text or None
    award.state = target
    db.session.flush()
    record(actor, f"award.{action}", award, name=award.name, reason=text or None)
    _notify(award, action)


def _notify(award: Award, action: str) -> None:
    link = f"/awards/{award.id}"
    if action == "submit":
        for user in department_officials(award.approver_department_id):
            notify(user, _("评优提名待审核：%(name)s %(subject)s", name=award.name, subject=award.subject_name),
                   award.department.name, link=link)
    elif action in ("approve", "return"):
        title = (_("评优提名已批准：%(name)s %(subject)s", name=award.name, subject=award.subject_name)
                 if action == "approve" else
                 _("评优提名被退回：%(name)s %(subject)s", name=award.name, subject=award.subject_name))
        for user in department_officials(award.department_id):
            notify(user, title, award.comment or "", link=link)


def provider_awards(kind: str, provider_id: int) -> list[dict]:
    """The approved awards of a counselor or a center, for its provider page
    (`providers.services.register_award_source`)."""
    subject = AwardSubject.COUNSELOR if kind == "counselor" else AwardSubject.CENTER
    return [{"title": award.name, "year": award.year, "by": award.department.name}
            for award in approved_for(subject, [provider_id]).get(provider_id, [])]
