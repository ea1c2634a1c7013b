"""Needs: posting, editing and the lifecycle (draft → open → assigned → in service → closed; cancelled;
expired). Services take the acting user, flush, record the audit entry and never commit.

`start_service`, `close_need`, `reopen_need` and `settle_need` are the hooks the agreements area calls when an
agreement is signed, when its service is accepted, when it is terminated for breach (the need goes back to
open for another provider) and when a mediation closes it without acceptance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, exists, select, update

from marketplace import versioning
from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.directory.models import Counselor, Industry, Specialty
from marketplace.entities.models import Entity
from marketplace.entities.services import county_officials
from marketplace.errors import Conflict, DomainError, NotAllowed, raise_if_errors
from marketplace.extensions import db
from marketplace.jurisdiction import get_scoped, in_region, scoped
from marketplace.limits import NEED, problems
from marketplace.needs.models import (
    Invitation,
    InvitationStatus,
    Need,
    NeedEvent,
    NeedStatus,
    ServiceMode,
    Urgency,
)
from marketplace.notifications.services import notify
from marketplace.regions.models import Level, Region
from marketplace.timeutil import as_utc, utcnow

S = NeedStatus
OWNER, SYSTEM = "owner", "system"


@dataclass(frozen=True)
class Move:
    sources: tuple[NeedStatus, ...]
    target: NeedStatus
    by: str = SYSTEM  # OWNER: a button on the need page and `POST /needs/<id>/transitions`; SYSTEM: other areas


# The transition table, the only list of moves: what the operator's buttons offer, what the page's route and
# the API accept, and what the other areas' hooks may do all read it.
TRANSITIONS: dict[str, Move] = {
    "publish": Move((S.DRAFT,), S.OPEN, OWNER),
    "renew": Move((S.EXPIRED,), S.OPEN, OWNER),  # republish an expired need: a fresh open period
    "cancel": Move((S.DRAFT, S.OPEN, S.ASSIGNED, S.IN_SERVICE), S.CANCELLED, OWNER),
    "assign": Move((S.OPEN,), S.ASSIGNED),  # an invitation was accepted, or an offering bought
    "start_service": Move((S.ASSIGNED,), S.IN_SERVICE),  # an agreement was signed
    "close": Move((S.IN_SERVICE,), S.CLOSED),  # the service was accepted
    "expire": Move((S.OPEN,), S.EXPIRED),  # open too long (the daily task)
    "reopen": Move((S.ASSIGNED, S.IN_SERVICE), S.OPEN),  # the agreement was terminated for breach
    "settle": Move((S.IN_SERVICE,), S.CLOSED),  # a mediation closed the agreement without acceptance
}
ACTIONS: dict[str, NeedStatus] = {action: move.target for action, move in TRANSITIONS.items()}
ALLOWED: dict[NeedStatus, set[NeedStatus]] = {
    status: {move.target for move in TRANSITIONS.values() if status in move.sources} for status in S}
OWNER_ACTIONS = tuple(action for action, move in TRANSITIONS.items() if move.by == OWNER)
EDITABLE = {S.DRAFT, S.OPEN, S.EXPIRED}  # an expired need may be corrected (its dates) before it is renewed
ACTIVE = (S.ASSIGNED, S.IN_SERVICE)  # statuses that count against a counselor's capacity
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_today() -> date:
    """Today where the people using the platform are (dates on a need are theirs)."""
    return datetime.now(SHANGHAI).date()


def need_open_days() -> int:
    return int(current_app.config.get("NEED_OPEN_DAYS", 30))


@dataclass
class NeedInput:
    entity_id: int | None = None
    category: int = 0
    industry: int = 0
    title: str = ""
    description: str = ""
    region_code: str | None = None  # None: the entity's region
    urgency: Urgency = Urgency.NORMAL
    mode: ServiceMode = ServiceMode.ON_SITE
    budget: Decimal | None = None
    start_on: date | None = None
    end_on: date | None = None


def check_dates(start_on: date | None, end_on: date | None, today: date | None = None,
                kept: tuple[date | None, date | None] = (None, None)) -> dict[str, str]:
    """Wished dates may not lie in the past (a date kept unchanged from before is not asked again)."""
    today = today or local_today()
    errors: dict[str, str] = {}
    if start_on and start_on < today and start_on != kept[0]:
        errors["start_on"] = _("期望开始日期不能早于今天（%(day)s）", day=today.isoformat())
    if end_on and end_on < today and end_on != kept[1]:
        errors["end_on"] = _("期望完成日期不能早于今天（%(day)s）", day=today.isoformat())
    return errors


def check_need(data: NeedInput, entity: Entity, kept: tuple[date | None, date | None] = (None, None),
               today: date | None = None) -> dict[str, str]:
    errors: dict[str, str] = problems(NEED, vars(data))
    if data.category not in {int(s) for s in Specialty}:
        errors["category"] = _("请选择需求类别")
    if data.industry and data.industry not in {int(i) for i in Industry}:
        errors["industry"] = _("请选择产业")
    if not data.title.strip():
        errors["title"] = _("请填写需求标题")
    if not data.description.strip():
        errors["description"] = _("请描述需求")
    region = db.session.get(Region, data.region_code or entity.region_code)
    if region is None or region.valid_to is not None or region.level not in (Level.COUNTY, Level.TOWNSHIP):
        errors["region_code"] = _("服务地点请选择县（区）或乡镇")
    if data.budget is not None and data.budget < 0:
        errors["budget"] = _("预算不能为负数")
    if data.start_on and data.end_on and data.end_on < data.start_on:
        errors["end_on"] = _("结束日期不能早于开始日期")
    for name, message in check_dates(data.start_on, data.end_on, today, kept).items():
        errors.setdefault(name, message)
    return errors




def _apply(need: Need, data: NeedInput, entity: Entity) -> list[str]:
    values: dict[str, Any] = {
        "category": data.category, "industry": data.industry or 0, "title": data.title.strip(),
        "description": data.description.strip(), "region_code": data.region_code or entity.region_code,
        "urgency": data.urgency, "mode": data.mode, "budget": data.budget, "start_on": data.start_on,
        "end_on": data.end_on,
    }
    changed = []
    for key, value in values.items():
        if getattr(need, key, None) != value:
            setattr(need, key, value)
            changed.append(key)
    return changed


def create_need(actor: User, entity: Entity, data: NeedInput, publish: bool = False) -> Need:
    """The entity's operator posts a need, as a draft or published at once."""
    if entity.owner_id != actor.id:
        raise NotAllowed(_("只能为本人登记的主体发布需求"))
    raise_if_errors(check_need(data, entity))
    need = Need(entity=entity, entity_id=entity.id, owner_id=entity.owner_id, status=S.DRAFT)
    _apply(need, data, entity)
    db.session.add(need)
    db.session.flush()
    _event(need, "create", actor, None, S.DRAFT)
    record(actor, "need.create", need, title=need.title)
    if publish:
        transition(need, "publish", actor)
    return need


