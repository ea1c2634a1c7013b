"""The second factor (TOTP): enrolment by QR code, sign-in with a code or a recovery code, required per
level, through the forms the pages render."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.regions.models import ROOT_CODE
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def province_requires_totp(app):
    app.config["TOTP_REQUIRED_LEVELS"] = ["national", "province"]
    yield
    app.config["TOTP_REQUIRED_LEVELS"] = []


def _password_step(pages, user):
    page = pages.get("/auth/login")
    form = page.forms[0]
    form["username"], form["password"] = user.username, TEST_PASSWORD
    response = form.submit()
    assert response.status_int == 302 and "/auth/two-factor" in response.location
    return response.follow()


def _code(secret: str, offset: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + offset)


def _enrol(pages, user) -> tuple[str, list[str], str]:
    """Enrol through the pages; returns the secret, the recovery codes and the one-time code that enrolled."""
    page = _password_step(pages, user)
    assert "启用两步验证" in page.text and "须启用两步验证后才能登录" in page.text
    qr = page.html.select_one('[data-testid="totp-qr"]')["src"]
    assert qr.startswith("data:image/svg+xml")  # drawn locally, no outside service sees the secret
    secret = page.html.select_one('[data-testid="totp-secret"]').text.strip()
    form = page.forms["two-factor-setup"]
    form["code"] = "000000" if _code(secret) != "000000" else "111111"
    wrong = form.submit()
    assert "验证码不正确" in wrong.text
    form = wrong.forms["two-factor-setup"]
    form["code"] = used = _code(secret)
    done = form.submit()
    codes = [li.text.strip() for li in done.html.select('[data-testid="recovery-codes"] li')]
    assert len(codes) == 10 and all(re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", c) for c in codes)
    home = done.click("我已保存，继续")
    assert "退出" in home.text
    return secret, codes, used


def test_a_province_official_enrols_at_first_sign_in_then_signs_in_with_a_code(pages, make_user,
                                                                               province_requires_totp):
    user = make_user(region_code="130000")
    secret, _codes, used = _enrol(pages, user)
    stored = db.session.get(User, user.id)
    assert stored.has_totp and secret not in (stored.totp_secret_cipher or "")  # encrypted at rest
    pages.sign_out()

    page = _password_step(pages, user)
    assert "两步验证" in page.text and "退出" not in page.text
    form = page.forms["two-factor"]
    form["code"] = used  # the code just used at enrolment (kept: the clock may have moved on a step): refused
    page = form.submit()
    assert "验证码不正确" in page.text
    form = page.forms["two-factor"]
    form["code"] = _code(secret, offset=30)
    response = form.submit()
    assert response.status_int == 302
    assert "退出" in response.follow().text


def test_a_recovery_code_works_once(pages, make_user, province_requires_totp):
    user = make_user(region_code="130000")
    _secret, codes, _used = _enrol(pages, user)
    for attempt in ("first", "second"):
        pages.sign_out()
        page = _password_step(pages, user)
        form = page.forms["two-factor"]
        form["code"] = codes[0].lower()
        response = form.submit()
        if attempt == "first":
            assert response.status_int == 302 and "退出" in response.follow().text
        else:
            assert "验证码不正确" in response.text
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.recovery_code")) is not None


def test_a_county_official_signs_in_with_the_password_alone_unless_enrolled(pages, make_user,
                                                                            province_requires_totp):
    county = make_user(region_code="130123", department_region="130123")
    response = pages.sign_in(county, follow=False)
    assert "/auth/two-factor" not in response.location
    assert "退出" in response.follow().text


def test_anyone_may_enrol_from_the_menu_and_is_then_asked_for_a_code(pages, make_user):
    user = make_user(region_code="130123", department_region="130123")
    home = pages.sign_in(user)
    page = home.click("两步验证")
    secret = page.html.select_one('[data-testid="totp-secret"]').text.strip()
    form = page.forms["two-factor-setup"]
    form["code"] = _code(secret)
    assert len(form.submit().html.select('[data-testid="recovery-codes"] li')) == 10
    assert "已启用两步验证" in pages.get("/auth/two-factor/setup").text
    pages.sign_out()
    assert "验证并登录" in _password_step(pages, user).text


def test_the_api_asks_for_the_code_of_an_enrolled_account(client, make_user, pages):
    user = make_user(region_code="130123", department_region="130123")
    page = pages.sign_in(user).click("两步验证")
    secret = page.html.select_one('[data-testid="totp-secret"]').text.strip()
    form = page.forms["two-factor-setup"]
    form["code"] = _code(secret)
    form.submit()
    body = {"username": user.username, "password": TEST_PASSWORD}
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "otp_required"
    assert client.post("/api/v1/auth/token", json={**body, "otp": _code(secret, 30)}).status_code == 201


def test_the_api_refuses_a_token_to_a_required_account_not_yet_enrolled(client, make_user, province_requires_totp):
    user = make_user(region_code="130000")
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "totp_enrolment_required"


def test_a_superiors_password_reset_clears_the_second_factor(app, pages, make_user, province_requires_totp):
    """A lost phone and lost recovery codes: the superior resets the password, and the account enrols again."""
    user = make_user(region_code="130000")
    _enrol(pages, user)
    pages.sign_out()
    app.config["TOTP_REQUIRED_LEVELS"] = ["province"]
    pages.sign_in(make_user(region_code=ROOT_CODE))
    page = pages.get(f"/accounts/{user.id}")
    assert "两步验证 已启用" in " ".join(page.html.get_text(" ").split())
    page.forms[next(i for i, f in page.forms.items() if "reset-password" in (f.action or ""))].submit()
    stored = db.session.get(User, user.id)
    db.session.refresh(stored)
    assert not stored.has_totp


def test_the_second_step_expires_without_the_password_step(pages):
    response = pages.get("/auth/two-factor")
    assert response.status_int == 302 and "/auth/login" in response.location


# Self-service on the account's "两步验证" page: re-enrol, new recovery codes, turn off (each re-asks the password).

def _enrolled_from_the_menu(pages, user) -> tuple[str, list[str]]:
    page = pages.sign_in(user).click("两步验证")
    secret = page.html.select_one('[data-testid="totp-secret"]').text.strip()
    form = page.forms["two-factor-setup"]
    form["code"] = _code(secret)
    codes = [li.text.strip() for li in form.submit().html.select('[data-testid="recovery-codes"] li')]
    return secret, codes


def _actions(user_id: int) -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == user_id,
                                                                   AuditEntry.action.like("auth.totp%"))
                                 .order_by(AuditEntry.id)))


def _fresh(user) -> User:
    stored = db.session.get(User, user.id)
    db.session.refresh(stored)
    return stored


def test_re_enrolling_on_a_new_phone_asks_the_password_and_replaces_the_secret_once_confirmed(pages, make_user):
    from tests.webpages import form_to

    user = make_user(region_code="130123", department_region="130123")
    old_secret, old_codes = _enrolled_from_the_menu(pages, user)
    old_cipher = _fresh(user).totp_secret_cipher
    page = pages.get("/auth/two-factor/setup")
    form = form_to(page, "/auth/two-factor/reenrol")
    form["reenrol-password"] = "not-the-password"
    refused = form.submit(status=422)
    assert "当前密码不正确" in refused.text and _fresh(user).totp_secret_cipher == old_cipher
    form = form_to(refused, "/auth/two-factor/reenrol")
    form["reenrol-password"] = TEST_PASSWORD
    page = form.submit().follow()
    assert "重新绑定两步验证" in page.text and "原验证器继续有效" in page.text
    new_secret = page.html.select_one('[data-testid="totp-secret"]').text.strip()
    assert new_secret != old_secret and _fresh(user).totp_secret_cipher == old_cipher  # not yet confirmed
    assert page.html.select_one('[data-testid="totp-qr"]')["src"].startswith("data:image/svg+xml")
    form = page.forms["two-factor-setup"]
    form["code"] = _code(new_secret)
    done = form.submit()
    assert len(done.html.select('[data-testid="recovery-codes"] li')) == 10
    stored = _fresh(user)
    assert stored.has_totp and stored.totp_secret_cipher != old_cipher
    assert "已启用两步验证" in pages.get("/auth/two-factor/setup").text
    assert _actions(user.id) == ["auth.totp_enrol", "auth.totp_reenrol"]
    pages.sign_out()
    page = _password_step(pages, user)
    form = page.forms["two-factor"]
    form["code"] = old_codes[0]  # the old recovery codes ended with the old secret
    assert "验证码不正确" in form.submit().text


def test_re_enrolment_can_be_cancelled_and_the_old_factor_stays(pages, make_user):
    from tests.webpages import form_to

    user = make_user(region_code="130123", department_region="130123")
    _enrolled_from_the_menu(pages, user)
    cipher = _fresh(user).totp_secret_cipher
    form = form_to(pages.get("/auth/two-factor/setup"), "/auth/two-factor/reenrol")
    form["reenrol-password"] = TEST_PASSWORD
    page = form.submit().follow()
    page = form_to(page, "/auth/two-factor/reenrol/cancel").submit().follow()
    assert "已取消重新绑定" in page.text and "已启用两步验证" in page.text
    assert _fresh(user).totp_secret_cipher == cipher and _actions(user.id) == ["auth.totp_enrol"]


def test_new_recovery_codes_replace_the_old_ones_and_are_audited(pages, make_user):
    from tests.webpages import form_to

    user = make_user(region_code="130123", department_region="130123")
    _secret, old_codes = _enrolled_from_the_menu(pages, user)
    form = form_to(pages.get("/auth/two-factor/setup"), "/auth/two-factor/recovery-codes")
    form["codes-password"] = ""
    refused = form.submit(status=422)
    assert "请输入当前密码" in refused.text
    form = form_to(refused, "/auth/two-factor/recovery-codes")
    form["codes-password"] = TEST_PASSWORD
    page = form.submit()
    codes = [li.text.strip() for li in page.html.select('[data-testid="recovery-codes"] li')]
    assert "新的恢复码" in page.text and len(codes) == 10 and not set(codes) & set(old_codes)
    assert _actions(user.id) == ["auth.totp_enrol", "auth.totp_recovery_codes"]
    pages.sign_out()
    for code, works in ((old_codes[1], False), (codes[1], True)):
        page = _password_step(pages, user)
        form = page.forms["two-factor"]
        form["code"] = code
        response = form.submit()
        assert (response.status_int == 302) is works
        if works:
            assert "退出" in response.follow().text


def test_an_account_whose_level_does_not_require_it_turns_it_off(pages, make_user):
    from tests.webpages import form_to

    user = make_user(region_code="130123", department_region="130123")
    _enrolled_from_the_menu(pages, user)
    form = form_to(pages.get("/auth/two-factor/setup"), "/auth/two-factor/disable")
    form["disable-password"] = "wrong password 1A"
    refused = form.submit(status=422)
    assert "当前密码不正确" in refused.text and _fresh(user).has_totp
    form = form_to(refused, "/auth/two-factor/disable")
    form["disable-password"] = TEST_PASSWORD
    page = form.submit().follow()
    assert "两步验证已停用" in page.text and "启用两步验证" in page.text
    assert not _fresh(user).has_totp and _actions(user.id) == ["auth.totp_enrol", "auth.totp_disable"]
    pages.sign_out()
    assert "退出" in pages.sign_in(user).text  # the password alone again


def test_a_province_official_cannot_turn_it_off_where_required(pages, make_user, province_requires_totp):
    from tests.webpages import form_to

    user = make_user(region_code="130000")
    _enrol(pages, user)
    page = pages.get("/auth/two-factor/setup")
    assert "不能停用" in page.text
    assert not [f for f in page.forms.values() if (f.action or "").endswith("/auth/two-factor/disable")]
    token = form_to(page, "/auth/two-factor/recovery-codes")["codes-csrf_token"].value  # a hand-made request
    refused = pages.post("/auth/two-factor/disable", {"disable-csrf_token": token, "disable-password": TEST_PASSWORD},
                         status=422)
    assert "须使用两步验证，不能停用" in refused.text
    assert _fresh(user).has_totp and "auth.totp_disable" not in _actions(user.id)
