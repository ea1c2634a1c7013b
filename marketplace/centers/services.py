"""Service centers: registration, the filing workflow (备案), internal-rule documents, priced offerings and
the public catalogue.

Staff register and edit their center while it is a draft or returned, upload the four internal rules and
submit it; a county-level (or higher) department whose jurisdiction holds the center files it with a filing
number or returns it with reasons, and later warns it, orders rectification, restores or de-lists it. Only
filed centers are public and offered to matching.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import selectinload

from marketplace import numbering, versioning
from marketplace.accounts.models import Department, Role, User
from marketplace.audit.services import record
from marketplace.centers import uploads
from marketplace.centers.models import (
    CenterDocument,
    CenterEvent,
    CenterStatus,
    DocumentKind,
    Establishment,
    Offering,
    OfferingPriceChange,
    OperatorType,
    ServiceCenter,
    SetupMode,
    center_service_areas,
)
from marketplace.directory.models import Specialty
from marketplace.errors import Conflict, DomainError, NotAllowed, raise_if_errors
from marketplace.extensions import db
from marketplace.jurisdiction import region_in_jurisdiction, scoped
from marketplace.notifications.services import notify
from marketplace.regions.models import Level, Region
from marketplace.timeutil import local_today, utcnow

REVIEW_LEVELS = {Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY}
CENTER_LEVELS = {Level.COUNTY, Level.TOWNSHIP}
ALL_CATEGORIES = sum(int(s) for s in Specialty)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: 0–9 and A–Y without I, O, S, V, Z
MAX_PRICE = Decimal("99999999.99")


# --- identifiers ----------------------------------------------------------------------------------------------

def check_credit_code(raw: str | None) -> tuple[str | None, str | None]:
    """(normalized code, None) or (None, message). Per GB 32100 only the check character is validated:
    the registering authority's region code in characters 3–8 changes over time."""
    from stdnum.cn import uscc

    value = (raw or "").strip().upper().replace(" ", "").replace("-", "")
    if not value:
        return None, _("请填写统一社会信用代码")
    if len(value) != 18:
        return None, _("统一社会信用代码应为 18 位")
    bad = sorted({ch for ch in value if ch not in USCC_ALPHABET})
    if bad:
        return None, _("统一社会信用代码不能含有字符 %(chars)s（不使用 I、O、S、V、Z）", chars="、".join(bad))
    if uscc.calc_check_digit(value[:17]) != value[17]:
        return None, _("统一社会信用代码校验位不正确")
    return value, None


# --- registration ---------------------------------------------------------------------------------------------

@dataclass
class CenterInput:
    """A center's data as entered (form or API), before it is checked."""

    name: str = ""
    operator_type: OperatorType | None = None
    operator_name: str = ""
    operator_credit_code: str = ""
    setup_mode: SetupMode | None = None
    establishment: Establishment | None = None
    address: str = ""
    region_code: str = ""
    service_area_codes: list[str] = field(default_factory=list)
    categories: int = 0
    staff_count: int = 0
    opening_hours: str | None = None
    contact_phone: str | None = None


EDITABLE = {CenterStatus.DRAFT, CenterStatus.RETURNED}
CLOSED = {CenterStatus.DELISTED}


