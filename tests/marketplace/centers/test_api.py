"""The JSON API: registration, filing transitions (with illegal moves), offerings with price history, uploads
and the public catalogue."""

from __future__ import annotations

import io
from datetime import timedelta

from marketplace.extensions import db
from marketplace.timeutil import local_today
from tests.marketplace.centers.conftest import CREDIT_CODE, PDF

BODY = {"name": "接口登记中心", "operator_type": "federation", "operator_name": "某联合社",
        "operator_credit_code": CREDIT_CODE, "setup_mode": "new", "establishment": "filing",
        "address": "某路 1 号", "region_code": "130123", "categories": 5, "staff_count": 2}


def test_register_upload_submit_file_and_catalogue(client, world, api_token):
    staff = api_token(world["center_staff"])
    county = api_token(world["county"])
    created = client.post("/api/v1/centers", json=BODY, headers=staff)
    assert created.status_code == 201, created.get_json()
    center_id = created.get_json()["id"]
    refused = client.post(f"/api/v1/centers/{center_id}/transitions", json={"action": "submit"}, headers=staff)
    assert refused.status_code == 400 and "工作指南" in refused.get_json()["error"]["message"]
    for kind in ("guidelines", "conduct", "prices", "records"):
        response = client.post(f"/api/v1/centers/{center_id}/documents", headers=staff,
                               data={"kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")})
        assert response.status_code == 201, response.get_json()
    bad = client.post(f"/api/v1/centers/{center_id}/documents", headers=staff,
                      data={"kind": "prices", "file": (io.BytesIO(b"MZ\x90\x00"), "x.pdf")})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "file"
    assert client.post(f"/api/v1/centers/{center_id}/transitions", json={"action": "submit"},
                       headers=staff).status_code == 200
    illegal = client.post(f"/api/v1/centers/{center_id}/transitions", json={"action": "restore"}, headers=county)
    assert illegal.status_code == 409 and "不能执行" in illegal.get_json()["error"]["message"]
    filed = client.post(f"/api/v1/centers/{center_id}/transitions", json={"action": "file"}, headers=county)
    assert filed.status_code == 200 and filed.get_json()["status"] == "filed"
    assert filed.get_json()["filing_number"].startswith("130123-BA-")
    offering = client.post(f"/api/v1/centers/{center_id}/offerings", headers=staff, json={
        "name": "代理记账", "category": 4, "unit": "户·年", "price_min": "2400"}).get_json()
    changed = client.patch(f"/api/v1/centers/{center_id}/offerings/{offering['id']}", headers=staff,
                           json={"price_min": "2000", "price_max": "2500"}).get_json()
    assert [(h["old_min"], h["new_min"], h["new_max"]) for h in changed["price_history"]] == [
        ("2400.00", "2000.00", "2500.00"), (None, "2400.00", "2400.00")]
    catalogue = client.get("/api/v1/catalogue?region_code=130123100").get_json()
    assert [c["name"] for c in catalogue["items"]] == ["接口登记中心"]
    assert catalogue["items"][0]["offerings"][0]["price_max"] == "2500.00"
    client.patch(f"/api/v1/centers/{center_id}/offerings/{offering['id']}", headers=staff, json={"is_active": False})
    assert client.get(f"/api/v1/catalogue/{center_id}").get_json()["offerings"] == []
    rectify = client.post(f"/api/v1/centers/{center_id}/transitions", headers=county, json={
        "action": "rectify", "reason": "整改", "deadline": (local_today() + timedelta(days=9)).isoformat()})
    assert rectify.get_json()["status"] == "rectifying"
    assert client.get("/api/v1/catalogue").get_json()["items"] == []
    assert client.get(f"/api/v1/catalogue/{center_id}").status_code == 404


def test_bad_credit_code_and_edit_rules(client, world, api_token):
    staff = api_token(world["center_staff"])
    bad = client.post("/api/v1/centers", json={**BODY, "operator_credit_code": "93130123MA0CXY12K0"}, headers=staff)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "operator_credit_code"
    center_id = client.post("/api/v1/centers", json=BODY, headers=staff).get_json()["id"]
    patched = client.patch(f"/api/v1/centers/{center_id}", json={"name": "新名字"}, headers=staff)
    assert patched.status_code == 200 and patched.get_json()["name"] == "新名字"
    detail = client.get(f"/api/v1/centers/{center_id}", headers=staff).get_json()
    assert [e["action"] for e in detail["events"]] == ["update", "register"]
    db.session.remove()
