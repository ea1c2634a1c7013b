"""The reports API: listing what each official may see, reading a report with its frozen figures and cases,
and the transitions of the one table (submit by the county, return or accept by the city)."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.reports import services
from tests.marketplace.reports.conftest import CASE_TEXT, draft


def test_list_read_submit_return_accept(client, world, api_token, accepted):
    county, city = api_token(world["county"]), api_token(world["city"])
    report = draft(world["county"])
    services.add_case(report, accepted.id, "财务规范化让社员增收", CASE_TEXT, world["county"])
    db.session.commit()

    items = client.get("/api/v1/reports", headers=county).get_json()["items"]
    assert [(i["id"], i["state"], i["period"]) for i in items] == [(report.id, "draft", "2025年度")]
    assert client.get("/api/v1/reports", headers=city).get_json()["items"] == []  # a draft stays home
    assert client.get(f"/api/v1/reports/{report.id}", headers=city).status_code == 404

    detail = client.get(f"/api/v1/reports/{report.id}", headers=county).get_json()
    assert detail["actions"] == ["submit"] and detail["figures"] is None and detail["due_on"] == "2026-01-31"
    assert detail["cases"][0]["agreement_number"] == accepted.number

    done = client.post(f"/api/v1/reports/{report.id}/transitions", json={"action": "submit"}, headers=county)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "submitted" and done.get_json()["figures"]["accepted"] == 1

    refused = client.post(f"/api/v1/reports/{report.id}/transitions", json={"action": "return"}, headers=city)
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "reason"
    wrong = client.post(f"/api/v1/reports/{report.id}/transitions", json={"action": "accept"}, headers=county)
    assert wrong.status_code == 403
    bad = client.post(f"/api/v1/reports/{report.id}/transitions", json={"action": "publish"}, headers=city)
    assert bad.status_code == 422

    returned = client.post(f"/api/v1/reports/{report.id}/transitions",
                           json={"action": "return", "reason": "请补充数据"}, headers=city).get_json()
    assert returned["state"] == "returned" and returned["comments"][0]["body"] == "请补充数据"
    assert returned["comments"][0]["action"] == "return"
    client.post(f"/api/v1/reports/{report.id}/transitions", json={"action": "submit"}, headers=county)
    accepted_report = client.post(f"/api/v1/reports/{report.id}/transitions", json={"action": "accept"},
                                  headers=city).get_json()
    assert accepted_report["state"] == "accepted" and accepted_report["actions"] == []
    assert client.get("/api/v1/reports?state=accepted", headers=city).get_json()["meta"]["total"] == 1
    assert client.get("/api/v1/reports?state=nope", headers=city).status_code == 422
    assert client.get("/api/v1/reports/99999999", headers=city).status_code == 404


def test_documented_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/reports", "/api/v1/reports/{report_id}", "/api/v1/reports/{report_id}/transitions"} <= set(paths)
