"""Award pages used as people do (WebTest over the rendered forms): the county nominates its 优秀 counselor,
the city returns it with a comment, the county resubmits, the city approves; each party sees what it should,
and the award shows on the record, the public directory, the public list and (for a center) the catalogue."""

from __future__ import annotations

from marketplace.awards import services
from marketplace.awards.models import Award, AwardState
from marketplace.extensions import db
from tests.marketplace.awards.conftest import YEAR, nominate
from tests.webpages import Pages


def test_nominate_return_resubmit_approve_publish(pages, world, graded):
    county, city, star = world["county"], world["city"], graded["star"]
    pages.sign_in(county)
    page = pages.get("/awards/").click("提名优秀辅导员")
    assert f"{YEAR} 年度 县级优秀辅导员 提名" in page.text
    options = [label for _value, _selected, label in page.forms["nominate"]["candidate"].options]
    assert any("刘桂芳" in o and "优秀" in o for o in options)
    assert not any("王建国" in o for o in options)  # 基本合格: not eligible
    form = page.forms["nominate"]
    form["candidate"] = str(star.id)
    form["reason"] = "全年服务合作社 12 家，满意度 4.8。"
    shown = form.submit().follow()
    assert "已起草提名" in shown.text and "草稿" in shown.text
    shown = pages.press(shown, "提交上级审核")
    shown = shown.follow()
    assert "待上级审核" in shown.text
    assert pages.buttons(shown) == [] or all("批准" not in pages.label_of(t) for _f, t in pages.buttons(shown))

    city_pages = Pages(pages.app, extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    city_pages.sign_in(city)
    listing = city_pages.get("/awards/")
    assert "待本部门审核的提名（1）" in listing.text
    decision = listing.click("县级优秀辅导员 · 刘桂芳")
    refused = city_pages.press(decision, "退回").follow()  # no comment: refused with a message
    assert "请填写意见" in refused.text and "待上级审核" in refused.text
    returned = city_pages.press(refused, "退回", text="请补充服务成效数据").follow()
    assert "已退回" in returned.text and "请补充服务成效数据" in returned.text

    back = pages.get(shown.request.path)
    assert "请补充服务成效数据" in back.text
    again = pages.press(back, "提交上级审核", text="补充：带动 3 家合作社评为县级示范社。").follow()
    assert "待上级审核" in again.text and "带动 3 家合作社" in again.text

    approved = city_pages.press(city_pages.get(again.request.path), "批准").follow()
    assert "已批准" in approved.text
    assert db.session.scalar(db.select(Award.state)) is AwardState.APPROVED

    public = Pages(pages.app, extra_environ={"REMOTE_ADDR": "127.0.0.3"})
    listed = public.get("/public/awards/")
    assert "县级优秀辅导员" in listed.text and "刘桂芳" in listed.text
    assert "带动 3 家合作社" not in listed.text  # the reason is not published
    directory = public.get("/public/counselors")
    assert f"{YEAR} 年度 县级优秀辅导员" in directory.text
    record = pages.get(f"/directory/{star.id}")
    assert 'data-testid="awards"' in record.text and f"{YEAR} 年度 县级优秀辅导员" in record.text


def test_the_counselor_sees_only_approved_awards_on_their_page(pages, world, graded):
    award = nominate(world["county"], graded["star"], submit=True)
    pages.sign_in(world["counselor"])
    assert "县级优秀辅导员" not in pages.get("/awards/").text
    pages.get(f"/awards/{award.id}", status=404)
    services.transition(award, "approve", world["city"])
    db.session.commit()
    assert "县级优秀辅导员" in pages.get("/awards/").text
    shown = pages.get(f"/awards/{award.id}")
    assert pages.buttons(shown) == [] or all("批准" not in pages.label_of(t) for _f, t in pages.buttons(shown))
    assert f"{YEAR} 年度 县级优秀辅导员" in pages.get("/directory/me").text


def test_a_center_award_shows_in_the_catalogue_and_on_its_pages(pages, world, graded):
    center = graded["center"]
    award = nominate(world["county"], center, submit=True)
    services.transition(award, "approve", world["city"])
    db.session.commit()
    assert f"{YEAR} 年度 县级优秀服务中心" in pages.get("/catalogue/").text
    assert f"{YEAR} 年度 县级优秀服务中心" in pages.get(f"/catalogue/{center.id}").text
    pages.sign_in(world["center_staff"])
    assert f"{YEAR} 年度 县级优秀服务中心" in pages.get(f"/centers/{center.id}").text


def test_bad_input_is_refused_in_chinese_and_nothing_is_written(pages, world, graded):
    pages.sign_in(world["county"])
    page = pages.get("/awards/new?subject=counselor")
    form = page.forms["nominate"]
    form["candidate"] = str(graded["star"].id)
    form["reason"] = ""
    again = form.submit()
    assert "请填写推荐理由" in again.text
    forged = pages.post("/awards/new?subject=counselor&year=2025",
                        {"csrf_token": page.forms["nominate"]["csrf_token"].value,
                         "candidate": str(graded["weak"].id), "reason": "理由"})
    assert "只有评价为优秀、合格的可以提名" in forged.text
    assert db.session.scalar(db.select(db.func.count(Award.id))) == 0
    assert "没有可提名的对象" in pages.get("/awards/new?subject=counselor&year=2019").text


def test_approved_awards_show_on_the_provider_pages(pages, world, graded):
    star, center = graded["star"], graded["center"]
    for subject in (star, center):
        award = nominate(world["county"], subject, submit=True)
        services.transition(award, "approve", world["city"])
    db.session.commit()
    counselor_page = pages.get(f"/providers/counselors/{star.id}")
    assert 'data-testid="awards"' in counselor_page.text
    assert f"{YEAR} · 县级优秀辅导员" in counselor_page.text and world["county"].department.name in counselor_page.text
    center_page = pages.get(f"/providers/centers/{center.id}")
    assert f"{YEAR} · 县级优秀服务中心" in center_page.text
    assert "暂无表彰记录" not in center_page.text
