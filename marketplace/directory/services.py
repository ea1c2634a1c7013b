"""The counselor directory: validating, appointing, editing, lifecycle, and what each user may see.

"谁聘任、谁负责、谁管理": only the appointing department edits a counselor's appointment; departments above
see and aggregate; a counselor keeps their personal fields current and asks the department for the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace import crypto, numbering, versioning
from marketplace.accounts.models import Department, Role, User
from marketplace.audit.services import record
from marketplace.directory import yearly
from marketplace.directory.models import (
    ChangeRequest,
    ChangeRequestStatus,
    Counselor,
    CounselorEvent,
    CounselorStatus,
    Education,
    Gender,
    PoliticalStatus,
    Source,
    WorkMode,
)
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.identifiers import check_id_number, check_phone, normalize_phone
from marketplace.jurisdiction import region_in_jurisdiction
from marketplace.masking import mask_id_number, mask_phone
from marketplace.notifications.services import notify
from marketplace.regions.models import Level, Region
from marketplace.timeutil import local_today, utcnow

APPOINTING_LEVELS = {Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY}
PERSONAL_FIELDS = ("phone", "political_status", "education", "title", "employer", "position")
DEFAULT_TERM_YEARS = 3


@dataclass
class CounselorInput:
    """A counselor's data as entered (form, API or spreadsheet row), before it is checked."""

    name: str = ""
    id_number: str = ""
    phone: str = ""
    region_code: str = ""
    specialties: int = 0
    industries: int = 0
    work_mode: WorkMode | None = None
    source: Source | None = None
    appointed_on: date | None = None
    term_end: date | None = None
    political_status: PoliticalStatus | None = None
    education: Education | None = None
    title: str | None = None
    employer: str | None = None
    position: str | None = None
    is_remote: bool = False
    capacity: int = 5
    township_code: str | None = None
    service_area_codes: list[str] = field(default_factory=list)


@dataclass
class Checked:
    """The outcome of checking a CounselorInput: errors by field, warnings, and derived values."""

    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    id_number: str | None = None
    phone: str | None = None
    birth_date: date | None = None
    gender: Gender | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def default_term_end(appointed_on: date, years: int = DEFAULT_TERM_YEARS) -> date:
    try:
        return appointed_on.replace(year=appointed_on.year + years) - timedelta(days=1)
    except ValueError:  # 29 February
        return appointed_on.replace(year=appointed_on.year + years, day=28) - timedelta(days=1)


def check_input(data: CounselorInput, department: Department, region_of: Callable[[str], Region | None],
                today: date | None = None) -> Checked:
    """Check everything that does not need the rest of the directory (the caller checks duplicates).
    `today` (China's date) may be given by a caller checking many rows."""
    checked = Checked()
    errors = checked.errors
    if not data.name.strip():
        errors["name"] = _("请填写姓名")
    elif len(data.name.strip()) > 64:
        errors["name"] = _("姓名过长")
    id_check = check_id_number(data.id_number)
    if id_check.error:
        errors["id_number"] = id_check.error
    else:
        checked.id_number, checked.birth_date = id_check.number, id_check.birth_date
        checked.gender = Gender(id_check.gender)
        checked.warnings += id_check.warnings
    phone_error = check_phone(data.phone)
    if phone_error:
        errors["phone"] = phone_error
    else:
        checked.phone = normalize_phone(data.phone)
    region = region_of(data.region_code) if data.region_code else None
    jurisdiction = department.region.path
    if region is None:
        errors["region_code"] = _("请选择所在地区")
    elif region.valid_to is not None:
        errors["region_code"] = _("地区代码 %(code)s 已停用", code=region.code)
    elif not region.path.startswith(jurisdiction):
        errors["region_code"] = _("地区“%(name)s”不在本部门管辖范围内", name=region.full_name)
    if data.township_code:
        township = region_of(data.township_code)
        if (township is None or township.level is not Level.TOWNSHIP
                or not township.path.startswith(jurisdiction)):
            errors["township_code"] = _("聘任乡镇须是本县的乡镇")
    if not data.specialties:
        errors["specialties"] = _("请至少选择一项业务专长")
    if not data.industries:
        errors["industries"] = _("请至少选择一个产业领域")
    if data.work_mode is None:
        errors["work_mode"] = _("请选择工作模式")
    if data.source is None:
        errors["source"] = _("请选择选聘来源")
    if data.appointed_on is None:
        errors["appointed_on"] = _("请填写聘任日期")
    elif data.appointed_on > (today or local_today()) + timedelta(days=366):
        errors["appointed_on"] = _("聘任日期不能晚于明年")
    if data.term_end is not None and data.appointed_on is not None and data.term_end <= data.appointed_on:
        errors["term_end"] = _("聘期结束日期须晚于聘任日期")
    if not 0 <= data.capacity <= 100:
        errors["capacity"] = _("同时服务数量应在 0 到 100 之间")
    for code in data.service_area_codes:
        area = region_of(code)
        if area is None or not area.path.startswith(jurisdiction):
            errors["service_area_codes"] = _("服务区域须在本部门管辖范围内")
            break
    if checked.birth_date and data.appointed_on and (data.appointed_on - checked.birth_date).days < 18 * 365:
        errors["id_number"] = _("聘任时应年满 18 周岁")
    return checked


