"""Invitations: offering a need to a candidate, the answer, and passing it on after a decline or timeout.

Every invitation stays with the need, so the need's history shows who was asked, when, and what they
answered. An invitation and the need change with compare-and-set updates, so two clicks make one transition.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import case, select, update
from sqlalchemy.orm import selectinload

from marketplace.accounts.models import Role, User
from marketplace.audit.services import record
from marketplace.centers.models import ServiceCenter
from marketplace.directory.models import Counselor, CounselorStatus
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.jurisdiction import scoped
from marketplace.needs import candidates as matching
from marketplace.needs.models import Invitation, InvitationKind, InvitationStatus, Need, NeedStatus
from marketplace.needs.services import counselor_of, transition
from marketplace.notifications.services import notify
from marketplace.timeutil import as_utc, utcnow

I = InvitationStatus  # noqa: E741


def timeout() -> timedelta:
    return timedelta(hours=int(current_app.config.get("INVITATION_TIMEOUT_HOURS", 72)))


def invite(actor: User | None, need: Need, kind: str, candidate_id: int, now: datetime | None = None) -> Invitation:
    """Offer an open need to one candidate (the operator's choice, or the next-ranked one when `actor` is
    None). The candidate must be eligible now: appointed, with room, serving the place."""
    if actor is not None and actor.id != need.owner_id:
        raise NotAllowed(_("只有需求的发布人可以邀请"))
    if need.status is not NeedStatus.OPEN:
        raise Conflict(_("只有待对接的需求可以邀请，请先发布需求") if need.status is NeedStatus.DRAFT
                       else _("该需求已不在待对接状态"))
    if kind not in ("counselor", "center"):
        raise DomainError(_("未知的候选类型"), field="kind")
    if (kind, candidate_id) in matching.barred(need):
        raise Conflict(_("该服务方承接此需求的协议已因违约终止，不能再次邀请"))
    column = Invitation.counselor_id if kind == "counselor" else Invitation.center_id
    if db.session.scalar(select(Invitation.id).where(Invitation.need_id == need.id, column == candidate_id,
                                                      Invitation.status != I.WITHDRAWN)):
        raise Conflict(_("已邀请过该候选人"))
    candidate = matching.check_candidate(need, kind, candidate_id)
    if candidate is None:
        if kind == "counselor":
            counselor = db.session.get(Counselor, candidate_id)
            if counselor is not None and counselor.status is CounselorStatus.APPOINTED:
                open_count = matching.open_assignments([counselor.id]).get(counselor.id, 0)
                if open_count >= counselor.capacity:
                    raise Conflict(_("该辅导员在办数量已满（%(n)d/%(cap)d），不能再邀请", n=open_count,
                                     cap=counselor.capacity))
        raise DomainError(_("该候选人不符合此需求的条件"), field="candidate_id")
    now = now or utcnow()
    invitation = Invitation(
        need_id=need.id, kind=InvitationKind(kind), candidate_name=candidate.name,
        counselor_id=candidate_id if kind == "counselor" else None,
        center_id=candidate_id if kind == "center" else None, region_code=need.region_code,
        owner_id=need.owner_id, invited_by_id=actor.id if actor else None, status=I.PENDING,
        score=candidate.score, match_reasons="；".join(candidate.reasons),
        match_model=f"{candidate.model}/{candidate.version}", created_at=now, due_at=now + timeout())
    db.session.add(invitation)
    db.session.flush()
    record(actor, "invitation.create", invitation, kind=kind, candidate_id=candidate_id, need_id=need.id,
           automatic=actor is None)
    for user in candidate_users(invitation):
        notify(user, _("新的服务邀请：%(title)s", title=need.title),
               _("%(entity)s 邀请您承接此需求，请在 %(hours)d 小时内答复。", entity=need.entity.name,
                 hours=int(timeout().total_seconds() // 3600)), link="/needs/inbox", event="invitation_new")
    return invitation


def candidate_users(invitation: Invitation) -> list[User]:
    """Who answers for the invited candidate: the counselor's account, or the service center's staff."""
    if invitation.kind is InvitationKind.COUNSELOR:
        counselor = invitation.counselor or db.session.get(Counselor, invitation.counselor_id)
        return [counselor.user] if counselor is not None and counselor.user is not None else []
    center = db.session.get(ServiceCenter, invitation.center_id)
    return [center.owner] if center is not None and center.owner is not None else []


def can_answer(actor: User, invitation: Invitation) -> bool:
    return actor.is_enabled and any(user.id == actor.id for user in candidate_users(invitation))


def answer(actor: User, invitation: Invitation, accept: bool, reason: str = "",
           now: datetime | None = None) -> Invitation:
    """Accept (the need is assigned to the candidate; capacity is checked again now) or decline with a reason
    (the need passes to the next-ranked candidate not yet asked)."""
    if not can_answer(actor, invitation):
        raise NotAllowed(_("只有受邀人可以答复"))
    if invitation.status is not I.PENDING:
        raise Conflict(_("该邀请已处理（%(status)s）", status=invitation_label(invitation.status)))
    if not accept and not reason.strip():
        raise DomainError(_("谢绝时请填写原因"), field="reason")
    need = invitation.need
    now = now or utcnow()
    if accept:
        if need.status is not NeedStatus.OPEN:
            raise Conflict(_("该需求已不在待对接状态"))
        if invitation.kind is InvitationKind.COUNSELOR:
            counselor = invitation.counselor
            open_count = matching.open_assignments([counselor.id]).get(counselor.id, 0)
            if counselor.status is not CounselorStatus.APPOINTED:
                raise Conflict(_("您当前不在聘任状态，不能承接需求"))
            if open_count >= counselor.capacity:
                raise Conflict(_("您的在办数量已满（%(n)d/%(cap)d），不能再承接", n=open_count, cap=counselor.capacity))
    _set_status(invitation, I.ACCEPTED if accept else I.DECLINED, now, reason, actor)
    if accept:
        assigned = ({"assigned_counselor_id": invitation.counselor_id} if invitation.counselor_id
                    else {"assigned_center_id": invitation.center_id})
        transition(need, "assign", actor, _("%(name)s 接受了邀请", name=invitation.candidate_name), now=now,
                   **assigned)
        close_pending(need, I.WITHDRAWN, now, _("需求已由其他候选人承接"))
        notify(need.owner, _("%(name)s 接受了您的需求“%(title)s”", name=invitation.candidate_name, title=need.title),
               reason, link=f"/needs/{need.id}", event="invitation_answered")
    else:
        notify(need.owner, _("%(name)s 谢绝了您的需求“%(title)s”", name=invitation.candidate_name, title=need.title),
               reason, link=f"/needs/{need.id}", event="invitation_answered")
        pass_on(need, invitation, now)
    return invitation


def _set_status(invitation: Invitation, status: InvitationStatus, now: datetime, reason: str = "",
                actor: User | None = None) -> None:
    result = db.session.execute(update(Invitation).where(
        Invitation.id == invitation.id, Invitation.status == I.PENDING).values(
        status=status, answered_at=now, reason=reason.strip() or None, answered_by_id=actor.id if actor else None))
    if result.rowcount != 1:
        db.session.refresh(invitation)
        raise Conflict(_("该邀请已被处理，请刷新后重试"))
    db.session.refresh(invitation)
    record(actor, f"invitation.{status.value}", invitation, need_id=invitation.need_id, reason=reason or None)


def close_pending(need: Need, status: InvitationStatus, now: datetime, reason: str) -> int:
    """End every pending invitation of a need that is no longer open, and tell the invitees."""
    pending = db.session.scalars(select(Invitation).where(Invitation.need_id == need.id,
                                                          Invitation.status == I.PENDING)).all()
    for invitation in pending:
        _set_status(invitation, status, now, reason)
        for user in candidate_users(invitation):
            notify(user, _("邀请已结束：%(title)s", title=need.title), reason, link="/needs/inbox")
    return len(pending)


def pass_on(need: Need, previous: Invitation, now: datetime) -> Invitation | None:
    """Invite the next-ranked candidate of the same kind not yet asked; tell the operator either way."""
    if need.status is not NeedStatus.OPEN:
        return None
    nxt = matching.rank_candidates(need, previous.kind.value, limit=1, exclude_asked=True)
    if not nxt:
        notify(need.owner, _("需求“%(title)s”暂无其他候选人", title=need.title),
               _("可以调整需求后重新邀请，或等待新的辅导员和服务中心。"), link=f"/needs/{need.id}")
        return None
    invitation = invite(None, need, nxt[0].kind, nxt[0].id, now)
    notify(need.owner, _("需求“%(title)s”已自动转给 %(name)s", title=need.title, name=invitation.candidate_name),
           _("上一位候选人 %(name)s 未能承接。", name=previous.candidate_name), link=f"/needs/{need.id}")
    return invitation


def expire_overdue(now: datetime | None = None) -> int:
    """Mark pending invitations past their due time expired and pass each need on. Idempotent."""
    now = as_utc(now or utcnow())
    overdue = db.session.scalars(select(Invitation).where(Invitation.status == I.PENDING, Invitation.due_at < now)
                                 .order_by(Invitation.id)).all()
    count = 0
    for invitation in overdue:
        try:
            _set_status(invitation, I.EXPIRED, now, _("超过答复时限"))
        except Conflict:
            continue
        count += 1
        for user in candidate_users(invitation):
            notify(user, _("邀请已超时：%(title)s", title=invitation.need.title),
                   _("您未在时限内答复，该需求已转给其他候选人。"), link="/needs/inbox")
        pass_on(invitation.need, invitation, now)
    return count


def invitation_label(status: InvitationStatus) -> str:
    from marketplace.needs.labels import INVITATION_LABELS

    return str(INVITATION_LABELS[status])


def own_center_ids(user: User):
    """The ids of the centers the user (center staff) registered, as a subquery."""
    return select(ServiceCenter.id).where(ServiceCenter.owner_id == user.id)


def visible_invitations(user: User):
    """Invitations the user may see: a counselor's own, a center's staff's, else scoped (operators: theirs;
    officials: their jurisdiction)."""
    if user.role is Role.COUNSELOR:
        counselor = counselor_of(user)
        return select(Invitation).where(Invitation.counselor_id == (counselor.id if counselor else -1))
    if user.role is Role.CENTER_STAFF:
        return select(Invitation).where(Invitation.center_id.in_(own_center_ids(user)))
    return scoped(Invitation, user)


def inbox(user: User) -> list[Invitation]:
    """A counselor's (or a center's) invitations: pending first (soonest due), then the answered ones, newest
    first."""
    if user.role not in (Role.COUNSELOR, Role.CENTER_STAFF):
        return []
    pending = Invitation.status == I.PENDING
    return list(db.session.scalars(visible_invitations(user).options(selectinload(Invitation.need))
                                   .order_by(pending.desc(), case((pending, Invitation.due_at)),
                                             Invitation.id.desc()).limit(100)))
