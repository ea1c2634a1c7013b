"""Batch import (批量导入) and export of the counselor directory."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from marketplace.audit.models import AuditEntry
from marketplace.demo.services import demo_id_number
from marketplace.directory import import_writer, imports
from marketplace.directory.models import Counselor, CounselorEvent, Industry, Specialty, counselor_service_areas
from marketplace.jobs.models import Job, JobState
from marketplace.timeutil import utcnow

HEADERS = [c.header for c in imports.COLUMNS]
ROOT = Path(__file__).resolve().parents[3]


def row(n: int, **overrides) -> dict:
    """A valid row for 正定县 (130123), keyed by header; `n` makes the ID number and phone unique."""
    values = {
        "姓名": f"导入{n}", "身份证号码": demo_id_number("130123", date(1980, 1, 1 + n % 28), n),
        "手机号码": f"1390000{n:04d}", "所在地区": "130123100", "聘任乡镇": "", "业务专长": "组织建设、财务会计",
        "产业领域": "粮油作物", "工作模式": "兼职", "选聘来源": "乡土专家", "聘任日期": "2024-03-01",
        "聘期结束日期": "", "政治面貌": "群众", "学历": "大学专科", "职称": "", "工作单位": "某合作社", "职务": "",
        "可远程服务": "否", "同时服务数量": 5,
    }
    values.update(overrides)
    return values


def xlsx(rows: list[dict], headers: list[str] | None = None, before: list[list] | None = None) -> bytes:
    headers = headers or HEADERS
    wb = openpyxl.Workbook()
    sheet = wb.active
    for extra in before or []:
        sheet.append(extra)
    sheet.append(headers)
    for r, values in enumerate(rows, start=sheet.max_row + 1):  # max_row scans every cell: read it once
        line = [values.get(h, "") for h in headers]
        sheet.append(line)
        for c, value in enumerate(line, start=1):
            if isinstance(value, str) and value.startswith("="):
                sheet.cell(row=r, column=c).data_type = "s"  # text that looks like a formula, as a user may type it
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def save(tmp_path):
    def do(data: bytes, name: str = "upload.xlsx") -> Path:
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return do


@pytest.fixture
def county(world):
    return world["county"]


def counselors() -> int:
    from marketplace.extensions import db

    return db.session.scalar(select(func.count()).select_from(Counselor))


def run(actor, path):
    """Check and write in one transaction, as the task does; roll back on errors."""
    from marketplace.extensions import db

    outcome = imports.import_file(actor, path)
    if outcome.errors:
        db.session.rollback()
    else:
        db.session.commit()
    return outcome


# --- the template -------------------------------------------------------------------------------------------

def test_template_has_headers_dropdowns_instructions_and_a_valid_example(county, save):
    data = imports.build_template(county.department)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheet = wb[imports.DATA_SHEET]
    assert [c.value for c in sheet[1]] == HEADERS
    assert "性别" not in HEADERS  # derived from the ID number
    example = dict(zip(HEADERS, [c.value for c in sheet[2]], strict=True))
    assert example["身份证号码"] == "11010519491231002X" and example["姓名"].startswith("示例")
    validated = {}
    for validation in sheet.data_validations.dataValidation:
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        validated[sheet[f"{column}1"].value] = validation
    coded = {c.header for c in imports.COLUMNS if c.kind in ("choice", "multi", "bool", "region")}
    assert coded <= set(validated), coded - set(validated)
    assert validated["工作模式"].showErrorMessage and not validated["业务专长"].showErrorMessage
    lists = wb[imports.LISTS_SHEET]
    values = {cell.value for col in lists.iter_cols() for cell in col}
    assert {"专职", "兼职", "乡土专家", "组织建设", "粮油作物", "130123100 正定镇"} <= values or \
        {"专职", "兼职", "乡土专家", "组织建设", "粮油作物"} <= values
    assert any(str(v).startswith("130123") for v in values if v)
    notes = wb[imports.INSTRUCTIONS_SHEET]
    text = " ".join(str(c.value) for r in notes.iter_rows() for c in r if c.value)
    assert "顿号" in text and "身份证号码" in text and "示例" in text


def test_the_template_example_row_is_skipped_and_a_filled_template_imports(county, save):
    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(county.department)))
    sheet = wb[imports.DATA_SHEET]
    sheet.append([row(1)[h] for h in HEADERS])
    buffer = io.BytesIO()
    wb.save(buffer)
    outcome = run(county, save(buffer.getvalue()))
    assert outcome.errors == [] and outcome.total == 1 and outcome.created == 1


# --- tolerant reading ---------------------------------------------------------------------------------------

def test_header_variants_fullwidth_spaces_and_a_header_below_a_title(county, save):
    headers = [{"身份证号码": "公民身份号码", "手机号码": "联系电话", "所在地区": "地区"}.get(h, h) for h in HEADERS]
    headers[0] = " 姓 名 "
    values = row(1)
    renamed = {"身份证号码": "公民身份号码", "手机号码": "联系电话", "所在地区": "地区", "姓名": " 姓 名 "}
    values = {renamed.get(k, k): v for k, v in values.items()}
    fullwidth = str.maketrans("0123456789", "０１２３４５６７８９")
    values["联系电话"] = " " + values["联系电话"].translate(fullwidth) + " "
    values["公民身份号码"] = values["公民身份号码"].translate(fullwidth)
    values["工作模式"] = " 兼 职 "
    outcome = run(county, save(xlsx([values], headers, before=[["正定县辅导员名录"]])))
    assert outcome.errors == []
    counselor = Counselor.query.one()
    assert counselor.name == "导入1" and counselor.phone_masked == "139****0001"


@pytest.mark.parametrize("value", [date(2023, 1, 5), "2023-01-05", "2023/1/5", "2023年1月5日", " 2023 年 1 月 5 日 ",
                                   44931, "２０２３－０１－０５"])
def test_dates_as_excel_dates_or_text(county, save, value):
    outcome = run(county, save(xlsx([row(1, 聘任日期=value)])))
    assert outcome.errors == []
    assert Counselor.query.one().appointed_on == date(2023, 1, 5)


def test_id_numbers_with_lower_case_x_or_stored_as_numbers(county, save):
    from stdnum.cn import ric

    lower = "11010519491231002x"
    # an ID number Excel can keep exactly as a number (the digits after the 14th are zeros)
    numeric = next(n for n in (f"130123{d:%Y%m%d}0000" for d in (date(1970, 1, 1) + timedelta(days=i)
                                                                   for i in range(5000)))
                   if ric.calc_check_digit(n) == "0")
    rows = [row(1, 身份证号码=lower), row(2, 身份证号码=int(numeric))]
    outcome = run(county, save(xlsx(rows)))
    assert outcome.errors == [], outcome.errors
    masked = {c.id_number_masked for c in Counselor.query}
    assert masked == {"1101**********002X", numeric[:4] + "**********" + numeric[-4:]}


def test_an_id_number_mangled_by_excel_is_reported(county, save):
    outcome = run(county, save(xlsx([row(1, 身份证号码=110105194912310021)])))
    assert outcome.errors and "数字" in outcome.errors[0]["message"] and counselors() == 0


def test_region_by_code_number_full_name_or_unique_short_name(county, save):
    rows = [row(1, 所在地区=130123), row(2, 所在地区="正定县"), row(3, 所在地区="河北省 石家庄市 正定县"),
            row(4, 所在地区="130123 正定县"), row(5, 所在地区="石家庄市正定县")]
    outcome = run(county, save(xlsx(rows)))
    assert outcome.errors == []
    assert {c.region_code for c in Counselor.query} == {"130123"}


def test_multi_valued_cells_with_any_separator(county, save):
    rows = [row(1, 业务专长="组织建设、财务会计", 产业领域="粮油作物,蔬菜"),
            row(2, 业务专长="市场营销；信贷保险", 产业领域="果树，畜牧养殖")]
    outcome = run(county, save(xlsx(rows)))
    assert outcome.errors == []
    by_name = {c.name: c for c in Counselor.query}
    assert by_name["导入1"].specialties == Specialty.ORGANIZATION | Specialty.FINANCE
    assert by_name["导入1"].industries == Industry.GRAIN | Industry.VEGETABLE
    assert by_name["导入2"].specialties == Specialty.MARKETING | Specialty.CREDIT


# --- bad rows: all-or-nothing -------------------------------------------------------------------------------

BAD_ROWS = [
    ({"姓名": ""}, "姓名", "请填写姓名"),
    ({"身份证号码": ""}, "身份证号码", "请填写身份证号码"),
    ({"身份证号码": "11010519491231002"}, "身份证号码", "18 位"),
    ({"身份证号码": "110105194912310021"}, "身份证号码", "校验位"),
    ({"身份证号码": demo_id_number("130123", date(2015, 1, 1), 1)}, "身份证号码", "18 周岁"),
    ({"手机号码": "1390000"}, "手机号码", "11 位"),
    ({"所在地区": ""}, "所在地区", "请选择所在地区"),
    ({"所在地区": "130102"}, "所在地区", "不在本部门管辖范围内"),
    ({"所在地区": "北京市"}, "所在地区", "没有名为"),
    ({"业务专长": ""}, "业务专长", "至少选择一项"),
    ({"业务专长": "组织建设、跳舞"}, "业务专长", "“跳舞”不是可选的业务专长"),
    ({"产业领域": "太空"}, "产业领域", "不是可选的产业领域"),
    ({"工作模式": ""}, "工作模式", "请选择工作模式"),
    ({"工作模式": "半职"}, "工作模式", "不是可选的工作模式"),
    ({"选聘来源": "路人"}, "选聘来源", "不是可选的选聘来源"),
    ({"聘任日期": ""}, "聘任日期", "请填写聘任日期"),
    ({"聘任日期": "明天"}, "聘任日期", "无法识别"),
    ({"聘任日期": "2023-02-30"}, "聘任日期", "无法识别"),
    ({"聘期结束日期": "2020-01-01"}, "聘期结束日期", "须晚于聘任日期"),
    ({"学历": "博士后"}, "学历", "不是可选的学历"),
    ({"可远程服务": "也许"}, "可远程服务", "是”或“否"),
    ({"同时服务数量": "很多"}, "同时服务数量", "整数"),
    ({"同时服务数量": 500}, "同时服务数量", "0 到 100"),
]


@pytest.mark.parametrize(("overrides", "column", "message"), BAD_ROWS, ids=[m for _o, _c, m in BAD_ROWS])
def test_a_bad_row_writes_nothing_and_names_row_column_and_reason(county, save, overrides, column, message):
    outcome = run(county, save(xlsx([row(1), row(2, **overrides), row(3)])))
    assert counselors() == 0
    assert any(e["row"] == 3 and e["column"] == column and message in e["message"] for e in outcome.errors), \
        outcome.errors


def test_duplicates_inside_the_file(county, save):
    twin = row(1)
    outcome = run(county, save(xlsx([twin, row(2), {**twin, "姓名": "重复者", "手机号码": "13900009999"}])))
    assert counselors() == 0
    assert outcome.errors == [{"row": 4, "column": "身份证号码", "message": "与第 2 行的身份证号码重复"}]


def test_duplicates_against_another_departments_record(world, save, make_user):
    county = world["county"]
    other = make_user(region_code="130100")  # the city appoints too
    assert run(other, save(xlsx([row(1, 所在地区="130102")]), "city.xlsx")).created == 1
    outcome = run(county, save(xlsx([row(1), row(2)])))
    assert outcome.errors == [{"row": 2, "column": "身份证号码", "message": "该身份证号码已由其他部门录入名录库"}]
    assert counselors() == 1


def test_only_appointing_departments_import(world, save):
    from marketplace.errors import NotAllowed

    with pytest.raises(NotAllowed):
        imports.import_file(world["township"], save(xlsx([row(1)])))


# --- writing ------------------------------------------------------------------------------------------------

def test_created_rows_have_certificates_events_service_areas_and_one_audit_entry(county, save, db):
    outcome = run(county, save(xlsx([row(1), row(2, 聘任日期="2023-06-01"), row(3)])))
    assert (outcome.created, outcome.updated, outcome.unchanged) == (3, 0, 0)
    numbers = sorted(c.certificate_no for c in Counselor.query)
    assert numbers == ["130123-2023-00001", "130123-2024-00001", "130123-2024-00002"]
    for counselor in Counselor.query:
        assert counselor.department_id == county.department_id and counselor.gender is not None
        assert [r.code for r in counselor.service_areas] == ["130123"]
        assert [e.action for e in counselor.events] == ["appoint"]
        assert counselor.term_end == date(counselor.appointed_on.year + 3, counselor.appointed_on.month, 1) - \
            timedelta(days=1)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "counselor.import")).all()
    assert len(entries) == 1 and entries[0].details["created"] == 3


def test_reimport_updates_and_counts_created_updated_unchanged(county, save, db, monkeypatch):
    from marketplace.directory import yearly

    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 5, 10))  # updates need the yearly window
    assert run(county, save(xlsx([row(1), row(2), row(3)]))).created == 3
    changed = row(2, 手机号码="13700000000", 职务="社长", 业务专长="技术支持")
    outcome = run(county, save(xlsx([row(1), changed, row(3), row(4)]), "again.xlsx"))
    assert (outcome.created, outcome.updated, outcome.unchanged) == (1, 1, 2)
    counselor = Counselor.query.filter_by(name="导入2").one()
    assert counselor.phone_masked == "137****0000" and counselor.position == "社长"
    assert counselor.specialties == Specialty.TECHNICAL
    event = db.session.scalars(select(CounselorEvent).where(CounselorEvent.action == "import_update")).one()
    assert event.counselor_id == counselor.id and {"phone", "position", "specialties"} <= set(event.changes)
    assert counselors() == 4


def test_records_existing_before_the_import_are_updated_while_earlier_chunks_are_written(county, save, db,
                                                                                      monkeypatch):
    """Chunks of 2 rows: each chunk is written (on PostgreSQL by the writing thread) while the next ones are
    checked and looked up (on PostgreSQL on the look-ups' own connection, which sees what was committed before
    the import and none of its own rows)."""
    from marketplace.directory import yearly
    from marketplace.imports import pool

    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 5, 10))  # updates need the yearly window
    monkeypatch.setattr(pool, "CHUNK_ROWS", 2)
    assert run(county, save(xlsx([row(1), row(7)]))).created == 2
    rows = [row(2), row(3), row(4), row(1, 职务="社长"), row(5), row(6), row(7), row(8)]
    outcome = run(county, save(xlsx(rows), "again.xlsx"))
    assert not outcome.errors
    assert (outcome.created, outcome.updated, outcome.unchanged) == (6, 1, 1)
    assert Counselor.query.filter_by(name="导入1").one().position == "社长"
    assert counselors() == 8
    numbers = db.session.scalars(select(Counselor.certificate_no)).all()
    assert len(set(numbers)) == 8


def test_a_duplicate_of_a_row_already_written_is_refused_and_nothing_is_written(county, save, db, monkeypatch):
    """The duplicate comes chunks after its first row, which has been written by then (in the import's
    transaction, not visible to the look-ups): refused as a duplicate within the file, everything rolled back."""
    from marketplace.imports import pool

    monkeypatch.setattr(pool, "CHUNK_ROWS", 2)
    rows = [row(2), row(3), row(4), row(5), row(6), row(3, 姓名="另一个人"), row(7)]
    outcome = run(county, save(xlsx(rows)))
    assert [(e["row"], e["column"], e["message"]) for e in outcome.errors] == [
        (7, "身份证号码", "与第 3 行的身份证号码重复")]
    assert counselors() == 0
    assert db.session.scalar(select(func.count()).select_from(CounselorEvent)) == 0


def test_a_writer_failing_halfway_leaves_nothing(county, save, db, monkeypatch):
    monkeypatch.setattr(imports.Writer, "fail_after", 1)
    monkeypatch.setattr(import_writer, "CHUNK", 2)
    with pytest.raises(RuntimeError):
        imports.import_file(county, save(xlsx([row(n) for n in range(1, 8)])))
    db.session.rollback()
    assert counselors() == 0
    assert db.session.scalar(select(func.count()).select_from(counselor_service_areas)) == 0


def test_a_task_failing_halfway_marks_the_job_failed_and_writes_nothing(county, client, api_token, monkeypatch):
    monkeypatch.setattr(imports.Writer, "fail_after", 1)
    headers = api_token(county)
    response = client.post("/api/v1/counselors/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx([row(1), row(2), row(3)])), "a.xlsx")})
    assert response.status_code == 202
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["state"] == "failed" and "未写入任何数据" in job["errors"][0]["message"]
    assert counselors() == 0


# --- bad files ----------------------------------------------------------------------------------------------

def _corrupt() -> bytes:
    data = bytearray(xlsx([row(1)]))
    return bytes(data[: len(data) // 2])


BAD_FILES = [
    ("empty", b"", "文件是空的"),
    ("binary", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + b"\0" * 100, "不是 Excel 工作簿（xlsx、xls）或 CSV 文件"),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_wrong_files_are_refused_at_upload(county, client, api_token, login, name, data, message):
    response = client.post("/api/v1/counselors/imports", headers=api_token(county),
                           data={"file": (io.BytesIO(data), f"{name}.xlsx")})
    assert response.status_code == 400 and message in response.get_json()["error"]["message"]
    login(county)
    page = client.post("/directory/imports", data={"file": (io.BytesIO(data), f"{name}.xlsx")})
    assert page.status_code == 400 and message in page.get_data(as_text=True)
    assert Job.query.count() == 0 and counselors() == 0


def _no_headers() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["编号", "内容"])
    wb.active.append([1, "张三"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _only_headers() -> bytes:
    return xlsx([])


@pytest.mark.parametrize(("maker", "message"), [(_corrupt, "损坏"), (_no_headers, "表头"),
                                                (_only_headers, "没有数据行")])
def test_unreadable_files_fail_the_job_with_a_message(county, client, api_token, maker, message):
    headers = api_token(county)
    response = client.post("/api/v1/counselors/imports", headers=headers,
                           data={"file": (io.BytesIO(maker()), "x.xlsx")})
    assert response.status_code == 202
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["state"] == "failed" and message in job["errors"][0]["message"]
    assert counselors() == 0


def test_a_file_over_the_limit_is_refused(county, client, api_token, app):
    headers = api_token(county)
    app.config["IMPORT_MAX_BYTES"] = 1000
    try:
        response = client.post("/api/v1/counselors/imports", headers=headers,
                               data={"file": (io.BytesIO(xlsx([row(1)])), "big.xlsx")})
    finally:
        app.config["IMPORT_MAX_BYTES"] = 20 * 1024 * 1024
    assert response.status_code == 400 and "文件太大" in response.get_json()["error"]["message"]
    assert Job.query.count() == 0


def test_a_200_mb_upload_is_refused_before_reading(county, client, api_token):
    class Endless(io.RawIOBase):
        read_bytes = 0

        def readable(self):
            return True

        def seekable(self):
            return True

        position = 0

        def seek(self, offset, whence=0):  # the test client measures the body by seeking to its end
            self.position = 200 * 1024 * 1024 if whence == 2 else offset
            return self.position

        def tell(self):
            return self.position

        def readinto(self, buffer):
            Endless.read_bytes += len(buffer)
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    response = client.post("/api/v1/counselors/imports", headers=api_token(county), input_stream=Endless(),
                           content_type="multipart/form-data; boundary=b")
    assert response.status_code == 413, response.get_data(as_text=True)[:300]
    assert response.get_json()["error"]["code"] == "too_large"
    assert Endless.read_bytes < 2 * 1024 * 1024
    assert Job.query.count() == 0


# --- jobs: pages, API, progress, reaper ---------------------------------------------------------------------

def test_upload_page_runs_the_job_and_shows_counts(county, client, login, db):
    login(county)
    form = client.get("/directory/imports")
    assert form.status_code == 200 and "下载导入模板" in form.get_data(as_text=True)
    response = client.post("/directory/imports", data={"file": (io.BytesIO(xlsx([row(1), row(2)])), "a.xlsx")})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert "新增 2 人" in html and "import-progress.js" in html and "style=" not in html
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    status = client.get(f"/directory/imports/{job_id}.json").get_json()
    assert status["state"] == "succeeded" and status["processed"] == status["total"] == 2
    assert not (Path(db.session.get(Job, job_id).input_path)).exists()  # the upload is not kept


def test_the_job_page_shows_errors_and_the_error_report_downloads(county, client, login):
    login(county)
    response = client.post("/directory/imports",
                           data={"file": (io.BytesIO(xlsx([row(1), row(2, 手机号码="12")])), "a.xlsx")})
    job_url = response.headers["Location"]
    html = client.get(job_url).get_data(as_text=True)
    assert "手机号码应为 11 位数字" in html and "未导入任何数据" in html
    report = client.get(job_url + "/errors.xlsx")
    assert report.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    assert list(sheet.iter_rows(values_only=True))[1] == (3, "手机号码", "手机号码应为 11 位数字")
    assert counselors() == 0


def test_api_job_document(county, client, api_token):
    headers = api_token(county)
    response = client.post("/api/v1/counselors/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx([row(1)])), "a.xlsx")})
    assert response.status_code == 202 and set(response.get_json()) == {"job_id"}
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert {"state", "processed", "total", "errors", "summary"} <= set(job)
    assert job["state"] == "succeeded" and job["summary"]["created"] == 1 and job["errors"] == []


def test_the_task_is_idempotent(county, save, db):
    from tasks.imports import import_counselors

    job = Job(kind=imports.JOB_KIND, actor_id=county.id, region_code="130123",
              input_path=str(save(xlsx([row(1)]))))
    db.session.add(job)
    db.session.commit()
    assert import_counselors(job.id) == "succeeded"
    assert import_counselors(job.id) == "succeeded"  # a second delivery changes nothing
    assert counselors() == 1


def test_the_reaper_fails_jobs_whose_worker_died(county, db, app):
    from tasks.imports import reap_stale_imports

    old = Job(kind=imports.JOB_KIND, actor_id=county.id, region_code="130123", state=JobState.RUNNING,
              heartbeat_at=utcnow() - timedelta(minutes=30))
    fresh = Job(kind=imports.JOB_KIND, actor_id=county.id, region_code="130123", state=JobState.RUNNING,
                heartbeat_at=utcnow())
    db.session.add_all([old, fresh])
    db.session.commit()
    assert reap_stale_imports() == 1
    db.session.expire_all()
    assert old.state is JobState.FAILED and "导入中断" in old.errors[0]["message"]
    assert fresh.state is JobState.RUNNING
    from tasks import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["jobs.reap_stale"]["task"] == "jobs.reap_stale"  # every job kind, imports included


def test_a_worker_killed_mid_import_leaves_nothing(county, db, database_url, tmp_path, app):
    """A real worker process, SIGKILLed while it writes a large import; the reaper then fails the job."""
    from celery import Celery

    n = 6000
    rows = [row(i, 身份证号码=demo_id_number("130123", date(1970, 1, 1) + timedelta(days=i // 900), i % 900))
            for i in range(1, n + 1)]
    path = imports.imports_dir() / "killed.xlsx"
    path.write_bytes(xlsx(rows))
    job = Job(kind=imports.JOB_KIND, actor_id=county.id, region_code="130123", input_path=str(path))
    db.session.add(job)
    db.session.commit()
    broker = f"sqla+sqlite:///{tmp_path / 'broker.sqlite'}"
    backend = f"db+sqlite:///{tmp_path / 'results.sqlite'}"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update({"FUDAO_INSTANCE_PATH": app.instance_path, "DATABASE_URL": database_url,
                "FUDAO_SECRET_KEY": "test-secret", "FUDAO_IMPORT_TEST_SLOW_WRITE": "1"})
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    env["CELERY_BROKER_URL"] = broker
    process = subprocess.Popen(
        [sys.executable, "-c", _WORKER.format(broker=broker, backend=backend)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        client = Celery("kill-test", broker=broker, backend=backend, set_as_current=False)
        client.send_task("imports.counselors", [job.id])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            # kill as soon as the worker writes; reading the job first could wait for the writer's lock (SQLite)
            if (tmp_path / "worker.log").read_text().count("WRITING"):
                break
            db.session.expire_all()
            if db.session.get(Job, job.id).state in (JobState.SUCCEEDED, JobState.FAILED):
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        log.close()
    time.sleep(0.5)
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.RUNNING, (tmp_path / "worker.log").read_text()[-3000:]
    db.session.expire_all()
    assert counselors() == 0
    assert imports.reap_stale(utcnow() + timedelta(hours=1)) == 1
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.FAILED
    assert counselors() == 0


# A worker whose writer pauses while writing, so the test can kill it mid-transaction.
_WORKER = """
import os, sys, time
from marketplace.directory import import_writer, imports

