"""Reporting upward: a county, city or province department writes a periodic work report to the department of
the region above; the platform's figures are frozen into it at submission; the reviewer comments, returns it for
revision or accepts it; the ministry publishes typical cases of the reports it accepted.

Who may do what: the writing department's officials draft, edit (while draft or returned) and submit; the
department directly above reviews (comment, return, accept); every level above reads submitted reports (they
lie in its jurisdiction, one scoping mechanism); drafts are seen by their own department only. Services
flush, never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, distinct, func, or_, select

from marketplace.accounts.models import Department, Role, User
from marketplace.agreements.models import Agreement
from marketplace.audit.services import record
from marketplace.errors import Conflict, DomainError, NotAllowed, raise_if_errors
from marketplace.extensions import db
from marketplace.jurisdiction import in_region, scoped
from marketplace.notifications.services import notify
from marketplace.oversight.models import RegionStat
from marketplace.regions.models import Level, Region
from marketplace.reports.labels import PERIODS, period_label
from marketplace.reports.models import PeriodKind, ReportComment, ReportState, TypicalCase, WorkReport
from marketplace.timeutil import local_today, utcnow

REPORTING_LEVELS = (Level.PROVINCE, Level.CITY, Level.COUNTY)
# Days after a period's end by which its report is due (setting REPORT_DUE_DAYS overrides per kind).
DEFAULT_DUE_DAYS = {"quarter": 15, "half": 20, "year": 31}
MAX_TEXT = 20_000
MIN_YEAR = 2020

# The report's state machine: the only list of actions. The page's buttons, the route and the API read it.
# action: (states it may start from, state it leads to, button label, button style, reason required, party)
TRANSITIONS: dict[str, tuple[frozenset[ReportState], ReportState, object, str, bool, str]] = {
    "submit": (frozenset({ReportState.DRAFT, ReportState.RETURNED}), ReportState.SUBMITTED, _l("报送上级"),
               "primary", False, "author"),
    "return": (frozenset({ReportState.SUBMITTED}), ReportState.RETURNED, _l("退回修改"), "outline-warning", True,
               "reviewer"),
    "accept": (frozenset({ReportState.SUBMITTED}), ReportState.ACCEPTED, _l("采纳"), "success", False, "reviewer"),
}

# The figures frozen into a report, in the order shown; labels read by the page and the API's docs.
FIGURES = [
    ("new_counselors", _l("期间新聘辅导员")), ("needs", _l("期间发布需求")), ("signed", _l("期间签订协议")),
    ("accepted", _l("期间通过验收")), ("entities_served", _l("期间服务主体数")),
    ("satisfaction", _l("期间平均满意度")), ("ratings", _l("期间评价次数")),
    ("trainings", _l("期间举办培训")), ("trained", _l("期间参训辅导员")),
    ("counselors", _l("名录库辅导员（在聘、暂停）")), ("served", _l("累计服务过的经营主体")),
    ("centers", _l("已备案服务中心")), ("entities", _l("登记的经营主体")),
]
FIGURE_LABELS = dict(FIGURES)


@dataclass
class ReportInput:
    period_kind: PeriodKind
    year: int
    period_no: int
    practices: str = ""
    problems: str = ""
    suggestions: str = ""


# --- periods -------------------------------------------------------------------------------------------------

def bounds(kind: PeriodKind, year: int, number: int) -> tuple[date, date]:
    """The period's first and last calendar days."""
    months = 12 // PERIODS[kind]
    start = date(year, (number - 1) * months + 1, 1)
    end_month = number * months
    end = date(year + 1, 1, 1) - timedelta(days=1) if end_month == 12 else date(year, end_month + 1, 1) - timedelta(
        days=1)
    return start, end


def due_on(kind: PeriodKind, year: int, number: int) -> date:
    days = {**DEFAULT_DUE_DAYS, **current_app.config.get("REPORT_DUE_DAYS", {})}[kind.value]
    return bounds(kind, year, number)[1] + timedelta(days=int(days))


def last_ended(kind: PeriodKind, today: date | None = None) -> tuple[int, int]:
    """(year, number) of the latest period of this kind that has ended."""
    today = today or local_today()
    per_year = PERIODS[kind]
    year, number = today.year, per_year
    while bounds(kind, year, number)[1] >= today:
        year, number = (year, number - 1) if number > 1 else (year - 1, per_year)
    return year, number


# --- who may -------------------------------------------------------------------------------------------------