def can_manage(actor: User, need: Need) -> bool:
    return actor.id == need.owner_id and actor.is_enabled


def update_need(actor: User, need: Need, data: NeedInput, lock_version: int | None = None) -> list[str]:
    """The owner changes a need it may still edit; a save from a form older than `lock_version` is refused."""
    if not can_manage(actor, need):
        raise NotAllowed(_("只有需求的发布人可以修改"))
    versioning.check(need, lock_version)
    if need.status not in EDITABLE:
        raise Conflict(_("当前状态“%(status)s”下不能修改需求", status=status_label(need.status)))
    raise_if_errors(check_need(data, need.entity, kept=(need.start_on, need.end_on)))
    changed = _apply(need, data, need.entity)
    if changed:
        versioning.claim(need, lock_version)
        _event(need, "update", actor, need.status, need.status)
        record(actor, "need.update", need, fields=sorted(changed))
    return changed


def delete_need(actor: User, need: Need) -> None:
    """Only a draft may be deleted; once published its history stays."""
    if not can_manage(actor, need):
        raise NotAllowed(_("只有需求的发布人可以删除"))
    if need.status is not S.DRAFT:
        raise Conflict(_("只能删除草稿；已发布的需求请取消"))
    record(actor, "need.delete", need, title=need.title)
    db.session.delete(need)
    db.session.flush()


