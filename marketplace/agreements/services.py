"""Agreements: creation from an accepted invitation or a center's offering, numbering, editing (which voids
any signature and returns the agreement to draft), who is a party, and the scoped reading queries.

Services take the acting user, flush, record the audit entry and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, or_, select
from sqlalchemy.orm import selectinload

from marketplace import crypto, numbering, versioning
from marketplace.accounts.models import User
from marketplace.agreements import item_templates
from marketplace.agreements.content import item_amount, total_of
from marketplace.agreements.models import (
    Agreement,
    AgreementItem,
    AgreementStatus,
    Party,
    ProviderKind,
    ServiceMethod,
)
from marketplace.audit.services import record
from marketplace.centers.models import CenterStatus, Offering, ServiceCenter
from marketplace.directory.models import Counselor
from marketplace.errors import Conflict, NotAllowed, raise_if_errors
from marketplace.extensions import db
from marketplace.jurisdiction import bound_scope_clause, in_region, scope_shape, scoped
from marketplace.limits import AGREEMENT, ITEM, MONEY_MAX, problems
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedStatus
from marketplace.timeutil import local_today

S = AgreementStatus
EDITABLE = (S.DRAFT, S.PROPOSED)
# An agreement in one of these blocks another for the same need.
LIVE = (S.DRAFT, S.PROPOSED, S.SIGNED, S.IN_SERVICE, S.SUBMITTED, S.ACCEPTED, S.DISPUTED)

# A need a center's offering may be bought for: open, or already assigned to that center.
OFFERING_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.ASSIGNED)

DEFAULT_LIABILITY = (
    "一、乙方未按约定的时间、方式和标准提供服务的，应在甲方提出后 7 日内补正；逾期不补正或补正后仍不合格的，"
    "甲方有权解除协议，乙方退还未履行部分的费用。\n"
    "二、甲方未按约定提供必要的工作条件、资料或支付费用的，乙方有权顺延服务期限；经催告后 15 日内仍不履行的，"
    "乙方有权解除协议。\n"
    "三、任何一方泄露对方商业秘密或成员个人信息的，应承担相应法律责任。"
)
DEFAULT_DISPUTE = (
    "因本协议发生争议的，双方应友好协商解决；协商不成的，可申请服务地县级农业农村部门调解；调解不成的，"
    "任何一方可向服务地人民法院提起诉讼。"
)
DEFAULT_TERM_DAYS = 90


# --- who -----------------------------------------------------------------------------------------------------

def party_of(user: User | None, agreement: Agreement) -> Party | None:
    """The side the user signs for: the entity's operator (甲方) or the provider's user (乙方)."""
    if user is None or not user.is_authenticated or not user.is_enabled:
        return None
    if user.id == agreement.owner_id:
        return Party.ENTITY
    if agreement.provider_user_id is not None and user.id == agreement.provider_user_id:
        return Party.PROVIDER
    return None


def require_party(user: User, agreement: Agreement, *parties: Party) -> Party:
    party = party_of(user, agreement)
    if party is None or (parties and party not in parties):
        if parties == (Party.ENTITY,):
            raise NotAllowed(_("只有甲方（服务对象）可以执行此操作"))
        if parties == (Party.PROVIDER,):
            raise NotAllowed(_("只有乙方（服务方）可以执行此操作"))
        raise NotAllowed(_("只有协议双方可以执行此操作"))
    return party


# --- numbering ------------------------------------------------------------------------------------------------

def next_number(region_code: str, year: int) -> str:
    """`<county code>-<year>-<sequence>`: the sequence counts agreements of that county and year (a counter row
    per county and year, marketplace/numbering.py, so two agreements proposed at once never share a number)."""
    prefix = f"{region_code[:6]}-{year}-"
    sequence = numbering.allocate("agreement", prefix, 1, lambda: numbering.max_sequence(Agreement.number, prefix))[0]
    return f"{prefix}{sequence:06d}"


# --- creation -------------------------------------------------------------------------------------------------

def _check_need(actor: User, need: Need) -> None:
    if actor.id != need.owner_id:
        raise NotAllowed(_("只有需求的发布人可以拟定协议"))
    live = db.session.scalar(select(Agreement.number).where(Agreement.need_id == need.id, Agreement.status.in_(LIVE)))
    if live:
        raise Conflict(_("该需求已有协议 %(number)s，请在原协议上继续", number=live))


def _entity_party(agreement: Agreement, need: Need) -> None:
    entity = need.entity
    agreement.entity_id = entity.id
    agreement.entity_name = entity.name
    agreement.entity_address = entity.address or entity.region.full_name
    agreement.entity_representative = entity.legal_representative
    agreement.entity_phone = entity.contact_phone
    agreement.entity_credit_code = entity.credit_code


def _counselor_party(agreement: Agreement, counselor: Counselor) -> None:
    agreement.provider_kind = ProviderKind.COUNSELOR
    agreement.counselor_id = counselor.id
    agreement.provider_user_id = counselor.user_id
    agreement.provider_name = counselor.name
    agreement.provider_address = counselor.employer or counselor.region.full_name
    agreement.provider_representative = counselor.name
    agreement.provider_phone = crypto.decrypt(counselor.phone_cipher)
    agreement.provider_credit_code = None


def _center_party(agreement: Agreement, center: ServiceCenter) -> None:
    agreement.provider_kind = ProviderKind.CENTER
    agreement.center_id = center.id
    agreement.provider_user_id = center.owner_id
    agreement.provider_name = center.name
    agreement.provider_address = center.address
    agreement.provider_representative = center.owner.display_name.split()[-1] if center.owner else None
    agreement.provider_phone = center.contact_phone
    agreement.provider_credit_code = center.operator_credit_code


def _new(actor: User, need: Need, today: date) -> Agreement:
    agreement = Agreement(
        need_id=need.id, need=need, region_code=need.region_code, owner_id=need.owner_id, status=S.DRAFT,
        number=next_number(need.region_code, today.year), title=_("%(title)s服务协议", title=need.title)[:200],
        liability=DEFAULT_LIABILITY, dispute_resolution=DEFAULT_DISPUTE, term_start=today,
        term_end=need.end_on if need.end_on and need.end_on > today else today + timedelta(days=DEFAULT_TERM_DAYS),
        created_by_id=actor.id, version=1)
    _entity_party(agreement, need)
    return agreement


def _fit_term(agreement: Agreement, items: list[dict], need: Need) -> None:
    """Keep every item's deadline within the agreement's term, so that a new draft can be proposed as made:
    when the operator wished the need done by a date, no deadline passes it; otherwise the default term is
    lengthened to the latest deadline (an offering's delivery days, a template's days)."""
    latest = max((values["deadline"] for values in items if values.get("deadline")), default=None)
    if latest is None or latest <= agreement.term_end:
        return
    if need.end_on and need.end_on >= agreement.term_start:
        for values in items:
            if values.get("deadline") and values["deadline"] > agreement.term_end:
                values["deadline"] = agreement.term_end
    else:
        agreement.term_end = latest


def _finish(actor: User, agreement: Agreement, items: list[dict], source: str) -> Agreement:
    _fit_term(agreement, items, agreement.need)
    for position, values in enumerate(items, start=1):
        agreement.items.append(AgreementItem(position=position, **values))
    agreement.total_amount = total_of(agreement)
    db.session.add(agreement)
    db.session.flush()
    from marketplace.agreements.lifecycle import add_event

    add_event(agreement, "create", actor, None, S.DRAFT, details={"source": source})
    record(actor, "agreement.create", agreement, number=agreement.number, need_id=agreement.need_id, source=source)
    return agreement


def is_assignee(need: Need, invitation: Invitation) -> bool:
    """Whether the invitation's candidate is the one the need is assigned to now."""
    if invitation.counselor_id:
        return need.assigned_counselor_id == invitation.counselor_id
    return need.assigned_center_id == invitation.center_id


