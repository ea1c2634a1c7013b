"""The agreement's files over the API, as a provincial system would complete the flow with a bearer token:
the PDF, a service record with photos, acceptance photos, listing and downloading, with the pages' checks."""

from __future__ import annotations

import io

from tests.marketplace.agreements.conftest import advance, all_passed, draft

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def test_agreement_pdf_with_a_bearer_token(client, world, api_token):
    agreement = draft(world)
    response = client.get(f"/api/v1/agreements/{agreement.id}/agreement.pdf", headers=api_token(world["county"]))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    other = client.get(f"/api/v1/agreements/{agreement.id}/agreement.pdf",
                       headers=api_token(world["other_province"]))
    assert other.status_code == 404 and other.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/agreements/{agreement.id}/agreement.pdf").status_code == 401


def test_provider_records_service_with_photos_and_everyone_who_may_see_downloads_them(client, world, api_token):
    agreement = advance(world, draft(world), "in_service")
    provider = api_token(world["counselor"])
    response = client.post(f"/api/v1/agreements/{agreement.id}/records/with-photos", headers=provider, data={
        "served_on": "2026-11-21", "kind": "visit", "content": "上门指导建账",
        "photos": [(io.BytesIO(PNG), "现场.png"), (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "签到表.pdf")]})
    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert [a["name"] for a in record["attachments"]] == ["现场.png", "签到表.pdf"]
    listing = client.get(f"/api/v1/agreements/{agreement.id}/attachments", headers=api_token(world["county"]))
    assert listing.status_code == 200
    items = listing.get_json()["items"]
    assert [(i["name"], i["record_id"], i["content_type"]) for i in items] == [
        ("现场.png", record["id"], "image/png"), ("签到表.pdf", record["id"], "application/pdf")]
    photo = client.get(f"/api/v1/agreements/{agreement.id}/attachments/{items[0]['id']}",
                       headers=api_token(world["operator"]))
    assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"
    assert client.get(f"/api/v1/agreements/{agreement.id}/attachments/{items[0]['id']}",
                      headers=api_token(world["other_province"])).status_code == 404
    assert client.get(f"/api/v1/agreements/{agreement.id}/attachments/2147483648",
                      headers=provider).status_code == 404


def test_record_with_photos_is_refused_for_the_entity_and_for_a_disguised_file(client, world, api_token):
    agreement = advance(world, draft(world), "in_service")
    form = {"served_on": "2026-11-21", "kind": "visit", "content": "上门指导"}
    entity = client.post(f"/api/v1/agreements/{agreement.id}/records/with-photos",
                         headers=api_token(world["operator"]), data=form)
    assert entity.status_code == 403
    disguised = client.post(f"/api/v1/agreements/{agreement.id}/records/with-photos",
                            headers=api_token(world["counselor"]),
                            data={**form, "photos": [(io.BytesIO(b"MZ\x90\x00 not a photo"), "photo.png")]})
    error = disguised.get_json()["error"]
    assert disguised.status_code == 400 and error["field"] == "photos" and error["message"]
    assert client.get(f"/api/v1/agreements/{agreement.id}/records",
                      headers=api_token(world["counselor"])).get_json()["items"] == []


def test_entity_adds_acceptance_photos_then_accepts(client, world, api_token):
    agreement = advance(world, draft(world), "submitted")
    item = agreement.items[0]
    operator = api_token(world["operator"])
    url = f"/api/v1/agreements/{agreement.id}/items/{item.id}/photos"
    assert client.post(url, headers=api_token(world["counselor"]),
                       data={"file": (io.BytesIO(PNG), "a.png")}).status_code == 403
    empty = client.post(url, headers=operator, data={})
    assert empty.status_code == 400 and empty.get_json()["error"]["field"] == "file"
    response = client.post(url, headers=operator, data={"file": [(io.BytesIO(PNG), "验收1.png"),
                                                                (io.BytesIO(PNG), "验收2.png")]})
    assert response.status_code == 201, response.get_json()
    assert [(p["name"], p["item_id"]) for p in response.get_json()["items"]] == [("验收1.png", item.id),
                                                                                  ("验收2.png", item.id)]
    accepted = client.post(f"/api/v1/agreements/{agreement.id}/transitions", headers=operator, json={
        "action": "accept", "satisfaction": 5,
        "items": [{"item_id": check.item_id, "passed": True} for check in all_passed(agreement)]})
    assert accepted.status_code == 200, accepted.get_json()
    late = client.post(url, headers=operator, data={"file": (io.BytesIO(PNG), "晚了.png")})
    assert late.status_code == 409 and "待验收" in late.get_json()["error"]["message"]


def test_the_files_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    pdf = paths["/api/v1/agreements/{agreement_id}/agreement.pdf"]["get"]
    assert list(pdf["responses"]["200"]["content"]) == ["application/pdf"]
    with_photos = paths["/api/v1/agreements/{agreement_id}/records/with-photos"]["post"]["requestBody"]
    assert with_photos["content"]["multipart/form-data"]["schema"]
    photos = paths["/api/v1/agreements/{agreement_id}/items/{item_id}/photos"]["post"]["requestBody"]
    assert photos["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
    assert "/api/v1/agreements/{agreement_id}/attachments/{attachment_id}" in paths
