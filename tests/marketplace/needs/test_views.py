"""Need pages: posting, candidates and inviting, the counselor's inbox, the official's list."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.needs import invitations
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedStatus
from tests.conftest import text_of
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need


def text_of_page(res) -> str:
    """A WebTest page's visible text, as tests.conftest.text_of reads a Flask response."""
    return " ".join(res.html.get_text(" ").split())


def test_post_need_then_invite(pages, world):
    counselor = make_counselor(world["county"], world["counselor"], name="刘桂芳", industries=1)
    entity = make_entity(world["operator"])
    pages.sign_in(world["operator"])
    form = pages.form_with(pages.get("/needs/new"), "发布")
    form["category"], form["industry"], form["title"] = "4", "1", "建立财务账簿"
    form["description"], form["urgency"], form["budget"] = "帮助建账", "urgent", "2000"
    page = form.submit().follow()
    need = db.session.scalar(select(Need))
    assert need.status is NeedStatus.OPEN and need.region_code == entity.region_code
    text = text_of_page(page)
    assert "刘桂芳" in text and "专长匹配：财务会计" in text and "同乡镇" in text and "在办 0/5" in text
    assert "主体待核实" in text
    invite = next(f for f, _t in pages.buttons(page) if "candidate_id" in f.fields
                  and f["candidate_id"].value == str(counselor.id))
    page = invite.submit().follow()
    text = text_of_page(page)
    assert "已邀请" in text and "待答复" in text
    assert not [f for f, _t in pages.buttons(page) if "candidate_id" in f.fields
                and f["candidate_id"].value == str(counselor.id)]  # no second 邀请 button for the same candidate
    assert db.session.scalar(select(db.func.count()).select_from(Invitation)) == 1


def test_operator_without_entity_is_sent_to_register(client, login, world):
    login(world["operator"])
    response = client.get("/needs/new")
    assert response.status_code == 302 and response.location.endswith("/entities/new")


def test_publish_and_cancel_buttons(pages, world):
    need = make_need(world["operator"], publish=False)
    pages.sign_in(world["operator"])
    page = pages.press(pages.get(f"/needs/{need.id}"), "发布").follow()
    db.session.refresh(need)
    assert need.status is NeedStatus.OPEN
    assert "发布" not in [pages.label_of(t) for _f, t in pages.buttons(page)]  # not offered once open
    pages.press(page, "取消需求").follow()
    db.session.refresh(need)
    assert need.status is NeedStatus.CANCELLED


def _answer_form(pages, inbox, title: str):
    """The answer form of the invitation card whose need is `title`."""
    card = next(c for c in inbox.html.select("[data-testid=invitation]") if title in c.get_text())
    action = card.find("form")["action"]
    return next(f for f in inbox.forms.values() if f.action == action)


def test_inbox_accept_and_decline(pages, world):
    counselor = make_counselor(world["county"], world["counselor"], name="刘桂芳")
    need = make_need(world["operator"], title="财务建账")
    other = make_need(world["operator"], title="营销策划", category=8)
    first = invitations.invite(world["operator"], need, "counselor", counselor.id)
    second = invitations.invite(world["operator"], other, "counselor", counselor.id)
    db.session.commit()
    pages.sign_in(world["counselor"])
    inbox = pages.get("/needs/inbox")
    text = text_of_page(inbox)
    assert "财务建账" in text and "营销策划" in text and "在办 0/5" in text
    inbox = pages.press(inbox, "谢绝", form=_answer_form(pages, inbox, "营销策划")).follow()
    db.session.refresh(second)
    assert second.status is InvitationStatus.PENDING and "谢绝时请填写原因" in inbox.text  # a reason is needed
    inbox = pages.press(inbox, "谢绝", form=_answer_form(pages, inbox, "营销策划"), reason="不熟悉营销").follow()
    page = pages.press(inbox, "接受", form=_answer_form(pages, inbox, "财务建账")).follow()
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status is InvitationStatus.ACCEPTED and second.status is InvitationStatus.DECLINED
    text = text_of_page(page)  # the accepted need's page: its history and the farm's contact
    assert "已接受" in text and "刘桂芳" in text and "13931100001" in text
    assert "在办 1/5" in text_of_page(pages.get("/needs/inbox"))
    pages.sign_out()
    pages.sign_in(world["operator"])
    assert "不熟悉营销" in text_of_page(pages.get(f"/needs/{other.id}"))


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
