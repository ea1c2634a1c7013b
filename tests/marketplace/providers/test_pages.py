"""Provider pages as each party sees them, answering and hiding reviews through the rendered forms, the
provider's contact for the operator after acceptance, and the need's progress line."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.providers.models import ReviewNote
from tests.conftest import text_of
from tests.marketplace.agreements.conftest import world_counselor
from tests.webpages import form_to

PERSONAL = ("刘建军", "13931100001", "13800000")  # the farm's representative and phone, counselor phones


def _url(agreement):
    return f"/providers/counselors/{agreement.counselor_id}"


def test_the_public_sees_public_fields_and_reviews_without_personal_data(client, accepted):
    response = client.get(_url(accepted))
    assert response.status_code == 200
    text = text_of(response)
    assert accepted.counselor.name in text and "财务会计" in text and "很好" in text
    assert "农民专业合作社" in text and "正定县" in text  # the entity's type and county only
    assert accepted.entity_name not in text
    assert not any(p in response.get_data(as_text=True) for p in PERSONAL)
    html = response.get_data(as_text=True)
    assert "登录后还可看到" in text
    assert not any(f'data-testid="{name}"' in html for name in ("grade", "hours", "spread", "load", "served"))


def test_the_signed_in_see_the_record_in_detail(client, switch, world, accepted):
    switch(world["operator"])
    text = text_of(client.get(_url(accepted)))
    assert "当前承接" in text and "最新考评等级" in text and "培训学时" in text
    assert "评分分布" in text and "承接的需求" in text and "登录后还可看到" not in text
    assert "表彰" in text  # the place the awards area fills
    assert accepted.entity_name not in text


def test_a_page_not_public_is_missing_for_the_public(client, world, accepted):
    from marketplace.directory.models import CounselorStatus

    accepted.counselor.status = CounselorStatus.STRUCK_OFF
    db.session.commit()
    assert client.get(_url(accepted)).status_code == 404
    assert client.get("/providers/centers/999999").status_code == 404


def test_the_provider_answers_once(pages, world, accepted):
    pages.sign_in(world["counselor"])
    page = pages.get(_url(accepted))
    form = form_to(page, f"/reviews/{accepted.id}/reply")
    form["reply"] = "谢谢，欢迎随时联系。"
    page = form.submit().follow()
    assert "谢谢，欢迎随时联系。" in page.text and "已回复" in page.text
    assert not page.html.select("[data-testid=reply-form]")
    # pressing again (a stale page) is refused with a message, the first answer kept
    page = pages.post(f"/providers/reviews/{accepted.id}/reply",
                      {"reply": "第二次", "csrf_token": form["csrf_token"].value}).follow()
    assert "只能回复一次" in page.text and "第二次" not in page.text
    assert db.session.get(ReviewNote, accepted.id).reply == "谢谢，欢迎随时联系。"


def test_an_answer_with_a_phone_number_is_refused(pages, world, accepted):
    pages.sign_in(world["counselor"])
    form = form_to(pages.get(_url(accepted)), f"/reviews/{accepted.id}/reply")
    form["reply"] = "有事打我 139 3110 0002"
    page = form.submit().follow()
    assert "不能包含电话号码" in page.text and db.session.get(ReviewNote, accepted.id) is None


def test_the_operator_cannot_answer(client, switch, world, accepted):
    switch(world["operator"])
    assert client.post(f"/providers/reviews/{accepted.id}/reply", data={"reply": "x"}).status_code == 403


def test_an_official_of_the_jurisdiction_hides_with_a_reason(pages, client, world, accepted):
    pages.sign_in(world["county"])
    page = pages.get(_url(accepted))
    form = form_to(page, f"/reviews/{accepted.id}/hide")
    form["reason"] = ""
    assert "请填写隐藏的原因" in form.submit().follow().text
    form = form_to(pages.get(_url(accepted)), f"/reviews/{accepted.id}/hide")
    form["reason"] = "含人身攻击"
    page = form.submit().follow()
    assert "已隐藏（仅管理部门可见）" in page.text and "含人身攻击" in page.text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "review.hide"))
    assert entry.details["reason"] == "含人身攻击" and entry.object_id == str(accepted.id)
    # the public no longer sees it; the figures still count the rating
    text = text_of(client.get(_url(accepted)))
    assert "很好" not in text and "暂无评价" in text and "1 次评价" in text


def test_an_official_elsewhere_cannot_hide(client, switch, world, accepted):
    switch(world["other_province"])
    assert client.post(f"/providers/reviews/{accepted.id}/hide", data={"reason": "x"}).status_code == 403
    text = text_of(client.get(_url(accepted)))
    assert "隐藏不当评价" not in text


def test_the_operator_sees_the_providers_contact_after_acceptance_audited(client, switch, world):
    from tests.marketplace.agreements.conftest import assigned_need

    need, _invitation = assigned_need(world)
    switch(world["operator"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    counselor = world_counselor(world)
    from marketplace.crypto import decrypt

    assert 'data-testid="provider-contact"' in page and decrypt(counselor.phone_cipher) in page
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "need.view_provider_contact"))
    # an official of the need's place does not see it unmasked
    switch(world["county"])
    assert decrypt(counselor.phone_cipher) not in client.get(f"/needs/{need.id}").get_data(as_text=True)


def test_the_need_page_and_list_show_one_progress_line(client, switch, world):
    from marketplace.needs import invitations
    from tests.marketplace.needs.helpers import make_counselor, make_need

    need = make_need(world["operator"])
    switch(world["operator"])
    assert "已发布，还没有邀请任何人" in text_of(client.get(f"/needs/{need.id}"))
    counselor = make_counselor(world["county"], user=world["counselor"])
    invitations.invite(world["operator"], need, "counselor", counselor.id)
    db.session.commit()
    text = text_of(client.get(f"/needs/{need.id}"))
    assert "已邀请 1 位，等待答复，最迟" in text and "下一步" in text
    assert "已邀请 1 位，等待答复" in text_of(client.get("/needs/"))


def test_candidates_link_to_their_pages(client, switch, world):
    from tests.marketplace.needs.helpers import make_counselor, make_need

    counselor = make_counselor(world["county"], user=world["counselor"])
    need = make_need(world["operator"])
    switch(world["operator"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f"/providers/counselors/{counselor.id}" in page
    assert f"/providers/questions/{need.id}/counselor/{counselor.id}" in page


def test_a_center_page_shows_offerings_with_price_history(client, world):
    from decimal import Decimal

    from marketplace.centers import services as centers
    from tests.marketplace.agreements.conftest import filed_center_offering

    center, offering = filed_center_offering(world)
    centers.update_offering(world["center_staff"], offering, _with_price(offering, Decimal("2600")))
    db.session.commit()
    text = text_of(client.get(f"/providers/centers/{center.id}"))
    assert offering.name in text and "价格变更记录" in text and "2,600.00" in text and "2,400.00" in text
    assert "/providers/centers/" in client.get("/catalogue/").get_data(as_text=True)


def _with_price(offering, price):
    from tests.marketplace.centers.conftest import offering_input

    return offering_input(price_min=str(price), price_max=None, delivery_days=20)


def test_the_page_in_english(client, switch, world, accepted):
    switch(world["operator"])
    client.get("/lang/en")
    text = text_of(client.get(_url(accepted)))
    assert "Recent reviews" in text and "最近的评价" not in text
