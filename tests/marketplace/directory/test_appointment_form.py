"""The hand-entry form as rendered: the county itself is a place to choose (issue 12 defect 17), and a term
that has already ended is recorded 期满 at once with a warning, in the form, the API and the import (defect 18)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from marketplace.demo.services import demo_id_number
from marketplace.directory.models import Counselor, CounselorEvent, CounselorStatus
from marketplace.extensions import db
from tests.marketplace.directory.test_imports import row, run, xlsx
from tests.webpages import form_to


def _fill(form, name: str, n: int, appointed_on: str, region: str = "130123", term_years: str = "3"):
    form["name"] = name
    form["id_number"] = demo_id_number("130123", date(1978, 3, 9), n)
    form["phone"] = f"1391234{n:04d}"
    form["region_code"] = region  # what the region picker puts in its hidden field
    form["specialties"] = ["4"]
    form["industries"] = ["1"]
    form["appointed_on"] = appointed_on
    form["term_years"] = term_years


def test_the_region_picker_offers_the_county_itself(pages, world):
    pages.sign_in(world["county"])
    page = pages.get("/directory/new")
    picker = page.html.select_one("[data-region-picker]")
    assert picker["data-root"] == "130123" and picker["data-root-label"] == "正定县（本级）"
    form = form_to(page, "/directory/new")
    _fill(form, "孙海涛", 1, "2026-01-01")
    record = form.submit().follow()
    counselor = db.session.scalar(select(Counselor))
    assert counselor.region_code == "130123" and "正定县" in record.text


def test_a_term_already_over_is_recorded_expired_with_a_warning(pages, world):
    pages.sign_in(world["county"])
    form = form_to(pages.get("/directory/new"), "/directory/new")
    _fill(form, "钱学礼", 2, "2020-03-01", term_years="3")  # ended 2023-02-28
    record = form.submit().follow()
    assert "聘期已于 2023-02-28 结束，该记录已按“期满”录入" in record.text
    counselor = db.session.scalar(select(Counselor))
    assert counselor.status is CounselorStatus.EXPIRED
    assert "期满" in record.html.select_one("h1").parent.text
    event = db.session.scalar(select(CounselorEvent))
    assert event.action == "appoint" and event.to_status is CounselorStatus.EXPIRED


def test_the_api_records_a_past_term_expired_and_says_so(client, world, api_token):
    body = {"name": "钱学礼", "id_number": demo_id_number("130123", date(1978, 3, 9), 3), "phone": "13912340003",
            "region_code": "130123100", "specialties": 4, "industries": 1, "work_mode": "part_time",
            "source": "rural_expert", "appointed_on": "2020-03-01"}
    response = client.post("/api/v1/counselors", json=body, headers=api_token(world["county"]))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "expired" and "已按“期满”录入" in data["warnings"][0]
    body.update(id_number=demo_id_number("130123", date(1978, 3, 9), 4), phone="13912340004",
                appointed_on="2026-01-01")
    current = client.post("/api/v1/counselors", json=body, headers=api_token(world["county"])).get_json()
    assert current["status"] == "appointed" and current["warnings"] == []


def test_imported_rows_of_a_past_term_are_expired_with_a_warning(world, tmp_path):
    path = tmp_path / "upload.xlsx"
    path.write_bytes(xlsx([row(1, 聘任日期="2019-03-01"), row(2, 聘任日期="2026-01-01")]))
    outcome = run(world["county"], path)
    assert outcome.errors == [] and outcome.created == 2
    assert [w["message"] for w in outcome.warnings if "期满" in w["message"]] == [
        "聘期已于 2022-02-28 结束，该记录已按“期满”录入；如需继续聘任请办理续聘"]
    statuses = dict(db.session.execute(select(Counselor.name, Counselor.status)).all())
    assert statuses == {"导入1": CounselorStatus.EXPIRED, "导入2": CounselorStatus.APPOINTED}