def status_label(status: NeedStatus) -> str:
    from marketplace.needs.labels import STATUS_LABELS

    return str(STATUS_LABELS[status])


def allowed_actions(need: Need, actor: User) -> list[str]:
    """The owner's buttons for the need's current status (from the table)."""
    if not can_manage(actor, need):
        return []
    return [a for a in OWNER_ACTIONS if need.status in TRANSITIONS[a].sources]


def expires_at(need: Need) -> datetime | None:
    """When an open need expires if nobody takes it (the daily task closes it after NEED_OPEN_DAYS)."""
    if need.status is not S.OPEN or need.opened_at is None:
        return None
    return as_utc(need.opened_at) + timedelta(days=need_open_days())


def expired_at(need: Need) -> datetime | None:
    if need.status is not S.EXPIRED:
        return None
    return next((e.created_at for e in reversed(need.events) if e.action == "expire"), None)


def transition(need: Need, action: str, actor: User | None, reason: str = "", now: datetime | None = None,
               **values: Any) -> NeedEvent:
    """Move a need along the table. An illegal move raises and changes nothing; two concurrent requests for
    the same move produce one transition (compare-and-set on the status). Leaving `open` ends the pending
    invitations (withdrawn, or expired with the need)."""
    move = TRANSITIONS.get(action)
    if move is None:
        raise DomainError(_("未知操作"))
    target = move.target
    if need.status not in move.sources:
        raise Conflict(_("需求当前为“%(status)s”，不能执行此操作", status=status_label(need.status)))
    now = now or utcnow()
    values = {"status": target, "updated_at": now, **values}
    if action in ("publish", "renew"):
        # A need goes out to candidates only with dates still ahead; an expired one is corrected first.
        past = check_dates(need.start_on, need.end_on)
        if past:
            raise DomainError(_("需求的期望日期已过，请先修改日期再发布"), errors=past,
                              field=next(iter(past)))
        values["opened_at"] = now
    previous = need.status
    result = db.session.execute(update(Need).where(Need.id == need.id, Need.status == previous).values(**values))
    if result.rowcount != 1:
        db.session.refresh(need)
        raise Conflict(_("该需求已被他人更新，请刷新后重试"))
    db.session.refresh(need)
    event = _event(need, action, actor, previous, target, reason)
    record(actor, f"need.{action}", need, reason=reason or None)
    if previous is S.OPEN and target is not S.ASSIGNED:
        from marketplace.needs.invitations import close_pending

        close_pending(need, InvitationStatus.EXPIRED if target is S.EXPIRED else InvitationStatus.WITHDRAWN,
                      now, _("需求已过期") if target is S.EXPIRED else _("需求已取消"))
    return event


def start_service(need: Need, actor: User | None, reason: str = "") -> NeedEvent:
    """An agreement was signed for an assigned need (called by the agreements area)."""
    return transition(need, "start_service", actor, reason)


def close_need(need: Need, actor: User | None, reason: str = "") -> NeedEvent:
    """The service was delivered and accepted (called by the agreements area)."""
    return transition(need, "close", actor, reason)


def reopen_need(need: Need, actor: User | None, reason: str, now: datetime | None = None) -> NeedEvent:
    """The agreement serving the need was terminated for breach (called by the agreements area): the need is
    open again, no longer assigned (the provider's capacity is freed), and its open period starts afresh so
    that it does not expire at once. Candidates already asked, and the terminated provider, stay excluded."""
    now = now or utcnow()
    return transition(need, "reopen", actor, reason, now=now, assigned_counselor_id=None, assigned_center_id=None,
                      opened_at=now)


def settle_need(need: Need, actor: User | None, reason: str) -> NeedEvent:
    """A mediation closed the need's agreement without acceptance (called by the agreements area)."""
    return transition(need, "settle", actor, reason)


