"""The agreement lifecycle: creation, the happy path, every illegal move, signatures and their voiding,
per-item acceptance, termination, cancellation, disputes and mediation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.agreements import lifecycle, services
from marketplace.agreements.content import content_hash
from marketplace.agreements.lifecycle import TRANSITIONS, ItemCheck
from marketplace.agreements.models import AgreementEvent, AgreementStatus, ItemResult, Party, Signature
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.needs.models import NeedStatus
from tests.marketplace.agreements.conftest import STAGES, all_passed, assigned_need, draft

S = AgreementStatus


def events(agreement):
    return [(e.action, e.from_status, e.to_status) for e in db.session.scalars(
        select(AgreementEvent).where(AgreementEvent.agreement_id == agreement.id).order_by(AgreementEvent.id))]


def test_draft_from_an_accepted_invitation(world):
    agreement = draft(world)
    assert agreement.number == "130123-2026-000001"
    assert agreement.status is S.DRAFT
    assert agreement.entity_name.startswith("正定县第") and agreement.entity_representative == "刘建军"
    assert agreement.provider_user_id == world["counselor"].id
    assert agreement.items[0].name == "建立会计账簿和成员账户"  # the finance template
    assert agreement.liability and agreement.dispute_resolution
    assert events(agreement) == [("create", None, S.DRAFT)]


def test_numbers_are_sequential_per_county_and_year(world):
    first = draft(world)
    agreement = services._new(world["operator"], first.need, first.term_start)
    assert agreement.number == "130123-2026-000002"


def test_only_the_operator_drafts_and_only_once(world):
    _need, invitation = assigned_need(world)
    with pytest.raises(NotAllowed):
        services.create_from_invitation(world["counselor"], invitation)
    services.create_from_invitation(world["operator"], invitation)
    with pytest.raises(Conflict, match="已有协议"):
        services.create_from_invitation(world["operator"], invitation)


def test_the_whole_happy_path(world, make_agreement):
    agreement = make_agreement("accepted")
    assert agreement.status is S.ACCEPTED and agreement.satisfaction == 5
    assert agreement.need.status is NeedStatus.CLOSED
    lifecycle.close(agreement, world["counselor"])
    db.session.commit()
    assert [e[0] for e in events(agreement)] == ["create", "propose", "sign", "sign", "start", "submit", "accept",
                                                 "close"]
    assert all(e.actor_id for e in agreement.events)
    assert agreement.closed_at is not None


def test_signing_moves_the_need_to_in_service(world, make_agreement):
    agreement = make_agreement("proposed")
    lifecycle.sign(agreement, world["counselor"], "10.0.0.1", "pytest")
    assert agreement.status is S.PROPOSED and agreement.need.status is NeedStatus.ASSIGNED
    lifecycle.sign(agreement, world["operator"], "10.0.0.2")
    assert agreement.status is S.SIGNED and agreement.signed_at is not None
    assert agreement.need.status is NeedStatus.IN_SERVICE
    signatures = agreement.signatures
    assert {s.party for s in signatures} == {Party.ENTITY, Party.PROVIDER}
    assert {s.content_hash for s in signatures} == {agreement.content_hash} == {content_hash(agreement)}
    assert {s.ip_address for s in signatures} == {"10.0.0.1", "10.0.0.2"}


def test_a_party_cannot_sign_twice_and_others_cannot_sign(world, make_agreement):
    agreement = make_agreement("proposed")
    lifecycle.sign(agreement, world["operator"])
    with pytest.raises(Conflict, match="已签署过"):
        lifecycle.sign(agreement, world["operator"])
    for outsider in ("county", "center_staff", "national"):
        with pytest.raises(NotAllowed):
            lifecycle.sign(agreement, world[outsider])
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 1


def test_signing_what_was_not_seen_is_refused(world, make_agreement):
    agreement = make_agreement("proposed")
    with pytest.raises(Conflict, match="内容已变更"):
        lifecycle.sign(agreement, world["operator"], seen_hash="0" * 64)


def test_a_change_after_the_first_signature_voids_it_and_returns_to_draft(world, make_agreement):
    agreement = make_agreement("proposed")
    lifecycle.sign(agreement, world["operator"])
    db.session.commit()
    signed_hash = agreement.content_hash
    data = services.current_input(agreement)
    data.items[0].quantity = 3
    assert services.update_agreement(world["counselor"], agreement, data) is True
    db.session.commit()
    assert agreement.status is S.DRAFT and agreement.version == 2 and agreement.content_hash is None
    assert all(s.voided_at is not None for s in agreement.signatures)
    assert content_hash(agreement) != signed_hash
    assert events(agreement)[-1] == ("revise", S.PROPOSED, S.DRAFT)
    # proposed again, both must sign the new version
    lifecycle.propose(agreement, world["operator"])
    lifecycle.sign(agreement, world["operator"])
    assert agreement.status is S.PROPOSED
    lifecycle.sign(agreement, world["counselor"])
    assert agreement.status is S.SIGNED
    assert len([s for s in agreement.signatures if s.voided_at is None]) == 2


def test_an_unchanged_save_changes_nothing(world, make_agreement):
    agreement = make_agreement("proposed")
    lifecycle.sign(agreement, world["operator"])
    assert services.update_agreement(world["operator"], agreement, services.current_input(agreement)) is False
    assert agreement.status is S.PROPOSED and agreement.signatures[0].voided_at is None


def test_a_signed_agreement_cannot_be_edited(world, make_agreement):
    agreement = make_agreement("signed")
    with pytest.raises(Conflict, match="不能修改"):
        services.update_agreement(world["operator"], agreement, services.current_input(agreement))


def test_invalid_edits_are_refused_with_a_message(world, make_agreement):
    agreement = make_agreement()
    data = services.current_input(agreement)
    data.items = []
    with pytest.raises(DomainError, match="至少需要一个服务项目"):
        services.update_agreement(world["operator"], agreement, data)
    data = services.current_input(agreement)
    data.term_end = data.term_start.replace(year=data.term_start.year - 1)
    with pytest.raises(DomainError, match="截止日期不能早于"):
        services.update_agreement(world["operator"], agreement, data)


# --- every illegal move -------------------------------------------------------------------------------------

def _call(action, agreement, world):
    operator, counselor = world["operator"], world["counselor"]
    calls = {
        "propose": lambda: lifecycle.propose(agreement, operator),
        "sign": lambda: lifecycle.sign(agreement, operator),
        "revise": lambda: lifecycle.transition(agreement, "revise", operator),
        "start": lambda: lifecycle.start(agreement, counselor),
        "submit": lambda: lifecycle.submit(agreement, counselor),
        "accept": lambda: lifecycle.accept(agreement, operator, all_passed(agreement), 4),
        "request_changes": lambda: lifecycle.request_changes(
            agreement, operator, [ItemCheck(i.id, False, "不行") for i in agreement.items]),
        "close": lambda: lifecycle.close(agreement, operator),
        "terminate": lambda: lifecycle.terminate(agreement, operator, "未履行", "退还费用"),
        "cancel": lambda: lifecycle.cancel(agreement, operator, "不需要了"),
        "dispute": lambda: lifecycle.dispute(agreement, operator, "质量有争议"),
        "mediate": lambda: lifecycle.mediate(agreement, world["county"], "resume", "双方和解"),
    }
    return calls[action]()


ILLEGAL = [(stage, action) for stage in STAGES for action in TRANSITIONS
           if S(stage) not in TRANSITIONS[action].sources]


@pytest.mark.parametrize(("stage", "action"), ILLEGAL, ids=[f"{a} from {s}" for s, a in ILLEGAL])
def test_illegal_moves_are_refused_and_change_nothing(world, make_agreement, stage, action):
    agreement = make_agreement(stage)
    before = (agreement.status, len(events(agreement)), agreement.version)
    with pytest.raises(Conflict) as error:
        _call(action, agreement, world)
    assert "协议当前为" in error.value.message
    db.session.rollback()
    db.session.refresh(agreement)
    assert (agreement.status, len(events(agreement)), agreement.version) == before


@pytest.mark.parametrize("action", ["start", "submit"])
def test_the_entity_cannot_make_the_providers_moves(world, make_agreement, action):
    agreement = make_agreement("signed" if action == "start" else "in_service")
    with pytest.raises(NotAllowed, match="乙方"):
        lifecycle.transition(agreement, action, world["operator"])


def test_the_provider_cannot_accept(world, make_agreement):
    agreement = make_agreement("submitted")
    with pytest.raises(NotAllowed, match="甲方"):
        lifecycle.accept(agreement, world["counselor"], all_passed(agreement), 5)


# --- acceptance -----------------------------------------------------------------------------------------------

def test_per_item_acceptance_with_a_failed_item_requests_changes(world, make_agreement):
    agreement = make_agreement("submitted")
    first, *rest = agreement.items
    checks = [ItemCheck(first.id, False, "账簿缺少成员账户")] + [ItemCheck(i.id, True) for i in rest]
    with pytest.raises(DomainError, match="要求整改"):
        lifecycle.accept(agreement, world["operator"], checks, 4)
    db.session.rollback()
    event = lifecycle.request_changes(agreement, world["operator"], checks)
    db.session.commit()
    assert agreement.status is S.IN_SERVICE
    assert first.result is ItemResult.FAILED and first.result_comment == "账簿缺少成员账户"
    assert event.details["failed"] == [{"item_id": first.id, "name": first.name, "comment": "账簿缺少成员账户"}]
    assert "账簿缺少成员账户" in event.reason
    # resubmitted: the failed item is pending again, the passed ones stay passed
    lifecycle.submit(agreement, world["counselor"])
    db.session.commit()
    db.session.refresh(first)
    assert first.result is ItemResult.PENDING and all(i.result is ItemResult.PASSED for i in rest)


def test_acceptance_needs_every_item_a_reason_for_failures_and_a_rating(world, make_agreement):
    agreement = make_agreement("submitted")
    with pytest.raises(DomainError, match="逐项验收"):
        lifecycle.accept(agreement, world["operator"], all_passed(agreement)[1:], 5)
    with pytest.raises(DomainError, match="满意度"):
        lifecycle.accept(agreement, world["operator"], all_passed(agreement), 6)
    with pytest.raises(DomainError, match="请说明原因"):
        lifecycle.request_changes(agreement, world["operator"], [ItemCheck(i.id, False) for i in agreement.items])
    with pytest.raises(DomainError, match="验收通过"):
        lifecycle.request_changes(agreement, world["operator"], all_passed(agreement))
    db.session.rollback()
    db.session.refresh(agreement)
    assert agreement.status is S.SUBMITTED


# --- ending ---------------------------------------------------------------------------------------------------

def test_termination_records_the_liability_outcome(world, make_agreement):
    agreement = make_agreement("in_service")
    with pytest.raises(DomainError, match="违约责任"):
        lifecycle.terminate(agreement, world["operator"], "乙方未按期上门", "")
    lifecycle.terminate(agreement, world["operator"], "乙方未按期上门", "乙方退还已收费用 500 元")
    assert agreement.status is S.TERMINATED and agreement.outcome == "乙方退还已收费用 500 元"
    assert events(agreement)[-1] == ("terminate", S.IN_SERVICE, S.TERMINATED)


def test_cancel_before_signing_frees_the_need_for_a_new_draft(world, make_agreement):
    agreement = make_agreement("proposed")
    lifecycle.cancel(agreement, world["counselor"], "另有安排")
    db.session.commit()
    assert agreement.status is S.CANCELLED
    again = services.create_from_invitation(world["operator"], agreement.invitation)
    assert again.number.endswith("000002")


def test_dispute_and_mediation(world, make_agreement):
    agreement = make_agreement("submitted")
    with pytest.raises(DomainError, match="争议事项"):
        lifecycle.dispute(agreement, world["operator"], " ")
    lifecycle.dispute(agreement, world["operator"], "培训时长不足")
    assert agreement.status is S.DISPUTED and agreement.status_before_dispute is S.SUBMITTED
    with pytest.raises(NotAllowed, match="调解"):
        lifecycle.mediate(agreement, world["other_province"], "resume", "x")
    with pytest.raises(NotAllowed):
        lifecycle.mediate(agreement, world["operator"], "resume", "x")
    lifecycle.mediate(agreement, world["county"], "resume", "乙方补足 2 学时培训")
    assert agreement.status is S.SUBMITTED and agreement.outcome == "乙方补足 2 学时培训"
    lifecycle.dispute(agreement, world["counselor"], "甲方拒绝验收")
    lifecycle.mediate(agreement, world["city"], "terminate", "双方同意解除，费用减半")
    assert agreement.status is S.TERMINATED
    assert [e[0] for e in events(agreement)][-4:] == ["dispute", "mediate", "dispute", "mediate"]


def test_allowed_actions_per_party(world, make_agreement):
    agreement = make_agreement("signed")
    assert lifecycle.allowed_actions(agreement, world["counselor"]) == ["start", "terminate", "dispute"]
    assert lifecycle.allowed_actions(agreement, world["operator"]) == ["terminate", "dispute"]
    assert lifecycle.allowed_actions(agreement, world["county"]) == []


def test_an_agreement_cannot_be_signed_once_its_need_is_gone(world, make_agreement):
    from marketplace.needs import services as needs

    agreement = make_agreement("proposed")
    needs.transition(agreement.need, "cancel", world["operator"], "不需要了")
    db.session.commit()
    with pytest.raises(Conflict, match="不能签署此协议"):
        lifecycle.sign(agreement, world["counselor"])


def test_an_offering_bought_while_another_candidate_took_the_need_cannot_be_signed(world):
    from marketplace.needs import invitations
    from tests.marketplace.agreements.conftest import filed_center_offering, world_counselor
    from tests.marketplace.needs.helpers import make_need

    need = make_need(world["operator"])
    _center, offering = filed_center_offering(world)
    agreement = services.create_from_offering(world["operator"], need, offering)
    lifecycle.propose(agreement, world["operator"])
    invitation = invitations.invite(world["operator"], need, "counselor", world_counselor(world).id)
    invitations.answer(world["counselor"], invitation, True)
    db.session.commit()
    with pytest.raises(Conflict, match="其他服务方承接"):
        lifecycle.sign(agreement, world["center_staff"])


def test_signing_an_offering_withdraws_pending_invitations(world):
    from marketplace.needs import invitations
    from marketplace.needs.models import InvitationStatus
    from tests.marketplace.agreements.conftest import filed_center_offering, world_counselor
    from tests.marketplace.needs.helpers import make_need

    need = make_need(world["operator"])
    center, offering = filed_center_offering(world)
    invitation = invitations.invite(world["operator"], need, "counselor", world_counselor(world).id)
    agreement = services.create_from_offering(world["operator"], need, offering)
    lifecycle.propose(agreement, world["operator"])
    lifecycle.sign(agreement, world["operator"])
    lifecycle.sign(agreement, world["center_staff"])
    db.session.commit()
    assert need.status is NeedStatus.IN_SERVICE and need.assigned_center_id == center.id
    assert invitation.status is InvitationStatus.WITHDRAWN