def check_center(data: CenterInput) -> tuple[dict[str, str], str | None]:
    """Field errors, and the normalized credit code."""
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = _("请填写服务中心名称")
    elif len(data.name.strip()) > 120:
        errors["name"] = _("名称过长")
    if data.operator_type is None:
        errors["operator_type"] = _("请选择运营主体类型")
    if not data.operator_name.strip():
        errors["operator_name"] = _("请填写运营主体名称")
    code, code_error = check_credit_code(data.operator_credit_code)
    if code_error:
        errors["operator_credit_code"] = code_error
    if data.setup_mode is None:
        errors["setup_mode"] = _("请选择设立方式")
    if data.establishment is None:
        errors["establishment"] = _("请选择部门设立方式")
    if not data.address.strip():
        errors["address"] = _("请填写地址")
    region = db.session.get(Region, data.region_code) if data.region_code else None
    if region is None:
        errors["region_code"] = _("请选择所在地区（县或乡镇）")
    elif region.valid_to is not None:
        errors["region_code"] = _("地区代码 %(code)s 已停用", code=region.code)
    elif region.level not in CENTER_LEVELS:
        errors["region_code"] = _("服务中心应设在县级或乡镇，请选到县（区）或乡镇")
    for code_ in data.service_area_codes:
        area = db.session.get(Region, code_)
        if area is None or area.valid_to is not None:
            errors["service_area_codes"] = _("服务区域中有无效的地区")
            break
    if not data.categories:
        errors["categories"] = _("请至少选择一项服务类别")
    elif data.categories & ~ALL_CATEGORIES:
        errors["categories"] = _("服务类别无效")
    if not 0 <= data.staff_count <= 10000:
        errors["staff_count"] = _("工作人员数应在 0 到 10000 之间")
    return errors, code




def _apply(center: ServiceCenter, data: CenterInput, credit_code: str) -> list[str]:
    """Copy checked input onto the center; returns the names of the changed fields."""
    values: dict[str, Any] = {
        "name": data.name.strip(), "operator_type": data.operator_type, "operator_name": data.operator_name.strip(),
        "operator_credit_code": credit_code, "setup_mode": data.setup_mode, "establishment": data.establishment,
        "address": data.address.strip(), "region_code": data.region_code, "categories": data.categories,
        "staff_count": data.staff_count, "opening_hours": (data.opening_hours or "").strip() or None,
        "contact_phone": (data.contact_phone or "").strip() or None,
    }
    changed = [key for key, value in values.items() if getattr(center, key, None) != value]
    for key in changed:
        setattr(center, key, values[key])
    areas = sorted(set(data.service_area_codes or [data.region_code]))
    if sorted(r.code for r in center.service_areas) != areas:
        center.service_areas = [db.session.get(Region, code) for code in areas]
        changed.append("service_area_codes")
    return changed


def register_center(actor: User, data: CenterInput) -> ServiceCenter:
    """A center-staff user registers a center; it starts as a draft owned by them."""
    if actor.role is not Role.CENTER_STAFF:
        raise NotAllowed(_("只有服务中心账户可以登记服务中心"))
    errors, code = check_center(data)
    raise_if_errors(errors)
    center = ServiceCenter(owner_id=actor.id, status=CenterStatus.DRAFT)
    _apply(center, data, code)
    db.session.add(center)
    db.session.flush()
    _event(center, "register", actor, None, CenterStatus.DRAFT)
    record(actor, "center.register", center)
    return center


def can_edit(actor: User, center: ServiceCenter) -> bool:
    """The registering staff, while the center is a draft or returned."""
    return is_owner(actor, center) and center.status in EDITABLE


def is_owner(actor: User, center: ServiceCenter) -> bool:
    return actor.is_authenticated and actor.role is Role.CENTER_STAFF and center.owner_id == actor.id


def update_center(actor: User, center: ServiceCenter, data: CenterInput, lock_version: int | None = None,
                  ) -> list[str]:
    if not is_owner(actor, center):
        raise NotAllowed(_("只有登记该服务中心的账户可以修改"))
    if center.status not in EDITABLE:
        raise Conflict(_("只有草稿或退回修改的服务中心可以修改，当前状态为“%(status)s”",
                         status=status_label(center.status)))
    versioning.check(center, lock_version)
    errors, code = check_center(data)
    raise_if_errors(errors)
    changed = _apply(center, data, code)
    if changed:
        versioning.claim(center, lock_version)
        _event(center, "update", actor, center.status, center.status)
        record(actor, "center.update", center, fields=changed)
    return changed


# --- documents ------------------------------------------------------------------------------------------------

