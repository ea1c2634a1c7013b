"""The awards API: nominate (and submit) as the county, return and approve as the city, what each party reads."""

from __future__ import annotations

from tests.marketplace.awards.conftest import YEAR


def test_nominate_return_resubmit_approve_over_the_api(client, world, graded, api_token):
    county, city = api_token(world["county"]), api_token(world["city"])
    created = client.post("/api/v1/awards", headers=county, json={
        "subject": "counselor", "subject_id": graded["star"].id, "year": YEAR, "reason": "全年服务合作社 12 家。"})
    assert created.status_code == 201, created.get_json()
    award = created.get_json()
    assert (award["state"], award["name"], award["grade"], award["actions"]) == (
        "nominated", "县级优秀辅导员", "excellent", ["withdraw"])
    url = f"/api/v1/awards/{award['id']}/transitions"
    assert client.get(f"/api/v1/awards/{award['id']}", headers=city).get_json()["actions"] == ["approve", "return"]
    refused = client.post(url, headers=city, json={"action": "return"})
    assert refused.status_code == 400 and refused.get_json()["error"]["field"] == "text"
    returned = client.post(url, headers=city, json={"action": "return", "text": "请补充服务成效"}).get_json()
    assert (returned["state"], returned["comment"]) == ("returned", "请补充服务成效")
    assert client.post(url, headers=county, json={"action": "submit"}).get_json()["state"] == "nominated"
    assert client.post(url, headers=county, json={"action": "approve"}).status_code == 403
    assert client.post(url, headers=city, json={"action": "approve"}).get_json()["state"] == "approved"
    assert client.post(url, headers=city, json={"action": "approve"}).status_code == 409
    assert client.post(url, headers=city, json={"action": "fly"}).status_code == 422


def test_refusals_name_the_field(client, world, graded, api_token):
    county = api_token(world["county"])
    weak = client.post("/api/v1/awards", headers=county, json={
        "subject": "counselor", "subject_id": graded["weak"].id, "year": YEAR, "reason": "理由"})
    assert weak.status_code == 400 and weak.get_json()["error"]["field"] == "subject_id"
    assert "基本合格" in weak.get_json()["error"]["message"]
    blank = client.post("/api/v1/awards", headers=county, json={
        "subject": "center", "subject_id": graded["center"].id, "year": YEAR, "reason": "  "})
    assert blank.status_code == 400 and blank.get_json()["error"]["field"] == "reason"
    assert client.post("/api/v1/awards", headers=county, json={
        "subject": "center", "subject_id": 2**40, "year": YEAR, "reason": "x"}).status_code == 422
    assert client.get("/api/v1/awards?year=99999", headers=county).status_code == 422


def test_what_each_party_reads(client, world, graded, api_token):
    county = api_token(world["county"])
    made = client.post("/api/v1/awards", headers=county, json={
        "subject": "center", "subject_id": graded["center"].id, "year": YEAR, "reason": "规范运营。"}).get_json()
    staff = api_token(world["center_staff"])
    assert client.get("/api/v1/awards", headers=staff).get_json()["items"] == []
    client.post(f"/api/v1/awards/{made['id']}/transitions", headers=api_token(world["city"]),
                json={"action": "approve"})
    assert [a["id"] for a in client.get("/api/v1/awards", headers=staff).get_json()["items"]] == [made["id"]]
    assert client.get("/api/v1/awards", headers=api_token(world["other_province"])).get_json()["items"] == []
    assert client.get("/api/v1/awards", headers=api_token(world["operator"])).get_json()["items"] == []
    listed = client.get(f"/api/v1/awards?year={YEAR}&state=approved", headers=api_token(world["province"]))
    assert [a["id"] for a in listed.get_json()["items"]] == [made["id"]]
