"""Claiming an entity held by a department (认领).

Departments import entities in bulk and hold them on the importing official's account (docs/imports.md). The
real operator, once registered, claims the entity with the legal representative's name and the contact phone
as proof; an official of the county or above in whose jurisdiction the entity lies approves (the operator
becomes the owner) or rejects it with a reason. The claimant is never shown the imported record's data — only
the entity's name and region. Services take the actor, flush, audit and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.entities.models import ClaimStatus, Entity, EntityClaim, EntityClaimEvent
from marketplace.entities.services import check_credit_code, county_officials
from marketplace.errors import Conflict, DomainError, NotAllowed, raise_if_errors
from marketplace.extensions import db
from marketplace.identifiers import check_phone, normalize_phone
from marketplace.jurisdiction import in_region, region_in_jurisdiction, scoped
from marketplace.notifications.services import notify
from marketplace.regions.models import Level
from marketplace.timeutil import utcnow

REVIEW_LEVELS = {Level.NATIONAL, Level.PROVINCE, Level.CITY, Level.COUNTY}
S = ClaimStatus
# action: (allowed from, to, who: "claimant" or "reviewer", reason required)
TRANSITIONS: dict[str, tuple[set[ClaimStatus], ClaimStatus, str, bool]] = {
    "approve": ({S.PENDING}, S.APPROVED, "reviewer", False),
    "reject": ({S.PENDING}, S.REJECTED, "reviewer", True),
    "withdraw": ({S.PENDING}, S.WITHDRAWN, "claimant", False),
}


class Claimable(Conflict):
    """Registering an entity that a department already holds: the operator may claim it instead."""

    def __init__(self, entity: Entity, field: str):
        super().__init__(_("该主体已由农业农村部门登记，可申请认领"), field=field)
        self.entity = entity


def held_by_department(entity: Entity) -> bool:
    owner = entity.owner
    return owner is not None and owner.role is Role.OFFICIAL


@dataclass
class Lookup:
    """How the operator names the entity: its credit code, or (a family farm without one) name + region."""

    credit_code: str = ""
    name: str = ""
    region_code: str = ""


def find_entity(lookup: Lookup) -> Entity | None:
    """The registered entity the lookup names (any owner), or None. Raises on an invalid or incomplete lookup."""
    if (lookup.credit_code or "").strip():
        code, error = check_credit_code(lookup.credit_code, None)
        if error:
            raise DomainError(error, field="credit_code")
        return db.session.scalar(select(Entity).where(Entity.credit_code == code))
    name, region = (lookup.name or "").strip(), (lookup.region_code or "").strip()
    if not name or not region:
        raise DomainError(_("请填写统一社会信用代码；没有代码的家庭农场请填写名称和所在乡镇"), field="credit_code")
    return db.session.scalars(select(Entity).where(Entity.credit_code.is_(None), Entity.name == name,
                                                   Entity.region_code == region).order_by(Entity.id)).first()


def claimable_entity(lookup: Lookup) -> Entity:
    """The department-held entity the lookup names; a clear refusal otherwise (no data of the record shown)."""
    entity = find_entity(lookup)
    if entity is None:
        raise DomainError(_("未找到由农业农村部门登记的该主体，请直接登记"), field="credit_code")
    if not held_by_department(entity):
        if entity.credit_code:
            raise Conflict(_("该统一社会信用代码已被登记"), field="credit_code")
        raise Conflict(_("该主体已由经营主体登记，不能认领"), field="name")
    return entity


def check_claimable_registration(credit_code: str | None, name: str, region_code: str) -> None:
    """Called when an operator registers: refuse with `Claimable` when a department already holds the entity
    (same credit code or, without a code, same name and township)."""
    if credit_code:
        entity = db.session.scalar(select(Entity).where(Entity.credit_code == credit_code))
        field = "credit_code"
    elif name.strip() and region_code:
        entity = db.session.scalars(select(Entity).where(
            Entity.credit_code.is_(None), Entity.name == name.strip(), Entity.region_code == region_code)).first()
        field = "name"
    else:
        return
    if entity is not None and held_by_department(entity):
        raise Claimable(entity, field)


@dataclass
class Proof:
    legal_representative: str = ""
    contact_phone: str = ""
    note: str = ""


def _event(claim: EntityClaim, action: str, actor: User | None, previous: ClaimStatus | None,
           reason: str | None = None) -> EntityClaimEvent:
    event = EntityClaimEvent(claim_id=claim.id, action=action, from_status=previous, to_status=claim.status,
                             actor_id=getattr(actor, "id", None), reason=reason or None)
    db.session.add(event)
    db.session.flush()
    return event


def submit_claim(actor: User, lookup: Lookup, proof: Proof) -> EntityClaim:
    """An operator asks to take over a department-held entity; the county department is told."""
    if actor.role is not Role.OPERATOR or not actor.is_enabled:
        raise NotAllowed(_("只有经营主体用户可以申请认领"))
    errors = {}
    representative = (proof.legal_representative or "").strip()
    if not representative:
        errors["legal_representative"] = _("请填写法定代表人或经营者姓名")
    elif len(representative) > 64:
        errors["legal_representative"] = _("姓名过长")
    phone_error = check_phone(proof.contact_phone)
    if phone_error:
        errors["contact_phone"] = phone_error
    note = (proof.note or "").strip()
    if len(note) > 500:
        errors["note"] = _("说明不超过 500 字")
    entity = claimable_entity(lookup)
    raise_if_errors(errors)
    pending = db.session.scalar(select(EntityClaim.id).where(
        EntityClaim.entity_id == entity.id, EntityClaim.claimant_id == actor.id,
        EntityClaim.status == ClaimStatus.PENDING))
    if pending is not None:
        raise Conflict(_("您已提交过该主体的认领申请，正在审核中"))
    claim = EntityClaim(entity_id=entity.id, claimant_id=actor.id, region_code=entity.region_code,
                        status=ClaimStatus.PENDING, legal_representative=representative,
                        contact_phone=normalize_phone(proof.contact_phone), note=note or None)
    db.session.add(claim)
    db.session.flush()
    _event(claim, "submit", actor, None)
    record(actor, "entity_claim.submit", claim, entity_id=entity.id, name=entity.name)
    for official in county_officials(entity.region_code):
        notify(official, _("经营主体认领申请待审核：%(name)s", name=entity.name), "",
               link=f"/entities/claims/{claim.id}")
    return claim


def can_review(actor: User, claim: EntityClaim) -> bool:
    """Officials of the county or above in whose jurisdiction the entity lies."""
    return (actor.is_authenticated and actor.is_official and actor.is_enabled and actor.level in REVIEW_LEVELS
            and region_in_jurisdiction(claim.region_code, actor))


def allowed_actions(actor: User, claim: EntityClaim) -> list[str]:
    return [action for action, (sources, _to, who, _r) in TRANSITIONS.items()
            if claim.status in sources and (can_review(actor, claim) if who == "reviewer"
                                            else actor.id == claim.claimant_id)]


def status_label(status: ClaimStatus) -> str:
    from marketplace.entities.labels import CLAIM_STATUS_LABELS

    return str(CLAIM_STATUS_LABELS[status])


def action_label(action: str) -> str:
    from marketplace.entities.labels import CLAIM_ACTION_LABELS

    return str(CLAIM_ACTION_LABELS.get(action, action))


def _move(claim: EntityClaim, previous: ClaimStatus, target: ClaimStatus, **values) -> None:
    """Compare-and-set: of two concurrent decisions only one changes the row."""
    result = db.session.execute(update(EntityClaim).where(EntityClaim.id == claim.id,
                                                          EntityClaim.status == previous)
                                .values(status=target, updated_at=utcnow(), **values))
    if result.rowcount != 1:
        db.session.refresh(claim)
        raise Conflict(_("该认领申请已被他人处理，请刷新后重试"))
    db.session.refresh(claim)


def transition(claim: EntityClaim, action: str, actor: User, reason: str = "") -> EntityClaimEvent:
    """Approve, reject or withdraw a claim. An illegal move raises and writes nothing (the caller rolls back).
    Approving hands the entity to the claimant — only if a department still holds it — and rejects the other
    pending claims on it."""
    if action not in TRANSITIONS:
        raise DomainError(_("未知操作"))
    sources, target, who, needs_reason = TRANSITIONS[action]
    if who == "claimant" and actor.id != claim.claimant_id:
        raise NotAllowed(_("只有申请人可以撤回认领申请"))
    if who == "reviewer" and not can_review(actor, claim):
        raise NotAllowed(_("只有主体所在地县级及以上农业农村部门可以审核认领申请"))
    if claim.status not in sources:
        raise Conflict(_("该认领申请已是“%(status)s”状态，不能%(action)s", status=status_label(claim.status),
                         action=action_label(action)))
    reason = (reason or "").strip()
    if needs_reason and not reason:
        raise DomainError(_("请填写驳回原因"), field="reason")
    if len(reason) > 500:
        raise DomainError(_("原因不超过 500 字"), field="reason")
    entity = claim.entity
    previous = claim.status
    values: dict = {"reason": reason or None}
    if who == "reviewer":
        values.update(reviewer_id=actor.id, decided_at=utcnow())
    if action == "approve":
        if not held_by_department(entity):
            raise Conflict(_("该主体已由经营主体持有，不能再认领"))
        values["previous_owner_id"] = entity.owner_id
    _move(claim, previous, target, **values)
    if action == "approve":
        moved = db.session.execute(update(Entity).where(Entity.id == entity.id,
                                                        Entity.owner_id == values["previous_owner_id"])
                                   .values(owner_id=claim.claimant_id, updated_at=utcnow()))
        if moved.rowcount != 1:
            raise Conflict(_("该主体已被他人处理，请刷新后重试"))
        db.session.refresh(entity)
    event = _event(claim, action, actor, previous, reason)
    record(actor, f"entity_claim.{action}", claim, entity_id=entity.id, name=entity.name,
           reason=reason or None, previous_owner_id=values.get("previous_owner_id"),
           owner_id=claim.claimant_id if action == "approve" else None)
    _tell(claim, action, reason)
    if action == "approve":
        _reject_others(claim, actor)
    return event


def _reject_others(approved: EntityClaim, actor: User) -> None:
    reason = _("该主体已由其他申请人认领")
    for other in db.session.scalars(select(EntityClaim).where(
            EntityClaim.entity_id == approved.entity_id, EntityClaim.id != approved.id,
            EntityClaim.status == ClaimStatus.PENDING)):
        _move(other, ClaimStatus.PENDING, ClaimStatus.REJECTED, reason=reason, reviewer_id=actor.id,
              decided_at=utcnow())
        _event(other, "reject", actor, ClaimStatus.PENDING, reason)
        record(actor, "entity_claim.reject", other, entity_id=other.entity_id, reason=reason)
        _tell(other, "reject", reason)


def _tell(claim: EntityClaim, action: str, reason: str) -> None:
    name = claim.entity.name
    if action == "approve":
        notify(claim.claimant, _("您对“%(name)s”的认领申请已通过，现在可以发布需求", name=name), reason,
               link=f"/entities/{claim.entity_id}")
    elif action == "reject":
        notify(claim.claimant, _("您对“%(name)s”的认领申请未通过", name=name), reason, link="/entities/")


def proof_hints(claim: EntityClaim) -> dict[str, bool]:
    """For the reviewing official only: does the claimant's proof match the imported record?"""
    entity = claim.entity
    return {"legal_representative": claim.legal_representative.strip() == (entity.legal_representative or "").strip(),
            "contact_phone": normalize_phone(claim.contact_phone) == normalize_phone(entity.contact_phone)}


@dataclass
class ClaimFilters:
    status: ClaimStatus | None = None
    region_code: str | None = None
    q: str | None = None


def claim_query(user: User, filters: ClaimFilters) -> Select:
    """Claims the user may see (officials: in their jurisdiction; operators: their own), newest first, with
    the entity, its region and the claimant loaded in a fixed number of queries."""
    query = scoped(EntityClaim, user).options(
        selectinload(EntityClaim.entity), selectinload(EntityClaim.region), selectinload(EntityClaim.claimant),
        selectinload(EntityClaim.reviewer))
    if filters.status:
        query = query.where(EntityClaim.status == filters.status)
    query = query.where(in_region(EntityClaim.region_code, filters.region_code))
    if filters.q and filters.q.strip():
        names = select(Entity.id).where(Entity.name.contains(filters.q.strip(), autoescape=True))
        query = query.where(EntityClaim.entity_id.in_(names))
    return query.order_by(EntityClaim.created_at.desc(), EntityClaim.id.desc())


def own_claims(user: User) -> list[EntityClaim]:
    return list(db.session.scalars(claim_query(user, ClaimFilters()).limit(50)))
