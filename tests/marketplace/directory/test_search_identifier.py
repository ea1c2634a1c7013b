"""Officials find a record by its full ID number (through the keyed look-up hash), and every such search is
audited with the number masked; the public directory cannot be searched by ID number."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.crypto import decrypt
from marketplace.extensions import db
from tests.marketplace.needs.helpers import make_counselor


def test_official_finds_a_counselor_by_id_number_and_it_is_audited(pages, world):
    counselor = make_counselor(world["county"])
    other = make_counselor(world["county"])
    number = decrypt(counselor.id_number_cipher)
    pages.sign_in(world["city"])
    form = pages.get("/directory/").forms["directory-filters"]
    form["q"] = number.lower().replace("1", "１")  # full-width digits and a lower-case x are folded
    found = form.submit()
    assert counselor.name in found.text and other.name not in found.text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "counselor.search_id_number"))
    assert entry is not None and entry.actor_id == world["city"].id
    assert number not in str(entry.details) and entry.details["found"] == 1
    audit = pages.get("/audit/")
    assert "按身份证号查询辅导员" in audit.text


def test_another_jurisdiction_finds_nothing_and_the_public_cannot_search_by_id(pages, world, client):
    counselor = make_counselor(world["county"])
    number = decrypt(counselor.id_number_cipher)
    pages.sign_in(world["other_province"])
    page = pages.get("/directory/", {"q": number})
    assert counselor.name not in page.text
    public = client.get("/public/counselors", query_string={"q": number}).get_data(as_text=True)
    assert counselor.name not in public


def test_api_search_by_id_number(client, world, api_token):
    counselor = make_counselor(world["county"])
    response = client.get("/api/v1/counselors", query_string={"q": decrypt(counselor.id_number_cipher)},
                          headers=api_token(world["county"]))
    assert [c["id"] for c in response.get_json()["items"]] == [counselor.id]
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "counselor.search_id_number"))