def reviewer_of(department: Department) -> Department | None:
    """The department of the region directly above."""
    parent = department.region.parent_code
    if parent is None:
        return None
    from marketplace.accounts.services import ensure_department

    region = db.session.get(Region, parent)
    return ensure_department(region, None) if region is not None else None


def can_write(user: User) -> bool:
    return (user.is_authenticated and user.role is Role.OFFICIAL and user.department is not None
            and user.department.level in REPORTING_LEVELS)


def can_read_overview(user: User) -> bool:
    return (user.is_authenticated and user.role is Role.OFFICIAL and user.department is not None
            and user.department.level.rank < Level.COUNTY.rank)


def is_author(user: User, report: WorkReport) -> bool:
    return can_write(user) and user.department_id == report.department_id


def is_reviewer(user: User, report: WorkReport) -> bool:
    return user.is_authenticated and user.is_official and user.department_id == report.reviewer_department_id


def can_edit(user: User, report: WorkReport) -> bool:
    return is_author(user, report) and report.state in (ReportState.DRAFT, ReportState.RETURNED)


def can_comment(user: User, report: WorkReport) -> bool:
    return report.state is not ReportState.DRAFT and (is_author(user, report) or is_reviewer(user, report))


def can_publish(user: User, case: TypicalCase) -> bool:
    """The ministry publishes typical cases of the reports it accepted."""
    report = case.report
    return (is_reviewer(user, report) and user.department.level is Level.NATIONAL
            and report.state is ReportState.ACCEPTED)


def actions_for(user: User, report: WorkReport) -> list[dict]:
    """The transition buttons this user may press on this report (from TRANSITIONS)."""
    party = "author" if is_author(user, report) else "reviewer" if is_reviewer(user, report) else None
    return [{"action": name, "label": str(label), "style": style, "needs_reason": needs_reason}
            for name, (sources, _target, label, style, needs_reason, who) in TRANSITIONS.items()
            if who == party and report.state in sources]


def visible_reports(user: User) -> Select[tuple[WorkReport]]:
    """Reports in the user's jurisdiction; a draft only to its own department."""
    if not (user.is_authenticated and user.is_official):
        return select(WorkReport).where(WorkReport.id.is_(None))
    return scoped(WorkReport, user).where(or_(WorkReport.department_id == user.department_id,
                                              WorkReport.state != ReportState.DRAFT))


def get_visible_or_none(user: User, report_id: int) -> WorkReport | None:
    return db.session.scalars(visible_reports(user).where(WorkReport.id == report_id)).first()


# --- writing -------------------------------------------------------------------------------------------------

def _validate(data: ReportInput) -> None:
    errors: dict[str, str] = {}
    today = local_today()
    if not (MIN_YEAR <= data.year <= today.year):
        errors["year"] = _("年度应在 %(low)d 至 %(high)d 之间", low=MIN_YEAR, high=today.year)
    elif not (1 <= data.period_no <= PERIODS[data.period_kind]):
        errors["period_no"] = _("期次不对：季度为 1–4，半年为 1–2，年度为 1")
    for name in ("practices", "problems", "suggestions"):
        if len(getattr(data, name) or "") > MAX_TEXT:
            errors[name] = _("最多 %(n)d 字", n=MAX_TEXT)
    raise_if_errors(errors)


def create_report(actor: User, data: ReportInput) -> WorkReport:
    """A draft report of the actor's department for one period (one per department and period)."""
    if not can_write(actor):
        raise NotAllowed(_("只有县级、市级、省级农业农村部门可以向上级报送工作报告"))
    _validate(data)
    exists = db.session.scalar(select(WorkReport.id).where(
        WorkReport.department_id == actor.department_id, WorkReport.period_kind == data.period_kind,
        WorkReport.year == data.year, WorkReport.period_no == data.period_no))
    if exists:
        raise Conflict(_("本部门已有该期的工作报告，请在原报告上修改"), field="period_no")
    reviewer = reviewer_of(actor.department)
    report = WorkReport(department_id=actor.department_id, reviewer_department_id=reviewer.id,
                        region_code=actor.department.region_code, period_kind=data.period_kind, year=data.year,
                        period_no=data.period_no, created_by_id=actor.id, state=ReportState.DRAFT)
    _apply(report, data)
    db.session.add(report)
    db.session.flush()
    record(actor, "report.create", report, period=period_label(report.period_kind, report.year, report.period_no))
    return report


def _apply(report: WorkReport, data: ReportInput) -> None:
    report.practices = (data.practices or "").strip()
    report.problems = (data.problems or "").strip()
    report.suggestions = (data.suggestions or "").strip()