def create_from_invitation(actor: User, invitation: Invitation, today: date | None = None) -> Agreement:
    """Draft an agreement between the need's entity and the candidate who accepted the invitation; the items
    are pre-filled from the template of the need's category."""
    need = invitation.need
    _check_need(actor, need)
    if invitation.status is not InvitationStatus.ACCEPTED or need.status is not NeedStatus.ASSIGNED:
        raise Conflict(_("只有对方已接受邀请的需求可以拟定协议"))
    if not is_assignee(need, invitation):
        # An earlier acceptance whose agreement was terminated; the need has since gone to someone else.
        raise Conflict(_("该需求已由其他服务方承接，不能按此邀请拟定协议"))
    today = today or local_today()
    agreement = _new(actor, need, today)
    agreement.invitation_id = invitation.id
    if invitation.counselor_id:
        counselor = db.session.get(Counselor, invitation.counselor_id)
        if counselor.user_id is None:
            raise Conflict(_("该辅导员尚未开通账户，暂不能签署协议"))
        _counselor_party(agreement, counselor)
    else:
        _center_party(agreement, db.session.get(ServiceCenter, invitation.center_id))
    return _finish(actor, agreement, item_templates.items_for(need.category, today), "invitation")


def create_from_offering(actor: User, need: Need, offering: Offering, today: date | None = None) -> Agreement:
    """Draft an agreement for a filed center's priced offering: one item at the offering's price (the lower
    bound of a range, to be agreed), its service standard, and the deadline from its delivery days."""
    _check_need(actor, need)
    center = offering.center
    if not offering.is_active or center.status is not CenterStatus.FILED:
        raise Conflict(_("该服务项目已下架或服务中心未备案"))
    if need.status not in OFFERING_NEED_STATUSES or (
            need.status is NeedStatus.ASSIGNED and need.assigned_center_id != center.id):
        raise Conflict(_("该需求已由其他服务方承接或不在可对接状态"))
    from marketplace.needs.candidates import barred

    if ("center", center.id) in barred(need):
        raise Conflict(_("该服务中心承接此需求的协议已因违约终止，不能再为此需求选购"))
    today = today or local_today()
    agreement = _new(actor, need, today)
    agreement.offering_id = offering.id
    _center_party(agreement, center)
    standard = offering.service_standard or offering.description or _("按服务中心公开的服务标准执行")
    item = {"name": offering.name, "method": ServiceMethod.ON_SITE, "quantity": Decimal(1), "unit": offering.unit,
            "unit_price": offering.price_min, "offering_id": offering.id, "quality_standard": standard,
            "acceptance_criterion": _("服务成果经甲方确认符合服务标准"),
            "deadline": today + timedelta(days=offering.delivery_days or 30)}
    return _finish(actor, agreement, [item], "offering")


