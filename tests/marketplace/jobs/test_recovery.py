"""Every job kind recovers: stale jobs are re-queued (idempotent kinds) or failed clearly with 重试, partial
files and uploads are removed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from marketplace.directory import certificates
from marketplace.directory import imports as counselor_imports
from marketplace.directory.search import CounselorFilters
from marketplace.entities import imports as entity_imports
from marketplace.errors import DomainError
from marketplace.evaluation import services as evaluation
from marketplace.extensions import db
from marketplace.jobs import services as jobs
from marketplace.jobs.models import Job, JobState
from marketplace.outbox.models import OutboxMessage
from marketplace.oversight import reports
from marketplace.timeutil import utcnow
from tests.marketplace.directory.certificate_helpers import appoint


def test_every_job_kind_has_a_recovery_rule():
    from marketplace.directory import bulk
    from marketplace.training import imports as attendance_imports

    kinds = {certificates.JOB_KIND, counselor_imports.JOB_KIND, entity_imports.JOB_KIND, evaluation.JOB_KIND,
             reports.JOB_KIND, bulk.JOB_KIND, attendance_imports.JOB_KIND}
    assert kinds == set(jobs.RECOVERY)
    assert {kind for kind, rule in jobs.RECOVERY.items() if not rule.requeue} == {
        counselor_imports.JOB_KIND, entity_imports.JOB_KIND, attendance_imports.JOB_KIND}


@pytest.fixture
def three(world):
    return [appoint(world["county"], name=name, n=n) for n, name in enumerate(["刘桂芳", "张三", "王小明"])]


def _stale_batch(app, world, attempts: int) -> tuple[Job, Path]:
    """A certificate batch a killed worker left running half-way, with its 0-byte .part file."""
    job = Job(kind=certificates.JOB_KIND, actor_id=world["county"].id, region_code="130123", total=3,
              processed=1, state=JobState.RUNNING, params={"format": "pdf", "filters": {}}, attempts=attempts,
              heartbeat_at=utcnow() - timedelta(minutes=11))
    db.session.add(job)
    db.session.commit()
    part = Path(app.instance_path) / "certificates" / f"{job.id}.pdf.part"
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(b"")
    return job, part


def test_a_stale_batch_is_requeued_and_finishes(app, world, three):
    job, part = _stale_batch(app, world, attempts=1)
    assert jobs.reap_stale() == {"requeued": 1, "failed": 0}
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state is JobState.SUCCEEDED and job.processed == 3 and job.attempts == 2  # ran again (eager)
    assert not part.exists()
    assert certificates.result_file(job) is not None


def test_a_batch_that_keeps_dying_fails_clearly_and_retry_starts_it_again(app, pages, world, three):
    job, part = _stale_batch(app, world, attempts=3)
    assert jobs.reap_stale() == {"requeued": 0, "failed": 1}
    assert not part.exists()

    pages.sign_in(world["county"])
    page = pages.get(f"/directory/certificates/batch/{job.id}")
    assert "生成证书的过程多次中断，请点击“重试”重新生成" in page.text
    retry = next(f for f in page.forms.values() if f.action.endswith("/retry"))
    page = retry.submit().follow()
    assert "已重新提交，任务将重新开始" in page.text
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.SUCCEEDED
    assert "下载证书" in page.text


def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(world, three):
    job = Job(kind=certificates.JOB_KIND, actor_id=world["county"].id, region_code="130123",
              state=JobState.RUNNING, heartbeat_at=utcnow() - timedelta(minutes=2), params={"format": "pdf"})
    db.session.add(job)
    db.session.commit()
    assert jobs.reap_stale() == {"requeued": 0, "failed": 0}


def test_a_pending_job_waiting_for_the_broker_is_left_to_the_outbox(world, three):
    job = Job(kind=certificates.JOB_KIND, actor_id=world["county"].id, region_code="130123",
              state=JobState.PENDING, created_at=utcnow() - timedelta(hours=2), params={"format": "pdf"},
              attempts=1)
    db.session.add(job)
    db.session.flush()
    db.session.add(OutboxMessage(task_name="certificates.batch", args=[job.id], job_id=job.id, attempts=3))
    db.session.commit()
    assert jobs.reap_stale() == {"requeued": 0, "failed": 0}


def test_a_pending_job_whose_message_was_lost_is_queued_again(world, three):
    job = Job(kind=certificates.JOB_KIND, actor_id=world["county"].id, region_code="130123",
              state=JobState.PENDING, created_at=utcnow() - timedelta(hours=2), params={"format": "pdf"},
              attempts=1)
    db.session.add(job)
    db.session.commit()
    assert jobs.reap_stale() == {"requeued": 1, "failed": 0}
    db.session.expire_all()
    assert db.session.get(Job, job.id).state is JobState.SUCCEEDED


def test_a_dead_import_fails_and_its_upload_is_deleted(app, world):
    upload = Path(app.instance_path) / "imports" / "dead.xlsx"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_bytes(b"PK\x03\x04 personal data")
    job = Job(kind=counselor_imports.JOB_KIND, actor_id=world["county"].id, region_code="130123",
              state=JobState.RUNNING, input_path=str(upload), heartbeat_at=utcnow() - timedelta(minutes=6))
    db.session.add(job)
    db.session.commit()
    assert jobs.reap_stale() == {"requeued": 0, "failed": 1}
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.state is JobState.FAILED and "导入中断" in job.errors[0]["message"]
    assert not upload.exists()


def test_retry_refuses_a_job_that_has_not_failed(world, three):
    job = certificates.start_batch(world["county"], CounselorFilters(), "pdf")
    db.session.commit()
    with pytest.raises(DomainError, match="只有失败的任务可以重试"):
        jobs.retry(job, world["county"])