def update_report(report: WorkReport, data: ReportInput, actor: User) -> None:
    """Change the texts of a draft or returned report (its period stays)."""
    if not can_edit(actor, report):
        raise NotAllowed(_("只有报送部门可以在草稿或退回状态下修改报告"))
    _validate(ReportInput(report.period_kind, report.year, report.period_no, data.practices, data.problems,
                          data.suggestions))
    _apply(report, data)
    db.session.flush()
    record(actor, "report.update", report)


def figures(region_code: str, kind: PeriodKind, year: int, number: int) -> dict:
    """The platform's figures for the region's subtree: the period's own (the progress report's queries) and the
    current roll-up totals, plus the period's trainings."""
    from marketplace.oversight.reports import period_figures
    from marketplace.training.models import Training, TrainingEnrollment, TrainingState

    region = db.session.get(Region, region_code)
    start, end = bounds(kind, year, number)
    values = [value for _label, value in period_figures(region, start, end)]
    result = dict(zip([key for key, _label in FIGURES[:7]], values, strict=True))
    held = select(Training.id).where(in_region(Training.region_code, region_code), Training.starts_on >= start,
                                     Training.starts_on <= end, Training.state == TrainingState.COMPLETED)
    result["trainings"] = db.session.scalar(select(func.count()).select_from(held.subquery())) or 0
    result["trained"] = db.session.scalar(select(func.count(distinct(TrainingEnrollment.counselor_id))).where(
        TrainingEnrollment.training_id.in_(held), TrainingEnrollment.attended.is_(True))) or 0
    rollup = db.session.get(RegionStat, region_code)
    stats = rollup.stats if rollup else {}
    for key in ("counselors", "served", "centers", "entities"):
        result[key] = stats.get(key, 0)
    return result


def figure_rows(values: dict | None) -> list[tuple[str, object]]:
    return [(str(label), (values or {}).get(key, "—")) for key, label in FIGURES]


def transition(report: WorkReport, action: str, actor: User, reason: str | None = None) -> None:
    """Move a report along TRANSITIONS: 报送 (figures frozen now), 退回修改 (with a reason) or 采纳."""
    if action not in TRANSITIONS:
        raise DomainError(_("未知的操作"))
    sources, target, _label, _style, needs_reason, party = TRANSITIONS[action]
    allowed = is_author(actor, report) if party == "author" else is_reviewer(actor, report)
    if not allowed:
        raise NotAllowed(_("只有报送部门可以报送") if party == "author" else _("只有上级部门可以审阅"))
    if report.state not in sources:
        raise Conflict(_("报告当前状态不能执行此操作"))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise DomainError(_("请填写退回原因"), field="reason")
    if len(reason) > 2000:
        raise DomainError(_("意见最多 2000 字"), field="reason")
    now = utcnow()
    if action == "submit":
        if not report.practices:
            raise DomainError(_("请先填写经验做法与工作进展"), field="practices")
        report.figures = figures(report.region_code, report.period_kind, report.year, report.period_no)
        report.figures_at = report.submitted_at = now
    else:
        report.decided_at = now
    report.state = target
    if reason:
        db.session.add(ReportComment(report=report, author_id=actor.id, action=action, body=reason))
    db.session.flush()
    record(actor, f"report.{action}", report, reason=reason or None)
    _tell(report, action, actor, reason)


def report_title(report: WorkReport) -> str:
    return f"{report.department.name} {period_label(report.period_kind, report.year, report.period_no)}"


def _tell(report: WorkReport, action: str, actor: User, text: str) -> None:
    """Notify the other party's officials."""
    titles = {"submit": _("收到下级工作报告：%(t)s", t=report_title(report)),
              "return": _("工作报告被退回修改：%(t)s", t=report_title(report)),
              "accept": _("工作报告已采纳：%(t)s", t=report_title(report)),
              "comment": _("工作报告有新意见：%(t)s", t=report_title(report))}
    department_id = report.reviewer_department_id if is_author(actor, report) else report.department_id
    for user in db.session.scalars(select(User).where(User.department_id == department_id,
                                                      User.role == Role.OFFICIAL, User.is_enabled.is_(True))):
        notify(user, titles[action], text, link=f"/reports/{report.id}")


