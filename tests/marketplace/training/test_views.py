"""Training pages used as people do (WebTest over the rendered forms): the county plans a training, the
counselor sees it and enrols, the county adds another by certificate number and records attendance, the
counselor prints the completion certificate, the public verifies it, and the record shows the hours."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from pypdf import PdfReader

from marketplace.audit.models import AuditEntry
from marketplace.extensions import db
from marketplace.training import services
from marketplace.training.models import Training, TrainingEnrollment
from tests.marketplace.needs.helpers import make_counselor
from tests.marketplace.training.conftest import plan
from tests.webpages import Pages, form_to


def _fill(form, **values):
    for name, value in values.items():
        form[name] = value
    return form


def test_plan_enrol_attend_certify_verify(pages, world, trainee, app):
    county, counselor = world["county"], world["counselor"]
    other = make_counselor(county)
    today = services.china_today()

    pages.sign_in(county)
    listing = pages.get("/training/")
    page = listing.click("安排培训")
    form = _fill(page.forms["training-form"], title="合作社财务规范化培训", organiser="县经管站",
                 starts_on=today.isoformat(), ends_on=(today + timedelta(days=1)).isoformat(), hours="12",
                 capacity="20", place="县农业农村局三楼", topic_specialty="4")
    shown = form.submit().follow()
    assert "已安排培训“合作社财务规范化培训”" in shown.text
    assert "财务会计" in shown.text and "0/20" in shown.text
    training = db.session.query(Training).one()

    # The counselor sees it in their list and enrols with the page's button.
    counselor_pages = Pages(pages.app, extra_environ={"REMOTE_ADDR": "127.0.0.2"})
    counselor_pages.sign_in(counselor)
    mine = counselor_pages.get("/training/").click("合作社财务规范化培训")
    mine = form_to(mine, "/enroll").submit().follow()
    assert "已报名，待登记出勤" in mine.text

    # The county sees the counselor on the list and adds another by certificate number.
    shown = pages.get(f"/training/{training.id}")
    assert trainee.name in shown.text and "1/20" in shown.text
    shown = _fill(shown.forms["enroll-numbers"], numbers=other.certificate_no).submit().follow()
    assert "已为 1 名辅导员报名" in shown.text

    # Attendance through the rendered form: the other one is marked absent, the trainee gets 10 hours.
    attendance = shown.click("登记出勤")
    form = attendance.forms["attendance-form"]
    enrollments = {e.counselor_id: e for e in db.session.query(TrainingEnrollment)}
    form[f"attended-{enrollments[other.id].id}"] = False
    form[f"hours-{enrollments[trainee.id].id}"] = "10"
    shown = form.submit().follow()
    assert "已登记出勤（2 人有变化）" in shown.text

    # The counselor now reads their hours and prints the certificate; the QR's page verifies it.
    mine = counselor_pages.get(f"/training/{training.id}")
    assert "已参加，获得 10.0 学时" in mine.text
    pdf = mine.click("结业证书")
    assert pdf.content_type == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(pdf.body)).pages)
    number = db.session.get(TrainingEnrollment, enrollments[trainee.id].id).certificate_no
    assert number in text and "10.0 学时" in text
    verified = Pages(pages.app).get(f"/verify/training/{number}")
    assert "有效" in verified.text and trainee.name not in verified.text  # the name is masked
    own = counselor_pages.get("/directory/me")
    assert "10.0 学时" in own.text

    # The county closes the training with the state table's button.
    shown = pages.get(f"/training/{training.id}")
    closed = form_to(shown, "/actions/complete").submit()
    assert "培训状态：已结束" in closed.follow().text
    assert db.session.query(AuditEntry).filter(AuditEntry.action == "training.attendance").count() == 1


def test_bad_input_is_refused_in_chinese_and_writes_nothing(pages, world):
    pages.sign_in(world["county"])
    form = pages.get("/training/new").forms["training-form"]
    form = _fill(form, title="", organiser="县经管站", starts_on="2026-13-01", ends_on="2026-01-01", hours="abc",
                 capacity="0", place="")
    page = form.submit()
    assert page.status_int == 200
    for message in ("请填写培训名称", "不是有效的日期值", "不是有效的小数", "人数上限应在 1 至 10000 之间"):
        assert message in page.text
    assert "Not a valid" not in page.text
    assert db.session.query(Training).count() == 0


def test_wrong_hours_in_attendance_are_refused(pages, world, trainee):
    training = plan(world["county"])
    enrollment = services.enroll(training, trainee, world["county"])
    db.session.commit()
    pages.sign_in(world["county"])
    form = pages.get(f"/training/{training.id}/attendance").forms["attendance-form"]
    form[f"hours-{enrollment.id}"] = "99"
    page = form.submit()
    assert "学时应在 0 至 12.0 之间" in page.text
    assert db.session.get(TrainingEnrollment, enrollment.id).attended is None


def test_coverage_page_shows_the_untrained(pages, world, trainee):
    pages.sign_in(world["city"])
    page = pages.get("/training/coverage")
    assert "正定县" in page.text and trainee.name in page.text and "0.0%" in page.text


def test_the_record_shows_training_history_to_officials(pages, world, trainee):
    training = plan(world["county"])
    enrollment = services.enroll(training, trainee, world["county"])
    services.record_attendance(training, {enrollment.id: (True, None)}, world["county"])
    db.session.commit()
    pages.sign_in(world["province"])
    page = pages.get(f"/directory/{trainee.id}")
    assert "岗位培训" in page.text and "12.0 学时" in page.text and "合作社财务规范化培训" in page.text


def test_pressing_remove_twice_is_no_error(pages, world, trainee):
    training = plan(world["county"])
    services.enroll(training, trainee, world["county"])
    db.session.commit()
    pages.sign_in(world["county"])
    page = pages.get(f"/training/{training.id}")
    form = form_to(page, "/remove")
    assert "已移出名单" in form.submit().follow().text
    again = form.submit()  # the same rendered button, pressed again
    assert again.status_int == 302 and "该辅导员已不在名单中" in again.follow().text
