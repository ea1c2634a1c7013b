"""Attendance from an attendance list, through the upload page as the county uses it, with files as offices make
them: a merged title and merged header cells, blank rows, numbers stored as text, √ / ×, a GBK CSV; all or
nothing with a per-row error report; walk-ins enrolled; the template downloadable."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import webtest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.training.models import TrainingEnrollment
from tests.marketplace.needs.helpers import make_counselor
from tests.marketplace.training.conftest import plan


def _office_xlsx(rows: list[list]) -> bytes:
    """A sign-in sheet as an office types it: a merged title, a two-row header with merged cells, blank rows."""
    wb = Workbook()
    sheet = wb.active
    sheet.title = "Sheet1"
    sheet.append(["正定县 2025 年辅导员培训签到表"])
    sheet.merge_cells("A1:E1")
    sheet.append([])
    sheet.append(["序号", "辅导员姓名", "身份证号后4位", "出勤情况", "培训学时"])
    sheet.append([None, None, None, None, "（小时）"])
    for cell in ("A3:A4", "B3:B4", "C3:C4", "D3:D4"):
        sheet.merge_cells(cell)
    for row in rows:
        sheet.append(row)
        sheet.append([])  # a blank row between entries
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _setup(world):
    county = world["county"]
    training = plan(county, capacity=5)
    a, b, walk_in = (make_counselor(county, name=name) for name in ("郭建国", "孙丽", "马超"))
    from marketplace.training import services

    services.enroll(training, a, county)
    services.enroll(training, b, county)
    db.session.commit()
    return county, training, a, b, walk_in


def _upload(pages, training, name: str, content: bytes):
    shown = pages.get(f"/training/{training.id}")
    upload = shown.click("从签到表导入")
    form = next(f for f in upload.forms.values() if "file" in f.fields)
    form["file"] = webtest.Upload(name, content)
    return form.submit()


def _marks(training):
    db.session.expire_all()
    rows = db.session.scalars(select(TrainingEnrollment).where(TrainingEnrollment.training_id == training.id))
    return {e.counselor.name: (e.attended, e.hours) for e in rows}


def test_office_xlsx_records_attendance_and_enrols_a_walk_in(pages, world):
    county, training, a, b, walk_in = _setup(world)
    tail = lambda c: c.id_number_masked[-4:]  # noqa: E731
    content = _office_xlsx([
        ["1", a.name, tail(a), "√", "10"],          # hours typed as text
        ["2", b.name, tail(b), "×", ""],
        ["3", walk_in.name, tail(walk_in), "出勤", None],
    ])
    pages.sign_in(county)
    job_page = _upload(pages, training, "签到表.xlsx", content).follow()
    assert "导入成功" in job_page.text
    assert _marks(training) == {a.name: (True, Decimal("10.0")), b.name: (False, Decimal("0")),
                                walk_in.name: (True, Decimal("12.0"))}
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "training.import_attendance"))
    shown = pages.get(f"/training/{training.id}")
    assert walk_in.name in shown.text


def test_gbk_csv_by_certificate_number(pages, world):
    county, training, a, b, _walk_in = _setup(world)
    csv = f"聘任证书编号,姓名,是否出勤,学时\r\n{a.certificate_no},{a.name},是,8\r\n\r\n{b.certificate_no},,否,\r\n"
    pages.sign_in(county)
    _upload(pages, training, "签到表.csv", csv.encode("gbk")).follow()
    assert _marks(training) == {a.name: (True, Decimal("8.0")), b.name: (False, Decimal("0"))}


def test_one_bad_row_writes_nothing_and_reports_each_row(pages, world):
    county, training, a, b, _walk_in = _setup(world)
    content = _office_xlsx([
        ["1", a.name, a.id_number_masked[-4:], "是", "10"],
        ["2", "查无此人", "1234", "是", ""],
        ["3", b.name, b.id_number_masked[-4:], "也许", "99"],
    ])
    pages.sign_in(county)
    job_page = _upload(pages, training, "签到表.xlsx", content).follow()
    assert "未导入任何数据" in job_page.text
    assert _marks(training) == {a.name: (None, None), b.name: (None, None)}
    report = job_page.click(href="errors.xlsx")
    sheet = load_workbook(BytesIO(report.body)).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert "查无此人" in text and "请填写“是”或“否”" in text and "学时应在 0 至 12.0 之间" in text


def test_template_downloads_and_imports_back(pages, world):
    county, training, a, _b, _walk_in = _setup(world)
    pages.sign_in(county)
    upload = pages.get(f"/training/{training.id}/attendance/import")
    template = upload.click(href="attendance-template.xlsx")
    wb = load_workbook(BytesIO(template.body))
    sheet = wb["签到表"]
    assert [c.value for c in sheet[1]][:5] == ["聘任证书编号", "姓名", "身份证后四位", "是否出勤", "学时"]
    sheet.append([a.certificate_no, a.name, None, "是", None])
    out = BytesIO()
    wb.save(out)
    _upload(pages, training, "template.xlsx", out.getvalue()).follow()
    assert _marks(training)[a.name] == (True, Decimal("12.0"))


def test_other_departments_cannot_import(pages, world):
    _county, training, *_ = _setup(world)
    pages.sign_in(world["city"])
    assert pages.get(f"/training/{training.id}/attendance/import", status=403)


def test_api_upload(client, world, api_token):
    county, training, a, _b, _walk_in = _setup(world)
    headers = api_token(county)
    csv = f"证书编号,是否出勤\r\n{a.certificate_no},是\r\n".encode("gbk")
    response = client.post(f"/api/v1/trainings/{training.id}/attendance/import", headers=headers,
                           data={"file": (BytesIO(csv), "list.csv")}, content_type="multipart/form-data")
    assert response.status_code == 202
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["state"] == "succeeded"
    assert _marks(training)[a.name] == (True, Decimal("12.0"))
    other = client.post(f"/api/v1/trainings/{training.id}/attendance/import", headers=api_token(world["city"]),
                        data={"file": (BytesIO(csv), "list.csv")}, content_type="multipart/form-data")
    assert other.status_code == 403
