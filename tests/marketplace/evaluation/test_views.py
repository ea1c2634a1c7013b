"""The evaluation pages as officials see them: run with progress, results, adjust with a reason, the scheme,
improvement records, and the results on the counselor's record page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from marketplace.evaluation.models import CounselorEvaluation, EntityImprovement, EvaluationScheme
from marketplace.extensions import db
from marketplace.jobs.models import Job
from marketplace.timeutil import local_today
from tests.conftest import text_of
from tests.webpages import form_to


def _run(client, kind="annual"):
    return client.post("/evaluation/run", data={"subject": "counselor", "year": "2025", "kind": kind})


def test_run_shows_progress_then_results(client, login, world, served):
    login(world["county"])
    response = _run(client)
    job = db.session.scalar(select(Job).where(Job.kind == "evaluation"))
    assert response.headers["Location"].endswith(f"/evaluation/jobs/{job.id}")
    page = text_of(client.get(f"/evaluation/jobs/{job.id}"))
    assert "已完成" in page and "1 / 1" in page
    assert client.get(f"/evaluation/jobs/{job.id}.json").get_json()["percent"] == 100
    listing = text_of(client.get("/evaluation/?year=2025"))
    assert served.name in listing and "65.25" in listing and "基本合格" in listing


def test_a_counselor_appointed_after_the_year_is_not_graded_on_it(pages, world, served):
    from tests.marketplace.needs.helpers import make_counselor

    later = make_counselor(world["county"], name="韩晓东", appointed_on=date(2026, 3, 1))
    pages.sign_in(world["county"])
    listing = pages.get("/evaluation/")
    assert "年度评价只评价该年度内在聘的辅导员" in listing.text
    form = form_to(listing, "/evaluation/run")
    form["year"], form["kind"] = "2025", "annual"
    form.submit().follow()
    results = pages.get("/evaluation/?year=2025").text
    assert served.name in results and later.name not in results and "0.00" not in results


def test_run_for_a_future_year_is_refused_in_chinese(client, login, world, served):
    login(world["county"])
    response = client.post("/evaluation/run", data={"subject": "counselor", "year": str(local_today().year + 1),
                                                    "kind": "annual"}, follow_redirects=True)
    assert "评价年度无效" in text_of(response)
    assert db.session.scalar(select(Job)) is None


def test_adjust_with_reason_is_kept_and_shown(client, login, world, served):
    login(world["county"])
    _run(client)
    result = db.session.scalar(select(CounselorEvaluation))
    response = client.post(f"/evaluation/counselors/{result.id}/adjust", data={"grade": "qualified", "reason": ""},
                           follow_redirects=True)
    assert "调整评价结果须填写理由" in text_of(response)
    response = client.post(f"/evaluation/counselors/{result.id}/adjust",
                           data={"grade": "qualified", "reason": "承担防汛专项服务"}, follow_redirects=True)
    text = text_of(response)
    assert "评价结果已调整为“合格”" in text and "计算等级为“基本合格”" in text and "承担防汛专项服务" in text
    _run(client)  # a rerun keeps it
    db.session.expire_all()
    assert db.session.get(CounselorEvaluation, result.id).adjusted_grade.value == "qualified"


def test_counselor_page_shows_results_and_the_transfer_proposal(client, login, world, served):
    served.term_end = date(2025, 12, 31)
    db.session.add(EvaluationScheme(region_code="000000", weights={}, full_marks={},
                                    thresholds={"excellent": 95, "qualified": 85, "basic": 70}))
    db.session.commit()
    login(world["county"])
    _run(client, "term_end")
    text = text_of(client.get(f"/directory/{served.id}"))
    assert "绩效评价" in text and "聘期届满评价" in text and "不合格" in text
    assert "2025 年聘期届满评价为不合格，建议调出" in text
    listing = text_of(client.get("/evaluation/?kind=term_end&grade=unqualified"))
    assert "建议调出" in listing and served.name in listing


def test_scheme_page_saves_the_province_scheme(pages, world):
    """Through the rendered form: the page's defaults are submitted as shown, changing only what a user would."""
    pages.sign_in(world["province"])
    page = pages.get("/evaluation/scheme")
    assert "当前采用系统内置的默认方案" in page.text
    form = page.forms["scheme-form"]
    assert form["training"].value == "0" and form["training_hours"].value == "24"
    form["quantity"], form["quality"], form["satisfaction"], form["qualified"] = "20", "40", "40", "95"
    refused = form.submit()
    assert "等级分数线须依次降低" in refused.text
    assert db.session.scalar(select(EvaluationScheme)) is None
    form = refused.forms["scheme-form"]
    form["qualified"] = "70"
    saved = form.submit().follow()
    assert "评价方案已保存" in saved.text and "本方案由本部门设置" in saved.text
    scheme = db.session.scalar(select(EvaluationScheme))
    assert scheme.region_code == "130000" and scheme.weights["counselor"] == {"quantity": 20, "quality": 40,
                                                                              "satisfaction": 40, "training": 0}


