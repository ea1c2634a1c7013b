"""Journey 3: a new service center registers and files (备案), the county approves, the center publishes a
priced offering, a farm operator finds it in the public catalogue and buys it (an agreement drafted from the
offering), and the center sees the agreement. Each step checks what the other party's page shows."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.journeys.conftest import PASSWORD, PHONE
from tests.journeys.helpers import main_text, open_notification, pdf_file, pick_region
from tests.journeys.world import J3_ENTITY, J3_NEED, credit_code

CENTER = "灵寿县农民合作社服务中心"
OFFERING = "家庭农场记账建账服务"


def test_center_files_publishes_and_an_operator_buys(journey, tmp_path):
    live = journey.live
    # The center's staff member registers on the public form.
    center = journey.party("center")
    journey.go(center, "/auth/register")
    center.select_option("#role", label="服务中心工作人员")
    center.fill("#username", "j3_center")
    center.fill("#display_name", "灵寿县农民合作社服务中心 王敏")
    center.fill("#phone", "13931126001")
    pick_region(center, "region_code", "河北省", "石家庄市", "灵寿县")
    center.fill("#password", PASSWORD)
    center.fill("#confirm", PASSWORD)
    center.get_by_role("button", name="注册").click()
    expect(center.locator(".alert-success")).to_contain_text("注册成功")
    expect(center.locator("h1")).to_have_text("服务中心工作台")

    # It records the center, uploads its four rules documents and submits the filing.
    journey.go(center, "/centers/")
    center.get_by_role("link", name="登记服务中心").click()
    center.fill("#name", CENTER)
    center.select_option("#operator_type", label="农民合作社联合社")
    center.fill("#operator_name", "灵寿县农民专业合作社联合社")
    center.fill("#operator_credit_code", credit_code("93130126MA0CKR5T1"))
    pick_region(center, "region_code", "河北省", "石家庄市", "灵寿县")
    center.fill("#address", "灵寿县城关镇建设路 18 号")
    center.get_by_label("财务会计").check()
    center.fill("#staff_count", "6")
    center.fill("#contact_phone", "0311-82212345")
    center.get_by_role("button", name="登记").click()
    expect(center.locator(".alert-success")).to_contain_text("已登记服务中心")
    center_url = center.url
    for kind in ("工作指南", "行为规范", "价格公开", "服务记录追溯"):
        center.select_option("select[name=kind]", label=kind)
        center.set_input_files("input[name=file]", pdf_file(tmp_path, f"{kind}.pdf", kind))
        center.get_by_role("button", name="上传").click()
        expect(center.locator(".alert-success")).to_contain_text("文件已上传")
    expect(center.locator("[data-testid=documents]")).not_to_contain_text("未上传")
    journey.step("center-documents")
    center.get_by_role("button", name="提交备案").click()
    expect(center.locator(".badge", has_text="待审核").first).to_be_visible()
    expect(center.get_by_role("button", name="提交备案")).to_have_count(0)

    # The county official is told, opens the filing from the message and files the center.
    county = journey.party("county", "j3_county")
    expect(county.locator("[data-testid=unread-count]").first).to_be_visible()
    open_notification(journey, county, f"服务中心“{CENTER}”提交了备案申请")
    assert county.url == center_url
    expect(county.locator("[data-testid=documents]")).not_to_contain_text("未上传")
    journey.step("county-review")
    county.get_by_role("button", name="予以备案").click()
    expect(county.locator(".badge", has_text="已备案").first).to_be_visible()
    filing_number = county.locator("[data-testid=filing-number]").inner_text()
    assert re.search(r"\S+", filing_number.replace("备案编号", ""))

    # The center sees it filed, with its number, and a message saying so.
    center.reload()
    expect(center.locator(".badge", has_text="已备案").first).to_be_visible()
    expect(center.locator("[data-testid=filing-number]")).to_have_text(filing_number)
    expect(center.locator("[data-testid=unread-count]").first).to_be_visible()

    # It publishes a priced offering.
    center.get_by_role("link", name="添加").click()
    center.fill("#name", OFFERING)
    center.select_option("#category", label="财务会计")
    center.fill("#unit", "户")
    center.fill("#price_min", "1800")
    center.fill("#description", "上门建立收支账簿和固定资产台账，培训记账人员。")
    center.fill("#service_standard", "建立规范账簿一套，培训记账人员 1 名")
    center.fill("#delivery_days", "30")
    center.get_by_role("button", name="保存").click()
    expect(center.locator("main")).to_contain_text(OFFERING)
    journey.step("center-offering")

    # A farm operator of the county, on a phone, finds it in the public catalogue with its price …
    operator = journey.party("operator", "j3_operator", viewport=PHONE)
    journey.go(operator, "/catalogue/")
    card = operator.locator(".card", has_text=CENTER)
    expect(card).to_contain_text(OFFERING)
    expect(card).to_contain_text("¥1,800.00 / 户")
    expect(card).to_contain_text(filing_number.replace("备案编号", "").strip())
    card.get_by_role("link", name=CENTER).click()
    offering = operator.locator("[data-testid=offering]", has_text=OFFERING)
    expect(offering).to_contain_text("建立规范账簿一套")
    journey.step("operator-catalogue")
    # … and buys it for its open need: the draft is made from the offering.
    offering.get_by_role("link", name="选购并拟定协议").click()
    operator.select_option("#need_id", label=J3_NEED)
    operator.get_by_role("button", name="拟定协议").click()
    expect(operator.locator(".alert-success")).to_contain_text("已按服务项目拟定协议草稿")
    journey.step("operator-draft")
    # The draft as made can be proposed (its item's deadline lies inside the term).
    operator.get_by_role("link", name="返回").click()
    items = operator.locator("[data-testid=items]")
    expect(items).to_contain_text(OFFERING)
    expect(items).to_contain_text("单价 1800")
    operator.get_by_role("button", name="提交对方签署").click()
    expect(operator.locator(".badge", has_text="待签署").first).to_be_visible()
    number = re.search(r"协议编号 (\S+)", main_text(operator)).group(1)
    journey.step("operator-proposed")

    # The center sees the agreement: in its list, in a message, and on its page with its 签署 button.
    journey.go(center, "/agreements/")
    row = center.locator("main tr, main .list-group-item, main .card", has_text=number).first
    expect(row).to_contain_text(J3_ENTITY)
    row.get_by_role("link").first.click()
    expect(center.locator("main")).to_contain_text(OFFERING)
    expect(center.locator(".badge", has_text="待签署").first).to_be_visible()
    expect(center.locator("button[data-action=sign]")).to_contain_text("签署")
    journey.step("center-sees-agreement")
    assert live.url in center.url
