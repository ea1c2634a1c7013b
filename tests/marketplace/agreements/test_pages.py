"""The agreement pages driven as people use them (WebTest, tests/webpages.py): every form starts from the page's
GET and is submitted as rendered (hidden fields, the blank item row, default selections included); every action
is the button the page shows."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from webtest import Upload

from marketplace.agreements import lifecycle
from marketplace.agreements.models import AgreementStatus, ItemResult
from marketplace.agreements.views import VERBS
from marketplace.centers import services as centers
from marketplace.extensions import db
from marketplace.timeutil import local_today
from tests.marketplace.agreements.conftest import (
    STAGES,
    advance,
    assigned_need,
    draft,
    filed_center_offering,
    record_work,
)
from tests.marketplace.agreements.test_records import PNG
from tests.marketplace.centers.conftest import offering_input
from tests.marketplace.needs.helpers import make_need

S = AgreementStatus
ENGLISH = ("Number must be", "Not a valid", "This field is required", "Field must be")


def flashes(res) -> str:
    return " ".join(" ".join(a.get_text(" ", strip=True).split()) for a in res.html.select(".alert"))


def labels(pages, res) -> list[str]:
    return [pages.label_of(tag) for _form, tag in pages.buttons(res)]


# --- 1, 6: the edit form saves as rendered; its messages are Chinese ----------------------------------------------

def test_the_edit_form_saves_as_rendered_with_its_blank_row(pages, world):
    agreement = draft(world)
    before = [item.name for item in agreement.items]
    pages.sign_in(world["operator"])
    page = pages.get(f"/agreements/{agreement.id}/edit")
    form = pages.form_with(page, "保存")
    blank = len(before)
    assert form[f"items-{blank}-name"].value == ""  # the empty row for a new item is on the page
    form["provider_representative"] = "刘老师"
    form["items-0-unit_price"] = "800"
    shown = pages.press(page, "保存", form=form).follow()
    assert "已保存" in flashes(shown)
    db.session.refresh(agreement)
    assert [item.name for item in agreement.items] == before  # the blank row was skipped, not saved
    assert agreement.provider_representative == "刘老师" and agreement.version == 2
    assert agreement.items[0].unit_price == 800


def test_a_half_filled_row_and_bad_numbers_are_refused_in_chinese(pages, world):
    agreement = draft(world)
    pages.sign_in(world["operator"])
    page = pages.get(f"/agreements/{agreement.id}/edit")
    form = pages.form_with(page, "保存")
    blank = len(agreement.items)
    form[f"items-{blank}-unit"] = "次"  # something typed in the new row, but no name
    form["items-0-quantity"] = "2000000"
    form["items-1-unit_price"] = "abc"
    refused = pages.press(page, "保存", form=form)
    assert refused.status_int == 200
    text = refused.text
    assert "请检查标红的内容" in flashes(refused) and "请填写服务项目名称" in text
    assert "应大于 0 且不超过 1000000" in text and "不是有效的小数" in text
    assert not any(english in text for english in ENGLISH)
    db.session.refresh(agreement)
    assert agreement.version == 1


def test_the_edit_page_does_not_open_once_signed(pages, world):
    agreement = advance(world, draft(world), "signed")
    pages.sign_in(world["operator"])
    shown = pages.get(f"/agreements/{agreement.id}")
    assert "修改" not in [a.get_text(strip=True) for a in shown.html.select("a.btn")]
    refused = pages.get(f"/agreements/{agreement.id}/edit").follow()
    assert "协议当前为“已签署”，不能修改" in flashes(refused)
    assert refused.request.path == f"/agreements/{agreement.id}"


# --- 2: every button the page shows posts to an action the route accepts ---------------------------------------

def test_the_buttons_the_route_and_the_api_read_one_table():
    assert set(VERBS) == set(lifecycle.BUTTON_ACTIONS)
    assert set(lifecycle.API_ACTIONS) == set(lifecycle.BUTTON_ACTIONS) | {"accept", "request_changes"}
    assert {"accept", "request_changes"}.isdisjoint(lifecycle.BUTTON_ACTIONS)
    from marketplace.agreements.api import ACTIONS

    assert ACTIONS == lifecycle.API_ACTIONS


def _at(world, state: str):
    """A fresh agreement in `state` (the happy path's stages, one signature, or an ending)."""
    if state in STAGES:
        return advance(world, draft(world), state)
    agreement = advance(world, draft(world), {"half_signed": "proposed", "cancelled": "proposed",
                                              "disputed": "in_service", "terminated": "in_service",
                                              "closed": "accepted"}[state])
    operator = world["operator"]
    {"half_signed": lambda: lifecycle.sign(agreement, operator, "127.0.0.1"),
     "cancelled": lambda: lifecycle.cancel(agreement, operator, "不需要了"),
     "disputed": lambda: lifecycle.dispute(agreement, operator, "质量有争议"),
     "terminated": lambda: lifecycle.terminate(agreement, operator, "未履行", "退还费用"),
     "closed": lambda: lifecycle.close(agreement, operator)}[state]()
    db.session.commit()
    return agreement


STATES = (*STAGES, "half_signed", "cancelled", "disputed", "terminated", "closed")
# What each button needs typed beside it (the page's own reason / outcome boxes and the mediation select).
TYPED = {"reason": "按约定说明", "outcome": "双方协商一致"}


@pytest.mark.parametrize("state", STATES)
def test_every_button_of_every_state_and_party_posts_to_an_accepted_action(pages, world, state):
    agreement = _at(world, state)
    pressed = 0
    for who in ("operator", "counselor", "county"):
        pages.sign_out()
        pages.sign_in(world[who])
        page = pages.get(f"/agreements/{agreement.id}")
        actions = [tag.get("formaction") for _f, tag in pages.buttons(page) if tag.get("formaction")]
        for formaction in actions:
            action = re.fullmatch(rf"/agreements/{agreement.id}/actions/(\w+)", formaction).group(1)
            assert action in lifecycle.BUTTON_ACTIONS
        assert not {"验收通过", "要求整改"} & set(labels(pages, page))
        # press each on a fresh agreement in the same state: the route takes it (never 404/405/500)
        for n in range(len(actions)):
            fresh = _at(world, state)
            page = pages.get(f"/agreements/{fresh.id}")
            form, tag = [(f, t) for f, t in pages.buttons(page) if t.get("formaction")][n]
            for name, value in TYPED.items():
                if name in form.fields:
                    form[name] = value
            if state == "in_service" and tag.get("data-action") == "submit":
                record_work(fresh, world["counselor"])
                db.session.commit()
            response = pages.press(page, pages.label_of(tag), form=form)
            assert response.status_int == 302, (state, who, tag)
            shown = response.follow()
            assert "alert-danger" not in shown.text, (state, who, pages.label_of(tag), flashes(shown))
            pressed += 1
    assert pressed or state in ("cancelled", "terminated", "closed", "disputed")


def test_a_submitted_agreement_offers_acceptance_item_by_item_to_the_entity_only(pages, world):
    agreement = advance(world, draft(world), "submitted")
    pages.sign_in(world["counselor"])
    assert "逐项验收" not in pages.get(f"/agreements/{agreement.id}").text
    pages.sign_out()
    pages.sign_in(world["operator"])
    page = pages.get(f"/agreements/{agreement.id}")
    review = page.click("逐项验收")
    assert review.request.path == f"/agreements/{agreement.id}/acceptance"


# --- 6: signing through the page; who still has to sign; the history reads Chinese ----------------------------

def test_signing_says_who_still_has_to_sign_and_hides_ones_own_button(pages, world):
    agreement = advance(world, draft(world), "proposed")
    pages.sign_in(world["operator"])
    page = pages.get(f"/agreements/{agreement.id}")
    shown = pages.press(page, "以甲方（服务对象）身份签署").follow()
    assert "协议状态：待签署，等待乙方（服务方）签署" in flashes(shown)
    assert not [label for label in labels(pages, shown) if "身份签署" in label]
    assert "等待签署：乙方（服务方）" in shown.html.select_one("[data-testid=awaiting]").get_text(strip=True)
    pages.sign_out()
    pages.sign_in(world["counselor"])
    page = pages.get(f"/agreements/{agreement.id}")
    assert "等待签署：乙方（服务方）" in page.text
    shown = pages.press(page, "以乙方（服务方）身份签署").follow()
    assert "协议状态：已签署" in flashes(shown) and not shown.html.select("[data-testid=awaiting]")
    db.session.refresh(agreement)
    assert agreement.status is S.SIGNED


def test_an_edit_after_a_signature_reads_in_chinese_in_the_history(pages, world):
    agreement = advance(world, draft(world), "proposed")
    lifecycle.sign(agreement, world["operator"], "127.0.0.1")
    db.session.commit()
    pages.sign_in(world["counselor"])
    page = pages.get(f"/agreements/{agreement.id}/edit")
    assert "已有一方签署" in page.text
    shown = pages.press(page, "保存", provider_representative="刘老师").follow()
    assert "原有签名已作废" in flashes(shown)
    history = shown.html.select_one("[data-testid=history]").get_text(" ", strip=True)
    assert "修改后退回草拟" in history and "revise" not in history


# --- the whole flow through the pages --------------------------------------------------------------------------

def test_draft_edit_propose_sign_record_submit_and_accept_through_the_pages(pages, world):
    need, _invitation = assigned_need(world)
    operator, counselor = world["operator"], world["counselor"]
    pages.sign_in(operator)
    edit = pages.press(pages.get(f"/needs/{need.id}"), "拟定协议").follow()
    assert "已按需求类别拟定协议草稿" in flashes(edit)
    shown = pages.press(edit, "保存", **{"items-0-unit_price": "600"}).follow()
    shown = pages.press(shown, "提交对方签署").follow()
    assert "等待双方签署" in flashes(shown)
    shown = pages.press(shown, "以甲方（服务对象）身份签署").follow()
    pages.sign_out()

    pages.sign_in(counselor)
    shown = pages.press(pages.get(shown.request.path), "以乙方（服务方）身份签署").follow()
    shown = pages.press(shown, "开始服务").follow()
    assert "协议状态：服务中" in flashes(shown)
    refused = pages.press(shown, "申请验收", reason="已完成").follow()
    assert "还没有服务记录" in flashes(refused)
    agreement_path = shown.request.path
    records = pages.get(f"{agreement_path}/records")
    form = pages.form_with(records, "登记")
    from marketplace.agreements.models import Agreement

    agreement = db.session.get(Agreement, int(agreement_path.rsplit("/", 1)[1]))
    form["served_on"] = (agreement.term_start - timedelta(days=1)).isoformat()
    form["content"] = "上门核对凭证"
    refused = form.submit()
    assert refused.status_int == 200 and "服务日期不能早于协议期限的开始日期" in refused.text
    form = pages.form_with(refused, "登记")
    form["served_on"] = local_today().isoformat()
    form["files"] = [Upload("visit.png", PNG, "image/png")]
    done = form.submit().follow()
    assert "已登记第 1 条服务记录" in flashes(done)
    shown = pages.press(pages.get(agreement_path), "申请验收", reason="已完成").follow()
    assert "协议状态：待验收" in flashes(shown)
    pages.sign_out()

    pages.sign_in(operator)
    review = pages.get(agreement_path).click("逐项验收")
    form = pages.form_with(review, "提交验收结果")
    first, *rest = agreement.items
    form[f"item-{first.id}-result"] = "failed"
    for item in rest:
        form[f"item-{item.id}-result"] = "passed"
    refused = form.submit()
    assert "不合格，请说明原因" in refused.text
    form = pages.form_with(refused, "提交验收结果")
    form[f"item-{first.id}-comment"] = "缺成员账户"
    shown = form.submit().follow()
    assert "已要求服务方整改不合格的项目" in flashes(shown)
    pages.sign_out()

    pages.sign_in(counselor)
    pages.press(pages.get(agreement_path), "申请验收", reason="已整改").follow()
    pages.sign_out()
    pages.sign_in(operator)
    review = pages.get(agreement_path).click("逐项验收")
    form = pages.form_with(review, "提交验收结果")
    for item in agreement.items:
        form[f"item-{item.id}-result"] = "passed"
    form["satisfaction"] = "5"
    form["comment"] = "很满意"
    form[f"item-{first.id}-photos"] = [Upload("done.png", PNG, "image/png")]
    shown = form.submit().follow()
    assert "验收通过，感谢您的评价" in flashes(shown)
    db.session.refresh(agreement)
    assert agreement.status is S.ACCEPTED and all(i.result is ItemResult.PASSED for i in agreement.items)
    assert "done.png" in shown.text


# --- 4: a draft from an offering can be proposed as made ------------------------------------------------------

@pytest.mark.parametrize("end_on", [None, "need"])
def test_a_draft_from_an_offering_keeps_its_deadlines_within_the_term(pages, world, end_on):
    center, _offering = filed_center_offering(world)
    slow = centers.add_offering(world["center_staff"], center, offering_input(name="年度托管", delivery_days=365))
    wished = local_today() + timedelta(days=60)
    need = make_need(world["operator"], end_on=wished if end_on else None)
    db.session.commit()
    pages.sign_in(world["operator"])
    page = pages.get(f"/agreements/new/offering/{slow.id}")
    edit = pages.press(page, "拟定协议", need_id=str(need.id)).follow()
    form = pages.form_with(edit, "保存")
    term_end = date.fromisoformat(form["term_end"].value)
    assert date.fromisoformat(form["items-0-deadline"].value) <= term_end
    assert term_end == (wished if end_on else local_today() + timedelta(days=365))
    shown = pages.press(pages.get(edit.request.path.removesuffix("/edit")), "提交对方签署").follow()
    assert "协议状态：待签署" in flashes(shown)


# --- 5: the API refuses what the form refuses ------------------------------------------------------------------

def test_the_api_and_the_form_share_the_limits(client, pages, world, api_token):
    agreement = draft(world)
    headers = api_token(world["operator"])
    long = "违" * 10_000
    refused = client.patch(f"/api/v1/agreements/{agreement.id}", json={"liability": long}, headers=headers)
    assert refused.status_code == 422 and "4000" in str(refused.get_json())
    item = {"name": "托管", "method": "on_site", "quantity": "1", "unit": "年", "unit_price": "1000000000000",
            "quality_standard": "按约定", "acceptance_criterion": "经确认"}
    refused = client.patch(f"/api/v1/agreements/{agreement.id}", json={"items": [item]}, headers=headers)
    assert refused.status_code == 422 and "unit_price" in str(refused.get_json())  # past the amount pattern
    within_pattern = {**item, "unit_price": "20000000.00"}  # a well-formed amount above the limit
    refused = client.patch(f"/api/v1/agreements/{agreement.id}", json={"items": [within_pattern]}, headers=headers)
    assert refused.status_code in (400, 422) and "10000000" in str(refused.get_json())
    pages.sign_in(world["operator"])
    page = pages.get(f"/agreements/{agreement.id}/edit")
    refused = pages.press(page, "保存", liability=long, **{"items-0-unit_price": "1000000000000"})
    assert "不能超过 4000 个字" in refused.text and "应在 0 到 10000000 之间" in refused.text
    db.session.refresh(agreement)
    assert agreement.version == 1