def _event(need: Need, action: str, actor: User | None, from_status, to_status, reason: str = "") -> NeedEvent:
    event = NeedEvent(need_id=need.id, action=action, from_status=from_status, to_status=to_status,
                      reason=reason or None, actor_id=actor.id if actor else None)
    db.session.add(event)
    db.session.flush()
    return event


def expire_open_needs(now: datetime | None = None) -> int:
    """Expire needs open longer than NEED_OPEN_DAYS and tell the operator and the county department.
    Idempotent: an expired need is not open any more."""
    now = as_utc(now or utcnow())
    cutoff = now - timedelta(days=need_open_days())
    due = db.session.scalars(select(Need).where(Need.status == S.OPEN, Need.opened_at < cutoff)
                             .order_by(Need.id)).all()
    count = 0
    for need in due:
        try:
            transition(need, "expire", None, _("发布超过 %(days)d 天无人承接", days=need_open_days()), now=now)
        except Conflict:
            continue  # changed meanwhile
        count += 1
        title = _("需求“%(title)s”已过期", title=need.title)
        body = _("该需求发布超过 %(days)d 天仍无人承接，已自动关闭。", days=need_open_days())
        notify(need.owner, title, body, link=f"/needs/{need.id}")
        for official in county_officials(need.region_code):
            notify(official, title, _("%(entity)s：", entity=need.entity.name) + body, link=f"/needs/{need.id}")
    return count


# --- reading ----------------------------------------------------------------------------------------------------

@dataclass
class NeedFilters:
    q: str | None = None
    status: NeedStatus | None = None
    category: int | None = None
    industry: int | None = None
    urgency: Urgency | None = None
    region_code: str | None = None
    entity_id: int | None = None


def need_query(user: User, filters: NeedFilters) -> Select:
    """Needs the user may see (officials: their jurisdiction; operators: their own), filtered, newest first.
    The entity and region are joined eagerly; no per-row queries."""
    query = scoped(Need, user)
    if filters.q:
        query = query.where(Need.title.contains(filters.q.strip(), autoescape=True))
    if filters.status:
        query = query.where(Need.status == filters.status)
    if filters.category:
        query = query.where(Need.category == filters.category)
    if filters.industry:
        query = query.where(Need.industry == filters.industry)
    if filters.urgency:
        query = query.where(Need.urgency == filters.urgency)
    if filters.entity_id:
        query = query.where(Need.entity_id == filters.entity_id)
    query = query.where(in_region(Need.region_code, filters.region_code))
    return query.order_by(Need.updated_at.desc(), Need.id.desc())


def needs_of_entity(entity: Entity) -> list[Need]:
    return list(db.session.scalars(select(Need).where(Need.entity_id == entity.id).order_by(Need.id.desc())))


# the counselor record's id per account, in the request's WSGI environ (per request even when tests share one
# app context): the inbox and the need page ask `counselor_of` more than once per view
COUNSELOR_OF = "fudao.counselor_of"


def counselor_of(user: User) -> Counselor | None:
    """The counselor record of a counselor's account (None for anyone else). Looked up once per request; a
    second call takes the record from the session's identity map (reloaded if a commit expired it)."""
    if user.role is not Role.COUNSELOR:
        return None
    from flask import has_request_context, request

    memo = request.environ.setdefault(COUNSELOR_OF, {}) if has_request_context() else None
    if memo is not None and user.id in memo:
        counselor = db.session.get(Counselor, memo[user.id])
        if counselor is not None and counselor.user_id == user.id:
            return counselor
    counselor = db.session.scalar(select(Counselor).where(Counselor.user_id == user.id))
    if counselor is not None and memo is not None:
        memo[user.id] = counselor.id
    return counselor


