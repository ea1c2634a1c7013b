"""Signing in and out, lockout, first-login password change, idle expiry, safe redirects, CSRF, registration."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.auth.models import LoginThrottle
from marketplace.extensions import db
from marketplace.timeutil import utcnow
from tests.conftest import TEST_PASSWORD, csrf_token_from, text_of


def test_login_with_right_password_lands_on_the_role_home(client, make_user, login):
    user = make_user(region_code="130100", department_region="130100")
    response = login(user, follow=True)
    assert user.department.name in text_of(response)
    assert db.session.get(User, user.id).last_login_at is not None


def test_wrong_password_shows_a_chinese_message(client, make_user, login):
    response = login(make_user(), password="wrong")
    assert "用户名或密码错误" in text_of(response)


def test_unknown_user_gets_the_same_message(client):
    response = client.post("/auth/login", data={"username": "nobody", "password": "whatever"})
    assert "用户名或密码错误" in text_of(response)


def _flash(response) -> str:
    """The flashed messages of a page, as the user reads them."""
    html = response.get_data(as_text=True)
    return " ".join(m.strip() for m in re.findall(r'role="alert">\s*([^<]*)<', html))


def _let_time_pass(key: str) -> None:
    """The throttle's wait is over (as if its delay had passed)."""
    row = db.session.get(LoginThrottle, key)
    row.blocked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_failures_slow_down_a_name_with_growing_delays_but_never_lock_it(client, make_user, login):
    user = make_user()
    for _ in range(5):
        assert "用户名或密码错误" in text_of(login(user, password="wrong"))
    # the sixth try waits, even with the right password; nothing is locked on the account
    assert "尝试过于频繁，请 15 秒后再试" in text_of(login(user))
    assert "退出" not in text_of(client.get("/"))
    _let_time_pass("name:" + user.username)
    assert "用户名或密码错误" in text_of(login(user, password="wrong"))
    assert "请 30 秒后再试" in text_of(login(user))  # doubled
    _let_time_pass("name:" + user.username)
    assert "退出" in text_of(login(user, follow=True))  # the right password after the wait signs in
    assert db.session.get(LoginThrottle, "name:" + user.username) is None  # and clears the count
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))).all()
    assert actions.count("auth.login_failed") == 6 and "auth.throttled" in actions


def test_unknown_and_throttled_names_are_answered_identically(client, make_user, login):
    user = make_user(username="realname")
    for _ in range(5):
        unknown = client.post("/auth/login", data={"username": "nobody", "password": "x"})
        known = login(user, password="wrong")
        assert _flash(unknown) == _flash(known) == "用户名或密码错误"
    unknown = client.post("/auth/login", data={"username": "nobody", "password": "x"})
    known = login(user, password="wrong")
    assert _flash(unknown) == _flash(known) == "尝试过于频繁，请 15 秒后再试"
    assert unknown.status_code == known.status_code == 200


def test_many_names_from_one_address_are_slowed_down(app, client, make_user, login):
    app.config["LOGIN_ADDRESS_FREE_ATTEMPTS"] = 3
    try:
        for n in range(3):
            client.post("/auth/login", data={"username": f"guess{n}", "password": "x"})
        assert "尝试过于频繁" in text_of(login(make_user()))  # a fresh name, the same address
        # another address is not held back
        response = client.post("/auth/login", data={"username": make_user().username, "password": TEST_PASSWORD},
                               environ_base={"REMOTE_ADDR": "10.0.0.9"})
        assert response.status_code == 302
    finally:
        app.config["LOGIN_ADDRESS_FREE_ATTEMPTS"] = 30


def test_disabled_account_cannot_sign_in(client, make_user, login):
    user = make_user(is_enabled=False)
    assert "账户已停用" in text_of(login(user))


def test_initial_password_must_be_changed_first(client, make_user, login):
    user = make_user(must_change_password=True)
    response = login(user)
    assert client.get("/").headers["Location"].endswith("/auth/password")
    assert client.get("/accounts/").headers["Location"].endswith("/auth/password")
    response = client.post("/auth/password", data={"current_password": TEST_PASSWORD,
                                                    "new_password": "short", "confirm": "short"})
    assert "密码至少 10 位" in text_of(response)
    response = client.post("/auth/password", data={"current_password": TEST_PASSWORD,
                                                    "new_password": "Fresh#Pass2027", "confirm": "Fresh#Pass2027"},
                           follow_redirects=True)
    assert "密码已修改" in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password is False
    assert client.get("/accounts/").status_code == 200