original = imports.Writer._progress
def slow(self, done):
    print("WRITING", done, flush=True)
    time.sleep(0.05)
    return original(self, done)
imports.Writer._progress = slow
imports.PROGRESS_EVERY = 200
imports.CHUNK = 200
from wsgi import celery
celery.conf.broker_url = "{broker}"
celery.conf.result_backend = "{backend}"
celery.worker_main(["worker", "--pool=solo", "--loglevel=info", "--without-gossip", "--without-mingle",
                    "-n", "kill-%d@%%h" % os.getpid()])
"""


# --- export -------------------------------------------------------------------------------------------------

def test_the_export_is_masked_and_its_re_import_is_refused_cell_by_cell(county, pages, save, db):
    run(county, save(xlsx([row(1), row(2)])))
    pages.sign_in(county)
    response = pages.get("/directory/").click("导出", href="export.xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.body)).active.iter_rows(values_only=True))
    assert all("*" in r[1] and "*" in r[2] for r in rows[1:])
    assert row(1)["身份证号码"] not in {r[1] for r in rows[1:]}
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "counselor.export_unmasked")) == 0
    before = {c.id: (c.id_number_cipher, c.phone_cipher) for c in db.session.scalars(select(Counselor))}
    outcome = run(county, save(response.body, "masked.xlsx"))
    assert outcome.created == outcome.updated == 0
    assert {e["column"] for e in outcome.errors} == {"身份证号码", "手机号码"} and len(outcome.errors) == 4
    assert "掩码" in outcome.errors[0]["message"] and "导出完整信息" in outcome.errors[0]["message"]
    db.session.expire_all()
    assert {c.id: (c.id_number_cipher, c.phone_cipher) for c in db.session.scalars(select(Counselor))} == before


def test_the_full_export_needs_a_purpose_is_audited_and_reimports_with_nothing_created(county, pages, save, db):
    run(county, save(xlsx([row(1), row(2, 职务="=HYPERLINK(\"http://evil\")", 工作单位="+1", 职称="@SUM(A1)")])))
    pages.sign_in(county)
    page = pages.get("/directory/")
    refused = page.forms["export-full"].submit().follow()
    assert "导出完整信息须填写用途" in refused.text
    form = pages.get("/directory/").forms["export-full"]
    form["reason"] = "年度报送省厅"
    response = form.submit()
    assert response.headers["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(response.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS and len(rows) == 3
    assert {r[1] for r in rows[1:]} == {row(1)["身份证号码"], row(2)["身份证号码"]}
    xml = zipfile.ZipFile(io.BytesIO(response.body)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml and "HYPERLINK" in xml, xml
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "counselor.export_unmasked"))
    assert entry.details["purpose"] == "年度报送省厅" and entry.details["count"] == 2
    outcome = run(county, save(response.body, "exported.xlsx"))
    assert outcome.errors == [] and (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 2)


def test_export_is_masked_for_superiors_and_filters_apply(world, client, login, save, db):
    run(world["county"], save(xlsx([row(1), row(2, 工作模式="专职")])))
    login(world["city"])
    response = client.get("/directory/export.xlsx?work_mode=full_time")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "导入2"
    assert "*" in rows[1][1] and "*" in rows[1][2]
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "counselor.export_unmasked")) == 0
    client.post("/auth/logout")
    login(world["other_province"])
    rows = list(openpyxl.load_workbook(io.BytesIO(client.get("/directory/export.xlsx").data)).active.iter_rows())
    assert len(rows) == 1


def test_api_template_and_export(county, client, api_token, save, db):
    run(county, save(xlsx([row(1)])))
    headers = api_token(county)
    template = client.get("/api/v1/counselors/template.xlsx", headers=headers)
    assert template.status_code == 200 and imports.DATA_SHEET in openpyxl.load_workbook(
        io.BytesIO(template.data)).sheetnames
    export = client.get("/api/v1/counselors/export.xlsx?q=导入1", headers=headers)
    rows = list(openpyxl.load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and "*" in rows[1][1] and "*" in rows[1][2]
    assert client.post("/api/v1/counselors/export-full.xlsx?q=导入1", headers=headers, json={}).status_code == 422
    assert client.post("/api/v1/counselors/export-full.xlsx", headers=headers,
                       json={"purpose": "  "}).status_code == 400
    full = client.post("/api/v1/counselors/export-full.xlsx?q=导入1", headers=headers, json={"purpose": "核对"})
    rows = list(openpyxl.load_workbook(io.BytesIO(full.data)).active.iter_rows(values_only=True))
    assert full.status_code == 200 and rows[1][1] == row(1)["身份证号码"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "counselor.export_unmasked"))
    assert entry.details["purpose"] == "核对"


def test_parse_date_rejects_nonsense():
    assert imports.parse_date(datetime(2023, 1, 5, 8, 0)) == date(2023, 1, 5)
    with pytest.raises(ValueError):
        imports.parse_date("5/1/2023")


def test_outside_the_window_new_rows_import_but_updates_of_existing_records_are_refused(county, save, db,
                                                                                         monkeypatch):
    """The rule of docs/directory.md: new appointees all year; changing existing records (an import's
    updates as the edit page) from 1 July only with a superior's unlock. All-or-nothing: nothing written."""
    from marketplace.directory import yearly

    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 10, 10))
    assert run(county, save(xlsx([row(1), row(2)]))).created == 2
    unchanged = run(county, save(xlsx([row(1), row(2)]), "same.xlsx"))
    assert (unchanged.created, unchanged.updated, unchanged.unchanged, unchanged.errors) == (0, 0, 2, [])
    changed = row(2, 职务="社长")
    outcome = run(county, save(xlsx([row(1), changed, row(3)]), "again.xlsx"))
    assert outcome.created == 0 and outcome.updated == 0
    assert [e["row"] for e in outcome.errors] == [3]
    message = outcome.errors[0]["message"]
    assert "须由上级部门解锁" in message and "新聘任的辅导员可随时导入" in message
    assert counselors() == 2
    assert Counselor.query.filter_by(name="导入2").one().position != "社长"