def appointing_department(actor: User) -> Department:
    """The department an official appoints for; county level or higher (work rules, art. 7)."""
    if not actor.is_official or actor.department is None or actor.level not in APPOINTING_LEVELS:
        raise NotAllowed(_("只有县级及以上农业农村部门可以聘任辅导员"))
    return actor.department


def region_lookup(code: str) -> Region | None:
    return db.session.get(Region, code)


def next_certificate_numbers(department: Department, year: int, count: int = 1) -> list[str]:
    """Certificate numbers "<region code>-<year>-<sequence>", unique per department and year; taken from the
    series' counter row (marketplace/numbering.py), so concurrent imports and appointments never clash."""
    prefix = f"{department.region_code}-{year}-"
    numbers = numbering.allocate("certificate", prefix, count,
                                 lambda: numbering.max_sequence(Counselor.certificate_no, prefix))
    return [f"{prefix}{n:05d}" for n in numbers]


def find_by_id_number(id_number: str) -> Counselor | None:
    return db.session.scalar(select(Counselor).where(Counselor.id_number_hash == crypto.lookup_hash(id_number)))


def _raise(checked: Checked) -> None:
    if not checked.ok:
        name, message = next(iter(checked.errors.items()))
        error = DomainError(message, field=name)
        error.errors = checked.errors  # type: ignore[attr-defined]
        raise error


def appoint_counselor(actor: User, data: CounselorInput) -> Counselor:
    """Record a new counselor appointed by the actor's department, with a certificate number."""
    department = appointing_department(actor)
    checked = check_input(data, department, region_lookup)
    _raise(checked)
    if find_by_id_number(checked.id_number) is not None:
        raise Conflict(_("该身份证号码已在名录库中"), field="id_number")
    term_end = data.term_end or default_term_end(data.appointed_on)
    status = initial_status(term_end)
    counselor = Counselor(
        department=department, department_id=department.id, department_region_code=department.region_code,
        status=status, term_end=term_end,
        certificate_no=next_certificate_numbers(department, data.appointed_on.year)[0],
        data_year=local_today().year,
    )
    _apply(counselor, data, checked)
    db.session.add(counselor)
    db.session.flush()
    _event(counselor, "appoint", actor, None, status, reason=appointment_warning(counselor) or "")
    record(actor, "counselor.appoint", counselor, region_code=department.region_code)
    return counselor


def initial_status(term_end: date, today: date | None = None) -> CounselorStatus:
    """在聘, or 期满 at once when the term recorded has already ended (an appointment entered late, or an
    imported row of past years): not 在聘 until the nightly task notices."""
    return CounselorStatus.EXPIRED if term_end < (today or local_today()) else CounselorStatus.APPOINTED


def appointment_warning(counselor: Counselor) -> str | None:
    """What the form, the API and the import say about an appointment recorded as 期满."""
    if counselor.status is CounselorStatus.EXPIRED and counselor.term_end is not None:
        return expired_message(counselor.term_end)
    return None


def expired_message(term_end: date) -> str:
    return _("聘期已于 %(date)s 结束，该记录已按“期满”录入；如需继续聘任请办理续聘", date=term_end.isoformat())


