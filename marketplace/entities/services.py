"""Entities: registering and editing (the operator), verifying (the county department), and searching.

Services take the acting user, flush, record the audit entry and never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update

from marketplace import versioning
from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.entities.models import Entity, EntityType, ModelLevel, VerificationStatus
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.identifiers import check_phone, normalize_phone
from marketplace.jurisdiction import in_region, region_in_jurisdiction, scoped
from marketplace.notifications.services import notify
from marketplace.regions.models import Level, Region
from marketplace.timeutil import local_today, utcnow

CODE_REQUIRED = {EntityType.COOPERATIVE, EntityType.FEDERATION}
COOPERATIVE_PREFIX = "93"  # farmer cooperatives and their federations (domain.md, GB 32100)
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z


def check_credit_code(raw: str | None, entity_type: EntityType | None) -> tuple[str | None, str | None]:
    """(normalized code or None, error message or None). Only the check character is validated (GB 32100)."""
    from stdnum.cn import uscc

    value = re.sub(r"[\s-]", "", raw or "").upper()
    if not value:
        if entity_type in CODE_REQUIRED:
            return None, _("合作社和联合社须填写统一社会信用代码")
        return None, None
    if len(value) != 18:
        return None, _("统一社会信用代码应为 18 位")
    if any(c not in USCC_ALPHABET for c in value):
        return None, _("统一社会信用代码含有无效字符（不使用 I、O、S、V、Z）")
    if uscc.calc_check_digit(value[:17]) != value[17]:
        return None, _("统一社会信用代码校验位不正确")
    if entity_type in CODE_REQUIRED and not value.startswith(COOPERATIVE_PREFIX):
        # GB 32100: 9 = registered with market regulation, then 1 company, 2 individual business, 3 cooperative.
        return None, _("合作社和联合社的统一社会信用代码以 93 开头（91 为企业，92 为个体工商户），"
                       "请核对是否填成了其他主体的代码")
    return value, None


@dataclass
class EntityInput:
    type: EntityType | None = None
    name: str = ""
    credit_code: str = ""
    legal_representative: str = ""
    contact_phone: str = ""
    region_code: str = ""
    address: str | None = None
    industries: int = 0
    members: int | None = None
    area_mu: Decimal | None = None
    livestock_head: int | None = None
    model_level: ModelLevel = ModelLevel.NONE
    founded_year: int | None = None


@dataclass
class Checked:
    errors: dict[str, str] = field(default_factory=dict)
    credit_code: str | None = None
    phone: str | None = None


def check_input(data: EntityInput, current: Entity | None = None, check_unique: bool = True) -> Checked:
    """Check an entity's data; `check_unique=False` leaves the credit code's uniqueness to the caller (a batch
    import looks the codes up in bulk)."""
    checked = Checked()
    errors = checked.errors
    if data.type is None:
        errors["type"] = _("请选择主体类型")
    if not data.name.strip():
        errors["name"] = _("请填写主体名称")
    elif len(data.name.strip()) > 120:
        errors["name"] = _("名称过长")
    checked.credit_code, code_error = check_credit_code(data.credit_code, data.type)
    if code_error:
        errors["credit_code"] = code_error
    elif checked.credit_code and check_unique:
        other = db.session.scalar(select(Entity.id).where(Entity.credit_code == checked.credit_code))
        if other is not None and (current is None or other != current.id):
            errors["credit_code"] = _("该统一社会信用代码已被登记")
    if not data.legal_representative.strip():
        errors["legal_representative"] = _("请填写法定代表人或经营者")
    phone_error = check_phone(data.contact_phone)
    if phone_error:
        errors["contact_phone"] = phone_error
    else:
        checked.phone = normalize_phone(data.contact_phone)
    region = db.session.get(Region, data.region_code) if data.region_code else None
    if region is None or region.level not in (Level.COUNTY, Level.TOWNSHIP):
        errors["region_code"] = _("请选择所在的县（区）或乡镇")
    elif region.valid_to is not None:
        errors["region_code"] = _("地区代码 %(code)s 已停用", code=region.code)
    if not data.industries:
        errors["industries"] = _("请至少选择一个产业")
    for name in ("members", "livestock_head"):
        value = getattr(data, name)
        if value is not None and not 0 <= value <= 10_000_000:
            errors[name] = _("数量超出范围")
    if data.area_mu is not None and not 0 <= data.area_mu <= 10_000_000:
        errors["area_mu"] = _("面积超出范围")
    if data.founded_year is not None and not 1949 <= data.founded_year <= local_today().year:
        errors["founded_year"] = _("成立年份应在 1949 年到今年之间")
    return checked


def _raise(checked: Checked) -> None:
    if checked.errors:
        name, message = next(iter(checked.errors.items()))
        error = Conflict(message, field=name) if "已被登记" in message else DomainError(message, field=name)
        error.errors = checked.errors  # type: ignore[attr-defined]
        raise error


FIELDS = ("type", "name", "legal_representative", "region_code", "address", "industries", "members", "area_mu",
          "livestock_head", "model_level", "founded_year")


def _apply(entity: Entity, data: EntityInput, checked: Checked) -> list[str]:
    values: dict[str, Any] = {key: getattr(data, key) for key in FIELDS}
    values.update(name=data.name.strip(), legal_representative=data.legal_representative.strip(),
                  address=(data.address or "").strip() or None, credit_code=checked.credit_code,
                  contact_phone=checked.phone)
    changed = []
    for key, value in values.items():
        if getattr(entity, key, None) != value:
            setattr(entity, key, value)
            changed.append(key)
    return changed


def register_entity(actor: User, data: EntityInput) -> Entity:
    """A farm operator registers the entity they act for; it waits for the county department to verify it."""
    if actor.role is not Role.OPERATOR:
        raise NotAllowed(_("只有经营主体用户可以登记主体"))
    checked = check_input(data)
    from marketplace.entities.claims import check_claimable_registration

    check_claimable_registration(checked.credit_code, data.name, data.region_code)
    _raise(checked)
    entity = Entity(owner_id=actor.id, verification_status=VerificationStatus.UNVERIFIED)
    _apply(entity, data, checked)
    db.session.add(entity)
    db.session.flush()
    record(actor, "entity.register", entity, name=entity.name)
    for official in county_officials(entity.region_code):
        notify(official, _("新登记的经营主体待核实：%(name)s", name=entity.name), "",
               link=f"/entities/{entity.id}")
    return entity


def can_edit(actor: User, entity: Entity) -> bool:
    return actor.id == entity.owner_id and actor.is_enabled


def contact_phone_for(actor: User | None, entity: Entity) -> str:
    """The contact phone as `actor` may read it: in full for the entity's holder, masked for everyone else
    (officials ask for it with a purpose: `reveal_contact`). Often a family farmer's own number."""
    if actor is not None and actor.id == entity.owner_id:
        return entity.contact_phone
    return entity.contact_phone_masked or ""