# --- editing --------------------------------------------------------------------------------------------------

@dataclass
class ItemInput:
    name: str = ""
    method: ServiceMethod = ServiceMethod.ON_SITE
    quantity: Decimal = Decimal(1)
    unit: str = ""
    unit_price: Decimal | None = None
    quality_standard: str = ""
    acceptance_criterion: str = ""
    deadline: date | None = None
    offering_id: int | None = None


@dataclass
class AgreementInput:
    title: str = ""
    entity_address: str | None = None
    entity_representative: str | None = None
    entity_phone: str | None = None
    provider_address: str | None = None
    provider_representative: str | None = None
    provider_phone: str | None = None
    liability: str = ""
    dispute_resolution: str = ""
    term_start: date | None = None
    term_end: date | None = None
    items: list[ItemInput] = field(default_factory=list)


HEADER = ("title", "entity_address", "entity_representative", "entity_phone", "provider_address",
          "provider_representative", "provider_phone", "liability", "dispute_resolution", "term_start", "term_end")
ITEM_FIELDS = ("name", "method", "quantity", "unit", "unit_price", "quality_standard", "acceptance_criterion",
               "deadline", "offering_id")


# Item fields as named in a message about one row ("第 2 项：单价应在 0 到 10000000 之间").
ITEM_NAMES = {
    "name": lambda: _("服务项目"), "unit": lambda: _("单位"), "quality_standard": lambda: _("质量标准"),
    "acceptance_criterion": lambda: _("验收标准"), "quantity": lambda: _("数量"), "unit_price": lambda: _("单价"),
}


