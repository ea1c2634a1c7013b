"""The JSON API under /api/v1, as an API client sees it: tokens, accounts, regions, the OpenAPI docs and limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from marketplace.accounts.models import ApiToken, Role, User
from marketplace.timeutil import utcnow
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "Changed#Pass2026"
CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the JSON error envelope with `status`; returns the inner error object."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert CJK.search(error["message"]), error["message"]
    if code is not None:
        assert error["code"] == code
    return error


@pytest.fixture
def province(make_user):
    return make_user(Role.OFFICIAL, "130000", username="hebei_admin", display_name="河北省管理员")


@pytest.fixture
def city(make_user):
    return make_user(Role.OFFICIAL, "130100", username="sjz_admin", display_name="石家庄市管理员")


# --- tokens -------------------------------------------------------------------------------------------------


def test_token_is_issued_for_good_credentials(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "expires_at"}
    assert len(body["token"]) >= 32
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200


def test_username_is_case_insensitive_for_tokens(client, make_user):
    make_user(username="CaseUser")
    response = client.post("/api/v1/auth/token", json={"username": "caseuser", "password": TEST_PASSWORD})
    assert response.status_code == 201


def test_bad_password_gives_401_envelope_in_chinese(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": "wrong-Pass#1"})
    error = assert_error(response, 401)
    assert "密码" in error["message"]
    assert "token" not in response.get_json()


def test_unknown_user_gives_same_401_as_bad_password(client, make_user):
    user = make_user()
    wrong = client.post("/api/v1/auth/token", json={"username": user.username, "password": "wrong-Pass#1"})
    unknown = client.post("/api/v1/auth/token", json={"username": "nobody-here", "password": "wrong-Pass#1"})
    assert_error(unknown, 401)
    assert unknown.get_json() == wrong.get_json()


@pytest.mark.parametrize("payload", [{"username": "someone"}, {"password": TEST_PASSWORD}, {}])
def test_missing_field_gives_422_envelope(client, payload):
    response = client.post("/api/v1/auth/token", json=payload)
    error = assert_error(response, 422, "validation_error")
    missing = {"username", "password"} - set(payload)
    assert missing <= set(error["fields"])


def test_account_that_must_change_password_gets_403_then_changes_it(client, make_user, db):
    user = make_user()
    user.must_change_password = True
    db.session.commit()

    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
    assert_error(response, 403, "password_change_required")

    changed = client.post("/api/v1/auth/password", json={
        "username": user.username, "password": TEST_PASSWORD, "new_password": NEW_PASSWORD})
    assert changed.status_code == 204

    old = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
    assert_error(old, 401)
    new = client.post("/api/v1/auth/token", json={"username": user.username, "password": NEW_PASSWORD})
    assert new.status_code == 201
    assert new.get_json()["token"]


def test_password_change_refuses_a_weak_new_password(client, make_user, db):
    user = make_user()
    user.must_change_password = True
    db.session.commit()
    response = client.post("/api/v1/auth/password", json={
        "username": user.username, "password": TEST_PASSWORD, "new_password": "short"})
    error = assert_error(response, 400)
    assert error["field"] == "new_password"
    still = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
    assert_error(still, 403, "password_change_required")


def test_password_change_with_wrong_current_password_is_401(client, make_user):
    user = make_user()
    response = client.post("/api/v1/auth/password", json={
        "username": user.username, "password": "wrong-Pass#1", "new_password": NEW_PASSWORD})
    assert_error(response, 401)


# --- bearer authentication ------------------------------------------------------------------------------------


def test_no_authorization_header_is_401(client):
    response = client.get("/api/v1/accounts")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "garbage"])
def test_bad_token_is_401(client, header):
    assert_error(client.get("/api/v1/accounts", headers={"Authorization": header}), 401, "unauthorized")


def test_session_cookie_does_not_authenticate_the_api(client, make_user, login):
    login(make_user())
    assert_error(client.get("/api/v1/accounts"), 401)


def test_expired_token_is_401(client, make_user, api_token, db):
    user = make_user()
    headers = api_token(user)
    assert client.get("/api/v1/accounts", headers=headers).status_code == 200
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id)
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert_error(client.get("/api/v1/accounts", headers=headers), 401)


def test_token_of_disabled_user_is_401(client, make_user, api_token, db):
    user = make_user()
    headers = api_token(user)
    user.is_enabled = False
    db.session.commit()
    assert_error(client.get("/api/v1/accounts", headers=headers), 401)


def test_disabled_user_gets_no_token(client, make_user, db):
    user = make_user(is_enabled=False)
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
    error = assert_error(response, 401)
    assert "停用" in error["message"]


def test_tokens_are_revoked_after_reset_password(client, province, city, api_token):
    city_headers = api_token(city)
    assert client.get("/api/v1/accounts", headers=city_headers).status_code == 200
    response = client.post(f"/api/v1/accounts/{city.id}/reset-password", headers=api_token(province))
    assert response.status_code == 200
    new_password = response.get_json()["initial_password"]
    assert new_password and new_password != TEST_PASSWORD
    assert response.get_json()["account"]["must_change_password"] is True

    assert_error(client.get("/api/v1/accounts", headers=city_headers), 401)
    old = client.post("/api/v1/auth/token", json={"username": city.username, "password": TEST_PASSWORD})
    assert_error(old, 401)
    fresh = client.post("/api/v1/auth/token", json={"username": city.username, "password": new_password})
    assert_error(fresh, 403, "password_change_required")


# --- accounts -------------------------------------------------------------------------------------------------


def test_account_list_is_scoped_to_the_province(client, make_user, province, api_token):
    hebei_counselor = make_user(Role.COUNSELOR, "130123", username="fdy_hebei")
    beijing = make_user(Role.OFFICIAL, "110000", username="beijing_admin")
    beijing_operator = make_user(Role.OPERATOR, "110000", username="bj_coop")
    response = client.get("/api/v1/accounts", headers=api_token(province))
    assert response.status_code == 200
    body = response.get_json()
    names = {item["username"] for item in body["items"]}
    assert {"hebei_admin", "fdy_hebei"} <= names
    assert beijing.username not in names
    assert beijing_operator.username not in names
    assert body["meta"]["total"] == len(names)
    assert hebei_counselor.username in names


def test_national_official_sees_every_account(client, make_user, province, api_token):
    national = make_user(Role.OFFICIAL, "000000", username="root_admin")
    beijing = make_user(Role.OFFICIAL, "110000", username="beijing_admin")
    xinjiang = make_user(Role.OPERATOR, "650000", username="xj_farm")
    response = client.get("/api/v1/accounts?per_page=100", headers=api_token(national))
    names = {item["username"] for item in response.get_json()["items"]}
    assert {national.username, province.username, beijing.username, xinjiang.username} <= names


def test_account_list_masks_phone_numbers(client, make_user, province, api_token):
    make_user(Role.COUNSELOR, "130000", username="fdy_phone", phone="13800138000")
    items = client.get("/api/v1/accounts?q=fdy_phone", headers=api_token(province)).get_json()["items"]
    assert len(items) == 1
    assert items[0]["phone"] != "13800138000"
    assert "13800138000" not in str(items)


def test_counselor_sees_only_itself(client, make_user, province, api_token):
    counselor = make_user(Role.COUNSELOR, "130000", username="fdy_self")
    items = client.get("/api/v1/accounts", headers=api_token(counselor)).get_json()["items"]
    assert [item["username"] for item in items] == ["fdy_self"]


def test_province_official_creates_a_city_official(client, province, api_token, db):
    response = client.post("/api/v1/accounts", headers=api_token(province), json={
        "username": "new_city", "display_name": "石家庄市新管理员", "role": "official", "region_code": "130100"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["initial_password"]
    account = body["account"]
    assert account["username"] == "new_city"
    assert account["role"] == "official"
    assert account["region_code"] == "130100"
    assert account["level"] == "city"
    assert account["must_change_password"] is True
    assert account["is_enabled"] is True

    login = client.post("/api/v1/auth/token", json={"username": "new_city", "password": body["initial_password"]})
    assert_error(login, 403, "password_change_required")

    listed = client.get(f"/api/v1/accounts/{account['id']}", headers=api_token(province))
    assert listed.status_code == 200
    assert listed.get_json()["username"] == "new_city"


def test_province_official_cannot_create_a_county_official(client, province, api_token, db):
    response = client.post("/api/v1/accounts", headers=api_token(province), json={
        "username": "new_county", "display_name": "正定县管理员", "role": "official", "region_code": "130123"})
    error = assert_error(response, 400)
    assert error["field"] == "region_code"
    assert db.session.scalar(select(User).where(User.username == "new_county")) is None


def test_official_cannot_create_accounts_outside_its_jurisdiction(client, province, api_token, db):
    response = client.post("/api/v1/accounts", headers=api_token(province), json={
        "username": "new_bj", "display_name": "北京管理员", "role": "counselor", "region_code": "110000"})
    error = assert_error(response, 400)
    assert error["field"] == "region_code"


def test_counselor_cannot_create_accounts(client, make_user, api_token, db):
    counselor = make_user(Role.COUNSELOR, "130000")
    response = client.post("/api/v1/accounts", headers=api_token(counselor), json={
        "username": "by_counselor", "display_name": "某人", "role": "counselor", "region_code": "130000"})
    assert_error(response, 403, "forbidden")
    assert db.session.scalar(select(User).where(User.username == "by_counselor")) is None


def test_duplicate_username_is_409(client, province, city, api_token):
    response = client.post("/api/v1/accounts", headers=api_token(province), json={
        "username": city.username.upper(), "display_name": "重名", "role": "official", "region_code": "130600"})
    error = assert_error(response, 409, "conflict")
    assert error.get("field") == "username"


def test_invalid_account_payload_is_422(client, province, api_token):
    response = client.post("/api/v1/accounts", headers=api_token(province), json={
        "username": "x", "display_name": "", "role": "admin", "region_code": "130100"})
    error = assert_error(response, 422)
    assert {"username", "display_name", "role"} <= set(error["fields"])


def test_account_of_another_jurisdiction_is_404(client, make_user, province, api_token):
    beijing = make_user(Role.OFFICIAL, "110000")
    assert_error(client.get(f"/api/v1/accounts/{beijing.id}", headers=api_token(province)), 404, "not_found")
    assert_error(client.get("/api/v1/accounts/999999", headers=api_token(province)), 404)


def test_superior_disables_and_enables_an_account(client, province, city, api_token):
    headers = api_token(province)
    city_headers = api_token(city)
    disabled = client.post(f"/api/v1/accounts/{city.id}/disable", headers=headers, json={"reason": "离职"})
    assert disabled.status_code == 200
    assert disabled.get_json()["is_enabled"] is False
    assert_error(client.get("/api/v1/accounts", headers=city_headers), 401)
    refused = client.post("/api/v1/auth/token", json={"username": city.username, "password": TEST_PASSWORD})
    assert_error(refused, 401)

    again = client.post(f"/api/v1/accounts/{city.id}/disable", headers=headers, json={"reason": "重复"})
    assert_error(again, 409)

    enabled = client.post(f"/api/v1/accounts/{city.id}/enable", headers=headers, json={"reason": "返岗"})
    assert enabled.status_code == 200
    assert enabled.get_json()["is_enabled"] is True
    assert client.post("/api/v1/auth/token",
                       json={"username": city.username, "password": TEST_PASSWORD}).status_code == 201


def test_disable_needs_a_reason(client, province, city, api_token):
    response = client.post(f"/api/v1/accounts/{city.id}/disable", headers=api_token(province), json={})
    error = assert_error(response, 422)
    assert "reason" in error["fields"]


def test_peer_official_cannot_manage(client, make_user, province, api_token, db):
    peer = make_user(Role.OFFICIAL, "130000", username="hebei_peer")
    headers = api_token(peer)
    assert client.get(f"/api/v1/accounts/{province.id}", headers=headers).status_code == 200
    assert_error(client.post(f"/api/v1/accounts/{province.id}/disable", headers=headers,
                             json={"reason": "越权"}), 403)
    assert_error(client.post(f"/api/v1/accounts/{province.id}/reset-password", headers=headers), 403)
    db.session.refresh(province)
    assert province.is_enabled is True


def test_city_official_sees_nothing_of_the_province_official(client, province, city, api_token, db):
    headers = api_token(city)
    assert_error(client.get(f"/api/v1/accounts/{province.id}", headers=headers), 404)
    assert_error(client.post(f"/api/v1/accounts/{province.id}/disable", headers=headers,
                             json={"reason": "越权"}), 404)
    assert_error(client.post(f"/api/v1/accounts/{province.id}/enable", headers=headers,
                             json={"reason": "越权"}), 404)
    assert_error(client.post(f"/api/v1/accounts/{province.id}/reset-password", headers=headers), 404)
    db.session.refresh(province)
    assert province.is_enabled is True


def test_official_cannot_manage_itself(client, province, api_token):
    headers = api_token(province)
    assert_error(client.post(f"/api/v1/accounts/{province.id}/disable", headers=headers,
                             json={"reason": "自己"}), 403)


def test_counselor_cannot_manage_anyone(client, make_user, api_token):
    counselor = make_user(Role.COUNSELOR, "130000")
    operator = make_user(Role.OPERATOR, "130123")
    response = client.post(f"/api/v1/accounts/{operator.id}/disable", headers=api_token(counselor),
                           json={"reason": "x"})
    assert_error(response, 404)  # a counselor sees no account but its own


# --- regions --------------------------------------------------------------------------------------------------


def test_region_children_lists_townships_without_a_token(client):
    response = client.get("/api/v1/regions/130123/children")
    assert response.status_code == 200
    children = response.get_json()
    codes = [child["code"] for child in children]
    assert "130123100" in codes
    assert codes == sorted(codes)
    assert all(child["parent_code"] == "130123" for child in children)
    assert all(child["level"] == "township" for child in children)
    assert all(len(code) == 9 for code in codes)


def test_region_item(client):
    response = client.get("/api/v1/regions/130123")
    assert response.status_code == 200
    region = response.get_json()
    assert region["code"] == "130123"
    assert region["name"] == "正定县"
    assert region["level"] == "county"
    assert region["parent_code"] == "130100"


def test_province_children_include_its_cities(client):
    codes = {child["code"] for child in client.get("/api/v1/regions/130000/children").get_json()}
    assert {"130100", "130600"} <= codes


def test_unknown_region_is_404_envelope(client):
    assert_error(client.get("/api/v1/regions/999999"), 404, "not_found")
    assert_error(client.get("/api/v1/regions/999999/children"), 404, "not_found")


def test_unknown_api_path_is_json_404(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404)


def test_wrong_method_is_json_405(client):
    assert_error(client.delete("/api/v1/regions/130000"), 405)


# --- OpenAPI and docs -----------------------------------------------------------------------------------------


def test_openapi_document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec is not None
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    assert "/api/v1/auth/token" in paths
    assert "/api/v1/accounts" in paths
    assert "post" in paths["/api/v1/auth/token"]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"bearerAuth": []} in paths["/api/v1/accounts"]["get"]["security"]
    assert "security" not in paths["/api/v1/auth/token"]["post"]


def test_docs_page_loads_swagger_from_this_site(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "https://" not in html
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.get_data()) > 1000


# --- rate limiting --------------------------------------------------------------------------------------------


def test_api_rate_limit_gives_429_envelope(app, client):
    saved = app.config["RATELIMIT_API"]
    app.config["RATELIMIT_API"] = "3 per minute"
    try:
        statuses = [client.get("/api/v1/regions/130000").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        assert_error(client.get("/api/v1/regions/130000"), 429, "rate_limited")
    finally:
        app.config["RATELIMIT_API"] = saved


def test_a_second_app_does_not_count_each_api_request_twice(app, client, make_app, database_url):
    make_app({"SQLALCHEMY_DATABASE_URI": database_url})  # registers the same API blueprints on another app
    saved = app.config["RATELIMIT_API"]
    app.config["RATELIMIT_API"] = "3 per minute"
    try:
        assert [client.get("/api/v1/regions/130000").status_code for _ in range(3)] == [200, 200, 200]
        assert_error(client.get("/api/v1/regions/130000"), 429, "rate_limited")
    finally:
        app.config["RATELIMIT_API"] = saved


def test_login_rate_limit_on_token_endpoint(app, client, make_user):
    user = make_user()
    saved = app.config["RATELIMIT_LOGIN"]
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    try:
        for _ in range(3):
            response = client.post("/api/v1/auth/token",
                                   json={"username": user.username, "password": "wrong-Pass#1"})
            assert response.status_code == 401
        # even the right password is refused once the limit is reached
        response = client.post("/api/v1/auth/token", json={"username": user.username, "password": TEST_PASSWORD})
        assert_error(response, 429, "rate_limited")
    finally:
        app.config["RATELIMIT_LOGIN"] = saved


def test_unknown_and_mistyped_fields_are_refused_in_chinese(client, world, api_token):
    response = client.post("/api/v1/needs", headers=api_token(world["operator"]),
                           json={"entity_id": "x", "titel": "拼错的字段", "budget": "很多"})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert fields["titel"] == ["未知字段"] and fields["entity_id"] == ["应为整数"]
    assert fields["budget"][0].startswith("应为数字")