# --- checking on every core (marketplace/imports/pool.py) ----------------------------------------------------

def _mixed_file() -> bytes:
    """Valid rows with every kind of error among them: bad cells, failed checks, a duplicate, a region outside
    the jurisdiction (checked again once its code is loaded), 性别 against the ID number, a warning."""
    headers = [*HEADERS, "性别"]
    rows = [row(n) for n in range(1, 41)]
    for n, (overrides, _column, _message) in enumerate(BAD_ROWS):
        rows[n + 3] = row(n + 4, **overrides)
    rows[30] = {**row(1), "姓名": "重复者", "手机号码": "13900009999"}  # the ID number of the first row again
    rows[31] = row(32, 性别=_gender(32, wrong=True))
    rows[32] = row(33, 性别=_gender(33))
    rows[33] = row(34, 聘期结束日期="2025-01-01", 聘任日期="2022-01-01")  # a term already over: a warning
    return xlsx(rows, headers)


def _gender(n: int, wrong: bool = False) -> str:
    """The gender the ID number of row(n) says (its 17th digit: odd for men), or the other one."""
    male = int(row(n)["身份证号码"][16]) % 2 == 1
    return "男" if male != wrong else "女"


def _comparable(outcome, rows) -> tuple:
    from marketplace import crypto

    def sealed(r):
        s = dict(r.sealed or {})
        for key in ("id_number_cipher", "phone_cipher"):  # Fernet tokens carry a random IV: compare the plaintext
            s[key] = crypto.decrypt(s[key]) if s.get(key) else None
        return s

    return (outcome.total, outcome.errors, outcome.warnings,
            [(r.row, r.data, r.checked, r.id_hash, r.failed, sealed(r)) for r in rows])