def visible_need(need_id: int, user: User) -> Need:
    """The need if the user may see it: in scope (officials, the operator), a counselor or a center it was
    offered to, or a counselor or center staff member it is recommended to while open. 404 otherwise."""
    need = get_scoped(Need, need_id, user)
    if need is None:
        counselor = counselor_of(user)
        if counselor is not None:
            need = db.session.scalars(select(Need).where(Need.id == need_id, exists().where(
                Invitation.need_id == Need.id, Invitation.counselor_id == counselor.id))).first()
    if need is None and user.role is Role.CENTER_STAFF:
        from marketplace.needs.invitations import own_center_ids

        need = db.session.scalars(select(Need).where(Need.id == need_id, exists().where(
            Invitation.need_id == Need.id, Invitation.center_id.in_(own_center_ids(user))))).first()
    if need is None and user.role in (Role.COUNSELOR, Role.CENTER_STAFF):
        # an open need recommended to the provider ("为您推荐的需求"): viewable, to decide whether to take it
        from marketplace.needs.recommendations import is_recommended

        candidate = db.session.get(Need, need_id)
        if candidate is not None and candidate.status is NeedStatus.OPEN and is_recommended(user, candidate):
            need = candidate
    if need is None:
        abort(404)
    return need


CONTACT_STATUSES = (S.ASSIGNED, S.IN_SERVICE, S.CLOSED)


def is_accepted_provider(user: User, need: Need) -> bool:
    """Whether the user answers for the provider the need is assigned to (its counselor, or its center's
    staff) — the one party besides the operator and the officials who needs the farm's contact."""
    if need.status not in CONTACT_STATUSES:
        return False
    if need.assigned_counselor_id is not None:
        counselor = counselor_of(user)
        return counselor is not None and counselor.id == need.assigned_counselor_id
    if need.assigned_center_id is not None and user.role is Role.CENTER_STAFF:
        from marketplace.centers.models import ServiceCenter

        center = db.session.get(ServiceCenter, need.assigned_center_id)
        return center is not None and center.owner_id == user.id
    return False


@dataclass
class Contact:
    name: str | None
    phone: str


def entity_contact(need: Need) -> Contact:
    """The farm's contact as its operator keeps it on the entity (联系人 and 联系电话): what the operator is
    told, when inviting, will be shown to the provider who accepts."""
    entity = need.entity
    return Contact(name=entity.legal_representative, phone=entity.contact_phone)


def contact_for(user: User, need: Need) -> Contact | None:
    """The farm's contact, unmasked, for the accepted provider (to arrange the agreement and the work); the
    view is audited. None for anyone else (the operator has it; officials see phones masked)."""
    if not is_accepted_provider(user, need):
        return None
    record(user, "need.view_contact", need, purpose="已接受邀请的服务方联系主体、商定服务")
    return entity_contact(need)


@cache
def _statement(name: str):
    """The need page's per-view reads, built once per process (a statement object keeps its cache key)."""
    from sqlalchemy import bindparam

    if name == "invitations":
        return select(Invitation).where(Invitation.need_id == bindparam("need_id")).order_by(Invitation.id)
    if name == "events":  # rows with the actor's name (what the history shows): one statement, no User objects
        from marketplace.accounts.models import User

        return (select(NeedEvent.created_at, NeedEvent.action, NeedEvent.reason, NeedEvent.actor_id,
                       User.display_name.label("actor_name"))
                .outerjoin(User, User.id == NeedEvent.actor_id).where(NeedEvent.need_id == bindparam("need_id"))
                .order_by(NeedEvent.id))
    raise KeyError(name)


def need_invitations(need: Need) -> list[Invitation]:
    """Every invitation of the need (withdrawn ones too), oldest first, with who sent it: read once for the need
    page's history, progress line and "已邀请" marks (the history shows whether someone sent it, `invited_by_id`,
    not who: no user is loaded)."""
    return list(db.session.scalars(_statement("invitations"), {"need_id": need.id}))


def load_history(need: Need, invitations: list[Invitation] | None = None) -> list[tuple[datetime, str, Any]]:
    """The need's events (rows: created_at, action, reason, actor_id, actor_name) and invitations
    (`need_invitations`, read here unless given), in time order, for the history panel."""
    events = db.session.execute(_statement("events"), {"need_id": need.id}).all()
    if invitations is None:
        invitations = need_invitations(need)
    rows: list[tuple[datetime, str, Any]] = [(e.created_at, "event", e) for e in events]
    rows += [(i.created_at, "invitation", i) for i in invitations]
    return sorted(rows, key=lambda row: (row[0], row[1] == "invitation"))
