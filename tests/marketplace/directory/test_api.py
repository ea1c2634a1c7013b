"""The counselors API: scoped reads, appointment, partial updates and status changes."""

from __future__ import annotations

from datetime import date

from marketplace import crypto
from marketplace.demo.services import demo_id_number


def _body(n: int = 1, **overrides) -> dict:
    body = {"name": "王志强", "id_number": demo_id_number("130123", date(1975, 6, 1), n), "phone": "13700001111",
            "region_code": "130123100", "specialties": 4, "industries": 1, "work_mode": "part_time",
            "source": "rural_expert", "appointed_on": "2025-03-01"}
    body.update(overrides)
    return body


def test_appoint_read_and_list(client, world, api_token):
    headers = api_token(world["county"])
    response = client.post("/api/v1/counselors", json=_body(), headers=headers)
    assert response.status_code == 201
    created = response.get_json()
    assert created["phone"] == "137****1111" and "*" in created["id_number"]
    assert created["certificate_no"] == "130123-2025-00001" and created["status"] == "appointed"
    assert client.get(f"/api/v1/counselors/{created['id']}", headers=headers).get_json()["name"] == "王志强"
    listing = client.get("/api/v1/counselors?specialty=4", headers=api_token(world["province"])).get_json()
    assert listing["meta"]["total"] == 1
    assert client.get("/api/v1/counselors", headers=api_token(world["other_province"])).get_json()["meta"][
        "total"] == 0


def test_validation_errors_are_chinese(client, world, api_token):
    headers = api_token(world["county"])
    response = client.post("/api/v1/counselors", json=_body(phone="123"), headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"] == {"code": "invalid", "message": "手机号码应为 11 位数字", "field": "phone"}
    response = client.post("/api/v1/counselors", json={"name": "x"}, headers=headers)
    assert response.status_code == 422 and response.get_json()["error"]["fields"]["id_number"] == ["必填项"]


def test_patch_changes_only_what_is_given(client, world, api_token, monkeypatch):
    import marketplace.directory.yearly as yearly

    monkeypatch.setattr(yearly, "in_window", lambda today: True)
    headers = api_token(world["county"])
    created = client.post("/api/v1/counselors", json=_body(), headers=headers).get_json()
    response = client.patch(f"/api/v1/counselors/{created['id']}", json={"capacity": 9}, headers=headers)
    assert response.status_code == 200 and response.get_json()["capacity"] == 9
    assert response.get_json()["name"] == "王志强"
    other = client.patch(f"/api/v1/counselors/{created['id']}", json={"capacity": 2},
                         headers=api_token(world["city"]))
    assert other.status_code == 403


def test_transitions(client, world, api_token):
    headers = api_token(world["county"])
    created = client.post("/api/v1/counselors", json=_body(), headers=headers).get_json()
    url = f"/api/v1/counselors/{created['id']}/transitions"
    assert client.post(url, json={"action": "suspend"}, headers=headers).status_code == 400
    response = client.post(url, json={"action": "suspend", "reason": "外出"}, headers=headers)
    assert response.get_json()["status"] == "suspended"
    again = client.post(url, json={"action": "suspend", "reason": "外出"}, headers=headers)
    assert again.status_code == 409 and "不能执行此操作" in again.get_json()["error"]["message"]


def test_personal_data_never_leaves_unmasked(client, world, api_token, appoint):
    counselor = appoint(world["county"])
    body = client.get(f"/api/v1/counselors/{counselor.id}", headers=api_token(world["county"])).get_data(
        as_text=True)
    assert crypto.decrypt(counselor.id_number_cipher) not in body
    assert crypto.decrypt(counselor.phone_cipher) not in body