def _check(county, path, **stats):
    from marketplace.extensions import db

    outcome, rows, _existing = imports.check_file(path, county.department, pool=stats)
    db.session.rollback()
    return _comparable(outcome, rows), stats


@pytest.fixture
def small_pool(app, monkeypatch):
    """The pool for files of more than 5 rows, in chunks of 7 (so a 40-row file makes 6 chunks)."""
    from marketplace.imports import pool

    monkeypatch.setitem(app.config, "IMPORT_POOL_MIN_ROWS", 5)
    monkeypatch.setitem(app.config, "IMPORT_WORKERS", 2)
    monkeypatch.setattr(pool, "CHUNK_ROWS", 7)
    return pool


def test_the_pool_finds_the_same_rows_errors_and_warnings_as_the_serial_path(county, save, small_pool, app,
                                                                              monkeypatch):
    path = save(_mixed_file())
    parallel, stats = _check(county, path)
    assert stats == {"workers": 2, "fallback": False}
    monkeypatch.setitem(app.config, "IMPORT_WORKERS", 1)
    serial, stats = _check(county, path)
    assert stats == {"workers": 0, "fallback": False}
    assert parallel == serial
    total, errors, warnings, rows = serial
    assert total == 40 and len(rows) == 40 - len(BAD_ROWS) - 1 - 1  # bad rows, the duplicate, 性别
    assert {"row": 32, "column": "身份证号码", "message": "与第 2 行的身份证号码重复"} in errors
    stated, actual = _gender(32, wrong=True), _gender(32)
    message = f"性别“{stated}”与身份证号码不符（身份证号码为{actual}性）"
    assert {"row": 33, "column": "性别", "message": message} in errors
    assert any(e["row"] == 12 and e["column"] == "所在地区" and "不在本部门管辖范围内" in e["message"] for e in errors)
    assert [e["row"] for e in errors] == sorted(e["row"] for e in errors)
    assert any(w["row"] == 35 and w["column"] == "聘期结束日期" for w in warnings)