def check_input(data: AgreementInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.title.strip():
        errors["title"] = _("请填写协议名称")
    if not data.liability.strip():
        errors["liability"] = _("请填写违约责任")
    if not data.dispute_resolution.strip():
        errors["dispute_resolution"] = _("请填写争议解决方式")
    if not data.term_start or not data.term_end:
        errors["term_end"] = _("请填写协议期限")
    elif data.term_end < data.term_start:
        errors["term_end"] = _("协议截止日期不能早于开始日期")
    if not data.items:
        errors["items"] = _("至少需要一个服务项目")
    errors.update({k: v for k, v in problems(AGREEMENT, vars(data)).items() if k not in errors})
    for n, item in enumerate(data.items, start=1):
        too_long = problems(ITEM, vars(item))
        if too_long:
            name, message = next(iter(too_long.items()))
            errors.setdefault("items", _("第 %(n)d 项：%(field)s%(message)s", n=n, field=ITEM_NAMES[name](),
                                         message=message))
        elif not item.name.strip() or not item.unit.strip():
            errors.setdefault("items", _("第 %(n)d 项：请填写服务项目名称和单位", n=n))
        elif item.quantity is None or item.quantity <= 0:
            errors.setdefault("items", _("第 %(n)d 项：数量必须大于 0", n=n))
        elif item.unit_price is not None and item.unit_price < 0:
            errors.setdefault("items", _("第 %(n)d 项：单价不能为负数", n=n))
        elif not item.quality_standard.strip() or not item.acceptance_criterion.strip():
            errors.setdefault("items", _("第 %(n)d 项：请填写质量标准和验收标准", n=n))
        elif item.deadline and data.term_end and item.deadline > data.term_end:
            errors.setdefault("items", _("第 %(n)d 项：完成期限不能晚于协议截止日期", n=n))
    total = sum((item_amount(i.quantity or 0, i.unit_price) or 0 for i in data.items), Decimal(0))
    if total > MONEY_MAX:
        errors.setdefault("items", _("合计金额过大，请核对数量和单价"))
    return errors


def current_input(agreement: Agreement) -> AgreementInput:
    values = {name: getattr(agreement, name) for name in HEADER}
    items = [ItemInput(**{name: getattr(i, name) for name in ITEM_FIELDS}) for i in agreement.items]
    return AgreementInput(**values, items=items)


def _clean(value):
    """Strings as stored and hashed: trimmed, with browsers' CRLF line ends folded to LF."""
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def normalize(data: AgreementInput) -> AgreementInput:
    for name in HEADER:
        setattr(data, name, _clean(getattr(data, name)))
    for item in data.items:
        for name in ITEM_FIELDS:
            setattr(item, name, _clean(getattr(item, name)))
    return data


def update_agreement(actor: User, agreement: Agreement, data: AgreementInput, lock_version: int | None = None,
                     ) -> bool:
    """Either party edits a draft or a proposed agreement. Any change raises the version; after a signature
    it voids every signature and returns the agreement to draft. Returns whether anything changed. A save
    from a form older than `lock_version` is refused (versioning.StaleRecord)."""
    require_party(actor, agreement)
    versioning.check(agreement, lock_version)
    if agreement.status not in EDITABLE:
        from marketplace.agreements.lifecycle import status_label

        raise Conflict(_("协议当前为“%(status)s”，不能修改", status=status_label(agreement.status)))
    data = normalize(data)
    raise_if_errors(check_input(data))
    if current_input(agreement) == data:
        return False
    versioning.claim(agreement, lock_version)
    for name in HEADER:
        setattr(agreement, name, _clean(getattr(data, name)))
    for item in list(agreement.items):
        agreement.items.remove(item)
    db.session.flush()
    for position, item in enumerate(data.items, start=1):
        agreement.items.append(AgreementItem(position=position,
                                             **{name: _clean(getattr(item, name)) for name in ITEM_FIELDS}))
    agreement.total_amount = total_of(agreement)
    from marketplace.agreements.lifecycle import revise

    revise(agreement, actor)
    record(actor, "agreement.update", agreement, version=agreement.version)
    return True


# --- reading --------------------------------------------------------------------------------------------------

@dataclass
class AgreementFilters:
    q: str | None = None
    status: AgreementStatus | None = None
    region_code: str | None = None
    provider_kind: ProviderKind | None = None
    overdue: str | None = None  # "delivery" | "acceptance" | None
    need_id: int | None = None


def agreement_query(user: User, filters: AgreementFilters | None = None) -> Select:
    """Agreements the user may see (officials: their jurisdiction; parties: their own), filtered, newest
    first, with the region loaded in the same query."""
    from marketplace.agreements.oversight import overdue_clause

    filters = filters or AgreementFilters()
    query = scoped(Agreement, user)
    if filters.q:
        text = filters.q.strip()
        query = query.where(or_(Agreement.number.contains(text, autoescape=True),
                                Agreement.title.contains(text, autoescape=True),
                                Agreement.entity_name.contains(text, autoescape=True),
                                Agreement.provider_name.contains(text, autoescape=True)))
    if filters.status:
        query = query.where(Agreement.status == filters.status)
    if filters.provider_kind:
        query = query.where(Agreement.provider_kind == filters.provider_kind)
    if filters.need_id:
        query = query.where(Agreement.need_id == filters.need_id)
    if filters.overdue:
        query = query.where(overdue_clause(filters.overdue))
    query = query.where(in_region(Agreement.region_code, filters.region_code))
    return query.order_by(Agreement.updated_at.desc(), Agreement.id.desc())


def visible_agreement(agreement_id: int, user: User) -> Agreement:
    """The agreement with its items and signatures, if the user may see it; 404 otherwise."""
    agreement = db.session.scalars(scoped(Agreement, user).where(Agreement.id == agreement_id).options(
        selectinload(Agreement.items), selectinload(Agreement.signatures))).first()
    if agreement is None:
        abort(404)
    return agreement


def agreements_of_need(need: Need, user: User) -> list:
    """The need page's panel: (id, number, provider_name, status) of the agreements of the need the user may
    see, newest first (rows, not Agreement objects: the panel shows these four, and an object loads every
    column and its region)."""
    shape, values = scope_shape(Agreement, user)
    return list(db.session.execute(_need_panel_statement(shape), {**values, "need_id": need.id}))


@cache
def _need_panel_statement(shape: str):
    """`agreements_of_need`'s SELECT, built once per scope shape (the need page reads it on every view)."""
    return (select(Agreement.id, Agreement.number, Agreement.provider_name, Agreement.status)
            .where(bound_scope_clause(Agreement, shape), Agreement.need_id == bindparam("need_id"))
            .order_by(Agreement.id.desc()))


def agreement_for_invitation(invitation_id: int) -> Agreement | None:
    return db.session.scalars(select(Agreement).where(Agreement.invitation_id == invitation_id,
                                                      Agreement.status.in_(LIVE))).first()


def agreements_by_invitation(invitation_ids: list[int], user: User) -> dict[int, Agreement]:
    """The newest agreement the user may see for each of these invitations, in one query (the inbox)."""
    if not invitation_ids:
        return {}
    rows = db.session.scalars(scoped(Agreement, user).where(Agreement.invitation_id.in_(invitation_ids))
                              .order_by(Agreement.id))
    return {agreement.invitation_id: agreement for agreement in rows}
