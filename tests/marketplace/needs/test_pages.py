"""The need pages driven as people use them (WebTest, tests/webpages.py): posting and editing through the
rendered form, the status buttons each status shows, inviting with the candidate's button, answering in the
inbox, what the accepted provider and the others see, and renewing an expired need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.needs import invitations, services
from marketplace.needs.labels import ACTION_LABELS
from marketplace.needs.models import Need, NeedStatus
from marketplace.timeutil import local_today, utcnow
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need

S = NeedStatus


def flashes(res) -> str:
    return " ".join(" ".join(a.get_text(" ", strip=True).split()) for a in res.html.select(".alert"))


def status_buttons(pages, res) -> list[str]:
    return [pages.label_of(t) for _f, t in pages.buttons(res) if "/actions/" in (t.get("formaction") or "")]


# --- create and edit through the form (7, 5, 8) ---------------------------------------------------------------

def test_posting_a_need_through_the_form(pages, client, world, api_token):
    entity = make_entity(world["operator"])
    pages.sign_in(world["operator"])
    page = pages.get("/needs/new")
    form = pages.form_with(page, "发布")
    assert form["entity_id"].value == str(entity.id) and form["region_code"].value == entity.region_code
    assert form["publish"].checked
    form["category"] = "4"
    form["title"] = "建立合作社财务账簿"
    form["description"] = "需要帮助建账和年度报表。"
    form["budget"] = "1000000000000"
    refused = form.submit()
    assert refused.status_int == 200 and "应在 0 到 100000000 之间" in refused.text
    assert "Number must be" not in refused.text
    form = pages.form_with(refused, "发布")
    form["budget"] = "2000"
    form["start_on"] = (local_today() - timedelta(days=3)).isoformat()
    refused = form.submit()
    assert refused.status_int == 200 and "期望开始日期不能早于今天" in refused.text
    assert db.session.scalar(select(Need.id)) is None
    form = pages.form_with(refused, "发布")
    form["start_on"] = (local_today() + timedelta(days=7)).isoformat()
    form["budget"] = "2000"
    shown = form.submit().follow()
    assert "需求已发布" in flashes(shown)
    expiry = shown.html.select_one("[data-testid=expiry]").get_text(" ", strip=True)
    assert "无人承接将于" in expiry and "发布满 30 天" in expiry
    notice = shown.html.select_one("[data-testid=contact-notice]").get_text(" ", strip=True)
    assert "接受邀请的服务方将看到您的联系人 刘建军 和电话 13931100001" in notice
    # the API refuses the same
    headers = api_token(world["operator"])
    body = {"entity_id": entity.id, "category": 4, "title": "托管", "description": "全年托管"}
    assert client.post("/api/v1/needs", json=body | {"budget": "1000000000000"}, headers=headers).status_code == 422
    past = client.post("/api/v1/needs", json=body | {"end_on": "2020-01-01"}, headers=headers)
    assert past.status_code == 400 and "期望完成日期不能早于今天" in past.get_json()["error"]["message"]


def test_the_contact_notice_when_the_entity_has_no_phone(pages, world):
    """The operator is told that no provider can reach them, with the way to add a phone, not "电话 None"."""
    need = make_need(world["operator"])
    need.entity.contact_phone = None
    db.session.commit()
    pages.sign_in(world["operator"])
    page = pages.get(f"/needs/{need.id}")
    notice = page.html.select_one("[data-testid=contact-notice]")
    text = notice.get_text(" ", strip=True)
    assert "主体还没有填写联系电话" in text and "None" not in text and "将看到您的联系人" not in text
    assert notice.select_one("a")["href"] == f"/entities/{need.entity_id}"
    assert pages.get(notice.select_one("a")["href"]).status_int == 200


def test_editing_a_need_through_the_form(pages, world):
    need = make_need(world["operator"], start_on=local_today() + timedelta(days=2))
    pages.sign_in(world["operator"])
    page = pages.get(f"/needs/{need.id}").click(href=f"/needs/{need.id}/edit")
    form = pages.form_with(page, "保存")
    form["title"] = "建账和年报"
    shown = form.submit().follow()
    assert "已保存" in flashes(shown)
    db.session.refresh(need)
    assert need.title == "建账和年报"


# --- 3: only legal buttons, from the one table, for the page and the API --------------------------------------

EXPECTED = {
    S.DRAFT: ["发布", "取消需求"], S.OPEN: ["取消需求"], S.ASSIGNED: ["取消需求"], S.IN_SERVICE: ["取消需求"],
    S.EXPIRED: ["重新发布"], S.CLOSED: [], S.CANCELLED: [],
}


@pytest.mark.parametrize("status", list(S))
def test_each_status_shows_only_its_legal_buttons_and_each_is_accepted(pages, world, status):
    need = make_need(world["operator"], publish=False)
    db.session.execute(update(Need).where(Need.id == need.id).values(status=status))
    db.session.commit()
    pages.sign_in(world["operator"])
    page = pages.get(f"/needs/{need.id}")
    shown = status_buttons(pages, page)
    assert shown == [str(ACTION_LABELS[a]) for a in services.allowed_actions(need, world["operator"])]
    assert shown == EXPECTED[status]
    for label in shown:
        fresh = make_need(world["operator"], publish=False)
        db.session.execute(update(Need).where(Need.id == fresh.id).values(status=status))
        db.session.commit()
        response = pages.press(pages.get(f"/needs/{fresh.id}"), label)
        assert response.status_int == 302
        assert "alert-danger" not in response.follow().text


def test_publishing_an_assigned_need_is_refused_by_the_page_route_and_the_api(client, pages, world, api_token):
    counselor = make_counselor(world["county"], world["counselor"])
    need = make_need(world["operator"])
    invitations.answer(world["counselor"], invitations.invite(world["operator"], need, "counselor", counselor.id),
                       True)
    db.session.commit()
    refused = client.post(f"/api/v1/needs/{need.id}/transitions", json={"action": "publish"},
                          headers=api_token(world["operator"]))
    assert refused.status_code == 409
    pages.sign_in(world["operator"])
    page = pages.get(f"/needs/{need.id}")
    assert "发布" not in status_buttons(pages, page)
    form = pages.form_with(page, "取消需求")
    response = page.goto(f"/needs/{need.id}/actions/publish", method="post", params=form.submit_fields())
    assert "不能执行此操作" in flashes(response.follow())
    db.session.refresh(need)
    assert need.status is S.ASSIGNED and need.assigned_counselor_id == counselor.id


# --- 9: the contact, told at invitation, seen by the accepted provider only -----------------------------------

def test_the_accepted_provider_sees_the_farms_contact_and_no_one_else_does(pages, world, make_user):
    from marketplace.accounts.models import Role

    counselor = make_counselor(world["county"], world["counselor"], name="刘桂芳", industries=1)
    other_user = make_user(Role.COUNSELOR, region_code="130123", department_region="130123")
    make_counselor(world["county"], other_user, name="王明", industries=1)
    need = make_need(world["operator"])
    pages.sign_in(world["operator"])
    page = pages.get(f"/needs/{need.id}")
    form = next(f for f, _t in pages.buttons(page) if "candidate_id" in f.fields
                and f["candidate_id"].value == str(counselor.id))
    shown = form.submit().follow()
    assert "接受后对方将看到您的联系电话 13931100001" in flashes(shown)
    pages.sign_out()

    pages.sign_in(world["counselor"])
    inbox = pages.get("/needs/inbox")
    assert "13931100001" not in inbox.text  # not before accepting
    shown = pages.press(inbox, "接受").follow()
    assert "主体的联系方式见本页" in flashes(shown)
    contact = shown.html.select_one("[data-testid=entity-contact]").get_text(" ", strip=True)
    assert "刘建军" in contact and "13931100001" in contact
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "need.view_contact"))
    pages.sign_out()

    for user in (other_user, world["county"]):
        pages.sign_in(user)
        response = pages.get(f"/needs/{need.id}", expect_errors=True)
        assert response.status_int == 404 or not response.html.select("[data-testid=entity-contact]")
        assert "13931100001" not in response.text
        pages.sign_out()


# --- 8: the expiry is stated; an expired need is renewed -------------------------------------------------------

def test_an_expired_need_says_so_and_is_renewed_after_its_dates_are_corrected(pages, world):
    need = make_need(world["operator"], end_on=local_today() + timedelta(days=5))
    db.session.execute(update(Need).where(Need.id == need.id).values(opened_at=utcnow() - timedelta(days=31),
                                                                    end_on=local_today() - timedelta(days=1)))
    db.session.commit()
    assert services.expire_open_needs() == 1
    db.session.commit()
    pages.sign_in(world["operator"])
    page = pages.get(f"/needs/{need.id}")
    expiry = page.html.select_one("[data-testid=expiry]").get_text(" ", strip=True)
    assert "已于" in expiry and "过期" in expiry and "可修改日期后重新发布" in expiry
    refused = pages.press(page, "重新发布").follow()
    assert "需求的期望日期已过，请先修改日期再发布" in flashes(refused)
    edit = refused.click(href=f"/needs/{need.id}/edit")
    form = pages.form_with(edit, "保存")
    form["end_on"] = (local_today() + timedelta(days=30)).isoformat()
    shown = form.submit().follow()
    shown = pages.press(shown, "重新发布").follow()
    assert "需求状态已更新为“待对接”" in flashes(shown)
    assert "无人承接将于" in shown.html.select_one("[data-testid=expiry]").get_text(" ", strip=True)
    db.session.refresh(need)
    assert need.status is S.OPEN and need.opened_at > utcnow() - timedelta(minutes=5)
