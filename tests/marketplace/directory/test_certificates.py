"""Certificates (聘任证书): the PDF and its QR link, batches, public verification (page and API), access."""

from __future__ import annotations

import os
import re
import subprocess
import zipfile
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.directory import certificates, services
from marketplace.directory.certificates import mask_name, verify_url
from marketplace.directory.models import CounselorStatus
from marketplace.directory.search import CounselorFilters
from marketplace.jobs.models import Job, JobState
from marketplace.timeutil import local_today
from tests.conftest import text_of
from tests.marketplace.directory.certificate_helpers import LIU_ID, LIU_PHONE, appoint
from tests.pdfcheck import font_problems


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


@pytest.fixture
def liu(world):
    return appoint(world["county"], appointed_on=date(2025, 1, 1))


# --- the PDF --------------------------------------------------------------------------------------------------

def test_certificate_text_is_chinese_and_complete(liu, client, login, world):
    login(world["county"])
    response = client.get(f"/directory/{liu.id}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert liu.certificate_no in response.headers["Content-Disposition"]
    reader = PdfReader(BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # A4 landscape
    text = pdf_text(response.data)
    for expected in ("聘任证书", "刘桂芳", liu.certificate_no, liu.department.name, "县级",
                     "2025年1月1日至2027年12月31日", "（盖章）"):
        assert expected in text, expected
    assert LIU_ID not in text and LIU_PHONE not in text
    assert font_problems(response.data) == []


def test_record_page_offers_the_certificate_while_in_the_directory(liu, pages, world, db):
    pages.sign_in(world["county"])
    record = pages.get(f"/directory/{liu.id}")
    pdf = record.click("聘任证书")
    assert pdf.content_type == "application/pdf" and pdf.body.startswith(b"%PDF")
    services.transition(liu, "strike_off", world["county"], reason="核查")
    db.session.commit()
    assert "certificate.pdf" not in pages.get(f"/directory/{liu.id}").text


def test_counselor_prints_own_certificate_from_own_page(liu, pages, world, db):
    services.link_account(world["county"], liu, world["counselor"])
    db.session.commit()
    pages.sign_in(world["counselor"])
    pdf = pages.get("/directory/me").click("聘任证书")
    assert pdf.content_type == "application/pdf"


def test_certificate_number_has_region_and_year(liu):
    assert re.fullmatch(r"130123-2025-\d{5}", liu.certificate_no)


def test_verify_url_uses_public_url(app, liu, monkeypatch):
    assert verify_url("130123-2025-00001") == "http://127.0.0.1:5000/verify/130123-2025-00001"
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://fudao.example.cn/")
    assert verify_url("130123-2025-00001") == "https://fudao.example.cn/verify/130123-2025-00001"


def test_scripts_run_serves_and_prints_on_one_address(app, liu, monkeypatch):
    """`PORT=5101 scripts/run` serves on 5101, and the certificates it prints lead there (QR code and URL)."""
    root = Path(__file__).resolve().parents[3]
    env = {"PATH": os.environ["PATH"], "PORT": "5101"}
    shown = subprocess.run(["bash", "-c", 'source scripts/serve-address && echo "$HOST $PORT $FUDAO_PUBLIC_URL"'],
                           cwd=root, env=env, capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["127.0.0.1", "5101", "http://127.0.0.1:5101"]
    run = (root / "scripts" / "run").read_text()
    assert run.index("source scripts/serve-address") < run.index("celery -A")  # the worker prints batches too
    assert '--host "$HOST" --port "$PORT"' in run

    monkeypatch.setitem(app.config, "PUBLIC_URL", shown[2])  # what create_app reads from FUDAO_PUBLIC_URL
    page = PdfReader(BytesIO(certificates.render_certificate(liu))).pages[0]
    links = [annotation.get_object()["/A"]["/URI"] for annotation in page["/Annots"]]
    assert links == [f"http://127.0.0.1:5101/verify/{liu.certificate_no}"]
    assert links[0] in page.extract_text()


def test_qr_code_and_link_point_to_the_verify_page(liu):
    url = verify_url(liu.certificate_no)
    assert certificates.qr_widget(url).value == url
    page = PdfReader(BytesIO(certificates.render_certificate(liu))).pages[0]
    links = [annotation.get_object()["/A"]["/URI"] for annotation in page["/Annots"]]
    assert links == [url]
    assert url in page.extract_text()


@pytest.mark.parametrize(("name", "masked"),
                         [("刘桂芳", "刘*芳"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("李", "*")])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


def test_only_counselors_in_the_directory_have_a_certificate(liu, client, login, world):
    services.transition(liu, "suspend", world["county"], reason="核查")
    services.transition(liu, "strike_off", world["county"], reason="以辅导名义谋取不正当利益")
    from marketplace.extensions import db

    db.session.commit()
    login(world["county"])
    response = client.get(f"/directory/{liu.id}/certificate.pdf")
    assert response.status_code == 409
    assert "除名" in text_of(response) and "没有可打印的聘任证书" in text_of(response)


def test_suspended_counselor_still_prints(liu, client, login, world):
    services.transition(liu, "suspend", world["county"], reason="核查")
    from marketplace.extensions import db

    db.session.commit()
    login(world["county"])
    assert client.get(f"/directory/{liu.id}/certificate.pdf").status_code == 200


def test_counselor_downloads_own_certificate(liu, client, login, world, db):
    services.link_account(world["county"], liu, world["counselor"])
    db.session.commit()
    login(world["counselor"])
    assert client.get(f"/directory/{liu.id}/certificate.pdf").status_code == 200


@pytest.mark.parametrize(("actor", "status"), [("city", 200), ("province", 200), ("national", 200),
                                               ("township", 404), ("other_province", 404), ("operator", 404),
                                               ("counselor", 404)])
def test_certificate_access(liu, client, login, world, actor, status):
    login(world[actor])
    assert client.get(f"/directory/{liu.id}/certificate.pdf").status_code == status


def test_certificate_needs_login(liu, client):
    response = client.get(f"/directory/{liu.id}/certificate.pdf")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# --- public verification ----------------------------------------------------------------------------------------

def _assert_no_personal_data(text: str) -> None:
    for secret in (LIU_ID, "1101**********002X", LIU_PHONE, "138****1111", "1949", "刘桂芳", "130123100"):
        assert secret not in text, secret


def test_verify_valid(liu, client):
    response = client.get(f"/verify/{liu.certificate_no}")
    assert response.status_code == 200
    text = text_of(response)
    assert "有效" in text and "无效" not in text and "在聘" in text
    assert "刘*芳" in text and liu.department.name in text and "2025年1月1日" in text and "2027年12月31日" in text
    _assert_no_personal_data(text)


def test_verify_suspended(liu, client, world, db):
    services.transition(liu, "suspend", world["county"], reason="核查")
    db.session.commit()
    text = text_of(client.get(f"/verify/{liu.certificate_no}"))
    assert "无效" in text and "暂停" in text
    _assert_no_personal_data(text)


def test_verify_expired(world, client, db):
    counselor = appoint(world["county"], appointed_on=local_today() - timedelta(days=800),
                        term_end=local_today() - timedelta(days=2))
    services.expire_due()
    db.session.commit()
    assert counselor.status is CounselorStatus.EXPIRED
    text = text_of(client.get(f"/verify/{counselor.certificate_no}"))
    assert "无效" in text and "期满" in text and "聘期已结束" in text


def test_verify_term_over_before_the_daily_task(world):
    with time_machine.travel(datetime(2020, 1, 1, 4, tzinfo=UTC), tick=False):  # appointed while the term ran
        counselor = appoint(world["county"], appointed_on=date(2020, 1, 1), term_end=date(2020, 12, 31))
    result = certificates.verify(counselor.certificate_no)
    assert counselor.status is CounselorStatus.APPOINTED and result.valid is False


def test_verify_unknown(client, world):
    response = client.get("/verify/999999-2025-00001")
    assert response.status_code == 404
    assert "未找到证书编号" in text_of(response)


def test_verify_superseded_by_renewal(liu, client, world, db):
    old = liu.certificate_no
    services.transition(liu, "renew", world["county"])
    db.session.commit()
    assert liu.certificate_no != old
    text = text_of(client.get(f"/verify/{old}"))
    assert "无效" in text and "已被新证书替代" in text and "刘*芳" in text
    _assert_no_personal_data(text)
    renewed = text_of(client.get(f"/verify/{liu.certificate_no}"))  # the new term follows on: valid already
    assert "已续聘" in renewed and "无效" not in renewed


def test_verify_form_normalizes_the_number(liu, client):
    typed = liu.certificate_no.replace("-", "－") + " "
    response = client.get("/verify/", query_string={"number": typed})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/verify/{liu.certificate_no}")
    assert client.get("/verify/").status_code == 200


def test_verify_is_rate_limited(app, client, liu):
    app.config["RATELIMIT_VERIFY"] = "3 per minute"
    try:
        statuses = [client.get(f"/verify/{liu.certificate_no}").status_code for _ in range(4)]
        api = client.get(f"/api/v1/certificates/{liu.certificate_no}").status_code
    finally:
        del app.config["RATELIMIT_VERIFY"]
    assert statuses == [200, 200, 200, 429]
    assert api == 200  # the page and the API count separately


# --- API ------------------------------------------------------------------------------------------------------

def test_api_valid(liu, client):
    response = client.get(f"/api/v1/certificates/{liu.certificate_no}")
    assert response.status_code == 200
    body = response.get_json()
    assert body == {"certificate_no": liu.certificate_no, "valid": True, "status": "appointed", "name": "刘*芳",
                    "department": liu.department.name, "level": "county",
                    "term_start": liu.appointed_on.isoformat(), "term_end": liu.term_end.isoformat()}


def test_api_superseded_and_unknown(liu, client, world, db):
    old = liu.certificate_no
    services.transition(liu, "renew", world["county"])
    db.session.commit()
    body = client.get(f"/api/v1/certificates/{old}").get_json()
    assert body["valid"] is False and body["status"] == "superseded" and body["name"] == "刘*芳"
    missing = client.get("/api/v1/certificates/nope")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


# --- batches --------------------------------------------------------------------------------------------------

@pytest.fixture
def three(world, db):
    """Three counselors with a certificate and one struck off (no certificate)."""
    people = [appoint(world["county"], name=name, n=n) for n, name in enumerate(["刘桂芳", "张三", "王小明"])]
    gone = appoint(world["county"], name="赵六", n=9)
    services.transition(gone, "strike_off", world["county"], reason="违规")
    db.session.commit()
    return people


def _start(client, login, user, **form):
    login(user)
    return client.post("/directory/certificates/batch", data=form)


def test_batch_pdf(three, client, login, world, db):
    response = _start(client, login, world["county"], format="pdf")
    assert response.status_code == 302
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    job = db.session.get(Job, job_id)
    assert job.kind == "certificates" and job.state is JobState.SUCCEEDED
    assert (job.processed, job.total) == (3, 3)
    assert job.result_path == f"certificates/{job_id}.pdf"

    status = client.get(f"/directory/certificates/batch/{job_id}.json").get_json()
    assert status["state"] == "succeeded" and status["percent"] == 100
    assert status["download_url"] == f"/directory/certificates/batch/{job_id}/download"
    download = client.get(status["download_url"])
    assert download.status_code == 200
    reader = PdfReader(BytesIO(download.data))
    assert len(reader.pages) == 3
    text = pdf_text(download.data)
    assert all(name in text for name in ("刘桂芳", "张三", "王小明")) and "赵六" not in text
    assert font_problems(download.data) == []

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.batch"))
    assert entry is not None and entry.object_id == job_id and entry.details["total"] == 3


def test_batch_zip(three, client, login, world, db):
    response = _start(client, login, world["county"], format="zip")
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    download = client.get(f"/directory/certificates/batch/{job_id}/download")
    assert download.status_code == 200
    archive = zipfile.ZipFile(BytesIO(download.data))
    names = archive.namelist()
    assert len(names) == 3 and all(name.endswith(".pdf") for name in names)
    assert {c.certificate_no for c in three} == {name.split("-刘")[0].split("-张")[0].split("-王")[0]
                                                   for name in names}
    for name in names:
        assert len(PdfReader(BytesIO(archive.read(name))).pages) == 1


def test_batch_follows_the_list_filters(three, client, login, world, db):
    response = _start(client, login, world["city"], q="张三")
    job = db.session.get(Job, response.headers["Location"].rsplit("/", 1)[1])
    assert job.total == 1 and job.params["filters"] == {"q": "张三", "sort": "-updated_at"}
    text = pdf_text(client.get(f"/directory/certificates/batch/{job.id}/download").data)
    assert "张三" in text and "刘桂芳" not in text


def test_batch_page_polls_with_a_static_script(three, client, login, world):
    response = _start(client, login, world["county"])
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "js/job-progress.js" in html and "data-job-status-url" in html
    assert " style=" not in html and not re.search(r"<script>(?!</script>)", html)


def test_batch_with_nothing_to_print(client, login, world, db):
    response = _start(client, login, world["other_province"], next="/directory/?q=x")
    assert response.status_code == 302 and response.headers["Location"] == "/directory/?q=x"
    assert db.session.scalar(select(Job)) is None


def test_batch_is_for_officials(three, client, login, world, db):
    assert _start(client, login, world["counselor"]).status_code == 403
    assert db.session.scalar(select(Job)) is None


def test_batch_job_scoped(three, client, login, world):
    job_id = _start(client, login, world["county"]).headers["Location"].rsplit("/", 1)[1]
    client.post("/auth/logout")
    login(world["other_province"])
    assert client.get(f"/directory/certificates/batch/{job_id}.json").status_code == 404
    assert client.get(f"/directory/certificates/batch/{job_id}/download").status_code == 404


def test_batch_task_is_idempotent_and_reports_failure(three, world, db):
    job = certificates.start_batch(world["county"], CounselorFilters(), "pdf")
    db.session.commit()
    from tasks.certificates import batch

    assert batch(job.id) == "succeeded"  # a second run leaves the finished job as it is
    db.session.refresh(job)
    assert job.state is JobState.SUCCEEDED and job.processed == 3

    world["county"].is_enabled = False
    again = Job(kind="certificates", actor_id=world["county"].id, region_code="130123", params={"format": "pdf"})
    db.session.add(again)
    db.session.commit()
    assert batch(again.id) == "failed"
    db.session.refresh(again)
    assert again.state is JobState.FAILED and again.errors[0]["message"]
