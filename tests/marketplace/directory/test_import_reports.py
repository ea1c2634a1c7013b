"""What a counselor import reports (issue 13): every error of a row at once, a missing column once, 性别 and
出生日期 against the ID number, formulas without a value, .xls and .csv uploads, the error list paged."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
import webtest
import xlwt

from marketplace.demo.services import demo_id_number
from tests.marketplace.directory.test_imports import HEADERS, counselors, row, run, xlsx


@pytest.fixture
def county(world):
    return world["county"]


@pytest.fixture
def save(tmp_path):
    def do(data: bytes, name: str = "upload.xlsx"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return do


def test_a_cell_format_error_no_longer_hides_the_rows_other_errors(county, save):
    outcome = run(county, save(xlsx([row(1, 聘任日期="明天", 手机号码="12", 姓名="")])))
    found = {(e["row"], e["column"]) for e in outcome.errors}
    assert found == {(2, "聘任日期"), (2, "手机号码"), (2, "姓名")}, outcome.errors
    assert not any("请填写聘任日期" in e["message"] for e in outcome.errors)  # the cell's own error only
    assert counselors() == 0


def test_a_missing_required_column_is_reported_once_naming_it(county, save):
    headers = [h for h in HEADERS if h not in ("手机号码", "聘任日期")]
    outcome_error = None
    try:
        run(county, save(xlsx([row(n) for n in range(1, 30)], headers=headers)))
    except Exception as error:  # ImportFileError: one message for the file
        outcome_error = error.message
    assert outcome_error == "表头缺少必填列：“手机号码”、“聘任日期”。请按下载的模板补上这些列后重新上传"


def test_gender_and_birth_date_are_checked_against_the_id_number(county, save):
    born = date(1980, 1, 2)  # row(1)'s ID number: demo_id_number("130123", 1980-01-02, 1)
    assert row(1)["身份证号码"] == demo_id_number("130123", born, 1)
    headers = [*HEADERS, "性别", "出生日期"]
    ok = run(county, save(xlsx([{**row(1), "性别": "男" if int(row(1)["身份证号码"][16]) % 2 else "女",
                                 "出生日期": "1980-01-02"}], headers=headers)))
    assert ok.errors == [] and ok.created == 1
    wrong = run(county, save(xlsx([{**row(2), "性别": "女" if int(row(2)["身份证号码"][16]) % 2 else "男",
                                    "出生日期": "1979-12-31"}], headers=headers), "wrong.xlsx"))
    messages = {e["column"]: e["message"] for e in wrong.errors}
    assert set(messages) == {"性别", "出生日期"}
    assert "与身份证号码不符" in messages["性别"]
    assert "1979-12-31 与身份证号码不符（身份证号码为 1980-01-03）" in messages["出生日期"]
    assert counselors() == 1


def test_a_formula_without_a_value_is_reported_with_row_and_column(county, save):
    wb = openpyxl.load_workbook(io.BytesIO(xlsx([row(1), row(2)])))
    wb.active["R3"] = "=R2+1"  # 同时服务数量 of the second row, written by a program that computes nothing
    buffer = io.BytesIO()
    wb.save(buffer)
    outcome = run(county, save(buffer.getvalue()))
    assert [(e["row"], e["column"]) for e in outcome.errors] == [(3, "同时服务数量")]
    assert "公式没有计算结果" in outcome.errors[0]["message"]


def _xls(rows: list[dict]) -> bytes:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("辅导员名录")
    for c, header in enumerate(HEADERS):
        sheet.write(0, c, header)
    for r, values in enumerate(rows, start=1):
        for c, header in enumerate(HEADERS):
            sheet.write(r, c, values.get(header, ""))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _csv(rows: list[dict], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for values in rows:
        writer.writerow([values.get(h, "") for h in HEADERS])
    return buffer.getvalue().encode(encoding)


@pytest.mark.parametrize(("name", "maker"), [
    ("office.xls", lambda rows: _xls(rows)),
    ("utf8.csv", lambda rows: _csv(rows, "utf-8")),
    ("bom.csv", lambda rows: _csv(rows, "utf-8-sig")),
    ("gbk.csv", lambda rows: _csv(rows, "gbk")),
])
def test_xls_and_csv_upload_through_the_page(county, pages, name, maker):
    pages.sign_in(county)
    page = pages.get("/directory/imports")
    assert "支持 .xlsx、.xls 和 .csv" in page.text
    form = next(f for f in page.forms.values() if "file" in f.fields)
    form["file"] = webtest.Upload(name, maker([row(1), row(2)]))
    job_page = form.submit().follow()
    assert "新增 2 人" in job_page.text, job_page.text[:3000]
    assert counselors() == 2


def test_the_error_list_is_paged_in_the_api(county, client, api_token):
    headers = api_token(county)
    rows = [row(n, 手机号码="12") for n in range(1, 131)]
    response = client.post("/api/v1/counselors/imports", headers=headers,
                           data={"file": (io.BytesIO(xlsx(rows)), "a.xlsx")})
    job_url = f"/api/v1/jobs/{response.get_json()['job_id']}"
    first = client.get(job_url, headers=headers).get_json()
    assert first["state"] == "failed" and first["errors_total"] == 130
    assert len(first["errors"]) == 100 and first["errors"][0]["row"] == 2
    last = client.get(job_url + "?errors_page=3&errors_per_page=50", headers=headers).get_json()
    assert [e["row"] for e in last["errors"]] == list(range(102, 132))
    bad = client.get(job_url + "?errors_per_page=5000", headers=headers)
    assert bad.status_code == 422
