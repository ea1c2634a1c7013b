"""How the need follows its agreement when the agreement ends badly: a termination for breach (by a party or
by mediation) sends the need back to open, frees the provider and keeps it out of this need's candidates; a
mediation that closes the agreement closes the need; a cancelled draft leaves the need as it was. And the
links from an invitation to its agreement (the counselor's inbox, the need page)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.agreements import lifecycle, services
from marketplace.agreements.models import AgreementStatus
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.needs import invitations
from marketplace.needs.candidates import open_assignments, rank_candidates
from marketplace.needs.models import InvitationStatus, NeedEvent, NeedStatus
from marketplace.notifications.models import Notification
from tests.marketplace.agreements.conftest import advance, draft, filed_center_offering, world_counselor
from tests.marketplace.needs.helpers import make_counselor, make_need

S = AgreementStatus
N = NeedStatus


def last_need_event(need) -> NeedEvent:
    return db.session.scalars(select(NeedEvent).where(NeedEvent.need_id == need.id)
                              .order_by(NeedEvent.id.desc())).first()


def titles(user) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)))


@pytest.fixture
def second_counselor(world, make_user):
    user = make_user(Role.COUNSELOR, region_code="130123", department_region="130123")
    return make_counselor(world["county"], user, name="陈志明"), user


# --- termination for breach ---------------------------------------------------------------------------------

def test_termination_sends_the_need_back_to_open_and_frees_the_counselor(world, make_agreement, second_counselor):
    agreement = make_agreement("in_service")
    need, counselor = agreement.need, world_counselor(world)
    opened_before = need.opened_at
    assert need.status is N.IN_SERVICE and open_assignments([counselor.id]) == {counselor.id: 1}
    lifecycle.terminate(agreement, world["operator"], "乙方三次未按期上门", "乙方退还已收费用")
    db.session.commit()
    db.session.refresh(need)
    assert agreement.status is S.TERMINATED
    assert need.status is N.OPEN and need.assigned_counselor_id is None and need.opened_at > opened_before
    assert open_assignments([counselor.id]) == {}
    event = last_need_event(need)
    assert (event.action, event.from_status, event.to_status) == ("reopen", N.IN_SERVICE, N.OPEN)
    assert event.reason == f"协议 {agreement.number} 违约终止" and event.actor_id == world["operator"].id
    assert f"需求“{need.title}”已重新开放对接" in titles(world["operator"])
    assert f"您已不再承接需求“{need.title}”" in titles(world["counselor"])
    assert f"协议 {agreement.number} 已因违约终止" in titles(world["counselor"])
    # the terminated counselor is not offered this need again; another one is
    ranked = [(c.kind, c.id) for c in rank_candidates(need, "counselor")]
    assert ("counselor", counselor.id) not in ranked and ("counselor", second_counselor[0].id) in ranked
    with pytest.raises(Conflict, match="违约终止，不能再次邀请"):
        invitations.invite(world["operator"], need, "counselor", counselor.id)


def test_termination_by_mediation_reopens_the_need(world, make_agreement):
    agreement = make_agreement("submitted")
    lifecycle.dispute(agreement, world["operator"], "培训时长严重不足")
    lifecycle.mediate(agreement, world["county"], "terminate", "解除协议，乙方退还一半费用")
    db.session.commit()
    need = agreement.need
    db.session.refresh(need)
    assert agreement.status is S.TERMINATED and need.status is N.OPEN and need.assigned_counselor_id is None
    event = last_need_event(need)
    assert event.action == "reopen" and event.reason == f"协议 {agreement.number} 违约终止"
    assert event.actor_id == world["county"].id
    assert f"需求“{need.title}”已重新开放对接" in titles(world["operator"])
    assert f"您已不再承接需求“{need.title}”" in titles(world["counselor"])


def test_a_need_already_closed_stays_closed_when_its_agreement_is_terminated(world, make_agreement):
    agreement = make_agreement("accepted")
    need = agreement.need
    assert need.status is N.CLOSED
    lifecycle.dispute(agreement, world["counselor"], "甲方未付尾款")
    lifecycle.mediate(agreement, world["county"], "terminate", "甲方付清尾款后解除")
    db.session.commit()
    db.session.refresh(need)
    assert agreement.status is S.TERMINATED and need.status is N.CLOSED
    assert last_need_event(need).action == "close"


def test_after_a_termination_the_need_goes_to_another_counselor(client, switch, world, make_agreement,
                                                                second_counselor):
    agreement = make_agreement("signed")
    old_invitation, need = agreement.invitation, agreement.need
    lifecycle.terminate(agreement, world["counselor"], "本人长期外出", "乙方不收取费用")
    counselor, user = second_counselor
    invitation = invitations.invite(world["operator"], need, "counselor", counselor.id)
    invitations.answer(user, invitation, True)
    db.session.commit()
    # the old acceptance cannot be used for a new draft
    with pytest.raises(Conflict, match="已由其他服务方承接"):
        services.create_from_invitation(world["operator"], old_invitation)
    switch(world["operator"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "陈志明 已接受邀请" in page and f'/agreements/new/invitation/{invitation.id}"' in page
    assert f'/agreements/new/invitation/{old_invitation.id}"' not in page
    response = client.post(f"/agreements/new/invitation/{old_invitation.id}", follow_redirects=True)
    assert "不能按此邀请拟定协议" in response.get_data(as_text=True)
    assert client.post(f"/agreements/new/invitation/{invitation.id}").status_code == 302
    again = services.agreement_for_invitation(invitation.id)
    assert again.counselor_id == counselor.id and again.number.endswith("000002")


def test_terminating_from_the_page_shows_the_reopened_need(client, switch, world, make_agreement):
    agreement = make_agreement("in_service")
    need = agreement.need
    switch(world["counselor"])
    response = client.post(f"/agreements/{agreement.id}/actions/terminate",
                           data={"reason": "甲方未提供账簿资料", "outcome": "双方互不追究"}, follow_redirects=True)
    assert "协议状态：违约终止" in response.get_data(as_text=True)
    for user in (world["operator"], world["county"]):
        switch(user)
        page = client.get(f"/needs/{need.id}").get_data(as_text=True)
        assert "待对接" in page and "重新开放" in page and f"协议 {agreement.number} 违约终止" in page
        assert f"/agreements/{agreement.id}" in page and "违约终止" in page  # the agreement panel
        assert "推荐候选人" in page and "承接辅导员" not in page


# --- terminating an agreement bought through an offering -------------------------------------------------

def test_a_terminated_center_is_not_offered_the_need_again(world):
    need = make_need(world["operator"])
    center, offering = filed_center_offering(world)
    agreement = services.create_from_offering(world["operator"], need, offering)
    lifecycle.propose(agreement, world["operator"])
    lifecycle.sign(agreement, world["operator"])
    lifecycle.sign(agreement, world["center_staff"])
    db.session.commit()
    assert need.status is N.IN_SERVICE and need.assigned_center_id == center.id
    lifecycle.terminate(agreement, world["operator"], "服务中心未派人", "退还全部费用")
    db.session.commit()
    db.session.refresh(need)
    assert need.status is N.OPEN and need.assigned_center_id is None
    assert ("center", center.id) not in [(c.kind, c.id) for c in rank_candidates(need, "all")]
    with pytest.raises(Conflict, match="不能再为此需求选购"):
        services.create_from_offering(world["operator"], need, offering)
    with pytest.raises(Conflict, match="不能再次邀请"):
        invitations.invite(world["operator"], need, "center", center.id)
    assert f"您已不再承接需求“{need.title}”" in titles(world["center_staff"])


def test_cancelling_an_offering_draft_leaves_the_need_open(world):
    """Drafting from an offering does not assign the need (only the second signature does), so a cancelled
    draft or proposal changes nothing on the need, and the offering can be bought again."""
    need = make_need(world["operator"])
    _center, offering = filed_center_offering(world)
    agreement = services.create_from_offering(world["operator"], need, offering)
    lifecycle.propose(agreement, world["operator"])
    lifecycle.sign(agreement, world["operator"])
    lifecycle.cancel(agreement, world["center_staff"], "报价需调整")
    db.session.commit()
    db.session.refresh(need)
    assert need.status is N.OPEN and need.assigned_center_id is None and last_need_event(need).action == "publish"
    again = services.create_from_offering(world["operator"], need, offering)
    assert again.status is S.DRAFT


def test_cancelling_an_invitation_draft_keeps_the_assignment(world, make_agreement):
    """The accepted invitation still stands: the need stays assigned and the operator may draft again."""
    agreement = make_agreement("proposed")
    lifecycle.cancel(agreement, world["operator"], "条款重拟")
    db.session.commit()
    need = agreement.need
    assert need.status is N.ASSIGNED and need.assigned_counselor_id == world_counselor(world).id
    assert services.create_from_invitation(world["operator"], agreement.invitation).status is S.DRAFT


# --- mediation closing ---------------------------------------------------------------------------------------

def test_mediation_closing_the_agreement_closes_the_need(client, switch, world, make_agreement):
    agreement = make_agreement("in_service")
    need = agreement.need
    lifecycle.dispute(agreement, world["operator"], "服务内容有分歧")
    db.session.commit()
    switch(world["county"])
    response = client.post(f"/agreements/{agreement.id}/actions/mediate",
                           data={"result": "close", "outcome": "双方同意按已完成部分结算"}, follow_redirects=True)
    assert "协议状态：已完结" in response.get_data(as_text=True)
    db.session.refresh(need)
    assert need.status is N.CLOSED
    event = last_need_event(need)
    assert (event.action, event.from_status, event.to_status) == ("settle", N.IN_SERVICE, N.CLOSED)
    assert event.reason == f"协议 {agreement.number} 经调解结案：双方同意按已完成部分结算"
    switch(world["operator"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "已完成" in page and "调解结案" in page and "双方同意按已完成部分结算" in page


def test_mediation_resuming_leaves_the_need_in_service(world, make_agreement):
    agreement = make_agreement("in_service")
    lifecycle.dispute(agreement, world["operator"], "进度慢")
    lifecycle.mediate(agreement, world["county"], "resume", "乙方一周内补足")
    assert agreement.need.status is N.IN_SERVICE


# --- links from an invitation to its agreement ----------------------------------------------------------

def test_the_inbox_links_an_accepted_invitation_to_its_agreement(client, switch, world, make_agreement):
    agreement = make_agreement("proposed")
    switch(world["counselor"])
    page = client.get("/needs/inbox").get_data(as_text=True)
    assert f"查看协议 {agreement.number}" in page and f'href="/agreements/{agreement.id}"' in page
    assert "待签署" in page
    lifecycle.sign(agreement, world["operator"])
    lifecycle.sign(agreement, world["counselor"])
    lifecycle.terminate(agreement, world["operator"], "乙方失联", "解除协议")
    db.session.commit()
    page = client.get("/needs/inbox").get_data(as_text=True)
    assert f"查看协议 {agreement.number}" in page and "违约终止" in page


def test_the_inbox_has_no_per_invitation_queries(client, switch, world, query_counter):
    def accepted_with_agreement(to="draft"):
        advance(world, draft(world), to)

    accepted_with_agreement()
    switch(world["counselor"])
    with query_counter() as one:
        client.get("/needs/inbox")
    accepted_with_agreement("signed")
    accepted_with_agreement("proposed")
    with query_counter() as three:
        page = client.get("/needs/inbox").get_data(as_text=True)
    assert page.count("查看协议") == 3
    assert len(three) == len(one)


def test_an_accepted_invitation_without_agreement_shows_no_link(client, switch, world):
    from tests.marketplace.agreements.conftest import assigned_need

    need, invitation = assigned_need(world)
    assert invitation.status is InvitationStatus.ACCEPTED
    switch(world["counselor"])
    page = client.get("/needs/inbox").get_data(as_text=True)
    assert need.title in page and "查看协议" not in page


def test_center_staff_see_their_agreement_in_the_inbox(client, switch, world):
    need = make_need(world["operator"])
    center, _offering = filed_center_offering(world)
    invitation = invitations.invite(world["operator"], need, "center", center.id)
    invitations.answer(world["center_staff"], invitation, True)
    agreement = services.create_from_invitation(world["operator"], invitation)
    db.session.commit()
    switch(world["center_staff"])
    page = client.get("/needs/inbox").get_data(as_text=True)
    assert f"查看协议 {agreement.number}" in page and "草拟中" in page


# --- the same through the API ----------------------------------------------------------------------------

def test_terminating_through_the_api_reopens_the_need_and_hides_the_provider(client, world, api_token,
                                                                             make_agreement, second_counselor):
    agreement = make_agreement("in_service")
    counselor = world_counselor(world)
    op = api_token(world["operator"])
    response = client.post(f"/api/v1/agreements/{agreement.id}/transitions", headers=op,
                           json={"action": "terminate", "reason": "乙方未按期上门", "outcome": "退还费用"})
    assert response.status_code == 200, response.get_json()
    need = client.get(f"/api/v1/needs/{agreement.need_id}", headers=op).get_json()
    assert need["status"] == "open" and need["assigned_counselor_id"] is None
    matches = client.get(f"/api/v1/needs/{agreement.need_id}/matches?kind=counselor", headers=op).get_json()
    ids = [item["id"] for item in matches["items"]]
    assert counselor.id not in ids and second_counselor[0].id in ids
    response = client.post("/api/v1/invitations", headers=op,
                           json={"need_id": agreement.need_id, "kind": "counselor", "candidate_id": counselor.id})
    assert response.status_code == 409
    assert "违约终止" in response.get_json()["error"]["message"]


def test_after_a_reopening_a_candidate_whose_invitation_was_withdrawn_can_be_asked_again(world, second_counselor):
    counselor = world_counselor(world)
    other, _user = second_counselor
    need = make_need(world["operator"])
    first = invitations.invite(world["operator"], need, "counselor", counselor.id)
    withdrawn = invitations.invite(world["operator"], need, "counselor", other.id)
    invitations.answer(world["counselor"], first, True)
    db.session.commit()
    assert withdrawn.status is InvitationStatus.WITHDRAWN
    agreement = advance(world, services.create_from_invitation(world["operator"], first), "in_service")
    lifecycle.terminate(agreement, world["operator"], "乙方三次未按期上门", "乙方退还已收费用")
    db.session.commit()
    assert need.status is N.OPEN
    again = invitations.invite(world["operator"], need, "counselor", other.id)
    db.session.commit()
    assert again.id != withdrawn.id and again.status is InvitationStatus.PENDING
    assert [i.status for i in need.invitations if i.counselor_id == other.id] == [
        InvitationStatus.WITHDRAWN, InvitationStatus.PENDING]  # the history keeps both
    with pytest.raises(Conflict, match="已邀请过该候选人"):  # one live invitation at a time
        invitations.invite(world["operator"], need, "counselor", other.id)