def test_an_import_through_the_pool_stores_what_the_file_says(county, save, small_pool, db):
    from marketplace import crypto

    rows = [row(n) for n in range(1, 31)]
    outcome = run(county, save(xlsx(rows)))
    assert (outcome.created, outcome.errors) == (30, [])
    stored = {crypto.decrypt(c.id_number_cipher): c for c in db.session.scalars(select(Counselor))}
    for values in rows:
        counselor = stored[values["身份证号码"]]
        assert (counselor.name, crypto.decrypt(counselor.phone_cipher)) == (values["姓名"], values["手机号码"])
        assert counselor.phone_hash == crypto.lookup_hash(values["手机号码"])
        assert counselor.phone_masked == values["手机号码"][:3] + "****" + values["手机号码"][-4:]
    assert len({c.certificate_no for c in stored.values()}) == 30


def test_text_with_tabs_backslashes_and_line_breaks_is_stored_as_written(county, save, small_pool, db):
    """The records go to PostgreSQL as COPY text made in the pool's helpers: what needs escaping there is kept."""
    odd = {"姓名": "王\\五", "工作单位": "某\t合作社\\分社", "职务": "理事\n长", "职称": "\\N",
           "政治面貌": "", "学历": ""}
    rows = [row(n, **(odd if n == 3 else {})) for n in range(1, 11)]
    path = save(xlsx(rows))
    assert run(county, path).created == 10
    counselor = db.session.scalars(select(Counselor).where(Counselor.name == "王\\五")).one()
    assert (counselor.employer, counselor.position, counselor.title) == ("某\t合作社\\分社", "理事\n长", "\\N")
    assert (counselor.political_status, counselor.education, counselor.township_code) == (None, None, None)
    again = run(county, path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)


