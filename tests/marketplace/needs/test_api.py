"""The JSON API for entities, needs, matches and invitations."""

from __future__ import annotations

from tests.marketplace.needs.helpers import credit_code, make_counselor, make_entity, make_need


def entity_body(**overrides) -> dict:
    body = {"type": "cooperative", "name": "正定县果蔬专业合作社", "credit_code": credit_code(),
            "legal_representative": "刘建军", "contact_phone": "13931100001", "region_code": "130123100",
            "industries": 5}
    body.update(overrides)
    return body


def test_entity_api(client, world, api_token):
    operator = api_token(world["operator"])
    bad = client.post("/api/v1/entities", json=entity_body(credit_code="931301230000000020"), headers=operator)
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "credit_code"
    created = client.post("/api/v1/entities", json=entity_body(), headers=operator)
    assert created.status_code == 201, created.get_json()
    entity = created.get_json()
    assert entity["verification_status"] == "unverified"
    dup = client.post("/api/v1/entities", json=entity_body(credit_code=entity["credit_code"]), headers=operator)
    assert dup.status_code == 409
    patched = client.patch(f"/api/v1/entities/{entity['id']}", json={"members": 80}, headers=operator)
    assert patched.status_code == 200 and patched.get_json()["members"] == 80
    county = api_token(world["county"])
    assert client.get("/api/v1/entities", headers=county).get_json()["meta"]["total"] == 1
    verified = client.post(f"/api/v1/entities/{entity['id']}/verification", json={"verified": True},
                           headers=county)
    assert verified.get_json()["verification_status"] == "verified"
    city = api_token(world["city"])
    assert client.post(f"/api/v1/entities/{entity['id']}/verification", json={"verified": False, "note": "x"},
                       headers=city).status_code == 403


def test_need_flow_api(client, world, api_token):
    counselor = make_counselor(world["county"], world["counselor"], name="刘桂芳")
    entity = make_entity(world["operator"])
    operator = api_token(world["operator"])
    created = client.post("/api/v1/needs", json={"entity_id": entity.id, "category": 4, "title": "建账",
                                                 "description": "帮助建账", "budget": "1500"}, headers=operator)
    assert created.status_code == 201, created.get_json()
    need = created.get_json()
    assert need["status"] == "draft" and need["entity_verified"] is False
    illegal = client.post(f"/api/v1/needs/{need['id']}/transitions", json={"action": "cancel"}, headers=operator)
    assert illegal.status_code == 200  # draft → cancelled is allowed
    again = client.post(f"/api/v1/needs/{need['id']}/transitions", json={"action": "publish"}, headers=operator)
    assert again.status_code == 409 and "不能执行此操作" in again.get_json()["error"]["message"]
    need = make_need(world["operator"], entity)
    matches = client.get(f"/api/v1/needs/{need.id}/matches?kind=counselor&limit=5", headers=operator).get_json()
    assert matches["items"][0]["id"] == counselor.id and "专长匹配：财务会计" in matches["items"][0]["reasons"]
    assert client.get(f"/api/v1/needs/{need.id}/matches?kind=center", headers=operator).status_code == 200
    invited = client.post("/api/v1/invitations", json={"need_id": need.id, "kind": "counselor",
                                                        "candidate_id": counselor.id}, headers=operator)
    assert invited.status_code == 201, invited.get_json()
    invitation = invited.get_json()
    mine = api_token(world["counselor"])
    listed = client.get("/api/v1/invitations", headers=mine).get_json()
    assert [i["id"] for i in listed["items"]] == [invitation["id"]]
    no_reason = client.post(f"/api/v1/invitations/{invitation['id']}/answer", json={"accept": False},
                            headers=mine)
    assert no_reason.status_code == 400
    accepted = client.post(f"/api/v1/invitations/{invitation['id']}/answer", json={"accept": True}, headers=mine)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert client.get(f"/api/v1/needs/{need.id}", headers=mine).get_json()["status"] == "assigned"
    twice = client.post(f"/api/v1/invitations/{invitation['id']}/answer", json={"accept": True}, headers=mine)
    assert twice.status_code == 409
