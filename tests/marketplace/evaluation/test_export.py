"""Evaluation results as xlsx, from the list page's button and the API: the jurisdiction's results only, the
list's filters, personal data masked, each export audited."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.crypto import decrypt
from marketplace.evaluation.models import CounselorEvaluation, EvaluationKind, Grade
from marketplace.extensions import db
from tests.marketplace.needs.helpers import make_counselor


def _result(counselor, grade: Grade, score: float, year: int = 2025) -> CounselorEvaluation:
    row = CounselorEvaluation(counselor_id=counselor.id, department_region_code=counselor.department_region_code,
                              year=year, kind=EvaluationKind.ANNUAL, computed_grade=grade, score=score)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def results(world):
    good = make_counselor(world["county"], name="王优秀")
    fair = make_counselor(world["county"], name="李合格")
    _result(good, Grade.EXCELLENT, 93.5)
    _result(fair, Grade.QUALIFIED, 71)
    return good, fair


def _rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def test_the_button_exports_the_filtered_list_masked_and_audited(pages, world, results):
    good, _fair = results
    pages.sign_in(world["city"])
    page = pages.get("/evaluation/", {"grade": "excellent", "year": "2025"})
    link = page.html.select_one("[data-testid=export-results]")["href"]
    assert "grade=excellent" in link
    response = pages.get(link)
    assert response.content_type.endswith("spreadsheetml.sheet")
    rows = _rows(response.body)
    assert rows[0][:6] == ["年度", "评价类型", "姓名", "证书编号", "身份证号码", "手机号码"]
    assert [r[2] for r in rows[1:]] == ["王优秀"]
    assert rows[1][4] == good.id_number_masked and rows[1][5] == good.phone_masked
    assert rows[1][-2] == "优秀" and rows[1][-6] == 93.5
    text = str(rows)
    assert decrypt(good.id_number_cipher) not in text and decrypt(good.phone_cipher) not in text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "evaluation.export"))
    assert entry.actor_id == world["city"].id and entry.details["count"] == 1
    assert "导出评价结果" in pages.get("/audit/").text


def test_another_province_exports_nothing_of_hebei(pages, world, results):
    pages.sign_in(world["other_province"])
    rows = _rows(pages.get("/evaluation/export.xlsx").body)
    assert len(rows) == 1  # the header only


def test_the_api_exports_with_the_same_filters(client, world, results, api_token):
    response = client.get("/api/v1/evaluations/export.xlsx", query_string={"grade": "qualified"},
                          headers=api_token(world["county"]))
    assert response.status_code == 200
    assert [r[2] for r in _rows(response.data)[1:]] == ["李合格"]
    bad = client.get("/api/v1/evaluations/export.xlsx", query_string={"year": "99999999999"},
                     headers=api_token(world["county"]))
    assert bad.status_code == 422
    centers = client.get("/api/v1/evaluations/export.xlsx", query_string={"subject": "center"},
                         headers=api_token(world["county"]))
    assert _rows(centers.data)[0][2] == "服务中心"
