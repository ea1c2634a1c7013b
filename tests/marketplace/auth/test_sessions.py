"""Server-side sessions and bearer tokens are revoked by logout, password change, disabling and reset."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.auth.models import ServerSession
from marketplace.extensions import db
from tests.conftest import TEST_PASSWORD, text_of

NEW_PASSWORD = "Fresh#Pass2027"


def _copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _signed_in(client) -> bool:
    return client.get("/accounts/").status_code == 200


def test_the_cookie_holds_only_a_random_id_and_the_session_lives_in_the_database(client, make_user, login):
    user = make_user()
    login(user)
    cookie = client.get_cookie("session").value
    assert "." not in cookie and len(cookie) >= 40  # no signed payload, just the id
    row = db.session.scalar(select(ServerSession).where(ServerSession.session_id == cookie))
    assert row is not None and row.user_id == user.id


def test_a_copied_cookie_fails_after_logout(app, client, make_user, login):
    login(make_user())
    copy = _copy_of(app, client)
    assert _signed_in(copy)
    client.post("/auth/logout")
    assert not _signed_in(copy)
    assert copy.get("/accounts/").headers["Location"].startswith("/auth/login")


def test_signing_in_gives_a_new_session_id(client, make_user, login):
    client.get("/auth/login")
    before = client.get_cookie("session")
    login(make_user())
    after = client.get_cookie("session").value
    assert before is None or before.value != after


def test_a_password_change_ends_the_other_sessions_and_the_tokens(app, client, make_user, login, api_token):
    user = make_user()
    headers = api_token(user)
    login(user)
    elsewhere = app.test_client()
    elsewhere.post("/auth/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert _signed_in(elsewhere) and client.get("/api/v1/notifications", headers=headers).status_code == 200
    response = client.post("/auth/password", data={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD,
                                                   "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "其他设备上的登录和接口令牌已失效" in text_of(response)
    assert _signed_in(client)  # this browser stays signed in
    assert not _signed_in(elsewhere)
    assert client.get("/api/v1/notifications", headers=headers).status_code == 401


def test_a_password_change_through_the_api_ends_sessions_and_tokens(app, client, make_user, login, api_token):
    user = make_user()
    headers = api_token(user)
    login(user)
    response = app.test_client().post("/api/v1/auth/password", json={
        "username": user.username, "password": TEST_PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 204
    assert not _signed_in(client)
    assert client.get("/api/v1/notifications", headers=headers).status_code == 401


def test_disabling_and_resetting_end_the_accounts_sessions(app, client, make_user, login):
    boss = make_user(region_code="130000")
    for action, data in (("reset-password", {}), ("disable", {"reason": "离职"})):
        target = make_user(region_code="130100", department_region="130100")
        target_browser = app.test_client()
        target_browser.post("/auth/login", data={"username": target.username, "password": TEST_PASSWORD})
        assert _signed_in(target_browser)
        boss_browser = app.test_client()
        boss_browser.post("/auth/login", data={"username": boss.username, "password": TEST_PASSWORD})
        assert boss_browser.post(f"/accounts/{target.id}/{action}", data=data).status_code in (200, 302)
        assert not _signed_in(target_browser), action
        assert db.session.scalar(select(func.count()).select_from(ServerSession)
                                 .where(ServerSession.user_id == target.id)) == 0


def test_delete_token_revokes_the_presented_token_only(client, make_user, api_token):
    user = make_user()
    first, second = api_token(user), api_token(user)
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 204
    assert client.get("/api/v1/notifications", headers=first).status_code == 401
    assert client.get("/api/v1/notifications", headers=second).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=first).status_code == 401
    assert client.delete("/api/v1/auth/token").status_code == 401
