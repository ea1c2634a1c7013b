"""Report pages used as people do (WebTest over the rendered forms): 正定县 writes its 2025 report, adds a typical
case with a photo and an attachment and submits it; 石家庄市 sees it, returns it with a reason; the county sees
the reason, resubmits; the city accepts. 河北省's report accepted by the ministry, which publishes its case on
the public 典型案例 page — showing only the text and photos the province chose."""

from __future__ import annotations

import io
import re

from PIL import Image
from webtest import Upload

from marketplace.extensions import db
from marketplace.reports import services
from marketplace.reports.models import ReportState, WorkReport
from tests.marketplace.reports.conftest import CASE_TEXT, PRACTICES, draft, jpeg
from tests.webpages import Pages, form_to


def _other(pages, n: int) -> Pages:
    return Pages(pages.app, extra_environ={"REMOTE_ADDR": f"127.0.0.{n}"})


def test_write_submit_return_resubmit_accept(pages, world, accepted):
    county, city = world["county"], world["city"]
    pages.sign_in(county)
    page = pages.get("/reports/").click("撰写报告")
    form = page.forms["report-form"]
    form["period_kind"], form["year"], form["period_no"] = "year", "2025", "1"
    form["practices"] = PRACTICES
    shown = form.submit().follow()
    assert "已创建工作报告草稿" in shown.text and "草稿" in shown.text
    assert "实时统计，报送时固定" in shown.text
    report = db.session.query(WorkReport).one()

    case_page = shown.click("添加案例")
    form = case_page.forms["case-form"]
    form["agreement_id"] = str(accepted.id)
    form["title"], form["body"] = "财务规范化让社员增收", "理事长刘建军说"  # a person's name: refused
    refused = form.submit()
    assert "请勿填写个人信息" in refused.text and "刘建军" in refused.text
    form = refused.forms["case-form"]
    form["body"] = CASE_TEXT
    shown = form.submit().follow()
    assert "已添加典型案例" in shown.text and accepted.number in shown.text

    photo_form = form_to(shown, "/photos")
    photo_form["photo"] = Upload("site.jpg", jpeg(), "image/jpeg")
    photo_form["caption"] = "合作社账簿"
    shown = photo_form.submit().follow()
    assert "已添加照片" in shown.text
    bad = form_to(shown, "/photos")
    bad["photo"] = Upload("fake.jpg", b"not an image", "image/jpeg")
    assert "照片只能是 JPEG 或 PNG 格式" in bad.submit().follow().text

    attach = form_to(shown, "/attachments")
    attach["file"] = Upload("总结.pdf", b"%PDF-1.4 test", "application/pdf")
    shown = attach.submit().follow()
    assert "已添加附件" in shown.text and "总结.pdf" in shown.text

    shown = form_to(shown, "/actions/submit").submit().follow()
    assert "报告状态：已报送" in shown.text and "报送时固定" in shown.text
    assert "修改" not in [Pages.label_of(tag) for _f, tag in Pages.buttons(shown)]

    # The city sees it among the reports received and returns it with a reason.
    reviewer = _other(pages, 2)
    reviewer.sign_in(city)
    listing = reviewer.get("/reports/")
    assert "正定县" in listing.text
    seen = reviewer.get(f"/reports/{report.id}")
    assert PRACTICES in seen.text and "财务规范化让社员增收" in seen.text
    assert {Pages.label_of(tag) for _f, tag in Pages.buttons(seen)} >= {"退回修改", "采纳", "留言"}
    empty = form_to(seen, "/actions/return").submit().follow()
    assert "请填写退回原因" in empty.text
    form = form_to(empty, "/actions/return")
    form["reason"] = "请补充典型案例的成效数据"
    assert "报告状态：退回修改" in form.submit().follow().text

    # The county sees the reason, edits and resubmits.
    shown = pages.get(f"/reports/{report.id}")
    assert "请补充典型案例的成效数据" in shown.text and "退回修改" in shown.text
    edit = shown.click(href="/edit$").forms["report-form"]
    edit["practices"] = PRACTICES + "社员分红增加 12%。"
    shown = edit.submit().follow()
    shown = form_to(shown, "/actions/submit").submit().follow()
    assert "已报送" in shown.text

    accepted_page = form_to(reviewer.get(f"/reports/{report.id}"), "/actions/accept").submit().follow()
    assert "报告状态：已采纳" in accepted_page.text
    db.session.expire_all()
    assert db.session.get(WorkReport, report.id).state is ReportState.ACCEPTED
    # The county read the decision in its inbox.
    assert "工作报告已采纳" in pages.get("/inbox/").text
    assert "报送工作报告" in pages.get("/audit/").text and "采纳工作报告" in pages.get("/audit/").text