def comment(report: WorkReport, body: str, actor: User) -> ReportComment:
    if not can_comment(actor, report):
        raise NotAllowed(_("只有报送部门和上级部门可以在报送后留言"))
    body = (body or "").strip()
    if not body:
        raise DomainError(_("请填写意见内容"), field="body")
    if len(body) > 2000:
        raise DomainError(_("意见最多 2000 字"), field="body")
    remark = ReportComment(report=report, author_id=actor.id, body=body)
    db.session.add(remark)
    db.session.flush()
    record(actor, "report.comment", report)
    _tell(report, "comment", actor, body)
    return remark


# --- typical cases -------------------------------------------------------------------------------------------

def case_agreements(report: WorkReport, actor: User, limit: int = 200) -> list[Agreement]:
    """Accepted agreements of the report's jurisdiction a case can be linked to, newest first."""
    return list(db.session.scalars(
        scoped(Agreement, actor).where(in_region(Agreement.region_code, report.region_code),
                                       Agreement.accepted_at.is_not(None))
        .order_by(Agreement.accepted_at.desc(), Agreement.id.desc()).limit(limit)))


PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![0-9])\d{17}[\dXx](?![0-9])")


def personal_data_in(agreement: Agreement, *texts: str) -> list[str]:
    """What in a case's texts looks like personal data: a mobile number, an ID number, or the name of a person
    the linked agreement names (the entity's and provider's representatives, the counselor)."""
    found: list[str] = []
    joined = "\n".join(t or "" for t in texts)
    if PHONE.search(joined):
        found.append(_("手机号"))
    if ID_NUMBER.search(joined):
        found.append(_("身份证号"))
    names = {agreement.entity_representative, agreement.provider_representative,
             agreement.counselor.name if agreement.counselor else None}
    for name in sorted(n for n in names if n and len(n) >= 2):
        if name in joined:
            found.append(_("姓名“%(name)s”", name=name))
    return found


def _refuse_personal_data(agreement: Agreement, *texts: str, field: str = "body") -> None:
    found = personal_data_in(agreement, *texts)
    if found:
        raise DomainError(_("典型案例可能公开发布，请勿填写个人信息：%(what)s", what="、".join(found)), field=field)


def add_case(report: WorkReport, agreement_id: int, title: str, body: str, actor: User) -> TypicalCase:
    """A typical case linked to a real accepted agreement of the department's jurisdiction."""
    if not can_edit(actor, report):
        raise NotAllowed(_("只有报送部门可以在草稿或退回状态下编辑典型案例"))
    errors: dict[str, str] = {}
    agreement = db.session.scalars(
        scoped(Agreement, actor).where(Agreement.id == agreement_id, in_region(Agreement.region_code,
                                                                               report.region_code))).first()
    if agreement is None or agreement.accepted_at is None:
        errors["agreement_id"] = _("请选择本辖区内已通过验收的服务协议")
    if not (title or "").strip():
        errors["title"] = _("请填写案例标题")
    elif len(title.strip()) > 120:
        errors["title"] = _("案例标题最多 120 字")
    if not (body or "").strip():
        errors["body"] = _("请填写案例内容")
    elif len(body) > MAX_TEXT:
        errors["body"] = _("最多 %(n)d 字", n=MAX_TEXT)
    raise_if_errors(errors)
    _refuse_personal_data(agreement, title, body)
    case = TypicalCase(report=report, agreement_id=agreement.id, title=title.strip(), body=body.strip())
    db.session.add(case)
    db.session.flush()
    record(actor, "report.add_case", report, case=case.title)
    return case


def remove_case(case: TypicalCase, actor: User) -> None:
    report = case.report
    if not can_edit(actor, report):
        raise NotAllowed(_("只有报送部门可以在草稿或退回状态下编辑典型案例"))
    from marketplace.reports import photos

    for photo in case.photos:
        photos.discard(photo.stored_name)
    report.cases.remove(case)
    db.session.flush()
    record(actor, "report.remove_case", report, case=case.title)


def set_published(case: TypicalCase, published: bool, actor: User) -> None:
    """Publish a typical case (or withdraw it) on the public 典型案例 page: its title, text and photos only."""
    if not can_publish(actor, case):
        raise NotAllowed(_("只有农业农村部可以发布其采纳的报告中的典型案例"))
    if case.is_published == published:
        return
    if published:
        _refuse_personal_data(case.agreement, case.title, case.body, *(p.caption for p in case.photos))
    case.is_published = published
    case.published_at, case.published_by_id = (utcnow(), actor.id) if published else (None, None)
    db.session.flush()
    if published:
        record(actor, "report.publish_case", case.report, case=case.title)
    else:
        record(actor, "report.unpublish_case", case.report, case=case.title)


