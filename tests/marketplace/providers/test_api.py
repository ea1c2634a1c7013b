"""The provider API: the public page without a token (public fields only), more with one; answering once,
hiding by the jurisdiction's officials; threads with personal data refused. Errors in the envelope."""

from __future__ import annotations

from marketplace.extensions import db
from tests.marketplace.needs.helpers import make_need


def test_the_public_page_without_a_token(client, accepted):
    body = client.get(f"/api/v1/providers/counselors/{accepted.counselor_id}").get_json()
    assert body["signed_in"] is False and body["load"] is None and body["grade"] is None
    assert body["agreements_accepted"] == 1 and body["satisfaction"]["count"] == 1
    review = body["reviews"][0]
    assert review["comment"] == "很好" and review["entity_type"] == "cooperative" and review["county"] == "正定县"
    text = str(body)
    assert accepted.entity_name not in text and "刘建军" not in text and "13931100001" not in text


def test_with_a_token_the_record_in_detail(client, api_token, world, accepted):
    body = client.get(f"/api/v1/providers/counselors/{accepted.counselor_id}",
                      headers=api_token(world["operator"])).get_json()
    assert body["signed_in"] is True and body["load"]["open"] >= 0 and body["served"]["total"] == 1
    assert body["satisfaction"]["spread"]["5"] == 1


def test_unknown_kind_or_id_is_404_in_the_envelope(client):
    for url in ("/api/v1/providers/people/1", "/api/v1/providers/counselors/2147483647",
                "/api/v1/providers/centers/1/reviews"):
        response = client.get(url)
        assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_reply_once_and_hide(client, api_token, world, accepted):
    url = f"/api/v1/providers/reviews/{accepted.id}"
    provider = api_token(world["counselor"])
    assert client.post(url + "/reply", json={"reply": "谢谢"}, headers=provider).status_code == 201
    second = client.post(url + "/reply", json={"reply": "再谢"}, headers=provider)
    assert second.status_code == 409 and "只能回复一次" in second.get_json()["error"]["message"]
    assert client.post(url + "/reply", json={"reply": "x"}, headers=api_token(world["operator"])).status_code == 403
    assert client.post(url + "/hide", json={"reason": "x"},
                       headers=api_token(world["other_province"])).status_code == 403
    hidden = client.post(url + "/hide", json={"reason": "不当言论"}, headers=api_token(world["county"]))
    assert hidden.status_code == 201 and hidden.get_json()["is_hidden"] is True
    public = client.get(f"/api/v1/providers/counselors/{accepted.counselor_id}/reviews").get_json()
    assert public["items"] == []
    assert client.post(url + "/reply", json={"reply": "x" * 301}, headers=provider).status_code == 422


def test_threads_over_the_api(client, api_token, world, accepted):
    need = make_need(world["operator"])
    url = f"/api/v1/providers/questions/{need.id}/counselors/{accepted.counselor_id}"
    operator, provider = api_token(world["operator"]), api_token(world["counselor"])
    refused = client.post(url, json={"body": "电话 13931100002"}, headers=operator)
    error = refused.get_json()["error"]
    assert refused.status_code == 400 and "电话号码" in error["message"] and error["field"] == "body"
    assert client.post(url, json={"body": "您好"}, headers=provider).status_code == 409  # not opened yet
    assert client.post(url, json={"body": "周末可以吗？"}, headers=operator).status_code == 201
    body = client.post(url, json={"body": "可以"}, headers=provider).get_json()
    assert [m["side"] for m in body["messages"]] == ["operator", "provider"]
    assert client.post(url, json={"body": "官员"}, headers=api_token(world["county"])).status_code == 403
    assert client.get(url, headers=api_token(world["other_province"])).status_code == 404
    db.session.rollback()
