"""Need pages: posting, candidates and inviting, the counselor's inbox, the official's list."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.needs import invitations
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedStatus
from tests.conftest import text_of
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need


def test_post_need_then_invite(client, login, world):
    counselor = make_counselor(world["county"], world["counselor"], name="刘桂芳", industries=1)
    entity = make_entity(world["operator"])
    login(world["operator"])
    assert client.get("/needs/new").status_code == 200
    response = client.post("/needs/new", data={
        "entity_id": entity.id, "category": "4", "industry": "1", "title": "建立财务账簿",
        "description": "帮助建账", "urgency": "urgent", "mode": "on_site", "budget": "2000", "publish": "y"})
    assert response.status_code == 302
    need = db.session.scalar(select(Need))
    assert need.status is NeedStatus.OPEN and need.region_code == entity.region_code
    page = text_of(client.get(f"/needs/{need.id}"))
    assert "刘桂芳" in page and "专长匹配：财务会计" in page and "同乡镇" in page and "在办 0/5" in page
    assert "主体待核实" in page
    response = client.post(f"/needs/{need.id}/invite", data={"kind": "counselor", "candidate_id": counselor.id})
    assert response.status_code == 302
    page = text_of(client.get(f"/needs/{need.id}"))
    assert "已邀请" in page and "待答复" in page
    client.post(f"/needs/{need.id}/invite", data={"kind": "counselor", "candidate_id": counselor.id})
    assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 1


def test_operator_without_entity_is_sent_to_register(client, login, world):
    login(world["operator"])
    response = client.get("/needs/new")
    assert response.status_code == 302 and response.location.endswith("/entities/new")


def test_publish_and_cancel_buttons(client, login, world):
    need = make_need(world["operator"], publish=False)
    login(world["operator"])
    client.post(f"/needs/{need.id}/actions/publish")
    db.session.refresh(need)
    assert need.status is NeedStatus.OPEN
    client.post(f"/needs/{need.id}/actions/publish")  # illegal now: flashed, no change
    db.session.refresh(need)
    assert need.status is NeedStatus.OPEN
    client.post(f"/needs/{need.id}/actions/cancel", data={"reason": "不需要了"})
    db.session.refresh(need)
    assert need.status is NeedStatus.CANCELLED


def test_inbox_accept_and_decline(client, login, world, make_user):
    counselor = make_counselor(world["county"], world["counselor"], name="刘桂芳")
    need = make_need(world["operator"], title="财务建账")
    other = make_need(world["operator"], title="营销策划", category=8)
    first = invitations.invite(world["operator"], need, "counselor", counselor.id)
    second = invitations.invite(world["operator"], other, "counselor", counselor.id)
    db.session.commit()
    login(world["counselor"])
    inbox = text_of(client.get("/needs/inbox"))
    assert "财务建账" in inbox and "营销策划" in inbox and "在办 0/5" in inbox
    client.post(f"/needs/invitations/{second.id}/answer", data={"decision": "decline", "reason": ""})
    db.session.refresh(second)
    assert second.status is InvitationStatus.PENDING  # a decline needs a reason
    client.post(f"/needs/invitations/{second.id}/answer", data={"decision": "decline", "reason": "不熟悉营销"})
    client.post(f"/needs/invitations/{first.id}/answer", data={"decision": "accept"})
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status is InvitationStatus.ACCEPTED and second.status is InvitationStatus.DECLINED
    assert "在办 1/5" in text_of(client.get("/needs/inbox"))
    page = text_of(client.get(f"/needs/{need.id}"))  # the invited counselor sees the need and its history
    assert "已接受" in page and "刘桂芳" in page
    client.post("/auth/logout")
    login(world["operator"])
    assert "不熟悉营销" in text_of(client.get(f"/needs/{other.id}"))


def test_official_list_and_view(client, login, world, make_user, query_counter):
    make_counselor(world["county"], world["counselor"], name="刘桂芳")
    for _n in range(3):
        make_need(make_user(Role.OPERATOR, region_code="130123"))
    login(world["county"])
    with query_counter() as few:
        client.get("/needs/")
    for _n in range(10):
        make_need(make_user(Role.OPERATOR, region_code="130123"))
    with query_counter() as many:
        response = client.get("/needs/?status=open&category=4")
    assert response.status_code == 200 and len(many) == len(few)
    assert "共 13 条" in text_of(response)
    need = db.session.scalars(select(Need)).first()
    page = text_of(client.get(f"/needs/{need.id}"))
    assert "推荐候选人" in page and "刘桂芳" in page and "邀请" not in page.replace("邀请与", "")