def _apply(counselor: Counselor, data: CounselorInput, checked: Checked) -> dict[str, list]:
    """Copy checked input onto the record; returns the changed fields as {field: [old, new]} (masked)."""
    values: dict[str, Any] = {
        "name": data.name.strip(), "gender": checked.gender, "birth_date": checked.birth_date,
        "region_code": data.region_code, "specialties": data.specialties, "industries": data.industries,
        "work_mode": data.work_mode, "source": data.source, "appointed_on": data.appointed_on,
        "political_status": data.political_status, "education": data.education,
        "title": (data.title or "").strip() or None, "employer": (data.employer or "").strip() or None,
        "position": (data.position or "").strip() or None, "is_remote": data.is_remote,
        "capacity": data.capacity, "township_code": data.township_code or None,
    }
    if data.term_end:
        values["term_end"] = data.term_end
    changes: dict[str, list] = {}
    for key, value in values.items():
        old = getattr(counselor, key, None)
        if old != value:
            changes[key] = [plain_value(old), plain_value(value)]
            setattr(counselor, key, value)
    id_hash = crypto.lookup_hash(checked.id_number)
    if counselor.id_number_hash != id_hash:
        if counselor.id_number_hash:
            changes["id_number"] = [counselor.id_number_masked, mask_id_number(checked.id_number)]
        counselor.id_number_hash = id_hash
        counselor.id_number_cipher = crypto.encrypt(checked.id_number)
        counselor.id_number_masked = mask_id_number(checked.id_number)
    if crypto.decrypt(counselor.phone_cipher) != checked.phone:
        if counselor.phone_cipher:
            changes["phone"] = [counselor.phone_masked, mask_phone(checked.phone)]
        counselor.phone_cipher = crypto.encrypt(checked.phone)
        counselor.phone_hash = crypto.lookup_hash(checked.phone)
        counselor.phone_masked = mask_phone(checked.phone)
    areas = data.service_area_codes or [counselor.department_region_code]
    if sorted(r.code for r in counselor.service_areas) != sorted(areas):
        changes["service_area_codes"] = [[r.code for r in counselor.service_areas], areas]
        counselor.service_areas = [db.session.get(Region, code) for code in areas]
    return changes


def plain_value(value: Any) -> Any:
    """A JSON-friendly form of a field value for change history: enums by value, dates as ISO text."""
    if hasattr(value, "value"):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def can_edit(actor: User, counselor: Counselor) -> bool:
    """Only the appointing department's officials edit an appointment."""
    return actor.is_official and actor.is_enabled and actor.department_id == counselor.department_id


def can_view_personal(actor: User, counselor: Counselor) -> bool:
    """Unmasked ID number and phone: the appointing department, and the counselor themself."""
    return can_edit(actor, counselor) or (counselor.user_id is not None and counselor.user_id == actor.id)


def update_counselor(actor: User, counselor: Counselor, data: CounselorInput, today: date | None = None,
                     lock_version: int | None = None) -> dict:
    """Change a record (the appointing department only; outside the yearly window only when unlocked). A save
    from a form older than `lock_version` is refused (versioning.StaleRecord), nothing overwritten."""
    if not can_edit(actor, counselor):
        raise NotAllowed(_("只有聘任部门可以修改辅导员的聘任信息"))
    versioning.check(counselor, lock_version)
    today = today or local_today()
    if not yearly.editing_allowed(counselor.department, today):
        raise NotAllowed(_("每年 7 月 1 日至 12 月 31 日不在信息维护期内，修改须由上级部门解锁"))
    checked = check_input(data, counselor.department, region_lookup)
    _raise(checked)
    other = find_by_id_number(checked.id_number)
    if other is not None and other.id != counselor.id:
        raise Conflict(_("该身份证号码已在名录库中"), field="id_number")
    versioning.claim(counselor, lock_version)  # before _apply: the service-area list is written at once
    changes = _apply(counselor, data, checked)
    if changes:
        counselor.data_year = today.year
        _event(counselor, "update", actor, counselor.status, counselor.status, changes=changes)
        record(actor, "counselor.update", counselor, region_code=counselor.department_region_code,
               fields=sorted(changes))
    return changes


def reveal_personal(actor: User, counselor: Counselor, purpose: str) -> dict[str, str | None]:
    """The unmasked ID number and phone for those who need them; every view is audited."""
    if not can_view_personal(actor, counselor):
        raise NotAllowed(_("您无权查看完整的身份证号码和手机号码"))
    record(actor, "counselor.view_unmasked", counselor, region_code=counselor.department_region_code,
           fields=["id_number", "phone"], purpose=purpose)
    return {"id_number": crypto.decrypt(counselor.id_number_cipher), "phone": crypto.decrypt(counselor.phone_cipher)}