def reveal_contact(actor: User, entity: Entity, purpose: str) -> str:
    """The full contact phone for an official of the entity's jurisdiction who states why; audited."""
    purpose = (purpose or "").strip()
    if not actor.is_official or not region_in_jurisdiction(entity.region_code, actor):
        raise NotAllowed(_("您无权查看该主体的完整联系电话"))
    if not purpose:
        raise DomainError(_("查看完整联系电话须填写用途"), field="purpose")
    record(actor, "entity.view_unmasked", entity, fields=["contact_phone"], purpose=purpose)
    return entity.contact_phone


def update_entity(actor: User, entity: Entity, data: EntityInput, lock_version: int | None = None) -> list[str]:
    """The owner changes the record. Changing what was verified sends it back for verification. A save from a
    form older than `lock_version` is refused (versioning.StaleRecord)."""
    if not can_edit(actor, entity):
        raise NotAllowed(_("只有主体的登记人可以修改"))
    versioning.check(entity, lock_version)
    checked = check_input(data, entity)
    _raise(checked)
    changed = _apply(entity, data, checked)
    if changed:
        versioning.claim(entity, lock_version)
        if entity.verification_status is not VerificationStatus.UNVERIFIED:
            entity.verification_status = VerificationStatus.UNVERIFIED
            changed.append("verification_status")
        record(actor, "entity.update", entity, fields=sorted(changed))
    return changed