def add_document(actor: User, center: ServiceCenter, kind: DocumentKind, stream: BinaryIO,
                 filename: str | None) -> CenterDocument:
    """Store an internal-rule document after checking its content and size."""
    if not is_owner(actor, center):
        raise NotAllowed(_("只有登记该服务中心的账户可以上传文件"))
    if center.status in (CenterStatus.SUBMITTED, CenterStatus.DELISTED):
        raise Conflict(_("当前状态“%(status)s”下不能上传文件", status=status_label(center.status)))
    stored = uploads.store(stream, filename)
    document = CenterDocument(center_id=center.id, kind=kind, original_name=stored.original_name,
                              stored_name=stored.stored_name, content_type=stored.content_type, size=stored.size,
                              uploaded_by_id=actor.id)
    db.session.add(document)
    db.session.flush()
    db.session.expire(center, ["documents"])
    _event(center, "upload", actor, center.status, center.status, reason=stored.original_name)
    record(actor, "center.upload", center, kind=kind.value, document_id=document.id, size=stored.size,
           content_type=stored.content_type)
    return document


def latest_documents(center: ServiceCenter) -> dict[DocumentKind, CenterDocument]:
    """The newest document of each kind (older versions stay in the list)."""
    latest: dict[DocumentKind, CenterDocument] = {}
    for document in center.documents:  # newest first
        latest.setdefault(document.kind, document)
    return latest


def missing_documents(center: ServiceCenter) -> list[DocumentKind]:
    have = latest_documents(center)
    return [kind for kind in DocumentKind if kind not in have]


# --- the filing workflow --------------------------------------------------------------------------------------

S = CenterStatus
# action: (allowed from, to, reason required, who: "owner" or "reviewer")
TRANSITIONS: dict[str, tuple[set[CenterStatus], CenterStatus, bool, str]] = {
    "submit": ({S.DRAFT, S.RETURNED}, S.SUBMITTED, False, "owner"),
    "file": ({S.SUBMITTED}, S.FILED, False, "reviewer"),
    "return": ({S.SUBMITTED}, S.RETURNED, True, "reviewer"),
    "warn": ({S.FILED}, S.WARNED, True, "reviewer"),
    "rectify": ({S.FILED, S.WARNED}, S.RECTIFYING, True, "reviewer"),
    "restore": ({S.WARNED, S.RECTIFYING}, S.FILED, False, "reviewer"),
    "delist": ({S.FILED, S.WARNED, S.RECTIFYING}, S.DELISTED, True, "reviewer"),
}
REVIEW_ACTIONS = [a for a, spec in TRANSITIONS.items() if spec[3] == "reviewer"]


def can_review(actor: User, center: ServiceCenter) -> bool:
    """Officials of a county-level or higher department whose jurisdiction holds the center."""
    return (actor.is_authenticated and actor.is_official and actor.is_enabled and actor.level in REVIEW_LEVELS
            and region_in_jurisdiction(center.region_code, actor))


def allowed_actions(actor: User, center: ServiceCenter) -> list[str]:
    """The moves this user may make on the center now (the buttons shown)."""
    reviewer = can_review(actor, center)
    owner = is_owner(actor, center)
    return [action for action, (sources, _to, _r, who) in TRANSITIONS.items()
            if center.status in sources and (reviewer if who == "reviewer" else owner)]