def test_change_password_refuses_a_wrong_current_password(client, make_user, login):
    user = make_user()
    login(user)
    response = client.post("/auth/password", data={"current_password": "nope", "new_password": "Fresh#Pass2027",
                                                    "confirm": "Fresh#Pass2027"})
    assert "当前密码不正确" in text_of(response)


def test_idle_session_expires_after_thirty_minutes(client, make_user, login):
    login(make_user())
    assert client.get("/accounts/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 31 * 60
    response = client.get("/accounts/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get("/accounts/").status_code == 302  # signed out for good


def test_activity_keeps_the_session_alive(client, make_user, login):
    login(make_user())
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 29 * 60
    assert client.get("/accounts/").status_code == 200


def test_a_page_view_writes_the_session_only_once_a_minute(client, make_user, login, query_counter):
    login(make_user())
    assert client.get("/accounts/").status_code == 200
    with query_counter() as statements:
        assert client.get("/accounts/").status_code == 200
    assert not [s for s in statements if "server_sessions" in s and not s.lstrip().upper().startswith("SELECT")]
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - 61
    with query_counter() as statements:
        assert client.get("/accounts/").status_code == 200
    assert [s for s in statements if s.lstrip().startswith("UPDATE server_sessions")]


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_login_never_redirects_off_site(client, make_user, target):
    user = make_user()
    response = client.post(f"/auth/login?next={target}", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/"


def test_login_follows_a_local_next(client, make_user):
    user = make_user()
    response = client.post("/auth/login?next=/audit/", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/audit/"


def test_logout(client, make_user, login):
    login(make_user())
    response = client.post("/auth/logout", follow_redirects=True)
    assert "您已安全退出" in text_of(response)
    assert client.get("/accounts/").status_code == 302


def test_forms_without_csrf_token_are_rejected(client, make_user, csrf_enabled):
    user = make_user()
    response = client.post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert "页面已过期或表单无效" in text_of(response)
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302
    assert client.post("/auth/logout").status_code == 400  # POST buttons need the token too


def test_login_is_rate_limited(app, client, make_user):
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    try:
        for _ in range(3):
            client.post("/auth/login", data={"username": "x", "password": "y"})
        response = client.post("/auth/login", data={"username": "x", "password": "y"})
        assert response.status_code == 429
        assert "请求过于频繁" in text_of(response)
    finally:
        app.config["RATELIMIT_LOGIN"] = "1000 per minute"


def _registration(**overrides) -> dict:
    data = {"role": "operator", "username": "coop_lee", "display_name": "李明", "phone": "13912345678",
            "email": "", "region_code": "130123100", "password": "Farm#Field2026", "confirm": "Farm#Field2026"}
    data.update(overrides)
    return data


def test_farm_operator_registers_and_is_signed_in(client):
    response = client.post("/auth/register", data=_registration(), follow_redirects=True)
    assert "注册成功" in text_of(response)
    assert "经营主体工作台" in text_of(response)
    user = db.session.scalar(select(User).where(User.username == "coop_lee"))
    assert user.region_code == "130123100" and user.must_change_password is False
    assert user.password_hash != "Farm#Field2026"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"password": "weak", "confirm": "weak"}, "密码至少 10 位"),
    ({"confirm": "Other#Pass2026"}, "两次输入的密码不一致"),
    ({"phone": "12345"}, "请输入 11 位手机号码"),
    ({"region_code": "130000"}, "请选择所在的县（区）或乡镇"),
    ({"region_code": "999999"}, "请选择所在的县（区）或乡镇"),
    ({"region_code": ""}, "请选择地区"),
    ({"role": "official"}, "不是有效的选择"),
    ({"username": "a b"}, "用户名只能包含字母、数字和 _ . @ -"),
    ({"email": "not-an-email"}, "邮箱格式不正确"),
])
def test_registration_with_bad_input_explains_and_writes_nothing(client, overrides, message):
    response = client.post("/auth/register", data=_registration(**overrides))
    assert response.status_code == 200
    assert message in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_registration_refuses_a_taken_username_in_any_case(client, make_user):
    make_user(username="Coop_Lee")
    response = client.post("/auth/register", data=_registration())
    assert "用户名“coop_lee”已被使用" in text_of(response)
