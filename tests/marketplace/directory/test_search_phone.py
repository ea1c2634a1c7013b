"""Officials find a record by its mobile phone (through the keyed look-up hash, like ID numbers), every such
search audited with the phone masked; the migration fills the hash for rows stored before it."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from marketplace.audit.models import AuditEntry
from marketplace.crypto import decrypt, lookup_hash
from marketplace.directory.models import Counselor
from marketplace.directory.search import searched_identifier
from marketplace.extensions import db
from tests.marketplace.needs.helpers import make_counselor

MIGRATION = Path(__file__).resolve().parents[3] / "migrations" / "versions" / "0021_daily.py"


def test_the_search_box_recognises_phones_in_the_forms_people_type():
    assert searched_identifier("13800001111") == ("phone", "13800001111")
    assert searched_identifier("138-0000-1111") == ("phone", "13800001111")
    assert searched_identifier("+86 138 0000 1111") == ("phone", "13800001111")
    assert searched_identifier("１３８００００１１１１") == ("phone", "13800001111")
    assert searched_identifier("12800001111") is None  # not a mobile prefix: a name/certificate search
    assert searched_identifier("1380000111") is None


def test_official_finds_a_counselor_by_phone_and_it_is_audited_masked(pages, world):
    counselor = make_counselor(world["county"])
    other = make_counselor(world["county"])
    phone = decrypt(counselor.phone_cipher)
    pages.sign_in(world["city"])
    form = pages.get("/directory/").forms["directory-filters"]
    assert "手机号" in pages.get("/directory/").text
    form["q"] = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
    found = form.submit()
    assert counselor.name in found.text and other.name not in found.text
    assert phone not in found.text  # the list shows the masked phone only
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "counselor.search_phone"))
    assert entry is not None and entry.actor_id == world["city"].id
    assert phone not in str(entry.details) and entry.details["phone"] == counselor.phone_masked
    assert entry.details["found"] == 1
    assert "按手机号查询辅导员" in pages.get("/audit/").text


def test_a_part_of_a_phone_finds_nothing_and_is_not_audited(pages, world):
    counselor = make_counselor(world["county"])
    pages.sign_in(world["county"])
    page = pages.get("/directory/", {"q": decrypt(counselor.phone_cipher)[:7]})
    assert counselor.name not in page.text
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "counselor.search_phone")) is None


def test_another_jurisdiction_finds_nothing_and_the_public_cannot_search_by_phone(pages, world, client):
    counselor = make_counselor(world["county"])
    phone = decrypt(counselor.phone_cipher)
    pages.sign_in(world["other_province"])
    assert counselor.name not in pages.get("/directory/", {"q": phone}).text
    public = client.get("/public/counselors", query_string={"q": phone}).get_data(as_text=True)
    assert counselor.name not in public


def test_a_counselor_is_redirected_and_anonymous_sent_to_sign_in(pages, world, client):
    response = client.get("/directory/", query_string={"q": "13800001111"})
    assert response.status_code in (302, 401)
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "counselor.search_phone")) is None


def test_api_search_by_phone(client, world, api_token):
    counselor = make_counselor(world["county"])
    phone = decrypt(counselor.phone_cipher)
    response = client.get("/api/v1/counselors", query_string={"q": phone}, headers=api_token(world["county"]))
    assert [c["id"] for c in response.get_json()["items"]] == [counselor.id]
    assert phone not in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "counselor.search_phone"))
    other = client.get("/api/v1/counselors", query_string={"q": phone}, headers=api_token(world["other_province"]))
    assert other.get_json()["items"] == []


def test_a_changed_phone_is_found_by_the_new_number_only(pages, world):
    from marketplace.directory import services
    from tests.marketplace.directory.conftest import counselor_input

    counselor = make_counselor(world["county"])
    old = decrypt(counselor.phone_cipher)
    data = counselor_input(1, id_number=decrypt(counselor.id_number_cipher), phone="13912345678",
                           name=counselor.name)
    services.update_counselor(world["county"], counselor, data, today=date(2026, 3, 1))  # inside the window
    db.session.commit()
    assert counselor.phone_hash == lookup_hash("13912345678")
    pages.sign_in(world["county"])
    assert counselor.name in pages.get("/directory/", {"q": "13912345678"}).text
    assert counselor.name not in pages.get("/directory/", {"q": old}).text


def test_the_migration_fills_the_hash_of_rows_stored_before_it(world):
    first, second = make_counselor(world["county"]), make_counselor(world["county"])
    db.session.execute(update(Counselor).values(phone_hash=None))
    spec = importlib.util.spec_from_file_location("migration_0021", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.BATCH = 1  # exercise the batching
    assert module.fill_phone_hashes(db.session.connection()) == 2
    db.session.expire_all()
    for counselor in (first, second):
        stored = db.session.get(Counselor, counselor.id)
        assert stored.phone_hash == lookup_hash(decrypt(stored.phone_cipher))