def test_a_helper_killed_mid_chunk_leaves_the_rest_to_the_job_and_the_result_unchanged(county, save, small_pool,
                                                                                        app, monkeypatch):
    path = save(_mixed_file())
    monkeypatch.setitem(app.config, "IMPORT_WORKERS", 1)
    serial, _stats = _check(county, path)
    monkeypatch.setitem(app.config, "IMPORT_WORKERS", 2)
    monkeypatch.setattr(small_pool, "LOST_AFTER", 0.2)
    job_process, original = os.getpid(), imports.RowChecker.check_chunk

    def dies_in_a_helper(self, raws):
        if os.getpid() != job_process and any(raw.row == 20 for raw in raws):
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, raws)

    monkeypatch.setattr(imports.RowChecker, "check_chunk", dies_in_a_helper)
    parallel, stats = _check(county, path)
    assert stats == {"workers": 2, "fallback": True}
    assert parallel == serial


def test_a_pool_that_cannot_start_checks_in_the_job_process(county, save, small_pool, app, monkeypatch):
    import billiard

    path = save(_mixed_file())
    monkeypatch.setitem(app.config, "IMPORT_WORKERS", 1)
    serial, _stats = _check(county, path)
    monkeypatch.setitem(app.config, "IMPORT_WORKERS", 2)

    class NoFork:
        def Pool(self, *args, **kwargs):
            raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(billiard, "get_context", lambda method: NoFork())
    parallel, stats = _check(county, path)
    assert stats == {"workers": 0, "fallback": True}
    assert parallel == serial


