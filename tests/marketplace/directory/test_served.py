"""The record's "服务主体类型和数量" group (art. 14): entities served through agreements on the platform plus
service off the platform that the appointing department records, on the record page, the counselor's own
page and the API; who may record, and what each party sees."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.agreements.models import AgreementStatus
from marketplace.audit.models import AuditEntry
from marketplace.directory.models import OffPlatformService
from marketplace.entities.models import EntityType
from marketplace.extensions import db
from tests.marketplace.evaluation.builders import at, make_agreement
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need
from tests.webpages import form_to


@pytest.fixture
def counselor(world):
    return make_counselor(world["county"], user=world["counselor"])


def _entries() -> int:
    return db.session.scalar(select(func.count(OffPlatformService.id)))


def test_agreements_and_off_platform_service_add_up_by_type_and_year(pages, world, counselor):
    cooperative = make_entity(world["operator"])
    farm = make_entity(world["operator"], type=EntityType.FAMILY_FARM, credit_code=None, name="正定县李家庭农场")
    make_agreement(make_need(world["operator"], cooperative), counselor=counselor, signed_at=at(2025))
    make_agreement(make_need(world["operator"], cooperative), counselor=counselor, signed_at=at(2025, 9))
    make_agreement(make_need(world["operator"], farm), counselor=counselor, signed_at=at(2026, 2))
    make_agreement(make_need(world["operator"], farm), counselor=counselor, status=AgreementStatus.CANCELLED)
    pages.sign_in(world["county"])
    page = pages.get(f"/directory/{counselor.id}")
    form = form_to(page, f"/directory/{counselor.id}/served")
    form["entity_type"], form["count"], form["year"], form["note"] = "cooperative", "4", "2025", "线下指导"
    page = form.submit().follow()
    assert "已登记平台外服务" in page.text
    group = page.html.select_one("[data-testid=served-by-type]").get_text(" ", strip=True)
    # 合作社: one entity on the platform (two agreements) + 4 off it; 家庭农场: 1 (the cancelled one not counted)
    assert "农民专业合作社 1 4 5" in group and "家庭农场 1 0 1" in group
    assert "合计 6 个" in page.text
    years = page.html.select_one("[data-testid=served-by-year]").get_text(" ", strip=True)
    assert years.replace(" ", "") == "2026：家庭农场12025：农民专业合作社5（平台外4）"
    assert "线下指导" in page.text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "counselor.record_off_platform"))
    assert entry.actor_id == world["county"].id and entry.details["count"] == 4
    assert "登记平台外服务主体" in pages.get("/audit/").text


def test_the_counselor_and_the_city_see_the_group_but_cannot_record(pages, world, counselor):
    pages.sign_in(world["county"])
    form = form_to(pages.get(f"/directory/{counselor.id}"), f"/directory/{counselor.id}/served")
    form["entity_type"], form["count"], form["year"] = "family_farm", "3", "2025"
    form.submit()
    pages.sign_out()
    pages.sign_in(world["counselor"])
    own = pages.get("/directory/me")
    assert "服务主体类型和数量" in own.text and "合计 3 个" in own.text
    assert "登记平台外服务" not in own.text and "off-platform" not in own.text
    pages.sign_out()
    pages.sign_in(world["city"])
    record = pages.get(f"/directory/{counselor.id}")
    assert "合计 3 个" in record.text and 'id="off-platform"' not in record.text


@pytest.mark.parametrize(("field", "value", "message"), [
    ("count", "0", "服务主体数量须为 1 到 10000 之间的整数"),
    ("count", "abc", "服务主体数量须为 1 到 10000 之间的整数"),
    ("year", "2050", "年度须在"),
    ("year", "2999", "请填写正确的年度"),
    ("entity_type", "", "请选择主体类型"),
])
def test_bad_input_is_refused_with_a_chinese_message_and_nothing_written(pages, world, counselor, field, value,
                                                                         message):
    pages.sign_in(world["county"])
    form = form_to(pages.get(f"/directory/{counselor.id}"), f"/directory/{counselor.id}/served")
    form["entity_type"], form["count"], form["year"] = "cooperative", "2", "2025"
    form[field] = value
    page = form.submit().follow()
    assert message in page.text or (field == "count" and value == "abc" and "服务主体数量" in page.text)
    assert _entries() == 0


def test_the_department_removes_a_mistaken_entry_and_it_is_audited(pages, world, counselor):
    pages.sign_in(world["county"])
    form = form_to(pages.get(f"/directory/{counselor.id}"), f"/directory/{counselor.id}/served")
    form["entity_type"], form["count"], form["year"] = "federation", "2", "2024"
    page = form.submit().follow()
    entry_id = db.session.scalar(select(OffPlatformService.id))
    page = form_to(page, f"/directory/{counselor.id}/served/{entry_id}/remove").submit().follow()
    assert "已删除该条平台外服务记录" in page.text and _entries() == 0
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "counselor.remove_off_platform"))


def test_api_reads_and_records_the_group(client, world, counselor, api_token):
    county = api_token(world["county"])
    created = client.post(f"/api/v1/counselors/{counselor.id}/served", headers=county,
                          json={"entity_type": "cooperative", "count": 7, "year": 2025, "note": "电话咨询"})
    assert created.status_code == 201, created.get_json()
    body = client.get(f"/api/v1/counselors/{counselor.id}/served", headers=api_token(world["counselor"])).get_json()
    assert body["total"] == 7 and body["off_platform"] == 7
    assert {"entity_type": "cooperative", "on_platform": 0, "off_platform": 7, "total": 7} in body["by_type"]
    assert body["by_year"][0]["year"] == 2025 and body["entries"][0]["note"] == "电话咨询"
    bad = client.post(f"/api/v1/counselors/{counselor.id}/served", headers=county,
                      json={"entity_type": "cooperative", "count": 0, "year": 2025})
    assert bad.status_code == 422
    city = client.post(f"/api/v1/counselors/{counselor.id}/served", headers=api_token(world["city"]),
                       json={"entity_type": "cooperative", "count": 1, "year": 2025})
    assert city.status_code == 403 and _entries() == 1
    removed = client.delete(f"/api/v1/counselors/{counselor.id}/served/{body['entries'][0]['id']}", headers=county)
    assert removed.status_code == 204 and _entries() == 0
