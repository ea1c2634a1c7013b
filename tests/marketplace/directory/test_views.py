"""The directory pages as officials, counselors and the public see them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from marketplace import crypto
from marketplace.accounts.models import Role, User
from marketplace.directory.models import ChangeRequest, Counselor, CounselorStatus
from marketplace.extensions import db
from tests.conftest import text_of


def test_list_is_scoped_and_masked(client, world, appoint, login):
    mine = appoint(world["county"], name="正定辅导员", phone="13800001111")
    appoint(world["other_province"], name="北京辅导员", region_code="110101")
    login(world["city"])
    text = text_of(client.get("/directory/"))
    assert "正定辅导员" in text and "北京辅导员" not in text
    assert "138****1111" in text and "13800001111" not in text
    assert crypto.decrypt(mine.id_number_cipher) not in client.get("/directory/").get_data(as_text=True)


def test_filters(client, world, appoint, login):
    appoint(world["county"], name="财务专家", specialties=4, industries=2)
    appoint(world["county"], name="营销专家", specialties=8, industries=1, region_code="130123")
    login(world["county"])
    assert "营销专家" not in text_of(client.get("/directory/?specialty=4"))
    assert "财务专家" not in text_of(client.get("/directory/?industry=1"))
    only_town = text_of(client.get("/directory/?region_code=130123100"))
    assert "财务专家" in only_town and "营销专家" not in only_town
    both = text_of(client.get("/directory/?region_code=130100"))  # a city includes all below it
    assert "财务专家" in both and "营销专家" in both
    assert "营销专家" in text_of(client.get("/directory/?q=营销"))
    assert client.get("/directory/?specialty=abc&status=bogus&sort=nope").status_code == 200


def test_list_has_no_n_plus_one(client, world, appoint, login, query_counter):
    login(world["county"])
    for _ in range(3):
        appoint(world["county"])
    with query_counter() as few:
        client.get("/directory/")
    for _ in range(15):
        appoint(world["county"])
    with query_counter() as many:
        assert "共 18 条" in text_of(client.get("/directory/"))
    assert len(many) <= len(few) + 1


def test_appoint_through_the_page(client, world, login):
    login(world["county"])
    from marketplace.demo.services import demo_id_number

    number = demo_id_number("130123", date(1978, 3, 9), 7)
    data = {"name": "孙海涛", "id_number": number, "phone": "13912345678", "region_code": "130123100",
            "specialties": ["4", "32"], "industries": ["1"], "work_mode": "full_time", "source": "extension_technician",
            "capacity": "5", "appointed_on": "2026-01-01", "term_years": "3", "political_status": "",
            "education": "bachelor"}
    response = client.post("/directory/new", data=data, follow_redirects=True)
    assert "已聘任 孙海涛，证书编号 130123-2026-00001" in text_of(response)
    counselor = db.session.scalar(select(Counselor))
    assert counselor.term_end == date(2028, 12, 31) and counselor.specialties == 36
    response = client.post("/directory/new", data={**data, "phone": "123"})
    assert "手机号码应为 11 位数字" in text_of(response)
    response = client.post("/directory/new", data={**data, "phone": "13912345679"})
    assert "该身份证号码已在名录库中" in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(Counselor)) == 1


def test_edit_through_the_page(client, world, appoint, login, monkeypatch):
    import marketplace.directory.yearly as yearly

    monkeypatch.setattr(yearly, "in_window", lambda today: True)
    counselor = appoint(world["county"])
    login(world["county"])
    form = client.get(f"/directory/{counselor.id}/edit").get_data(as_text=True)
    assert "辅导员1" in form
    data = {"name": "改过的名字", "id_number": crypto.decrypt(counselor.id_number_cipher),
            "phone": crypto.decrypt(counselor.phone_cipher), "region_code": "130123100", "specialties": ["4"],
            "industries": ["1"], "work_mode": "part_time", "source": "rural_expert", "capacity": "5",
            "appointed_on": "2025-01-01", "term_years": "3"}
    response = client.post(f"/directory/{counselor.id}/edit", data=data, follow_redirects=True)
    assert "已保存" in text_of(response) and "改过的名字" in text_of(response)
    login(world["city"])


def test_superiors_see_but_do_not_edit(client, world, appoint, login):
    counselor = appoint(world["county"])
    login(world["province"])
    text = text_of(client.get(f"/directory/{counselor.id}"))
    assert "辅导员1" in text and "修改" not in text.split("辅导员1")[1][:20]
    assert "查看完整身份证号码" not in text
    assert client.get(f"/directory/{counselor.id}/edit").status_code == 403


def test_status_changes_through_the_page(client, world, appoint, login):
    counselor = appoint(world["county"])
    login(world["county"])
    response = client.post(f"/directory/{counselor.id}/actions/suspend", data={"reason": ""},
                           follow_redirects=True)
    assert "请填写原因" in text_of(response)
    response = client.post(f"/directory/{counselor.id}/actions/suspend", data={"reason": "外出务工"},
                           follow_redirects=True)
    assert "状态已更新" in text_of(response) and "外出务工" in text_of(response)
    assert db.session.get(Counselor, counselor.id).status is CounselorStatus.SUSPENDED
    assert client.post(f"/directory/{counselor.id}/actions/explode").status_code == 404


def test_reveal_on_the_record_page(client, world, appoint, login):
    counselor = appoint(world["county"], phone="13800001111")
    login(world["county"])
    response = client.post(f"/directory/{counselor.id}/reveal", data={"reason": "电话通知"})
    assert "13800001111" in text_of(response)
    assert crypto.decrypt(counselor.id_number_cipher) in text_of(response)


def test_login_account_for_a_counselor(client, world, appoint, login):
    counselor = appoint(world["county"])
    login(world["county"])
    response = client.post(f"/directory/{counselor.id}/account", data={"username": "fdy_new"})
    assert "账户已创建" in text_of(response)
    user = db.session.scalar(select(User).where(User.username == "fdy_new"))
    assert user.role is Role.COUNSELOR and db.session.get(Counselor, counselor.id).user_id == user.id


def test_counselor_keeps_own_profile(client, world, appoint, login, make_user):
    counselor = appoint(world["county"])
    user = make_user(Role.COUNSELOR, region_code="130123", department_region="130123")
    counselor.user_id = user.id
    db.session.commit()
    login(user)
    assert client.get("/directory/").headers["Location"].endswith("/directory/me")
    page = text_of(client.get("/directory/me"))
    assert "我的名录信息" in page and counselor.certificate_no in page
    response = client.post("/directory/me", data={"phone": "13955556666", "specialties": ["4", "8", "64"],
                                                  "industries": ["1"], "capacity": "5", "note": "补充质量标准"},
                           follow_redirects=True)
    assert "个人信息已更新" in text_of(response) and "已提交聘任部门审核" in text_of(response)
    assert db.session.get(Counselor, counselor.id).phone_masked == "139****6666"
    request = db.session.scalar(select(ChangeRequest))
    client.post("/auth/logout")
    login(world["county"])
    assert "辅导员1" in text_of(client.get("/directory/requests"))
    response = client.post(f"/directory/requests/{request.id}", data={"decision": "approve", "note": "同意"},
                           follow_redirects=True)
    assert "审核结果已保存" in text_of(response)
    assert db.session.get(Counselor, counselor.id).specialties == 4 | 8 | 64


def test_counselor_without_a_record(client, make_user, login):
    login(make_user(Role.COUNSELOR, region_code="130123", department_region="130123"))
    assert "尚未关联名录库记录" in text_of(client.get("/directory/me"))


def test_public_directory_shows_public_fields_of_appointed_counselors_only(client, world, appoint):
    shown = appoint(world["county"], name="公开辅导员", phone="13800009999")
    hidden = appoint(world["county"], name="已除名辅导员")
    from marketplace.directory import services

    services.transition(hidden, "strike_off", world["county"], "违规")
    db.session.commit()
    html = client.get("/public/counselors").get_data(as_text=True)
    assert "公开辅导员" in html and "已除名辅导员" not in html
    assert "13800009999" not in html and "138****9999" not in html
    assert shown.id_number_masked not in html


def test_public_directory_counts_only_up_to_its_cap_and_says_so(client, world, appoint, app):
    """Past PUBLIC_COUNT_CAP the anonymous page does not count every appointed counselor: it says "超过 N 位"."""
    for n in range(4):
        appoint(world["county"], name=f"公开{n}号", phone=f"1380000{n:04d}")
    db.session.commit()
    count = lambda html: html.split('data-testid="result-count">')[1].split("</p>")[0]  # noqa: E731
    assert count(client.get("/public/counselors").get_data(as_text=True)) == "共 4 位"
    app.config["PUBLIC_COUNT_CAP"] = 3
    try:
        html = client.get("/public/counselors").get_data(as_text=True)
        assert count(html) == "超过 3 位，请按地区、专长或产业筛选以缩小范围"
        assert html.count("公开") >= 4  # every row of the page is still shown
        assert count(client.get("/public/counselors?q=公开1号").get_data(as_text=True)) == "共 1 位"
        app.config["PUBLIC_COUNT_CAP"] = 4  # exactly at the cap: the exact count
        assert count(client.get("/public/counselors").get_data(as_text=True)) == "共 4 位"
    finally:
        app.config["PUBLIC_COUNT_CAP"] = 10_000


def test_county_records_a_township_appointee(client, world, login):
    login(world["county"])
    from marketplace.demo.services import demo_id_number

    form = client.get("/directory/new").get_data(as_text=True)
    assert "正定镇聘任（由县级录入）" in form
    data = {"name": "乡镇辅导员", "id_number": demo_id_number("130123", date(1982, 2, 2), 9), "phone": "13912340000",
            "region_code": "130123100", "specialties": ["1"], "industries": ["1"], "work_mode": "part_time",
            "source": "skilled_farmer", "capacity": "3", "appointed_on": "2026-01-01", "term_years": "2",
            "township_code": "130123100"}
    response = client.post("/directory/new", data=data, follow_redirects=True)
    assert "正定镇聘任（由县级录入）" in text_of(response)
    assert db.session.scalar(select(Counselor)).township_code == "130123100"


def test_the_edit_page_never_carries_the_full_id_number_or_phone(pages, world, appoint, monkeypatch):
    """Blank keeps the stored value, a typed value replaces it; the page shows only the masked values."""
    import marketplace.directory.yearly as yearly

    monkeypatch.setattr(yearly, "in_window", lambda today: True)
    counselor = appoint(world["county"], phone="13800001111")
    full_id = crypto.decrypt(counselor.id_number_cipher)
    pages.sign_in(world["county"])
    page = pages.get(f"/directory/{counselor.id}/edit")
    assert full_id not in page.text and "13800001111" not in page.text
    assert counselor.id_number_masked in page.text and "138****1111" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    form = page.forms["counselor-form"]
    assert form["id_number"].value == "" and form["phone"].value == ""
    form["name"] = "只改姓名"
    response = form.submit().follow()
    assert "只改姓名" in response.text
    db.session.expire_all()
    kept = db.session.get(Counselor, counselor.id)
    assert crypto.decrypt(kept.id_number_cipher) == full_id and crypto.decrypt(kept.phone_cipher) == "13800001111"
    form = pages.get(f"/directory/{counselor.id}/edit").forms["counselor-form"]
    form["phone"] = "13900002222"
    form.submit().follow()
    db.session.expire_all()
    assert db.session.get(Counselor, counselor.id).phone_masked == "139****2222"
    form = pages.get(f"/directory/{counselor.id}/edit").forms["counselor-form"]
    form["phone"] = "123"
    assert "手机" in form.submit().text  # a bad new value is explained, nothing written
    db.session.expire_all()
    assert db.session.get(Counselor, counselor.id).phone_masked == "139****2222"