def transition(center: ServiceCenter, action: str, actor: User, reason: str = "",
               deadline: date | None = None, today: date | None = None) -> CenterEvent:
    """Move a center through the filing workflow. An illegal move raises and changes nothing; two concurrent
    requests for the same move make one transition (compare-and-set on the status)."""
    if action not in TRANSITIONS:
        raise DomainError(_("未知操作"))
    sources, target, needs_reason, who = TRANSITIONS[action]
    if who == "owner" and not is_owner(actor, center):
        raise NotAllowed(_("只有登记该服务中心的账户可以提交备案"))
    if who == "reviewer" and not can_review(actor, center):
        raise NotAllowed(_("只有服务中心所在地县级及以上农业农村部门可以审核和管理备案"))
    if center.status not in sources:
        raise Conflict(_("当前状态“%(status)s”下不能执行“%(action)s”", status=status_label(center.status),
                         action=event_label(action)))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise DomainError(_("请填写原因"), field="reason")
    today = today or local_today()
    values: dict[str, Any] = {"status": target, "updated_at": utcnow()}
    if action == "submit":
        missing = missing_documents(center)
        if missing:
            raise DomainError(_("提交备案前请上传以下制度文件：%(kinds)s",
                                kinds="、".join(document_label(k) for k in missing)), field="documents")
    if action == "rectify":
        if deadline is None:
            raise DomainError(_("请填写整改期限"), field="deadline")
        if deadline <= today:
            raise DomainError(_("整改期限须晚于今天"), field="deadline")
        values["rectify_deadline"] = deadline
    elif action in ("restore", "delist"):
        values["rectify_deadline"] = None
    if action == "file":
        values["filed_at"] = utcnow()
        if center.filing_number is None:
            values["filing_number"] = next_filing_number(center, today.year)
    previous = center.status
    result = db.session.execute(update(ServiceCenter).where(ServiceCenter.id == center.id,
                                                            ServiceCenter.status == previous).values(**values))
    if result.rowcount != 1:
        db.session.refresh(center)
        raise Conflict(_("该服务中心已被他人更新，请刷新后重试"))
    db.session.refresh(center)
    event = _event(center, action, actor, previous, target, reason=reason, deadline=values.get("rectify_deadline"))
    record(actor, f"center.{action}", center, reason=reason or None, filing_number=center.filing_number,
           deadline=deadline.isoformat() if deadline and action == "rectify" else None)
    _tell(center, action, actor, reason)
    return event


def _tell(center: ServiceCenter, action: str, actor: User, reason: str) -> None:
    link = f"/centers/{center.id}"
    if action == "submit":
        for official in reviewing_officials(center):
            notify(official, _("服务中心“%(name)s”提交了备案申请", name=center.name), reason, link=link)
        return
    title = _("服务中心“%(name)s”：%(action)s", name=center.name, action=event_label(action))
    body = reason
    if action == "file":
        body = _("备案编号 %(no)s", no=center.filing_number)
    elif action == "rectify" and center.rectify_deadline:
        body = _("%(reason)s（整改期限 %(date)s）", reason=reason, date=center.rectify_deadline.isoformat())
    if center.owner is not None:
        notify(center.owner, title, body, link=link)


def reviewing_officials(center: ServiceCenter) -> list[User]:
    """The officials of the nearest county-level (or higher) department above the center that has any."""
    region = center.region or db.session.get(Region, center.region_code)
    codes = [code for code in region.path.strip("/").split("/") if code]
    departments = db.session.scalars(select(Department).where(Department.region_code.in_(codes))).all()
    by_code = {d.region_code: d for d in departments}
    for code in reversed(codes):
        department = by_code.get(code)
        if department is None or department.level not in REVIEW_LEVELS:
            continue
        officials = [u for u in department.users if u.is_official and u.is_enabled]
        if officials:
            return officials
    return []


def next_filing_number(center: ServiceCenter, year: int) -> str:
    """Filing numbers "<county code>-BA-<year>-<sequence>", one sequence (a counter row) per county and year."""
    prefix = f"{center.region_code[:6]}-BA-{year}-"
    sequence = numbering.allocate("filing", prefix, 1,
                                  lambda: numbering.max_sequence(ServiceCenter.filing_number, prefix))[0]
    return f"{prefix}{sequence:04d}"


def _event(center: ServiceCenter, action: str, actor: User | None, from_status, to_status, reason: str = "",
           deadline: date | None = None) -> CenterEvent:
    event = CenterEvent(center_id=center.id, action=action, from_status=from_status, to_status=to_status,
                        reason=reason or None, deadline=deadline, actor_id=actor.id if actor else None)
    db.session.add(event)
    db.session.flush()
    return event


def status_label(status: CenterStatus) -> str:
    from marketplace.centers.labels import STATUS_LABELS

    return str(STATUS_LABELS[status])


def event_label(action: str) -> str:
    from marketplace.centers.labels import EVENT_LABELS

    return str(EVENT_LABELS.get(action, action))