def test_improvement_records(client, login, world, served):
    from tests.marketplace.needs.helpers import make_entity

    entity = make_entity(world["operator"])
    login(world["county"])
    text = text_of(client.post("/evaluation/improvements", data={"entity_id": 99999, "year": 2025},
                               follow_redirects=True))
    assert "辖区内没有该编号的经营主体" in text
    text = text_of(client.post("/evaluation/improvements", data={
        "entity_id": entity.id, "year": 2025, "checklist_before": 50, "checklist_after": 120}, follow_redirects=True))
    assert "得分须在 0–100 之间" in text
    text = text_of(client.post("/evaluation/improvements", data={
        "entity_id": entity.id, "year": 2025, "model_level_before": "none", "model_level_after": "county",
        "members_before": 10, "members_after": 14}, follow_redirects=True))
    assert "已记录" in text and entity.name in text
    row = db.session.scalar(select(EntityImprovement).where(EntityImprovement.entity_id == entity.id))
    assert row.members_after == 14 and row.model_level_after.value == "county"


def test_results_list_has_no_n_plus_one(client, login, world, served, query_counter):
    from tests.marketplace.needs.helpers import make_counselor

    for _ in range(5):
        make_counselor(world["county"])
    login(world["county"])
    _run(client)
    client.get("/evaluation/")
    with query_counter() as few:
        client.get("/evaluation/")
    for _ in range(5):
        make_counselor(world["county"])
    _run(client)
    client.get("/evaluation/")
    with query_counter() as more:
        client.get("/evaluation/")
    assert len(more) == len(few)


def test_center_page_shows_its_results_and_proposal(client, login, world):
    from marketplace.centers import services as centers
    from marketplace.evaluation import services
    from tests.marketplace.centers.conftest import attach_documents, center_input

    staff = world["center_staff"]
    center = centers.register_center(staff, center_input())
    attach_documents(staff, center)
    centers.transition(center, "submit", staff)
    centers.transition(center, "file", world["county"])
    services.evaluate_centers([center.id], 2025)
    db.session.commit()
    login(world["county"])
    text = text_of(client.get(f"/centers/{center.id}"))
    # no agreements in 2025: service 0, standard (4/4 rules, no records) 50, satisfaction 0 → 15 → 不合格
    assert "绩效评价" in text and "15.00" in text and "不合格" in text and "建议责令整改" in text
    client.post("/auth/logout")
    login(staff)
    assert "建议责令整改" not in text_of(client.get(f"/centers/{center.id}"))


def test_counselor_sees_own_results_but_not_the_proposal(client, login, world, served):
    served.term_end = date(2025, 12, 31)
    db.session.add(EvaluationScheme(region_code="000000", weights={}, full_marks={},
                                    thresholds={"excellent": 95, "qualified": 85, "basic": 70}))
    db.session.commit()
    login(world["county"])
    _run(client, "term_end")
    client.post("/auth/logout")
    login(served.user)
    text = text_of(client.get(f"/directory/{served.id}"))
    assert "聘期届满评价" in text and "不合格" in text
    assert "建议调出" not in text
    assert client.get("/evaluation/").status_code == 403
