"""Pages: registration, filing actions, uploads (checked by content, size, access), offerings, the catalogue."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.centers import services
from marketplace.centers.models import CenterDocument, CenterStatus, Offering, ServiceCenter
from marketplace.extensions import db
from marketplace.timeutil import local_today
from tests.conftest import text_of
from tests.marketplace.centers.conftest import CREDIT_CODE, PDF, offering_input

FORM = {"name": "正定县网上登记服务中心", "operator_type": "association", "operator_name": "正定县合作社协会",
        "operator_credit_code": CREDIT_CODE, "setup_mode": "takeover", "establishment": "entrusted_plate",
        "region_code": "130123100", "address": "某镇某路 8 号", "categories": ["1", "8"], "staff_count": "4",
        "opening_hours": "周一至周五", "contact_phone": "0311-1234567"}


def test_register_edit_upload_submit_file_by_pages(client, login, world):
    staff = world["center_staff"]
    login(staff)
    response = client.post("/centers/new", data=FORM)
    assert response.status_code == 302, text_of(response)
    center = db.session.scalar(select(ServiceCenter))
    assert center.categories == 9 and center.status is CenterStatus.DRAFT
    response = client.post(f"/centers/{center.id}/edit", data={**FORM, "name": "改过的名字"})
    assert response.status_code == 302
    for kind in ("guidelines", "conduct", "prices", "records"):
        response = client.post(f"/centers/{center.id}/documents", data={
            "kind": kind, "file": (io.BytesIO(PDF), f"{kind}.pdf")}, content_type="multipart/form-data")
        assert response.status_code == 302
    client.post(f"/centers/{center.id}/actions/submit")
    db.session.refresh(center)
    assert center.name == "改过的名字" and center.status is CenterStatus.SUBMITTED
    client.post("/auth/logout")
    login(world["county"])
    page = text_of(client.get(f"/centers/{center.id}"))
    assert "予以备案" in page and "退回" in page
    client.post(f"/centers/{center.id}/actions/file")
    db.session.refresh(center)
    assert center.status is CenterStatus.FILED
    assert center.filing_number in text_of(client.get(f"/centers/{center.id}"))


def test_registration_shows_field_errors(client, login, world):
    login(world["center_staff"])
    response = client.post("/centers/new", data={**FORM, "operator_credit_code": "93130123MA0CXY12K0"})
    assert response.status_code == 200
    assert "统一社会信用代码校验位不正确" in text_of(response)
    assert db.session.scalar(select(ServiceCenter.id)) is None


def test_illegal_move_by_page_flashes_and_changes_nothing(client, login, world, filed):
    center = filed(world["center_staff"], world["county"])
    login(world["county"])
    response = client.post(f"/centers/{center.id}/actions/file", follow_redirects=True)
    assert "当前状态“已备案”下不能执行“予以备案”" in text_of(response)
    db.session.refresh(center)
    assert center.status is CenterStatus.FILED


def test_rectify_by_page_with_deadline(client, login, world, filed):
    center = filed(world["center_staff"], world["county"])
    login(world["county"])
    deadline = local_today() + timedelta(days=20)
    client.post(f"/centers/{center.id}/actions/rectify",
                data={"reason": "价格未公示", "deadline": deadline.isoformat()})
    db.session.refresh(center)
    assert center.status is CenterStatus.RECTIFYING and center.rectify_deadline == deadline
    assert "整改期限" in text_of(client.get(f"/centers/{center.id}"))


# --- uploads --------------------------------------------------------------------------------------------------

def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX = _zip(["[Content_Types].xml", "word/document.xml"])
XLSX = _zip(["[Content_Types].xml", "xl/workbook.xml"])
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 20


@pytest.mark.parametrize(("content", "name", "content_type"), [
    (PDF, "规范.pdf", "application/pdf"), (PNG, "图.png", "image/png"), (JPEG, "照片.jpeg", "image/jpeg"),
    (DOCX, "指南.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (XLSX, "价格.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (PDF, "无扩展名", "application/pdf"),
])
def test_allowed_uploads_are_stored_outside_static(client, login, world, register, app, content, name, content_type):
    center = register(world["center_staff"], documents=False)
    login(world["center_staff"])
    client.post(f"/centers/{center.id}/documents", data={"kind": "prices", "file": (io.BytesIO(content), name)},
                content_type="multipart/form-data")
    document = db.session.scalar(select(CenterDocument))
    assert document is not None and document.content_type == content_type
    path = services.uploads.path_of(document.stored_name)
    assert path.read_bytes() == content and "static" not in str(path) and name not in str(path)
    assert path.parent.name == "uploads" and len(document.stored_name) == 32


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"MZ\x90\x00" + b"\0" * 60, "说明.pdf", "内容不是这些格式"),          # a renamed .exe
    (b"<html><script>alert(1)</script></html>", "page.pdf", "内容不是这些格式"),
    (_zip(["a.txt"]), "archive.docx", "内容不是这些格式"),                  # a plain zip
    (PNG, "图片.pdf", "与文件内容（PNG）不符"),
    (PDF, "tool.exe", "与文件内容（PDF）不符"),
    (b"", "empty.pdf", "请选择要上传的文件"),
])
def test_bad_uploads_are_refused_with_a_clear_message(client, login, world, register, content, name, message):
    center = register(world["center_staff"], documents=False)
    login(world["center_staff"])
    response = client.post(f"/centers/{center.id}/documents", data={
        "kind": "conduct", "file": (io.BytesIO(content), name)}, content_type="multipart/form-data",
        follow_redirects=True)
    assert message in text_of(response)
    assert db.session.scalar(select(CenterDocument.id)) is None


def test_too_large_upload(client, login, world, register, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024 * 1024)
    center = register(world["center_staff"], documents=False)
    login(world["center_staff"])
    big = PDF + b"0" * (1024 * 1024)
    response = client.post(f"/centers/{center.id}/documents", data={
        "kind": "conduct", "file": (io.BytesIO(big), "big.pdf")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "文件超过 1 MB 的大小限制" in text_of(response)
    assert db.session.scalar(select(CenterDocument.id)) is None


@pytest.mark.parametrize(("actor", "status"), [
    ("center_staff", 200), ("county", 200), ("city", 200), ("national", 200), ("township", 404),
    ("other_province", 404), ("operator", 404), ("counselor", 404), (None, 302),
])
def test_documents_are_served_only_to_allowed_users(client, login, world, register, actor, status):
    center = register(world["center_staff"])
    document = center.documents[0]
    if actor:
        login(world[actor])
    response = client.get(f"/centers/{center.id}/documents/{document.id}")
    assert response.status_code == status
    if status == 200:
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.data == PDF


def test_another_centers_document_id_is_not_served(client, login, world, register, make_user):
    from marketplace.accounts.models import Role

    mine = register(world["center_staff"])
    other = register(make_user(Role.CENTER_STAFF, region_code="130123"), name="别人的中心")
    login(world["center_staff"])
    assert client.get(f"/centers/{mine.id}/documents/{other.documents[0].id}").status_code == 404


# --- offerings ------------------------------------------------------------------------------------------------

def test_offerings_by_page_with_price_history(client, login, world, register):
    center = register(world["center_staff"])
    login(world["center_staff"])
    data = {"name": "代理记账", "category": "4", "unit": "户·年", "price_min": "2400", "price_max": ""}
    assert client.post(f"/centers/{center.id}/offerings/new", data=data).status_code == 302
    offering = db.session.scalar(select(Offering))
    client.post(f"/centers/{center.id}/offerings/{offering.id}/edit", data={**data, "price_min": "2000",
                                                                            "price_max": "2200"})
    page = text_of(client.get(f"/centers/{center.id}/offerings/{offering.id}/edit"))
    assert "首次定价 ¥2,400.00" in page and "¥2,400.00 → ¥2,000.00–2,200.00" in page
    client.post(f"/centers/{center.id}/offerings/{offering.id}/deactivate")
    db.session.refresh(offering)
    assert offering.is_active is False
    client.post(f"/centers/{center.id}/offerings/{offering.id}/activate")
    db.session.refresh(offering)
    assert offering.is_active is True


# --- the public catalogue -------------------------------------------------------------------------------------

@pytest.fixture
def catalogue(world, register, filed, make_user):
    from marketplace.accounts.models import Role

    staff = world["center_staff"]
    public = filed(staff, world["county"], name="已备案中心")
    services.add_offering(staff, public, offering_input(name="在售项目"))
    hidden = services.add_offering(staff, public, offering_input(name="下架项目"))
    services.set_offering_active(staff, hidden, False)
    draft = register(staff, name="草稿中心")
    services.add_offering(staff, draft, offering_input(name="草稿项目"))
    warned = filed(staff, world["county"], name="警示中心")
    services.transition(warned, "warn", world["county"], "警示")
    other = filed(make_user(Role.CENTER_STAFF, region_code="130125"), world["city"], name="行唐中心",
                  region_code="130125", categories=32)
    db.session.commit()
    return {"public": public, "draft": draft, "warned": warned, "other": other}


def test_catalogue_shows_only_filed_centers_and_active_offerings(client, catalogue):
    page = text_of(client.get("/catalogue/"))
    assert "已备案中心" in page and "在售项目" in page and "¥2,400.00" in page and "行唐中心" in page
    assert "下架项目" not in page and "草稿中心" not in page and "草稿项目" not in page and "警示中心" not in page
    assert client.get(f"/catalogue/{catalogue['draft'].id}").status_code == 404
    assert client.get(f"/catalogue/{catalogue['warned'].id}").status_code == 404
    detail = text_of(client.get(f"/catalogue/{catalogue['public'].id}"))
    assert "在售项目" in detail and "下架项目" not in detail and catalogue["public"].filing_number in detail


def test_catalogue_filters_by_region_and_category(client, catalogue):
    by_town = text_of(client.get("/catalogue/?region_code=130123100"))
    assert "已备案中心" in by_town and "行唐中心" not in by_town  # a county center serves its townships
    by_county = text_of(client.get("/catalogue/?region_code=130125"))
    assert "行唐中心" in by_county and "已备案中心" not in by_county
    by_category = text_of(client.get("/catalogue/?category=32"))
    assert "行唐中心" in by_category and "已备案中心" not in by_category


def _many(world, filed, register, n: int) -> None:
    for i in range(n):
        center = filed(world["center_staff"], world["county"], name=f"中心{i}")
        services.add_offering(world["center_staff"], center, offering_input(name=f"项目{i}"))
        register(world["center_staff"], name=f"草稿{i}", documents=False)
    db.session.commit()


def test_list_pages_do_not_grow_queries_with_rows(client, login, world, filed, register, query_counter):
    _many(world, filed, register, 2)
    login(world["county"])
    counts = {}
    for n in (2, 7):
        if n == 7:
            _many(world, filed, register, 5)
        for url in ("/centers/", "/catalogue/", "/api/v1/catalogue"):
            with query_counter() as statements:
                assert client.get(url).status_code == 200
            counts[(url, n)] = len(statements)
    for url in ("/centers/", "/catalogue/", "/api/v1/catalogue"):
        assert counts[(url, 7)] == counts[(url, 2)], counts


def test_officials_list_filters(client, login, world, filed, register):
    filed(world["center_staff"], world["county"], name="甲中心")
    register(world["center_staff"], name="乙中心")
    login(world["city"])
    page = text_of(client.get("/centers/?status=filed"))
    assert "甲中心" in page and "乙中心" not in page
    page = text_of(client.get("/centers/?region_code=130125"))
    assert "甲中心" not in page
    page = text_of(client.get("/centers/?category=4"))
    assert "甲中心" in page and "乙中心" in page
    client.post("/auth/logout")
    login(world["other_province"])
    assert "甲中心" not in text_of(client.get("/centers/"))