def document_label(kind: DocumentKind) -> str:
    from marketplace.centers.labels import DOCUMENT_LABELS

    return str(DOCUMENT_LABELS[kind])


# --- offerings ------------------------------------------------------------------------------------------------

@dataclass
class OfferingInput:
    name: str = ""
    category: int = 0
    unit: str = ""
    price_min: Any = None
    price_max: Any = None
    description: str | None = None
    service_standard: str | None = None
    delivery_days: int | None = None


def _price(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        price = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return price if price.is_finite() else None


def check_offering(center: ServiceCenter, data: OfferingInput) -> tuple[dict[str, str], Decimal | None,
                                                                         Decimal | None]:
    errors: dict[str, str] = {}
    if not data.name.strip():
        errors["name"] = _("请填写服务项目名称")
    elif len(data.name.strip()) > 120:
        errors["name"] = _("名称过长")
    if data.category not in {int(s) for s in Specialty}:
        errors["category"] = _("请选择服务类别")
    elif not center.categories & data.category:
        errors["category"] = _("该类别不在服务中心登记的服务类别内")
    if not data.unit.strip():
        errors["unit"] = _("请填写计价单位，如“次”“亩”“户·年”")
    low = _price(data.price_min)
    high = _price(data.price_max) if data.price_max not in (None, "") else low
    if low is None:
        errors["price_min"] = _("请填写价格（元）")
    elif low < 0 or low > MAX_PRICE:
        errors["price_min"] = _("价格应在 0 到 99999999.99 元之间")
    elif high is None or high < low or high > MAX_PRICE:
        errors["price_max"] = _("最高价不能低于最低价")
    if data.delivery_days is not None and not 0 <= data.delivery_days <= 3650:
        errors["delivery_days"] = _("完成时限应在 0 到 3650 天之间")
    return errors, low, high


def can_manage_offerings(actor: User, center: ServiceCenter) -> bool:
    return is_owner(actor, center) and center.status not in CLOSED


def _check_manage(actor: User, center: ServiceCenter) -> None:
    if not is_owner(actor, center):
        raise NotAllowed(_("只有登记该服务中心的账户可以管理服务项目"))
    if center.status in CLOSED:
        raise Conflict(_("服务中心已摘牌，不能再管理服务项目"))


def add_offering(actor: User, center: ServiceCenter, data: OfferingInput) -> Offering:
    """Publish a priced service item; its initial price is the first row of its price history."""
    _check_manage(actor, center)
    errors, low, high = check_offering(center, data)
    raise_if_errors(errors)
    offering = Offering(center_id=center.id, price_min=low, price_max=high, is_active=True)
    _apply_offering(offering, data)
    db.session.add(offering)
    db.session.flush()
    db.session.add(OfferingPriceChange(offering_id=offering.id, new_min=low, new_max=high, changed_by_id=actor.id))
    db.session.flush()
    record(actor, "offering.create", offering, region_code=center.region_code, center_id=center.id,
           price=[str(low), str(high)])
    return offering


def _apply_offering(offering: Offering, data: OfferingInput) -> list[str]:
    values = {"name": data.name.strip(), "category": data.category, "unit": data.unit.strip(),
              "description": (data.description or "").strip() or None,
              "service_standard": (data.service_standard or "").strip() or None, "delivery_days": data.delivery_days}
    changed = [key for key, value in values.items() if getattr(offering, key, None) != value]
    for key in changed:
        setattr(offering, key, values[key])
    return changed


def update_offering(actor: User, offering: Offering, data: OfferingInput, lock_version: int | None = None,
                    ) -> list[str]:
    """Change an offering; a price change is written to its history (who, when, old and new)."""
    center = offering.center
    _check_manage(actor, center)
    versioning.check(offering, lock_version)
    errors, low, high = check_offering(center, data)
    raise_if_errors(errors)
    changed = _apply_offering(offering, data)
    if (offering.price_min, offering.price_max) != (low, high):
        db.session.add(OfferingPriceChange(offering_id=offering.id, old_min=offering.price_min,
                                           old_max=offering.price_max, new_min=low, new_max=high,
                                           changed_by_id=actor.id))
        offering.price_min, offering.price_max = low, high
        changed.append("price")
    if changed:
        versioning.claim(offering, lock_version)
        db.session.flush()
        db.session.expire(offering, ["price_changes"])
        record(actor, "offering.update", offering, region_code=center.region_code, center_id=center.id,
               fields=changed)
    return changed


def set_offering_active(actor: User, offering: Offering, active: bool) -> None:
    _check_manage(actor, offering.center)
    if offering.is_active == active:
        return
    offering.is_active = active
    db.session.flush()
    record(actor, "offering.activate" if active else "offering.deactivate", offering,
           region_code=offering.center.region_code, center_id=offering.center_id)


# --- queries --------------------------------------------------------------------------------------------------

@dataclass
class CenterFilters:
    q: str | None = None
    status: CenterStatus | None = None
    region_code: str | None = None
    category: int | None = None


def _region_subtree(region_code: str) -> Select | None:
    region = db.session.get(Region, region_code)
    if region is None:
        return None
    return select(Region.code).where(Region.path.startswith(region.path, autoescape=True))


def center_query(user: User, filters: CenterFilters) -> Select:
    """Centers the user may see (officials: their jurisdiction; staff: their own), filtered, newest first."""
    query = scoped(ServiceCenter, user)
    if filters.q:
        query = query.where(ServiceCenter.name.contains(filters.q.strip(), autoescape=True)
                            | (ServiceCenter.filing_number == filters.q.strip()))
    if filters.status:
        query = query.where(ServiceCenter.status == filters.status)
    if filters.region_code:
        subtree = _region_subtree(filters.region_code)
        if subtree is not None:
            query = query.where(ServiceCenter.region_code.in_(subtree))
    if filters.category:
        query = query.where(ServiceCenter.categories.op("&")(filters.category) != 0)
    return query.order_by(ServiceCenter.updated_at.desc(), ServiceCenter.id.desc())


def catalogue_query(region_code: str | None = None, category: int | None = None) -> Select:
    """The public catalogue: filed centers with their active offerings (loaded in one more query).

    A region matches a center placed in it or below it, a county center for one of its townships, and a
    center whose service area covers the region."""
    offerings = ServiceCenter.offerings.and_(Offering.is_active.is_(True))
    if category:
        offerings = ServiceCenter.offerings.and_(Offering.is_active.is_(True), Offering.category == category)
    query = (select(ServiceCenter).where(ServiceCenter.status == CenterStatus.FILED)
             .options(selectinload(offerings).selectinload(Offering.price_changes),
                      selectinload(ServiceCenter.service_areas)))
    if region_code:
        region = db.session.get(Region, region_code)
        if region is not None:
            ancestors = [code for code in region.path.strip("/").split("/") if code]
            subtree = select(Region.code).where(Region.path.startswith(region.path, autoescape=True))
            covers = select(center_service_areas.c.center_id).where(or_(
                center_service_areas.c.region_code.in_(subtree), center_service_areas.c.region_code.in_(ancestors)))
            query = query.where(or_(ServiceCenter.region_code.in_(subtree),
                                    ServiceCenter.region_code.in_(ancestors), ServiceCenter.id.in_(covers)))
    if category:
        query = query.where(ServiceCenter.categories.op("&")(category) != 0)
    return query.order_by(ServiceCenter.region_code, ServiceCenter.name, ServiceCenter.id)


def public_center_or_404(center_id: int) -> ServiceCenter:
    from flask import abort

    center = db.session.scalar(select(ServiceCenter).where(ServiceCenter.id == center_id,
                                                           ServiceCenter.status == CenterStatus.FILED)
                               .options(selectinload(ServiceCenter.offerings.and_(Offering.is_active.is_(True)))))
    if center is None:
        abort(404)
    return center


# --- demo data ------------------------------------------------------------------------------------------------

DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def demo_credit_code(body: str) -> str:
    """A credit code with a correct check character, for demo data and tests (`body` has 17 characters)."""
    from stdnum.cn import uscc

    return body + uscc.calc_check_digit(body)


def seed_centers() -> None:
    """Demo centers: a filed one with offerings and a price change for `center_zhengding`, a submitted one
    for `center_baoding`. Idempotent: does nothing when either account already has a center."""
    import io

    def user(username: str) -> User | None:
        return db.session.scalar(select(User).where(User.username == username))

    staff, other, reviewer = user("center_zhengding"), user("center_baoding"), user("zhengding")
    if staff is None or other is None or reviewer is None:
        return
    if db.session.scalar(select(ServiceCenter.id).where(ServiceCenter.owner_id.in_([staff.id, other.id]))):
        return

    def attach_rules(owner: User, center: ServiceCenter) -> None:
        for kind in DocumentKind:
            add_document(owner, center, kind, io.BytesIO(DEMO_PDF), f"{document_label(kind)}.pdf")

    towns = [r.code for r in db.session.scalars(select(Region).where(
        Region.parent_code == "130123", Region.valid_to.is_(None)).order_by(Region.code).limit(3))]
    center = register_center(staff, CenterInput(
        name="正定县新型农业经营主体服务中心", operator_type=OperatorType.FEDERATION,
        operator_name="正定县农民专业合作社联合社", operator_credit_code=demo_credit_code("93130123MA0CXY12K"),
        setup_mode=SetupMode.TAKEOVER, establishment=Establishment.FILING, address="正定县常山西路 28 号",
        region_code="130123", service_area_codes=["130123", *towns],
        categories=int(Specialty.ORGANIZATION | Specialty.OPERATION | Specialty.FINANCE | Specialty.MARKETING),
        staff_count=8, opening_hours="周一至周五 8:30–17:30", contact_phone="0311-88012345"))
    attach_rules(staff, center)
    transition(center, "submit", staff)
    transition(center, "file", reviewer)
    items = [
        ("合作社规范化建设指导", Specialty.ORGANIZATION, "次", "800", "1500", "章程、成员账户、“三会”制度梳理",
         "出具整改清单并跟踪一次复核", 15),
        ("代理记账", Specialty.FINANCE, "户·年", "2400", "2400", "按《农民专业合作社会计制度》记账、报税",
         "每月 15 日前完成上月账务", 30),
        ("农产品品牌与电商运营", Specialty.MARKETING, "项", "3000", "8000", "品牌设计、网店开设与运营培训",
         "交付品牌方案和店铺上线", 45),
        ("年报填报与信息公示", Specialty.OPERATION, "次", "200", "200", "市场主体年报和经营情况公示",
         "在规定时间内完成填报", 5),
    ]
    offerings = []
    for name, category, unit, low, high, description, standard, days in items:
        offerings.append(add_offering(staff, center, OfferingInput(
            name=name, category=int(category), unit=unit, price_min=low, price_max=high, description=description,
            service_standard=standard, delivery_days=days)))
    first = offerings[1]
    update_offering(staff, first, OfferingInput(
        name=first.name, category=first.category, unit=first.unit, price_min="2000", price_max="2000",
        description=first.description, service_standard=first.service_standard, delivery_days=first.delivery_days))

    pending = register_center(other, CenterInput(
        name="保定市竞秀区农民合作社服务中心", operator_type=OperatorType.AGRI_SERVICE_COMPANY,
        operator_name="保定市禾丰农业服务有限公司", operator_credit_code=demo_credit_code("91130602MA0DHF45P"),
        setup_mode=SetupMode.NEW, establishment=Establishment.PURCHASE_OF_SERVICES,
        address="保定市竞秀区朝阳北大街 66 号",
        region_code=other.region_code, categories=int(Specialty.TECHNICAL | Specialty.GREEN | Specialty.QUALITY),
        staff_count=5, opening_hours="周一至周六 8:00–18:00"))
    attach_rules(other, pending)
    add_offering(other, pending, OfferingInput(name="测土配方施肥指导", category=int(Specialty.TECHNICAL), unit="亩",
                                               price_min="15", price_max="25", delivery_days=7))
    transition(pending, "submit", other)