def test_an_error_in_a_helper_fails_the_job_cleanly(county, client, api_token, small_pool, monkeypatch):
    job_process, original = os.getpid(), imports.RowChecker.check_chunk

    def breaks_in_a_helper(self, raws):
        if os.getpid() != job_process:
            raise RuntimeError("a bug in a row check")
        return original(self, raws)

    monkeypatch.setattr(imports.RowChecker, "check_chunk", breaks_in_a_helper)
    headers = api_token(county)
    response = client.post("/api/v1/counselors/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx([row(n) for n in range(1, 21)])), "a.xlsx")})
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["state"] == "failed"
    assert job["errors"] == [{"row": None, "column": None, "message": "导入失败：服务器内部错误，未写入任何数据"}]
    assert counselors() == 0


def test_the_job_records_where_its_time_went(county, client, api_token, login):
    headers = api_token(county)
    response = client.post("/api/v1/counselors/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx([row(1), row(2)])), "a.xlsx")})
    job_id = response.get_json()["job_id"]
    summary = client.get(f"/api/v1/jobs/{job_id}", headers=headers).get_json()["summary"]
    assert [p["name"] for p in summary["phases"]] == ["queue", "lock", "read_check", "encrypt", "numbers", "copy",
                                                      "update", "commit"]
    assert all(isinstance(p["seconds"], float | int) and p["seconds"] >= 0 for p in summary["phases"])
    assert summary["pool"] == {"workers": 0, "fallback": False}  # two rows: checked in the job's process
    login(county)
    page = client.get(f"/directory/imports/{job_id}")
    assert "各阶段用时" in page.get_data(as_text=True) and "读取与检查" in page.get_data(as_text=True)


def test_chunks_written_before_an_error_further_down_are_rolled_back(county, client, api_token, small_pool, save,
                                                                     db):
    rows = [row(n) for n in range(1, 31)] + [row(31, 聘任日期="明天")]  # five chunks written, then the error
    headers = api_token(county)
    response = client.post("/api/v1/counselors/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx(rows)), "a.xlsx")})
    job = client.get(f"/api/v1/jobs/{response.get_json()['job_id']}", headers=headers).get_json()
    assert job["state"] == "failed" and job["summary"]["message"] == "有 1 处错误，未导入任何数据"
    assert job["errors"] == [{"row": 32, "column": "聘任日期", "message": "日期“明天”无法识别，请填写如 2023-01-05"}]
    assert counselors() == 0
    assert db.session.scalar(select(func.count()).select_from(CounselorEvent)) == 0
    assert db.session.scalar(select(func.count()).select_from(counselor_service_areas)) == 0
    # the certificate numbers taken by the rolled-back chunks are free again: the corrected file gets them
    assert run(county, save(xlsx(rows[:30]))).created == 30
    numbers = sorted(c.certificate_no for c in db.session.scalars(select(Counselor)))
    assert numbers[0].endswith("-00001") and numbers[-1].endswith("-00030")


def test_stale_statistics_are_refreshed_mid_import(county, save, small_pool, db, monkeypatch):
    """Planned for the nearly empty table it was last analysed as, each new event's foreign-key check scanned
    a counselors table growing to 30,000 rows (a 40-75 s COPY); the writer analyses it once it has grown."""
    from sqlalchemy import text

    from tests.conftest import require_postgres_session

    require_postgres_session()
    monkeypatch.setattr(import_writer, "REPLAN_FROM", 10)
    db.session.execute(text("ANALYZE counselors"))  # the table as the planner last saw it: empty
    outcome = imports.import_file(county, save(xlsx([row(n) for n in range(1, 31)])))
    assert outcome.created == 30
    planned = db.session.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'counselors'::regclass")).scalar()
    assert planned >= 10  # analysed inside the import's transaction, which it sees
    db.session.rollback()


def test_a_large_import_analyses_its_look_up_columns_and_queues_the_rest(county, save, db, monkeypatch):
    from sqlalchemy import text

    from marketplace.outbox.models import OutboxMessage
    from tasks.directory import analyze
    from tests.conftest import require_postgres_session

    require_postgres_session()
    monkeypatch.setattr(import_writer, "ANALYZE_AFTER", 10)
    db.session.execute(text("ANALYZE counselors"))  # empty
    assert run(county, save(xlsx([row(n) for n in range(1, 31)]))).created == 30
    planned = "SELECT reltuples FROM pg_class WHERE oid = 'counselors'::regclass"
    assert db.session.scalar(text(planned)) == 30  # the look-ups plan with the table as it now is
    assert db.session.query(OutboxMessage).filter_by(task_name="directory.analyze").count() == 1
    analyze()  # the whole table's statistics, after the commit
    assert "status" in set(db.session.scalars(text("SELECT attname FROM pg_stats WHERE tablename = 'counselors'")))


def test_a_reimport_through_the_pool_updates_phones_from_the_ciphers_sent_in_the_copy_text(county, save, small_pool,
                                                                                           db, monkeypatch):
    """A helper sends a sealed row's ciphers once, inside its COPY text; an update takes them back from there
    (a name or employer with tabs and backslashes included)."""
    import pickle

    from marketplace import crypto
    from marketplace.directory import yearly
    from marketplace.directory.imports import RegionIndex, RowChecker
    from marketplace.imports.reader import iter_raw_rows

    monkeypatch.setattr(yearly, "local_today", lambda: date(2026, 5, 10))  # updates need the yearly window
    odd = {"姓名": "王\\五\t六", "工作单位": "某\t合作社\\分社"}
    assert run(county, save(xlsx([row(n, **(odd if n == 3 else {})) for n in range(1, 11)]))).created == 10
    changed = [row(n, **({**odd, "手机号码": "13700000003"} if n == 3 else {})) for n in range(1, 11)]
    path = save(xlsx(changed), "again.xlsx")
    outcome = run(county, path)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 1, 9)
    counselor = db.session.scalars(select(Counselor).where(Counselor.name == "王\\五\t六")).one()
    assert crypto.decrypt(counselor.phone_cipher) == "13700000003"
    assert counselor.phone_hash == crypto.lookup_hash("13700000003") and counselor.phone_masked == "137****0003"

    department = county.department
    checker = RowChecker(department, RegionIndex(department))
    rows = checker.check_chunk(list(iter_raw_rows(path, imports.KIND)))
    sent = pickle.loads(pickle.dumps(rows))  # noqa: S301 - as a helper sends them back
    assert [r.sealed for r in sent] == [r.sealed for r in rows] and all(r.sealed for r in sent)
    assert [r.data for r in sent] == [r.data for r in rows]


def test_the_copy_of_the_departments_region_cannot_differ_from_it(county, save, db):
    """counselors (department_id, department_region_code) reference departments (id, region_code) (migration
    0024): one key, checked by PostgreSQL (SQLite here does not enforce foreign keys)."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    if db.engine.dialect.name != "postgresql":
        pytest.skip("foreign keys are enforced on PostgreSQL")
    assert run(county, save(xlsx([row(1)]))).created == 1
    counselor = db.session.scalars(select(Counselor)).one()
    assert counselor.department_region_code == counselor.department.region_code == "130123"
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text("UPDATE counselors SET department_region_code = '130100' WHERE id = :id"),
                           {"id": counselor.id})
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(text("UPDATE counselors SET department_region_code = '999999' WHERE id = :id"),
                           {"id": counselor.id})


def test_existing_records_are_found_by_hash_and_odd_hashes_still_work(county, save, db):
    """On PostgreSQL the hashes go as one array's text (hex digits need no quoting); anything else as an array
    parameter psycopg quotes."""
    from types import SimpleNamespace

    from marketplace import crypto

    assert run(county, save(xlsx([row(1), row(2)]))).created == 2
    hashes = [crypto.lookup_hash(row(n)["身份证号码"]) for n in (1, 2)]
    found = import_writer.existing_records([SimpleNamespace(id_hash=h) for h in [*hashes, "0" * 64]])
    assert set(found) == set(hashes)
    odd = import_writer.existing_records([SimpleNamespace(id_hash=h) for h in [hashes[0], "a,b'}\"{"]])
    assert set(odd) == {hashes[0]}
