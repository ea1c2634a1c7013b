"""The notice API as each party sees it: an official publishes; a recipient lists, reads and marks read; the
counts; bad input gives 422 in the error envelope and writes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.notices.models import Notice


def test_publish_list_read_and_count(client, world, api_token):
    county = api_token(world["county"])
    created = client.post("/api/v1/notices", headers=county, json={
        "title": "关于报送2025年服务协议台账的通知", "body": "请各服务中心于12月15日前报送。",
        "audience": ["center", "operator"], "is_public": False})
    assert created.status_code == 201, created.get_json()
    notice = created.get_json()
    assert notice["state"] == "published" and notice["audience"] == ["center", "operator"]

    center = api_token(world["center_staff"])
    listed = client.get("/api/v1/notices", headers=center).get_json()
    assert [n["id"] for n in listed["items"]] == [notice["id"]]
    detail = client.get(f"/api/v1/notices/{notice['id']}", headers=center).get_json()
    assert detail["body"] == "请各服务中心于12月15日前报送。" and detail["read_at"] is None
    read = client.post(f"/api/v1/notices/{notice['id']}/read", headers=center).get_json()
    assert read["read_at"] is not None

    counts = client.get(f"/api/v1/notices/{notice['id']}/counts", headers=county).get_json()
    assert (counts["read"], counts["total"]) == (1, 2)
    assert counts["kinds"]["center"]["read"] == 1 and counts["kinds"]["operator"]["read"] == 0
    sent = client.get("/api/v1/notices?box=sent", headers=county).get_json()
    assert [n["id"] for n in sent["items"]] == [notice["id"]]
    # The counselor was not addressed: it never sees the notice.
    counselor = api_token(world["counselor"])
    assert client.get(f"/api/v1/notices/{notice['id']}", headers=counselor).status_code == 404


def test_bad_input_is_422_and_writes_nothing(client, world, api_token):
    county = api_token(world["county"])
    for body in ({"title": "", "body": "x", "audience": ["center"]},
                 {"title": "x", "body": "x", "audience": ["nobody"]},
                 {"title": "x", "body": "x", "audience": []}):
        answer = client.post("/api/v1/notices", headers=county, json=body)
        assert answer.status_code == 422 and "error" in answer.get_json()
    refused = client.post("/api/v1/notices", headers=api_token(world["operator"]),
                          json={"title": "x", "body": "x", "audience": ["center"]})
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
