"""The account pages as an official sees them."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.extensions import db
from tests.conftest import text_of


def test_province_official_issues_a_city_administrator(client, make_user, login):
    login(make_user(region_code="130000"))
    form = client.get("/accounts/new")
    assert 'data-root="130000"' in form.get_data(as_text=True)
    response = client.post("/accounts/new", data={"role": "official", "region_code": "130100", "username": "sjz",
                                                  "display_name": "李红梅", "phone": "13800001111"})
    text = text_of(response)
    assert "账户已创建" in text and "sjz" in text
    password = re.search(r'data-testid="initial-password">([^<]+)<', response.get_data(as_text=True)).group(1)
    user = db.session.scalar(select(User).where(User.username == "sjz"))
    assert user.department.name == "河北省石家庄市农业农村局" and user.must_change_password

    client.post("/auth/logout")
    response = client.post("/auth/login", data={"username": "sjz", "password": password}, follow_redirects=True)
    assert "首次登录或密码被重置后，请先修改密码" in text_of(response)


def test_bad_account_input_is_explained_and_nothing_written(client, make_user, login):
    login(make_user(region_code="130000"))
    before = db.session.scalar(select(func.count()).select_from(User))
    for data, message in [
        ({"role": "official", "region_code": "130123", "username": "xx1", "display_name": "某"},
         "只能为下一级（市级）部门创建管理员"),
        ({"role": "official", "region_code": "110100", "username": "xx2", "display_name": "某"}, "不在您的管辖范围内"),
        ({"role": "official", "region_code": "", "username": "xx3", "display_name": "某"}, "请选择地区"),
        ({"role": "official", "region_code": "130100", "username": "", "display_name": "某"}, "请输入用户名"),
        ({"role": "official", "region_code": "130100", "username": "xx5", "display_name": "某", "phone": "123"},
         "请输入 11 位手机号码"),
        ({"role": "operator", "region_code": "130100", "username": "xx6", "display_name": "某"}, "不是有效的选择"),
    ]:
        response = client.post("/accounts/new", data=data)
        assert response.status_code == 200
        assert message in text_of(response), message
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_list_shows_only_the_jurisdiction_with_masked_phones(client, make_user, login):
    login(make_user(region_code="130100"))
    make_user(region_code="130123", display_name="正定管理员", phone="13812345678")
    make_user(region_code="110100", display_name="北京管理员")
    make_user(Role.OPERATOR, region_code="130123100", display_name="塔元庄合作社")
    text = text_of(client.get("/accounts/"))
    assert "正定管理员" in text and "塔元庄合作社" in text
    assert "北京管理员" not in text
    assert "138****5678" in text and "13812345678" not in text


def test_list_filters(client, make_user, login):
    login(make_user(region_code="130100"))
    make_user(region_code="130123", display_name="正定管理员")
    make_user(Role.OPERATOR, region_code="130123100", display_name="塔元庄合作社", is_enabled=False)
    assert "正定管理员" not in text_of(client.get("/accounts/?role=operator"))
    assert "塔元庄合作社" in text_of(client.get("/accounts/?status=disabled"))
    assert "塔元庄合作社" not in text_of(client.get("/accounts/?q=正定"))
    assert client.get("/accounts/?role=bogus&page=abc").status_code == 200  # bad filters are ignored


def test_list_pages_without_n_plus_one(client, make_user, login, query_counter):
    login(make_user(region_code="130000"))
    for i in range(25):
        make_user(region_code="130123" if i % 2 else "130100", display_name=f"管理员{i}")
    with query_counter() as few:
        client.get("/accounts/")
    for i in range(25):
        make_user(Role.OPERATOR, region_code="130123100", display_name=f"合作社{i}")
    with query_counter() as more:
        response = client.get("/accounts/?page=2")
    assert "共 50 条" in text_of(response)
    assert len(more) <= len(few) + 2 and len(more) < 15


def test_disable_needs_a_reason_and_then_blocks_sign_in(client, make_user, login):
    login(make_user(region_code="130100"))
    county = make_user(region_code="130123")
    response = client.post(f"/accounts/{county.id}/disable", data={"reason": ""}, follow_redirects=True)
    assert "请填写原因" in text_of(response)
    response = client.post(f"/accounts/{county.id}/disable", data={"reason": "调离岗位"}, follow_redirects=True)
    assert "账户已停用" in text_of(response) and "调离岗位" in text_of(response)
    client.post("/auth/logout")
    assert "账户已停用" in text_of(login(county))


def test_reset_password_shows_a_new_initial_password(client, make_user, login):
    login(make_user(region_code="130100"))
    county = make_user(region_code="130123")
    response = client.post(f"/accounts/{county.id}/reset-password")
    assert "密码已重置" in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, county.id).must_change_password


def test_peer_sees_no_manage_buttons(client, make_user, login):
    county = make_user(region_code="130123")
    peer = make_user(region_code="130123")
    login(county)
    text = text_of(client.get(f"/accounts/{peer.id}"))
    assert "此账户不在您的下级，只能查看" in text and "停用账户" not in text
    response = client.post(f"/accounts/{peer.id}/disable", data={"reason": "x"}, follow_redirects=True)
    assert "您无权管理此账户" in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, peer.id).is_enabled


def test_unmasked_phone_needs_a_purpose_and_is_audited(client, make_user, login):
    from marketplace.audit.models import AuditEntry

    login(make_user(region_code="130100"))
    county = make_user(region_code="130123", phone="13812345678")
    assert "138****5678" in text_of(client.get(f"/accounts/{county.id}"))
    response = client.post(f"/accounts/{county.id}/reveal", data={"reason": ""}, follow_redirects=True)
    assert "查看完整联系方式须填写用途" in text_of(response) and "13812345678" not in text_of(response)
    response = client.post(f"/accounts/{county.id}/reveal", data={"reason": "通知培训"})
    assert "13812345678" in text_of(response)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.view_unmasked"))
    assert entry.object_id == str(county.id) and entry.details["purpose"] == "通知培训"
    assert "查看完整个人信息" in text_of(client.get("/audit/"))


def test_a_superior_unlocks_a_throttled_account_and_it_is_audited(pages, make_user):
    from marketplace.audit.models import AuditEntry
    from marketplace.auth.models import LoginThrottle

    county = make_user(region_code="130123")
    for _ in range(5):
        page = pages.get("/auth/login")
        form = page.forms[0]
        form["username"], form["password"] = county.username, "wrong"
        form.submit()
    pages.sign_in(make_user(region_code="130100"))
    page = pages.get(f"/accounts/{county.id}")
    assert page.html.select_one('[data-testid="throttled"]') is not None
    page = page.forms["unlock"].submit().follow()
    assert "已解除登录限制" in page.text and "unlock" not in page.forms  # the button is gone
    assert db.session.get(LoginThrottle, "name:" + county.username) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.unlock"))
    assert entry.object_id == str(county.id)


def test_the_throttled_filter_lists_accounts_that_must_wait(client, make_user, login):
    county = make_user(region_code="130123", display_name="受限账户")
    other = make_user(region_code="130123", display_name="正常账户")
    for _ in range(5):
        login(county, password="wrong")
    login(make_user(region_code="130100"))
    text = text_of(client.get("/accounts/?status=locked"))
    assert "受限账户" in text and other.display_name not in text


def test_phones_of_accounts_are_stored_encrypted_with_a_look_up_hash(make_user):
    from sqlalchemy import text as sql

    from marketplace.crypto import lookup_hash

    user = make_user(phone="13812345678")
    raw = db.session.execute(sql("SELECT phone_cipher, phone_hash, phone_masked FROM users WHERE id = :id"),
                             {"id": user.id}).one()
    assert "13812345678" not in raw.phone_cipher and raw.phone_hash == lookup_hash("13812345678")
    assert raw.phone_masked == "138****5678"
    assert db.session.scalar(select(User).where(User.phone_hash == lookup_hash("13812345678"))).id == user.id
    assert db.session.get(User, user.id).phone == "13812345678"
