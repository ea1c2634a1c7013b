"""The agreement pages as each party sees them: drafting from the need page, editing, signing (the hash
shown), acceptance item by item, the officials' list with figures and export, the PDF."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from marketplace.agreements.content import content_hash
from marketplace.agreements.models import AgreementStatus, ItemResult
from marketplace.extensions import db
from tests.marketplace.agreements.conftest import assigned_need
from tests.pdfcheck import font_problems

S = AgreementStatus


def test_operator_drafts_from_the_need_page(client, switch, world):
    need, invitation = assigned_need(world)
    switch(world["operator"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "拟定协议" in page and "已接受邀请" in page
    response = client.post(f"/agreements/new/invitation/{invitation.id}")
    assert response.status_code == 302 and "/edit" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "建立会计账簿和成员账户" in page and "违约责任" in page
    # a second draft is refused with a message
    response = client.post(f"/agreements/new/invitation/{invitation.id}", follow_redirects=True)
    assert "已有协议" in response.get_data(as_text=True)


def _flashes(res) -> str:
    return " ".join(" ".join(a.get_text(" ", strip=True).split()) for a in res.html.select(".alert"))


def test_edit_then_sign_by_both_parties(pages, world, make_agreement):
    agreement = make_agreement()
    pages.sign_in(world["operator"])
    edit = pages.get(f"/agreements/{agreement.id}/edit")
    form = pages.form_with(edit, "保存")
    form["provider_representative"] = "刘老师"
    for n in range(len(agreement.items)):
        form[f"items-{n}-unit_price"] = "800"
    shown = pages.press(edit, "保存", form=form).follow()
    db.session.refresh(agreement)
    assert agreement.version == 2 and agreement.total_amount is not None
    assert agreement.provider_representative == "刘老师"
    shown = pages.press(shown, "提交对方签署").follow()
    db.session.refresh(agreement)
    assert agreement.status is S.PROPOSED
    digest = content_hash(agreement)
    assert digest in shown.text
    assert pages.form_with(shown, "以甲方（服务对象）身份签署")["content_hash"].value == digest
    pages.press(shown, "以甲方（服务对象）身份签署", extra_environ={"REMOTE_ADDR": "192.0.2.7"})
    pages.sign_out()
    pages.sign_in(world["counselor"])
    page = pages.get(f"/agreements/{agreement.id}")
    assert "192.0.2.7" in page.text
    shown = pages.press(page, "以乙方（服务方）身份签署").follow()
    assert "已签署" in _flashes(shown)
    db.session.refresh(agreement)
    assert agreement.status is S.SIGNED and agreement.content_hash == digest


def test_an_invalid_edit_shows_the_message_and_saves_nothing(pages, world, make_agreement):
    agreement = make_agreement()
    pages.sign_in(world["operator"])
    refused = pages.press(pages.get(f"/agreements/{agreement.id}/edit"), "保存", term_end="2020-01-01")
    assert "协议截止日期不能早于开始日期" in refused.text
    db.session.refresh(agreement)
    assert agreement.version == 1


def test_an_edit_after_a_signature_voids_it(pages, world, make_agreement):
    from marketplace.agreements import lifecycle

    agreement = make_agreement("proposed")
    lifecycle.sign(agreement, world["counselor"])
    db.session.commit()
    pages.sign_in(world["operator"])
    edit = pages.get(f"/agreements/{agreement.id}/edit")
    assert "保存任何修改都会使已有签名作废" in edit.text
    shown = pages.press(edit, "保存", title="修订后的协议").follow()
    assert "原有签名已作废" in _flashes(shown)
    db.session.refresh(agreement)
    assert agreement.status is S.DRAFT and all(s.voided_at for s in agreement.signatures)


def test_illegal_button_shows_a_clear_message(client, switch, world, make_agreement):
    agreement = make_agreement("draft")
    switch(world["counselor"])
    response = client.post(f"/agreements/{agreement.id}/actions/start", follow_redirects=True)
    assert "只有乙方" not in response.get_data(as_text=True)
    assert "协议当前为“草拟中”，不能执行“开始服务”" in response.get_data(as_text=True)


def test_acceptance_item_by_item(pages, world, make_agreement):
    from webtest import Upload

    agreement = make_agreement("submitted")
    first = agreement.items[0]
    pages.sign_in(world["operator"])
    review = pages.get(f"/agreements/{agreement.id}").click("逐项验收")
    assert first.acceptance_criterion in review.text
    form = pages.form_with(review, "提交验收结果")
    for item in agreement.items:
        form[f"item-{item.id}-result"] = "passed"
    form[f"item-{first.id}-result"] = "failed"
    refused = form.submit()
    assert "不合格，请说明原因" in refused.text
    form = pages.form_with(refused, "提交验收结果")
    form[f"item-{first.id}-comment"] = "缺少成员账户"
    form[f"item-{first.id}-photos"] = [Upload("photo.png", b"\x89PNG\r\n\x1a\nfake", "image/png")]
    shown = form.submit().follow()
    assert "已要求服务方整改" in _flashes(shown)
    db.session.refresh(agreement)
    assert agreement.status is S.IN_SERVICE and first.result is ItemResult.FAILED
    assert "缺少成员账户" in shown.text and "photo.png" in shown.text
    pages.sign_out()
    pages.sign_in(world["counselor"])
    pages.press(pages.get(f"/agreements/{agreement.id}"), "申请验收")
    pages.sign_out()
    pages.sign_in(world["operator"])
    form = pages.form_with(pages.get(f"/agreements/{agreement.id}/acceptance"), "提交验收结果")
    for item in agreement.items:
        form[f"item-{item.id}-result"] = "passed"
    refused = form.submit()
    assert "请选择满意度" in refused.text
    form = pages.form_with(refused, "提交验收结果")
    form["satisfaction"] = "4"
    form["comment"] = "服务认真"
    shown = form.submit().follow()
    assert "验收通过" in _flashes(shown)
    db.session.refresh(agreement)
    assert agreement.status is S.ACCEPTED and agreement.satisfaction == 4


def test_pdf_is_the_signed_content_with_its_hash(client, switch, world, make_agreement):
    agreement = make_agreement("signed")
    switch(world["operator"])
    response = client.get(f"/agreements/{agreement.id}/agreement.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    compact = "".join(text.split())
    assert agreement.content_hash in compact
    assert agreement.number in compact and "违约责任" in compact
    assert agreement.items[0].name in compact
    assert font_problems(response.data) == []


def _pdf_text(data: bytes) -> str:
    return "".join("".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_officials_read_the_pdf_with_masked_phones_unless_they_state_a_purpose(pages, world, make_agreement):
    from sqlalchemy import select

    from marketplace.audit.models import AuditEntry
    from marketplace.masking import mask_phone

    agreement = make_agreement("signed")
    agreement.entity_phone, agreement.provider_phone = "13811112222", "13933334444"
    db.session.commit()
    pages.sign_in(world["operator"])  # a party: its own copy in full
    assert "13811112222" in _pdf_text(pages.get(f"/agreements/{agreement.id}/agreement.pdf").body)
    pages.sign_out()
    pages.sign_in(world["city"])
    page = pages.get(f"/agreements/{agreement.id}")
    masked = _pdf_text(page.click("协议 PDF").body)
    assert "13811112222" not in masked and "13933334444" not in masked
    assert mask_phone("13811112222") in masked and "掩码" in masked
    refused = page.forms["full-pdf"].submit().follow()
    assert "查看完整电话号码须填写用途" in refused.text
    form = pages.get(f"/agreements/{agreement.id}").forms["full-pdf"]
    form["reason"] = "核实服务纠纷"
    full = form.submit()
    assert full.headers["Cache-Control"] == "no-store"
    assert "13811112222" in _pdf_text(full.body) and "13933334444" in _pdf_text(full.body)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "agreement.view_unmasked"))
    assert entry.details["purpose"] == "核实服务纠纷" and entry.actor_id == world["city"].id


def test_officials_list_with_figures_filters_and_export(client, switch, world, make_agreement):
    late = make_agreement("submitted")
    make_agreement("accepted")
    from datetime import timedelta

    from marketplace.timeutil import utcnow

    late.acceptance_due_at = utcnow() - timedelta(days=1)
    db.session.commit()
    switch(world["city"])
    page = client.get("/agreements/").get_data(as_text=True)
    assert "协议总数" in page and "验收通过率" in page and late.number in page
    page = client.get("/agreements/?overdue=acceptance").get_data(as_text=True)
    assert late.number in page and page.count('data-testid="agreement-row"') == 1
    response = client.get("/agreements/export.xlsx?overdue=acceptance")
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "协议编号" and rows[1][0] == late.number and rows[1][-1] == "逾期未验收"
    switch(world["other_province"])
    page = client.get("/agreements/").get_data(as_text=True)
    assert late.number not in page and "没有符合条件的协议" in page


def test_list_has_no_per_row_queries(client, switch, world, make_agreement, query_counter):
    make_agreement("signed")
    switch(world["county"])
    with query_counter() as one:
        client.get("/agreements/")
    make_agreement("signed")
    make_agreement("draft")
    with query_counter() as three:
        client.get("/agreements/")
    assert len(three) == len(one)


def test_buying_an_offering_from_the_center_page(client, switch, world):
    from tests.marketplace.agreements.conftest import filed_center_offering
    from tests.marketplace.needs.helpers import make_need

    need = make_need(world["operator"])
    center, offering = filed_center_offering(world)
    switch(world["operator"])
    assert "选购并拟定协议" in client.get(f"/catalogue/{center.id}").get_data(as_text=True)
    page = client.get(f"/agreements/new/offering/{offering.id}").get_data(as_text=True)
    assert offering.name in page and need.title in page
    response = client.post(f"/agreements/new/offering/{offering.id}", data={"need_id": need.id,
                                                                           "offering_id": offering.id})
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert offering.name in page and "2400.00" in page


def test_dispute_and_mediation_from_the_page(client, switch, world, make_agreement):
    agreement = make_agreement("in_service")
    switch(world["operator"])
    response = client.post(f"/agreements/{agreement.id}/actions/dispute", data={"reason": ""}, follow_redirects=True)
    assert "请说明争议事项" in response.get_data(as_text=True)
    client.post(f"/agreements/{agreement.id}/actions/dispute", data={"reason": "培训时长不足"})
    switch(world["county"])
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "调解结案" in page and "培训时长不足" in page
    response = client.post(f"/agreements/{agreement.id}/actions/mediate",
                           data={"result": "resume", "outcome": "乙方补足两学时"}, follow_redirects=True)
    assert "协议状态：服务中" in response.get_data(as_text=True)
    assert client.post(f"/agreements/{agreement.id}/actions/start").status_code == 403


def test_the_pdf_warns_when_the_content_no_longer_matches_the_signatures(client, switch, world, make_agreement):
    from sqlalchemy import text

    agreement = make_agreement("signed")
    db.session.execute(text("UPDATE agreement_items SET unit = '年' WHERE agreement_id = :id"), {"id": agreement.id})
    db.session.commit()
    switch(world["operator"])
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert "不一致" in page
    pdf = client.get(f"/agreements/{agreement.id}/agreement.pdf").data
    text_ = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "警告" in text_ and agreement.content_hash in text_


def test_officials_see_the_parties_phones_masked(client, switch, world, make_agreement):
    agreement = make_agreement("signed")
    switch(world["county"])
    page = client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
    assert agreement.provider_phone not in page and agreement.provider_phone[-4:] in page
    switch(world["operator"])
    assert agreement.provider_phone in client.get(f"/agreements/{agreement.id}").get_data(as_text=True)
