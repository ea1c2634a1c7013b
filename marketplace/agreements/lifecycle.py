"""The agreement's state machine: the transition table, one `transition()` with compare-and-set, and the
verbs built on it (propose, sign, start, submit, accept item by item, request changes, close, terminate,
cancel, dispute, mediate), plus the acceptance reminder and escalation.

draft → proposed → signed → in service → submitted → accepted → closed; submitted → in service (changes
requested); signed/in service/submitted → terminated; draft/proposed → cancelled; signed … accepted →
disputed → (mediated) back, terminated or closed. An illegal move raises and changes nothing; two requests
for the same move produce one transition (UPDATE … WHERE status = old). The need follows: signed → in
service, accepted → closed, terminated → open again (without the terminated provider), mediated closed → closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from marketplace.accounts.models import User
from marketplace.agreements.content import content_hash
from marketplace.agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementItem,
    AgreementStatus,
    ItemResult,
    Party,
    Signature,
)
from marketplace.agreements.services import check_input, require_party
from marketplace.audit.services import record
from marketplace.entities.services import county_officials
from marketplace.errors import Conflict, DomainError, NotAllowed, raise_if_errors
from marketplace.extensions import db
from marketplace.jurisdiction import region_in_jurisdiction
from marketplace.needs.models import NeedStatus
from marketplace.notifications.services import notify
from marketplace.timeutil import utcnow

S = AgreementStatus
ANY = (Party.ENTITY, Party.PROVIDER)
OFFICIAL = "official"


# How a person makes a move: a button on the agreement page (posted to /agreements/<id>/actions/<action>),
# the acceptance page (item by item), or no page of its own (a revision is the side effect of an edit).
BUTTON, REVIEW = "button", "review"


@dataclass(frozen=True)
class Move:
    sources: tuple[AgreementStatus, ...]
    target: AgreementStatus | None  # None: decided by the verb (sign, mediate) or unchanged
    actors: tuple  # the parties (or OFFICIAL) who may make it
    via: str | None = BUTTON


TRANSITIONS: dict[str, Move] = {
    "propose": Move((S.DRAFT,), S.PROPOSED, ANY),
    "sign": Move((S.PROPOSED,), None, ANY),  # stays proposed until both have signed, then signed
    "revise": Move((S.DRAFT, S.PROPOSED), S.DRAFT, ANY, via=None),
    "start": Move((S.SIGNED,), S.IN_SERVICE, (Party.PROVIDER,)),
    "submit": Move((S.IN_SERVICE,), S.SUBMITTED, (Party.PROVIDER,)),
    "accept": Move((S.SUBMITTED,), S.ACCEPTED, (Party.ENTITY,), via=REVIEW),
    "request_changes": Move((S.SUBMITTED,), S.IN_SERVICE, (Party.ENTITY,), via=REVIEW),
    "close": Move((S.ACCEPTED,), S.CLOSED, ANY),
    "terminate": Move((S.SIGNED, S.IN_SERVICE, S.SUBMITTED), S.TERMINATED, ANY),
    "cancel": Move((S.DRAFT, S.PROPOSED), S.CANCELLED, ANY),
    "dispute": Move((S.SIGNED, S.IN_SERVICE, S.SUBMITTED, S.ACCEPTED), S.DISPUTED, ANY),
    "mediate": Move((S.DISPUTED,), None, (OFFICIAL,)),
}
# The only lists of actions: the page's buttons and the route that takes them, and what the API accepts.
BUTTON_ACTIONS = tuple(action for action, move in TRANSITIONS.items() if move.via == BUTTON)
API_ACTIONS = tuple(action for action, move in TRANSITIONS.items() if move.via is not None)
# What mediation may decide: resume where the dispute began, end for breach, or close.
MEDIATION_RESULTS = ("resume", "terminate", "close")


def acceptance_days() -> int:
    return int(current_app.config.get("AGREEMENT_ACCEPTANCE_DAYS", 14))


def escalation_days() -> int:
    return int(current_app.config.get("AGREEMENT_ESCALATION_DAYS", 7))


def status_label(status: AgreementStatus) -> str:
    from marketplace.agreements.labels import STATUS_LABELS

    return str(STATUS_LABELS[status])


def add_event(agreement: Agreement, action: str, actor: User | None, from_status, to_status, reason: str = "",
              details: dict | None = None, now: datetime | None = None) -> AgreementEvent:
    event = AgreementEvent(agreement_id=agreement.id, action=action, from_status=from_status, to_status=to_status,
                           reason=reason or None, details=details, actor_id=actor.id if actor else None,
                           created_at=now or utcnow())
    db.session.add(event)
    db.session.flush()
    return event


def signed_parties(agreement: Agreement) -> set[Party]:
    """The sides whose signature on the current version stands."""
    return {s.party for s in agreement.signatures if s.voided_at is None}


def awaiting_signature(agreement: Agreement) -> list[Party]:
    """Who still has to sign a proposed agreement (甲方 first)."""
    if agreement.status is not S.PROPOSED:
        return []
    done = signed_parties(agreement)
    return [party for party in ANY if party not in done]


def may(actor: User | None, agreement: Agreement, action: str) -> bool:
    """Whether the actor may make this move now (for showing buttons)."""
    move = TRANSITIONS.get(action)
    if move is None or actor is None or agreement.status not in move.sources:
        return False
    if OFFICIAL in move.actors:
        return actor.is_official and region_in_jurisdiction(agreement.region_code, actor)
    from marketplace.agreements.services import party_of

    party = party_of(actor, agreement)
    if action == "sign" and party in signed_parties(agreement):
        return False  # one's own side has signed: only the other side's button remains
    return party in move.actors


def allowed_actions(agreement: Agreement, actor: User | None, via: str = BUTTON) -> list[str]:
    """The moves the actor may make now on one kind of control (the page's buttons by default)."""
    return [action for action, move in TRANSITIONS.items() if move.via == via and may(actor, agreement, action)]


def status_message(agreement: Agreement) -> str:
    """What a person is told after a move: the status, and for a proposed agreement who still has to sign."""
    from marketplace.agreements.labels import PARTY_LABELS

    waiting = awaiting_signature(agreement)
    if waiting and len(waiting) < len(ANY):
        return _("协议状态：%(status)s，等待%(party)s签署", status=status_label(agreement.status),
                 party=PARTY_LABELS[waiting[0]])
    if waiting:
        return _("协议状态：%(status)s，等待双方签署", status=status_label(agreement.status))
    return _("协议状态：%(status)s", status=status_label(agreement.status))


def _authorize(actor: User | None, agreement: Agreement, move: Move) -> None:
    if actor is None:
        return  # the system (a periodic task)
    if OFFICIAL in move.actors:
        if not (actor.is_official and region_in_jurisdiction(agreement.region_code, actor)):
            raise NotAllowed(_("只有协议所在地的农业农村部门可以调解"))
        return
    require_party(actor, agreement, *move.actors)


def transition(agreement: Agreement, action: str, actor: User | None, reason: str = "",
               target: AgreementStatus | None = None, details: dict | None = None, now: datetime | None = None,
               **values: Any) -> AgreementEvent:
    """Move the agreement along the table with one compare-and-set UPDATE and write the history row. An
    illegal move raises a Conflict (or NotAllowed) and changes nothing."""
    move = TRANSITIONS.get(action)
    if move is None:
        raise DomainError(_("未知操作"), field="action")
    _authorize(actor, agreement, move)
    if agreement.status not in move.sources:
        raise Conflict(_("协议当前为“%(status)s”，不能执行“%(action)s”", status=status_label(agreement.status),
                         action=_action_label(action)))
    target = target or move.target or agreement.status
    now = now or utcnow()
    previous = agreement.status
    result = db.session.execute(update(Agreement).where(Agreement.id == agreement.id, Agreement.status == previous)
                                .values(status=target, updated_at=now, **values)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(agreement)
        raise Conflict(_("该协议已被他人更新，请刷新后重试"))
    db.session.refresh(agreement)
    event = add_event(agreement, action, actor, previous, target, reason, details, now)
    record(actor, f"agreement.{action}", agreement, number=agreement.number, reason=reason or None)
    return event


def _action_label(action: str) -> str:
    from marketplace.agreements.labels import ACTION_LABELS

    return str(ACTION_LABELS.get(action, action))


def _tell_other(actor: User | None, agreement: Agreement, title: str, body: str = "",
                event: str = "agreement") -> None:
    link = f"/agreements/{agreement.id}"
    for user in (agreement.owner, agreement.provider_user):
        if user is not None and (actor is None or user.id != actor.id):
            notify(user, title, body, link=link, event=event)


def _reason_required(reason: str, message: str) -> str:
    if not (reason or "").strip():
        raise DomainError(message, field="reason")
    return reason.strip()


# --- the verbs ------------------------------------------------------------------------------------------------

def propose(agreement: Agreement, actor: User) -> AgreementEvent:
    """Send a complete draft to the other party for signing."""
    from marketplace.agreements.services import current_input

    raise_if_errors(check_input(current_input(agreement)))
    if agreement.provider_user_id is None:
        raise Conflict(_("服务方尚未开通账户，不能提交签署"))
    if agreement.status is S.DRAFT:
        check_need_free(agreement)
    event = transition(agreement, "propose", actor, proposed_at=utcnow())
    _tell_other(actor, agreement, _("请签署服务协议 %(number)s", number=agreement.number), agreement.title,
                event="agreement_to_sign")
    return event


def revise(agreement: Agreement, actor: User) -> AgreementEvent | None:
    """After an edit: a new version; any signature is voided and a proposed agreement returns to draft."""
    now = utcnow()
    valid = [s for s in agreement.signatures if s.voided_at is None]
    for signature in valid:
        signature.voided_at = now
    version = agreement.version + 1
    if agreement.status is S.PROPOSED:
        event = transition(agreement, "revise", actor, _("协议内容已修改"), content_hash=None, version=version,
                           details={"voided": [s.party.value for s in valid]}, now=now)
        if valid:
            _tell_other(actor, agreement, _("协议 %(number)s 已修改，原签名作废", number=agreement.number),
                        _("请重新查看并签署。"))
        return event
    agreement.version, agreement.content_hash = version, None
    add_event(agreement, "update", actor, agreement.status, agreement.status, details={"version": version}, now=now)
    return None


def sign(agreement: Agreement, actor: User, ip_address: str | None = None, user_agent: str | None = None,
         seen_hash: str | None = None, now: datetime | None = None) -> Signature:
    """The actor signs for their side: who, when, from where, and the SHA-256 of the content. The second
    signature makes the agreement signed and starts the need's service. `seen_hash`, when given, must be
    the hash the signer was shown."""
    party = require_party(actor, agreement)
    if agreement.status is S.PROPOSED:
        check_need_free(agreement)
    digest = content_hash(agreement)
    if seen_hash and seen_hash != digest:
        raise Conflict(_("协议内容已变更，请重新查看后再签署"))
    now = now or utcnow()
    # Lock the row first (compare-and-set on the status), so that two signatures cannot both miss each other.
    result = db.session.execute(update(Agreement).where(Agreement.id == agreement.id, Agreement.status == S.PROPOSED,
                                                        Agreement.version == agreement.version)
                                .values(updated_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.refresh(agreement)
        if agreement.status is not S.PROPOSED:
            raise Conflict(_("协议当前为“%(status)s”，不能签署", status=status_label(agreement.status)))
        raise Conflict(_("协议内容已变更，请重新查看后再签署"))
    valid = list(db.session.scalars(select(Signature).where(Signature.agreement_id == agreement.id,
                                                            Signature.voided_at.is_(None))))
    if any(s.party is party for s in valid):
        raise Conflict(_("您已签署过此协议"))
    signature = Signature(agreement_id=agreement.id, party=party, user_id=actor.id, content_hash=digest,
                          version=agreement.version, ip_address=(ip_address or "")[:45] or None,
                          user_agent=(user_agent or "")[:255] or None, signed_at=now)
    db.session.add(signature)
    db.session.flush()
    record(actor, "agreement.sign", agreement, number=agreement.number, party=party.value, hash=digest)
    if not valid:
        db.session.execute(update(Agreement).where(Agreement.id == agreement.id).values(content_hash=digest)
                           .execution_options(synchronize_session=False))
        db.session.refresh(agreement)
        add_event(agreement, "sign", actor, S.PROPOSED, S.PROPOSED, details={"party": party.value, "hash": digest},
                  now=now)
        _tell_other(actor, agreement, _("对方已签署协议 %(number)s，请您签署", number=agreement.number),
                    event="agreement_to_sign")
        return signature
    transition(agreement, "sign", actor, target=S.SIGNED, details={"party": party.value, "hash": digest},
               now=now, signed_at=now)
    _start_need(agreement, actor)
    _tell_other(actor, agreement, _("协议 %(number)s 已由双方签署", number=agreement.number))
    return signature


def check_need_free(agreement: Agreement) -> None:
    """The need must still be waiting for this provider: assigned to it, or open when a center's offering is
    bought straight away. Otherwise (cancelled, expired, taken by another candidate) the agreement cannot be
    proposed or signed."""
    need = agreement.need
    if agreement.center_id:
        mine = need.assigned_center_id == agreement.center_id
    else:
        mine = need.assigned_counselor_id == agreement.counselor_id
    if (need.status is NeedStatus.ASSIGNED and mine) or (need.status is NeedStatus.OPEN and agreement.offering_id):
        return
    from marketplace.needs.services import status_label as need_status

    raise Conflict(_("需求“%(title)s”当前为“%(status)s”或已由其他服务方承接，不能签署此协议", title=need.title,
                     status=need_status(need.status)))


def _start_need(agreement: Agreement, actor: User) -> None:
    from marketplace.needs import services as needs
    from marketplace.needs.invitations import close_pending
    from marketplace.needs.models import InvitationStatus

    need = agreement.need
    reason = _("签署服务协议 %(number)s", number=agreement.number)
    if need.status is NeedStatus.OPEN and agreement.center_id:  # an offering bought straight away
        needs.transition(need, "assign", actor, reason, assigned_center_id=agreement.center_id)
        close_pending(need, InvitationStatus.WITHDRAWN, utcnow(), _("需求已由其他服务方承接"))
    if need.status is NeedStatus.ASSIGNED:
        needs.start_service(need, actor, reason)


def start(agreement: Agreement, actor: User) -> AgreementEvent:
    return transition(agreement, "start", actor, started_at=utcnow())


def submit(agreement: Agreement, actor: User, reason: str = "", now: datetime | None = None) -> AgreementEvent:
    """The provider asks for acceptance; the entity has AGREEMENT_ACCEPTANCE_DAYS to answer. The work must
    have been recorded first: acceptance is checked against the service records."""
    from marketplace.agreements.records import has_records

    if actor is not None:
        require_party(actor, agreement, Party.PROVIDER)
    if agreement.status is S.IN_SERVICE and not has_records(agreement):
        raise DomainError(_("还没有服务记录：请先在“服务记录”中登记所做的服务，再申请验收"), field="reason")
    now = now or utcnow()
    event = transition(agreement, "submit", actor, reason, now=now, submitted_at=now,
                       acceptance_due_at=now + timedelta(days=acceptance_days()), acceptance_reminded_at=None,
                       acceptance_escalated_at=None)
    db.session.execute(update(AgreementItem).where(AgreementItem.agreement_id == agreement.id,
                                                   AgreementItem.result == ItemResult.FAILED)
                       .values(result=ItemResult.PENDING).execution_options(synchronize_session=False))
    _tell_other(actor, agreement, _("请验收协议 %(number)s 的服务", number=agreement.number),
                _("请在 %(days)d 天内逐项验收并评价。", days=acceptance_days()))
    return event


@dataclass
class ItemCheck:
    item_id: int
    passed: bool
    comment: str = ""


def _apply_checks(agreement: Agreement, actor: User, checks: list[ItemCheck], now: datetime) -> list[AgreementItem]:
    items = {item.id: item for item in agreement.items}
    by_id = {check.item_id: check for check in checks}
    if set(by_id) != set(items):
        raise DomainError(_("请逐项验收全部服务项目"), field="items")
    failed = []
    for item_id, check in by_id.items():
        item = items[item_id]
        if not check.passed and not check.comment.strip():
            raise DomainError(_("“%(name)s”不合格，请说明原因", name=item.name), field="items")
        item.result = ItemResult.PASSED if check.passed else ItemResult.FAILED
        item.result_comment = check.comment.strip() or None
        item.checked_at, item.checked_by_id = now, actor.id
        if not check.passed:
            failed.append(item)
    return failed


def accept(agreement: Agreement, actor: User, checks: list[ItemCheck], satisfaction: int | None,
           comment: str = "", now: datetime | None = None) -> AgreementEvent:
    """The entity passes every item against its criterion and rates the service (1–5); the need closes."""
    require_party(actor, agreement, Party.ENTITY)
    if agreement.status is not S.SUBMITTED:
        raise Conflict(_("协议当前为“%(status)s”，不能验收", status=status_label(agreement.status)))
    if satisfaction not in (1, 2, 3, 4, 5):
        raise DomainError(_("请选择满意度（1–5 分）"), field="satisfaction")
    now = now or utcnow()
    if _apply_checks(agreement, actor, checks, now):
        raise DomainError(_("有不合格的项目，请选择“要求整改”"), field="items")
    event = transition(agreement, "accept", actor, comment, now=now, accepted_at=now, satisfaction=satisfaction,
                       satisfaction_comment=comment.strip() or None, rated_at=now,
                       details={"satisfaction": satisfaction})
    need = agreement.need
    if need.status is NeedStatus.IN_SERVICE:
        from marketplace.needs.services import close_need

        close_need(need, actor, _("协议 %(number)s 已验收", number=agreement.number))
    _tell_other(actor, agreement, _("协议 %(number)s 已验收通过", number=agreement.number),
                _("满意度：%(n)d 分", n=satisfaction))
    return event


def request_changes(agreement: Agreement, actor: User, checks: list[ItemCheck], reason: str = "",
                    now: datetime | None = None) -> AgreementEvent:
    """The entity fails one or more items (each with why); the agreement goes back to in service."""
    require_party(actor, agreement, Party.ENTITY)
    if agreement.status is not S.SUBMITTED:
        raise Conflict(_("协议当前为“%(status)s”，不能验收", status=status_label(agreement.status)))
    now = now or utcnow()
    failed = _apply_checks(agreement, actor, checks, now)
    if not failed:
        raise DomainError(_("所有项目均合格，请选择“验收通过”"), field="items")
    details = {"failed": [{"item_id": i.id, "name": i.name, "comment": i.result_comment} for i in failed]}
    event = transition(agreement, "request_changes", actor, reason or "；".join(
        f"{i.name}：{i.result_comment}" for i in failed), details=details, now=now)
    _tell_other(actor, agreement, _("协议 %(number)s 验收未通过，请整改", number=agreement.number), event.reason)
    return event


def close(agreement: Agreement, actor: User | None) -> AgreementEvent:
    return transition(agreement, "close", actor, closed_at=utcnow())


def terminate(agreement: Agreement, actor: User, reason: str, outcome: str) -> AgreementEvent:
    """End a signed agreement for breach, with the reason and the liability outcome (违约责任的处理)."""
    reason = _reason_required(reason, _("请说明违约情况"))
    outcome = _reason_required(outcome, _("请写明违约责任的处理结果"))
    event = transition(agreement, "terminate", actor, reason, outcome=outcome, closed_at=utcnow(),
                       details={"outcome": outcome})
    _tell_other(actor, agreement, _("协议 %(number)s 已因违约终止", number=agreement.number), reason)
    _reopen_need(agreement, actor)
    return event


def _serves_need(agreement: Agreement) -> bool:
    """Whether the need is still assigned to (or served by) this agreement's provider."""
    need = agreement.need
    if need.status not in (NeedStatus.ASSIGNED, NeedStatus.IN_SERVICE):
        return False
    if agreement.center_id:
        return need.assigned_center_id == agreement.center_id
    return need.assigned_counselor_id == agreement.counselor_id


def _reopen_need(agreement: Agreement, actor: User | None) -> None:
    """After a termination for breach the need goes back to open so that it can be matched again: it is no
    longer assigned (the provider's capacity is freed) and the terminated provider is not offered it again
    (`needs.candidates.barred`). A need already closed or cancelled stays as it is."""
    if not _serves_need(agreement):
        return
    from marketplace.needs.services import reopen_need

    need = agreement.need
    reopen_need(need, actor, _("协议 %(number)s 违约终止", number=agreement.number))
    notify(agreement.owner, _("需求“%(title)s”已重新开放对接", title=need.title),
           _("协议 %(number)s 已因违约终止，可以重新邀请其他辅导员或服务中心。", number=agreement.number),
           link=f"/needs/{need.id}")
    if agreement.provider_user is not None:
        notify(agreement.provider_user, _("您已不再承接需求“%(title)s”", title=need.title),
               _("协议 %(number)s 已因违约终止，该需求已重新开放对接，您的在办名额已释放。", number=agreement.number),
               link=f"/agreements/{agreement.id}")


def cancel(agreement: Agreement, actor: User, reason: str = "") -> AgreementEvent:
    event = transition(agreement, "cancel", actor, reason)
    for signature in agreement.signatures:
        signature.voided_at = signature.voided_at or utcnow()
    _tell_other(actor, agreement, _("协议 %(number)s 已取消", number=agreement.number), reason)
    return event


def dispute(agreement: Agreement, actor: User, reason: str) -> AgreementEvent:
    """A party raises a dispute; the county department of the agreement's place is told and mediates."""
    reason = _reason_required(reason, _("请说明争议事项"))
    previous = agreement.status
    event = transition(agreement, "dispute", actor, reason, status_before_dispute=previous)
    _tell_other(actor, agreement, _("协议 %(number)s 进入争议处理", number=agreement.number), reason)
    for official in county_officials(agreement.region_code):
        notify(official, _("服务协议争议待调解：%(number)s", number=agreement.number),
               f"{agreement.entity_name} / {agreement.provider_name}：{reason}", link=f"/agreements/{agreement.id}")
    return event


def mediate(agreement: Agreement, actor: User, result: str, outcome: str) -> AgreementEvent:
    """An official of the jurisdiction records the mediation's outcome: resume, terminate or close."""
    if result not in MEDIATION_RESULTS:
        raise DomainError(_("请选择调解结果"), field="result")
    outcome = _reason_required(outcome, _("请填写调解结果"))
    targets = {"resume": agreement.status_before_dispute or S.IN_SERVICE, "terminate": S.TERMINATED,
               "close": S.CLOSED}
    values: dict[str, Any] = {"outcome": outcome}
    if result != "resume":
        values["closed_at"] = utcnow()
    event = transition(agreement, "mediate", actor, outcome, target=targets[result],
                       details={"result": result}, **values)
    _tell_other(None, agreement, _("协议 %(number)s 争议已调解", number=agreement.number), outcome)
    if result == "terminate":
        _reopen_need(agreement, actor)
    elif result == "close" and agreement.need.status is NeedStatus.IN_SERVICE and _serves_need(agreement):
        from marketplace.needs.services import settle_need

        settle_need(agreement.need, actor, _("协议 %(number)s 经调解结案：%(outcome)s", number=agreement.number,
                                             outcome=outcome))
    return event
