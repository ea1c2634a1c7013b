"""Hostile input answers 404/422 with the usual Chinese error, never 500 (issue 14 item 11), on SQLite and on
PostgreSQL (CI runs the suite on both; the id and page overflows are PostgreSQL's)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import text_of

CJK = re.compile(r"[\u4e00-\u9fff]")
BIG = "2147483648"


def assert_api_error(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] and CJK.search(error["message"])
    return error


@pytest.mark.parametrize("path", ["/api/v1/needs/2147483648", "/api/v1/counselors/2147483648",
                                  "/api/v1/accounts/9999999999", "/api/v1/agreements/99999999999999999999",
                                  "/api/v1/entities/2147483648", "/api/v1/centers/2147483648",
                                  "/api/v1/agreements/2147483648/attachments/1"])
def test_api_ids_beyond_integer_are_404(client, world, api_token, path):
    assert_api_error(client.get(path, headers=api_token(world["county"])), 404)


def test_page_routes_with_ids_beyond_integer_are_404(app, client, world, login):
    """Every page route with an <int:...> part, with 2^31 in it, as a signed-in official."""
    login(world["county"])
    rules = [r for r in app.url_map.iter_rules() if "int" in str(r) and "GET" in r.methods
             and not r.rule.startswith("/api/")]
    assert len(rules) > 20
    for rule in rules:
        url = re.sub(r"<int:[a-z_]+>", BIG, rule.rule)
        url = re.sub(r"<(?:string:|path:)?[a-z_]+>", "x", url)
        response = client.get(url)
        assert response.status_code == 404, (rule.rule, response.status_code)


def test_the_document_states_the_id_bound(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    (parameter,) = [p for p in paths["/api/v1/needs/{need_id}"]["parameters"] if p["name"] == "need_id"]
    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "0", "abc", "1e9"])
def test_api_page_out_of_range_or_garbage_is_422(client, world, api_token, page):
    error = assert_api_error(client.get(f"/api/v1/needs?page={page}", headers=api_token(world["county"])), 422)
    assert "page" in error["fields"]["query"]


def test_page_list_with_a_huge_page_is_404_and_garbage_is_the_first_page(client, world, login):
    login(world["county"])
    assert client.get("/needs/?page=99999999999999999999").status_code == 404
    assert client.get("/needs/?page=-5&per_page=99999999999999999999").status_code == 200
    assert client.get("/public/counselors?page=99999999999999999999").status_code == 404
    assert client.get("/public/counselors?page=abc").status_code == 200


def test_nul_bytes_in_paths_and_query_strings_anonymous(client):
    assert client.get("/verify/%00").status_code == 404
    response = client.get("/public/counselors?q=%00")
    assert response.status_code == 422 and "控制字符" in text_of(response)
    assert_api_error(client.get("/api/v1/certificates/%00"), 404)
    assert_api_error(client.get("/api/v1/regions/13%0000"), 404)


def test_nul_bytes_in_forms_and_json_fields(client, world, api_token, login):
    error = assert_api_error(client.post("/api/v1/auth/token", json={"username": "a\x00b", "password": "x"}), 422)
    assert "控制字符" in error["message"] and error["field"] == "username"
    error = assert_api_error(client.post("/api/v1/needs", headers=api_token(world["operator"]),
                                         json={"title": "ok", "nested": [{"deep": "\x00"}]}), 422)
    assert error["field"] == "nested.0.deep"
    error = assert_api_error(client.post("/api/v1/needs", headers=api_token(world["operator"]),
                                         json={"ti\x00tle": "ok"}), 422)
    assert error["field"] == "ti\\u0000tle"  # a NUL in a member's name: named, written out
    error = assert_api_error(client.get("/api/v1/counselors?q=%00", headers=api_token(world["county"])), 422)
    assert error["field"] == "q"
    error = assert_api_error(client.post("/api/v1/entities/imports", headers=api_token(world["county"]),
                                         data={"no\x00te": "x"}, content_type="multipart/form-data"), 422)
    assert error["field"] == "no\\u0000te"
    nameless = b"--B\r\nContent-Disposition: form-data\r\n\r\nx\x00y\r\n--B--\r\n"  # a part without a name
    error = assert_api_error(client.post("/api/v1/entities/imports", headers=api_token(world["county"]),
                                         data=nameless, content_type="multipart/form-data; boundary=B"), 422)
    assert error["field"] == "(empty)"
    page = client.post("/auth/login", data={"username": "a\x00b", "password": "x"})
    assert page.status_code == 422 and "控制字符" in text_of(page)


def test_deeply_nested_json_is_422(client, world, api_token):
    headers = {**api_token(world["operator"]), "Content-Type": "application/json"}
    error = assert_api_error(client.post("/api/v1/needs", data="[" * 100_000, headers=headers), 422)
    assert "嵌套" in error["message"]
    assert_api_error(client.post("/api/v1/needs", data="[" * 40 + "]" * 40, headers=headers), 422)


def test_malformed_json_is_400_in_chinese(client, world, api_token):
    headers = {**api_token(world["operator"]), "Content-Type": "application/json"}
    error = assert_api_error(client.post("/api/v1/needs", data=b"\x03{", headers=headers), 400)
    assert "JSON" in error["message"] and "fields" not in error


def test_405_carries_allow(client, world, api_token):
    response = client.delete("/api/v1/needs", headers=api_token(world["county"]))
    assert_api_error(response, 405)
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert "GET" in client.put("/public/counselors").headers["Allow"]
