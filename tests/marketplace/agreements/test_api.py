"""The agreements API: create, read, edit, the whole lifecycle through POST …/transitions, per-item acceptance,
records with the chain check, and the JSON errors of illegal moves."""

from __future__ import annotations

from marketplace.agreements.models import AgreementStatus
from tests.marketplace.agreements.conftest import assigned_need, filed_center_offering
from tests.marketplace.needs.helpers import make_need


def _headers(api_token, user):
    return api_token(user)


def test_lifecycle_through_the_api(client, world, api_token):
    _need, invitation = assigned_need(world)
    op, co = _headers(api_token, world["operator"]), _headers(api_token, world["counselor"])
    created = client.post("/api/v1/agreements", json={"invitation_id": invitation.id}, headers=op)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    url = f"/api/v1/agreements/{body['id']}"
    assert body["status"] == "draft" and body["number"].startswith("130123-") and len(body["items"]) == 3

    items = [{k: i[k] for k in ("name", "method", "quantity", "unit", "quality_standard", "acceptance_criterion",
                                "deadline")} | {"unit_price": "500.00"} for i in body["items"][:2]]
    patched = client.patch(url, json={"items": items}, headers=co).get_json()
    assert len(patched["items"]) == 2 and patched["total_amount"] == "1000.00" and patched["version"] == 2

    def act(headers, **data):
        return client.post(f"{url}/transitions", json=data, headers=headers)

    assert act(op, action="propose").status_code == 200
    signed = act(op, action="sign", content_hash=patched["content_hash"]).get_json()
    assert signed["status"] == "proposed" and signed["signed_hash"] == patched["content_hash"]
    assert act(co, action="sign").get_json()["status"] == "signed"
    assert act(co, action="start").get_json()["status"] == "in_service"
    record = client.post(f"{url}/records", headers=co,
                         json={"served_on": patched["term_start"], "kind": "visit", "content": "上门建账"})
    assert record.status_code == 201 and record.get_json()["seq"] == 1
    listed = client.get(f"{url}/records", headers=op).get_json()
    assert listed["chain"]["ok"] is True and listed["items"][0]["record_hash"] == record.get_json()["record_hash"]
    assert act(co, action="submit").get_json()["status"] == "submitted"
    ids = [i["id"] for i in patched["items"]]
    refused = act(op, action="request_changes", items=[{"item_id": ids[0], "passed": False},
                                                       {"item_id": ids[1], "passed": True}])
    assert refused.status_code == 400 and "请说明原因" in refused.get_json()["error"]["message"]
    back = act(op, action="request_changes", items=[{"item_id": ids[0], "passed": False, "comment": "缺账页"},
                                                    {"item_id": ids[1], "passed": True}]).get_json()
    assert back["status"] == "in_service" and back["items"][0]["result"] == "failed"
    act(co, action="submit")
    accepted = act(op, action="accept", satisfaction=5, comment="满意",
                   items=[{"item_id": i, "passed": True} for i in ids]).get_json()
    assert accepted["status"] == "accepted" and accepted["satisfaction"] == 5
    assert act(op, action="close").get_json()["status"] == "closed"


def test_illegal_moves_and_wrong_parties_are_json_errors(client, world, api_token, make_agreement):
    agreement = make_agreement("draft")
    op, co = _headers(api_token, world["operator"]), _headers(api_token, world["counselor"])
    url = f"/api/v1/agreements/{agreement.id}/transitions"
    response = client.post(url, json={"action": "start"}, headers=co)
    assert response.status_code == 409
    assert response.get_json()["error"] == {"code": "conflict", "message": "协议当前为“草拟中”，不能执行“开始服务”"}
    assert client.post(url, json={"action": "fly"}, headers=op).status_code == 422
    county = _headers(api_token, world["county"])
    assert client.post(url, json={"action": "propose"}, headers=county).status_code == 403
    assert client.get(f"/api/v1/agreements/{agreement.id}", headers=county).status_code == 200


def test_create_from_an_offering_and_sign_moves_the_open_need(client, world, api_token):
    need = make_need(world["operator"])
    center, offering = filed_center_offering(world)
    op, staff = _headers(api_token, world["operator"]), _headers(api_token, world["center_staff"])
    body = client.post("/api/v1/agreements", json={"need_id": need.id, "offering_id": offering.id}, headers=op)
    assert body.status_code == 201, body.get_json()
    body = body.get_json()
    assert body["provider_kind"] == "center" and body["items"][0]["unit_price"] == "2400.00"
    assert body["provider"]["credit_code"] == center.operator_credit_code
    url = f"/api/v1/agreements/{body['id']}/transitions"
    client.post(url, json={"action": "propose"}, headers=staff)
    client.post(url, json={"action": "sign"}, headers=staff)
    assert client.post(url, json={"action": "sign"}, headers=op).get_json()["status"] == AgreementStatus.SIGNED.value
    from marketplace.extensions import db

    db.session.refresh(need)
    assert need.status.value == "in_service" and need.assigned_center_id == center.id


def test_list_is_scoped_and_filtered(client, world, api_token, make_agreement):
    agreement = make_agreement("submitted")
    rows = client.get("/api/v1/agreements?status=submitted", headers=_headers(api_token, world["province"]))
    assert [a["number"] for a in rows.get_json()["items"]] == [agreement.number]
    other = client.get("/api/v1/agreements", headers=_headers(api_token, world["other_province"])).get_json()
    assert other["items"] == [] and other["meta"]["total"] == 0
    staff = client.get("/api/v1/agreements", headers=_headers(api_token, world["center_staff"])).get_json()
    assert staff["items"] == []


def test_officials_get_the_parties_phones_masked(client, world, api_token, make_agreement):
    agreement = make_agreement("draft")
    url = f"/api/v1/agreements/{agreement.id}"
    official = client.get(url, headers=_headers(api_token, world["county"])).get_json()
    party = client.get(url, headers=_headers(api_token, world["operator"])).get_json()
    assert party["entity"]["phone"] == agreement.entity_phone
    assert official["entity"]["phone"] == agreement.entity_phone[:3] + "****" + agreement.entity_phone[-4:]