# --- lifecycle ------------------------------------------------------------------------------------------------

S = CounselorStatus
# action: (allowed from, to, reason required)
TRANSITIONS: dict[str, tuple[set[CounselorStatus], CounselorStatus, bool]] = {
    "suspend": ({S.APPOINTED}, S.SUSPENDED, True),
    "resume": ({S.SUSPENDED}, S.APPOINTED, False),
    "renew": ({S.APPOINTED, S.SUSPENDED, S.EXPIRED}, S.APPOINTED, False),
    "expire": ({S.APPOINTED, S.SUSPENDED}, S.EXPIRED, False),
    "transfer_out": ({S.EXPIRED}, S.TRANSFERRED_OUT, True),
    "strike_off": ({S.APPOINTED, S.SUSPENDED, S.EXPIRED}, S.STRUCK_OFF, True),
}


def allowed_actions(counselor: Counselor) -> list[str]:
    return [action for action, (sources, _to, _r) in TRANSITIONS.items()
            if counselor.status in sources and action != "expire"]


def transition(counselor: Counselor, action: str, actor: User | None, reason: str = "",
               term_end: date | None = None) -> CounselorEvent:
    """Move a counselor through the lifecycle. An illegal move raises and changes nothing; two concurrent
    requests for the same move produce one transition (compare-and-set on the status)."""
    if action not in TRANSITIONS:
        raise DomainError(_("未知操作"))
    sources, target, needs_reason = TRANSITIONS[action]
    if actor is not None and not can_edit(actor, counselor):
        raise NotAllowed(_("只有聘任部门可以变更辅导员的聘任状态"))
    if counselor.status not in sources:
        raise Conflict(_("当前状态“%(status)s”下不能执行此操作", status=_status_label(counselor.status)))
    if needs_reason and not reason.strip():
        raise DomainError(_("请填写原因"), field="reason")
    changes: dict[str, list] = {}
    values: dict[str, Any] = {"status": target, "updated_at": utcnow(),
                              "lock_version": Counselor.lock_version + 1}  # a renewal changes the term
    if action == "renew":
        start = max(counselor.term_end + timedelta(days=1), local_today()) if counselor.term_end else local_today()
        new_end = term_end or default_term_end(start)
        if new_end <= local_today():
            raise DomainError(_("新聘期须在今天之后结束"), field="term_end")
        number = next_certificate_numbers(counselor.department, local_today().year)[0]
        values.update(term_end=new_end, certificate_no=number, appointed_on=start)
        changes = {"term_end": [plain_value(counselor.term_end), new_end.isoformat()],
                   "certificate_no": [counselor.certificate_no, number]}
    previous = counselor.status
    result = db.session.execute(update(Counselor).where(Counselor.id == counselor.id,
                                                        Counselor.status == counselor.status).values(**values))
    if result.rowcount != 1:
        db.session.refresh(counselor)
        raise Conflict(_("该记录已被他人更新，请刷新后重试"))
    db.session.refresh(counselor)
    event = _event(counselor, action, actor, previous, target, reason=reason, changes=changes)
    record(actor, f"counselor.{action}", counselor, region_code=counselor.department_region_code, reason=reason)
    if counselor.user is not None:
        notify(counselor.user, _("您的辅导员聘任状态已变更为“%(status)s”", status=_status_label(target)),
               reason, link=f"/directory/{counselor.id}")
    return event


def expire_due(today: date | None = None) -> int:
    """Mark 期满 every counselor whose term ended before today (the daily task)."""
    today = today or local_today()
    due = db.session.scalars(select(Counselor).where(
        Counselor.status.in_([S.APPOINTED, S.SUSPENDED]), Counselor.term_end < today)).all()
    for counselor in due:
        transition(counselor, "expire", None, _("聘期已于 %(date)s 结束", date=counselor.term_end.isoformat()))
    return len(due)


def _status_label(status: CounselorStatus) -> str:
    from marketplace.directory.labels import STATUS_LABELS

    return str(STATUS_LABELS[status])


def _event(counselor: Counselor, action: str, actor: User | None, from_status, to_status, reason: str = "",
           changes: dict | None = None) -> CounselorEvent:
    event = CounselorEvent(counselor_id=counselor.id, action=action, from_status=from_status,
                           to_status=to_status, reason=reason or None, changes=changes or {},
                           actor_id=actor.id if actor else None)
    db.session.add(event)
    db.session.flush()
    return event