def delete_entity(actor: User, entity: Entity) -> None:
    """Remove an entity that has posted no needs (otherwise its history must stay)."""
    from marketplace.needs.models import Need

    if not can_edit(actor, entity):
        raise NotAllowed(_("只有主体的登记人可以删除"))
    if db.session.scalar(select(func.count()).select_from(Need).where(Need.entity_id == entity.id)):
        raise Conflict(_("该主体已发布需求，不能删除"))
    record(actor, "entity.delete", entity, name=entity.name)
    db.session.delete(entity)
    db.session.flush()


def county_of(region_code: str) -> Region | None:
    region = db.session.get(Region, region_code)
    while region is not None and region.level is Level.TOWNSHIP:
        region = region.parent
    return region if region is not None and region.level is Level.COUNTY else None


def county_officials(region_code: str) -> list[User]:
    """The enabled officials of the county department of a region (for notices)."""
    county = county_of(region_code)
    if county is None:
        return []
    from marketplace.accounts.models import Department

    return list(db.session.scalars(select(User).join(Department, User.department_id == Department.id).where(
        Department.region_code == county.code, User.role == Role.OFFICIAL, User.is_enabled.is_(True))))


def can_verify(actor: User, entity: Entity) -> bool:
    """The county department of the entity's region verifies it."""
    if not actor.is_official or actor.department is None or actor.level is not Level.COUNTY:
        return False
    county = county_of(entity.region_code)
    return county is not None and county.code == actor.department.region_code


def verify_entity(actor: User, entity: Entity, verified: bool, note: str = "") -> None:
    """Mark the entity verified, or ask the operator for corrections (a note is then required). The owner is
    told either way. A compare-and-set keeps two officials from deciding at once."""
    if not can_verify(actor, entity):
        raise NotAllowed(_("只有主体所在县的农业农村部门可以核实"))
    target = VerificationStatus.VERIFIED if verified else VerificationStatus.NEEDS_CORRECTION
    if entity.verification_status is target:
        raise Conflict(_("该主体已是“%(status)s”状态", status=_verification_label(target)))
    if not verified and not note.strip():
        raise DomainError(_("请说明需要更正的内容"), field="note")
    result = db.session.execute(update(Entity).where(
        Entity.id == entity.id, Entity.verification_status == entity.verification_status).values(
        verification_status=target, verification_note=note.strip() or None, verified_by_id=actor.id,
        verified_at=utcnow()))
    if result.rowcount != 1:
        db.session.refresh(entity)
        raise Conflict(_("该主体已被他人处理，请刷新后重试"))
    db.session.refresh(entity)
    record(actor, "entity.verify" if verified else "entity.request_correction", entity, note=note or None)
    if verified:
        notify(entity.owner, _("您登记的主体“%(name)s”已通过核实", name=entity.name), note,
               link=f"/entities/{entity.id}")
    else:
        notify(entity.owner, _("您登记的主体“%(name)s”需要更正", name=entity.name), note,
               link=f"/entities/{entity.id}")


def _verification_label(status: VerificationStatus) -> str:
    from marketplace.entities.labels import VERIFICATION_LABELS

    return str(VERIFICATION_LABELS[status])


@dataclass
class EntityFilters:
    q: str | None = None
    type: EntityType | None = None
    status: VerificationStatus | None = None
    region_code: str | None = None
    industry: int | None = None


def entity_query(user: User, filters: EntityFilters) -> Select:
    """Entities the user may see, filtered, newest first (the region is joined; no per-row queries)."""
    query = scoped(Entity, user)
    if filters.q:
        query = query.where(Entity.name.contains(filters.q.strip(), autoescape=True)
                            | (Entity.credit_code == filters.q.strip().upper()))
    if filters.type:
        query = query.where(Entity.type == filters.type)
    if filters.status:
        query = query.where(Entity.verification_status == filters.status)
    query = query.where(in_region(Entity.region_code, filters.region_code))
    if filters.industry:
        query = query.where(Entity.industries.op("&")(filters.industry) != 0)
    return query.order_by(Entity.updated_at.desc(), Entity.id.desc())


def own_entities(user: User) -> list[Entity]:
    return list(db.session.scalars(select(Entity).where(Entity.owner_id == user.id).order_by(Entity.id)))