def test_the_ministry_publishes_a_case_without_personal_data(pages, world, accepted, app):
    province, national = world["province"], world["national"]
    report = draft(province)
    case = services.add_case(report, accepted.id, "财务规范化让社员增收", CASE_TEXT, province)
    with app.test_request_context():
        services.add_photo(case, io.BytesIO(jpeg((3000, 2000))), "合作社账簿", province)
    services.transition(report, "submit", province)
    services.transition(report, "accept", national)
    db.session.commit()

    anonymous = _other(pages, 3)
    assert "暂无发布的典型案例" in anonymous.get("/cases/").text
    anonymous.get(f"/cases/{case.id}", status=404)

    pages.sign_in(national)
    shown = pages.get(f"/reports/{report.id}")
    assert "发布到典型案例" in shown.text
    shown = form_to(shown, "/publish").submit().follow()
    assert "已在“典型案例”页面发布" in shown.text

    home = anonymous.get("/")
    listing = home.click("典型案例", index=0)
    assert "财务规范化让社员增收" in listing.text
    detail = listing.click("财务规范化让社员增收")
    assert CASE_TEXT in detail.text and "河北省" in detail.text
    page_text = re.sub(r"<[^>]+>", " ", detail.text + listing.text)
    for personal in ("刘建军", "陈志明", accepted.entity_phone, accepted.number, "13931100001",
                     accepted.entity_name, province.display_name):
        assert personal not in page_text, personal
    assert not re.search(r"1[3-9]\d{9}|\d{17}[\dX]", page_text)

    src = re.search(r'src="(/cases/\d+/photos/\d+\.jpg)"', detail.text).group(1)
    image = Image.open(io.BytesIO(anonymous.get(src).body))
    assert image.format == "JPEG" and max(image.size) == 1600
    assert not image.getexif()  # no camera, author or location data reaches the public


def test_overview_shows_overdue_and_latest(pages, world, xingtang, accepted):
    report = draft(world["county"])
    services.transition(report, "submit", world["county"])
    db.session.commit()
    pages.sign_in(world["city"])
    page = pages.get("/reports/").click("下级报送情况")
    assert "2025年度" in page.text and "逾期未报" in page.text
    row = re.search(r"正定县</td>(.*?)</tr>", page.text, re.S).group(1)
    assert "已报送" in row
    row = re.search(r"行唐县</td>(.*?)</tr>", page.text, re.S).group(1)
    assert "逾期未报" in row
    assert pages.get("/reports/overview?kind=quarter&year=abc&number=99").status_int == 200
    pages.get("/reports/overview?kind=nope&year=99999")


def test_bad_input_is_refused_with_a_message(pages, world):
    pages.sign_in(world["county"])
    form = pages.get("/reports/new").forms["report-form"]
    form["year"] = "1990"
    page = form.submit()
    assert "年度应在" in page.text
    form = page.forms["report-form"]
    form["year"], form["period_kind"], form["period_no"] = "2025", "half", "4"
    assert "期次不对" in form.submit().text
    assert db.session.query(WorkReport).count() == 0