# --- the counselor's own changes ------------------------------------------------------------------------------

def update_own_profile(user: User, counselor: Counselor, personal: dict[str, Any],
                       requested: dict[str, Any], note: str = "") -> ChangeRequest | None:
    """Apply the counselor's personal fields at once; send the department-owned ones for review."""
    if counselor.user_id != user.id:
        raise NotAllowed(_("只能修改本人的信息"))
    changes: dict[str, list] = {}
    if "phone" in personal:
        error = check_phone(personal["phone"])
        if error:
            raise DomainError(error, field="phone")
        phone = normalize_phone(personal.pop("phone"))
        if crypto.decrypt(counselor.phone_cipher) != phone:
            changes["phone"] = [counselor.phone_masked, mask_phone(phone)]
            counselor.phone_cipher, counselor.phone_masked = crypto.encrypt(phone), mask_phone(phone)
            counselor.phone_hash = crypto.lookup_hash(phone)
    for key, value in personal.items():
        if key not in PERSONAL_FIELDS:
            raise DomainError(_("该项需由聘任部门审核"), field=key)
        if getattr(counselor, key) != value:
            changes[key] = [plain_value(getattr(counselor, key)), plain_value(value)]
            setattr(counselor, key, value)
    if changes:
        versioning.claim(counselor, None)  # an official's open edit form is now stale
        _event(counselor, "update", user, counselor.status, counselor.status, changes=changes)
        record(user, "counselor.update_own", counselor, region_code=counselor.department_region_code,
               fields=sorted(changes))
    pending = {k: [plain_value(getattr(counselor, k)), plain_value(v)] for k, v in requested.items()
               if k not in PERSONAL_FIELDS and plain_value(getattr(counselor, k)) != plain_value(v)}
    if not pending:
        return None
    request = ChangeRequest(counselor_id=counselor.id, department_region_code=counselor.department_region_code,
                            requested_by_id=user.id, changes=pending, note=note or None)
    db.session.add(request)
    db.session.flush()
    record(user, "counselor.request_change", request, region_code=counselor.department_region_code)
    for official in counselor.department.users:
        if official.is_official and official.is_enabled:
            notify(official, _("辅导员 %(name)s 提交了信息修改申请", name=counselor.name), note,
                   link=f"/directory/requests/{request.id}")
    return request


REVIEWABLE = {"specialties": int, "industries": int, "work_mode": WorkMode, "is_remote": bool, "capacity": int,
              "region_code": str, "source": Source}


def review_change_request(actor: User, request: ChangeRequest, approve: bool, note: str = "") -> None:
    counselor = request.counselor
    if not can_edit(actor, counselor):
        raise NotAllowed(_("只有聘任部门可以审核"))
    if request.status is not ChangeRequestStatus.PENDING:
        raise Conflict(_("该申请已处理"))
    request.status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
    request.reviewer_id, request.reviewed_at, request.review_note = actor.id, utcnow(), note or None
    if approve:
        for key, (_old, new) in request.changes.items():
            kind = REVIEWABLE.get(key)
            if kind is None:
                continue
            if key == "region_code" and not region_in_jurisdiction(new, actor):
                raise DomainError(_("地区不在本部门管辖范围内"), field="region_code")
            setattr(counselor, key, kind(new))
        versioning.claim(counselor, None)
        _event(counselor, "change_approved", actor, counselor.status, counselor.status, changes=request.changes)
    record(actor, "counselor.review_change", request, region_code=counselor.department_region_code,
           approved=approve)
    if request.requested_by is not None:
        notify(request.requested_by, _("您的信息修改申请已通过") if approve else _("您的信息修改申请未通过"), note,
               link=f"/directory/{counselor.id}")


def link_account(actor: User, counselor: Counselor, user: User) -> None:
    """Tie a counselor account to the directory record, so the counselor can sign in to it."""
    if not can_edit(actor, counselor):
        raise NotAllowed(_("只有聘任部门可以关联账户"))
    if user.role is not Role.COUNSELOR:
        raise DomainError(_("只能关联辅导员账户"))
    counselor.user_id = user.id
    record(actor, "counselor.link_account", counselor, region_code=counselor.department_region_code,
           user_id=user.id)


INPUT_FIELDS = [f.name for f in fields(CounselorInput)]