def published_cases() -> Select[tuple[TypicalCase]]:
    return (select(TypicalCase).join(WorkReport).where(TypicalCase.is_published.is_(True),
                                                       WorkReport.state == ReportState.ACCEPTED)
            .order_by(TypicalCase.published_at.desc(), TypicalCase.id.desc()))


# --- the overview of the level below -------------------------------------------------------------------------

@dataclass
class OverviewRow:
    region: Region
    report: WorkReport | None    # the report for the period asked for
    latest: WorkReport | None    # the latest report sent (any period)
    overdue: bool


def overview(user: User, kind: PeriodKind, year: int, number: int) -> list[OverviewRow]:
    """Each region directly below the user's: its report for the period, its latest report, and whether the
    period's report is overdue (past the due date and never submitted; a returned one is shown as returned)."""
    base = user.department.region
    children = list(db.session.scalars(select(Region).where(Region.parent_code == base.code,
                                                            Region.valid_to.is_(None),
                                                            Region.level.in_(REPORTING_LEVELS))
                                       .order_by(Region.code)))
    codes = [r.code for r in children]
    sent = list(db.session.scalars(visible_reports(user).where(
        WorkReport.region_code.in_(codes), WorkReport.state != ReportState.DRAFT)))
    for_period = {r.region_code: r for r in sent
                  if (r.period_kind, r.year, r.period_no) == (kind, year, number)}
    latest: dict[str, WorkReport] = {}
    for report in sent:
        current = latest.get(report.region_code)
        if current is None or (report.submitted_at or report.created_at) > (current.submitted_at
                                                                             or current.created_at):
            latest[report.region_code] = report
    late = local_today() > due_on(kind, year, number)
    return [OverviewRow(region=region, report=for_period.get(region.code), latest=latest.get(region.code),
                        overdue=late and region.code not in for_period) for region in children]


# --- photos and attachments ----------------------------------------------------------------------------------

MAX_PHOTOS = 6
MAX_ATTACHMENTS = 10


def add_photo(case: TypicalCase, stream, caption: str, actor: User):
    from marketplace.reports import photos
    from marketplace.reports.models import CasePhoto

    if not can_edit(actor, case.report):
        raise NotAllowed(_("只有报送部门可以在草稿或退回状态下编辑典型案例"))
    if len(case.photos) >= MAX_PHOTOS:
        raise Conflict(_("每个案例最多 %(n)d 张照片", n=MAX_PHOTOS), field="photo")
    caption = (caption or "").strip()
    if len(caption) > 120:
        raise DomainError(_("照片说明最多 120 字"), field="caption")
    _refuse_personal_data(case.agreement, caption, field="caption")
    name, width, height = photos.store(stream)
    photo = CasePhoto(case=case, stored_name=name, caption=caption, width=width, height=height)
    db.session.add(photo)
    db.session.flush()
    record(actor, "report.add_photo", case.report, case=case.title)
    return photo


def remove_photo(photo, actor: User) -> None:
    from marketplace.reports import photos

    case = photo.case
    if not can_edit(actor, case.report):
        raise NotAllowed(_("只有报送部门可以在草稿或退回状态下编辑典型案例"))
    photos.discard(photo.stored_name)
    case.photos.remove(photo)
    db.session.flush()
    record(actor, "report.remove_photo", case.report, case=case.title)


def add_attachment(report: WorkReport, stream, filename: str | None, actor: User):
    from marketplace.centers import uploads
    from marketplace.reports.models import ReportAttachment

    if not can_edit(actor, report):
        raise NotAllowed(_("只有报送部门可以在草稿或退回状态下添加附件"))
    if len(report.attachments) >= MAX_ATTACHMENTS:
        raise Conflict(_("每份报告最多 %(n)d 个附件", n=MAX_ATTACHMENTS), field="file")
    stored = uploads.store(stream, filename)
    attachment = ReportAttachment(report=report, original_name=stored.original_name, stored_name=stored.stored_name,
                                  content_type=stored.content_type, size=stored.size, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    record(actor, "report.add_attachment", report, file=attachment.original_name)
    return attachment


def remove_attachment(attachment, actor: User) -> None:
    from marketplace.centers import uploads

    report = attachment.report
    if not can_edit(actor, report):
        raise NotAllowed(_("只有报送部门可以在草稿或退回状态下删除附件"))
    uploads.remove(attachment.stored_name)
    report.attachments.remove(attachment)
    db.session.flush()
    record(actor, "report.remove_attachment", report, file=attachment.original_name)
