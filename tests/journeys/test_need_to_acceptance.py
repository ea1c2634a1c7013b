"""Journey 1: the farm operator, on a phone, posts a need and invites the counselor from the match list; the
counselor (desktop) sees the invitation and accepts; the operator drafts the agreement, edits and saves it and
proposes it; both sign; the counselor starts, records the work with a photo and asks for acceptance; the
operator accepts item by item with a photo and rates. At each step the other party's page is checked: the
inbox, the status, the buttons it offers and the ones it no longer offers."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from marketplace.timeutil import local_today
from tests.journeys.conftest import PHONE
from tests.journeys.helpers import flashes, main_text, photo_file
from tests.journeys.world import COUNSELOR_NAME, J1_ENTITY

TITLE = "建立合作社会计账簿和成员账户"


def status_badge(page, label: str):
    return page.locator("main h1 ~ .badge, main .badge", has_text=label).first


def test_need_invitation_agreement_signing_records_and_acceptance(journey, tmp_path):
    # The operator posts a need on a phone.
    operator = journey.party("operator", "j1_operator", viewport=PHONE)
    journey.go(operator, "/needs/new")
    operator.select_option("#category", label="财务会计")
    operator.fill("#title", TITLE)
    operator.fill("#description", "合作社目前只有流水账，需要建立会计账簿、成员账户，编制年度财务报告。")
    operator.select_option("#industry", label="蔬菜")
    operator.fill("#budget", "3000")
    operator.get_by_role("button", name="发布").click()
    expect(status_badge(operator, "待对接")).to_be_visible()
    need_url = operator.url
    journey.step("need-posted")

    # The match list offers the counselor; the operator invites her.
    candidate = operator.locator("[data-testid=candidate]", has_text=COUNSELOR_NAME)
    expect(candidate).to_contain_text("财务会计")
    candidate.get_by_role("button", name="邀请").click()
    expect(operator.locator("[data-testid=candidate]", has_text=COUNSELOR_NAME)).to_contain_text("已邀请")
    expect(operator.locator("[data-testid=history]")).to_contain_text(COUNSELOR_NAME)
    journey.step("invited")

    # The counselor, at her desk, is told and finds the invitation in her inbox; she accepts.
    counselor = journey.party("counselor", "j1_counselor")
    expect(counselor.locator("[data-testid=unread-count]").first).to_be_visible()
    journey.go(counselor, "/needs/inbox")
    invitation = counselor.locator("[data-testid=invitation]", has_text=TITLE)
    expect(invitation).to_contain_text(J1_ENTITY)
    invitation.get_by_role("button", name="接受").click()
    expect(counselor.locator(".alert-success")).to_be_visible()
    expect(counselor.locator("[data-testid=invitation]", has_text=TITLE).get_by_role("button", name="接受")
           ).to_have_count(0)
    # … and can reach the farm: its contact phone is shown to her now that she has accepted.
    counselor.locator("[data-testid=invitation]", has_text=TITLE).get_by_role("link", name=TITLE).click()
    with journey.known_defect("issue 12 defect 9 (branch agree): the accepted counselor sees no farm contact"):
        expect(counselor.locator("main")).to_contain_text("13931100001")
    journey.step("accepted")

    # The operator sees the need taken by her, and drafts the agreement.
    operator.goto(need_url)
    expect(status_badge(operator, "已对接")).to_be_visible()
    expect(operator.locator("main")).to_contain_text(f"承接辅导员：{COUNSELOR_NAME}")
    expect(operator.get_by_role("button", name="邀请")).to_have_count(0)
    operator.locator("[data-testid=need-agreements]").get_by_role("button", name="拟定协议").click()
    expect(operator.locator(".alert-success")).to_contain_text("已按需求类别拟定协议草稿")

    # It edits the draft (the first item's price, the title) and saves what the page rendered.
    operator.fill("#title", "塔元庄合作社财务规范化服务协议")
    first = operator.locator("[data-testid=item-form]").first
    first.locator("input[name$='unit_price']").fill("1500")
    operator.get_by_role("button", name="保存").click()
    saved = "/edit" not in operator.url
    with journey.known_defect("issue 12 defect 1 (branch agree): 保存 on the agreement edit form is refused "
                              "because of the blank item row"):
        assert saved, "保存 refused: " + flashes(operator) + " " + main_text(operator)[:300]
    if not saved:  # go on with the draft as made, to check the rest of the journey
        operator.get_by_role("link", name="返回").click()
    else:
        expect(operator.locator("main h1")).to_have_text("塔元庄合作社财务规范化服务协议")
        expect(operator.locator("[data-testid=items]")).to_contain_text("单价 1500")
    number = re.search(r"协议编号 (\S+)", main_text(operator)).group(1)
    journey.step("draft-saved")
    operator.get_by_role("button", name="提交对方签署").click()
    expect(status_badge(operator, "待签署")).to_be_visible()

    # The counselor sees it in her inbox, waiting for her signature; she signs and her button goes.
    journey.go(counselor, "/needs/inbox")
    link = counselor.locator("[data-testid=invitation-agreement]", has_text=number)
    expect(link).to_contain_text("待签署")
    link.get_by_role("link").first.click()
    if saved:
        expect(counselor.locator("main")).to_contain_text("单价 1500")
    counselor.locator("button[data-action=sign]").click()
    expect(counselor.locator("[data-testid=signatures]")).to_contain_text(COUNSELOR_NAME)
    with journey.known_defect("issue 12 defect 6 (branch agree): one's own 签署 button stays after signing"):
        expect(counselor.locator("button[data-action=sign]")).to_have_count(0)
    with journey.known_defect("issue 12 defect 6 (branch agree): the page does not say who still has to sign"):
        expect(counselor.locator("main")).to_contain_text(re.compile(r"(等待|待)[^。]{0,6}甲方"))
    journey.step("counselor-signed")

    # The operator sees her signature and signs; both see it signed.
    operator.reload()
    expect(operator.locator("[data-testid=signatures]")).to_contain_text(COUNSELOR_NAME)
    expect(operator.locator("button[data-action=sign]")).to_contain_text("甲方")
    operator.locator("button[data-action=sign]").click()
    expect(status_badge(operator, "已签署")).to_be_visible()
    expect(operator.locator("button[data-action=sign]")).to_have_count(0)
    counselor.reload()
    expect(status_badge(counselor, "已签署")).to_be_visible()
    journey.step("signed")

    # The counselor starts the service and records the work, with a photo.
    counselor.locator("button[data-action=start]").click()
    expect(status_badge(counselor, "服务中")).to_be_visible()
    counselor.get_by_role("link", name="服务记录").first.click()
    counselor.fill("input[name=served_on]", local_today().isoformat())
    counselor.select_option("select[name=kind]", label="上门走访")
    counselor.fill("[name=content]", "建立总账和明细账，设立 126 户成员账户，培训会计 1 名。")
    counselor.fill("[name=participants]", "刘建军、会计王芳")
    counselor.fill("[name=place]", "合作社办公室")
    counselor.set_input_files("input[name=files]", photo_file(tmp_path, "走访照片.jpg"))
    counselor.get_by_role("button", name="登记").click()
    record = counselor.locator("[data-testid=record]").first
    expect(record).to_contain_text("建立总账和明细账")
    expect(record).to_contain_text("走访照片.jpg")
    expect(counselor.locator("main")).to_contain_text("记录链完整")
    journey.step("recorded")

    # The operator sees the record; then the counselor asks for acceptance.
    operator.reload()
    expect(status_badge(operator, "服务中")).to_be_visible()
    operator.get_by_role("link", name="服务记录").first.click()
    expect(operator.locator("[data-testid=record]").first).to_contain_text("建立总账和明细账")
    operator.go_back()
    counselor.locator("nav[aria-label=breadcrumb]").get_by_role("link", name=number).click()
    counselor.fill("textarea[name=reason]", "账簿已建立，请验收")
    counselor.locator("button[data-action=submit]").click()
    expect(status_badge(counselor, "待验收")).to_be_visible()
    expect(counselor.locator("button[data-action=submit]")).to_have_count(0)

    # The operator accepts item by item, with a photo, and rates; every button the page offers works.
    operator.reload()
    expect(status_badge(operator, "待验收")).to_be_visible()
    with journey.known_defect("issue 12 defect 2 (branch agree): 验收通过 / 要求整改 are offered as buttons that "
                              "post to /actions/accept|request_changes, which answer 404"):
        # acceptance is item by item, through the 逐项验收 form: no bare buttons for it
        expect(operator.locator("button[data-action=accept], button[data-action=request_changes]")).to_have_count(0)
    operator.get_by_role("link", name="逐项验收").click()
    items = operator.locator("[data-testid=acceptance-item]")
    for n in range(items.count()):
        item = items.nth(n)
        item.locator("input[value=passed]").check()
        item.locator("input[name$='-comment']").fill("核对无误")
    items.first.locator("input[type=file]").set_input_files(photo_file(tmp_path, "验收照片.jpg"))
    operator.check("input[name=satisfaction][value='5']")
    operator.fill("textarea[name=comment]", "刘老师讲解细致，账务规范起来了")
    journey.step("acceptance-form")
    operator.get_by_role("button", name="提交验收结果").click()
    expect(status_badge(operator, "已验收")).to_be_visible()
    expect(operator.locator("[data-testid=items]")).to_contain_text("验收照片.jpg")
    expect(operator.locator("main")).to_contain_text("★★★★★")

    # The counselor sees it accepted and rated, in the agreement and in her inbox.
    counselor.reload()
    expect(status_badge(counselor, "已验收")).to_be_visible()
    expect(counselor.locator("main")).to_contain_text("刘老师讲解细致")
    journey.go(counselor, "/needs/inbox")
    expect(counselor.locator("[data-testid=invitation-agreement]", has_text=number)).to_contain_text("已验收")
    operator.goto(need_url)
    expect(status_badge(operator, "已完成")).to_be_visible()
    journey.step("accepted-and-rated")
    journey.finish()
