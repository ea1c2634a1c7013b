"""How every kind of job recovers from a worker that died, and the 重试 button.

`RECOVERY` is the one table: per job kind, the task that runs it, whether a stale job is re-queued (the work
is idempotent: a rerun rewrites the same files or upserts the same rows) and the Chinese message of a job that
is given up. `reap_stale` (every minute, from beat) finds jobs whose heartbeat stopped — running, or pending
with no message left to deliver — removes their partial files and re-queues them up to JOB_MAX_ATTEMPTS or
marks them failed. Imports are never re-queued (a file that killed the worker would kill it again); their
upload is deleted on every ending.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from marketplace.errors import DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.jobs.models import Job, JobState
from marketplace.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

# Folders under instance/ where a job writes `<job id>.<ext>.part` before renaming it into place.
PARTIAL_FOLDERS = ("certificates", "reports")


@dataclass(frozen=True)
class Recovery:
    task: str
    requeue: bool
    message: object  # lazy Chinese text shown when the job is given up
    show_endpoint: str | None = None  # the job's page (the 重试 button returns there)

    @property
    def retryable(self) -> bool:
        return self.requeue


RECOVERY: dict[str, Recovery] = {
    "counselor_import": Recovery("imports.counselors", False,
                                 _l("导入中断：处理过程中断，未写入任何数据，请重新上传")),
    "entity_import": Recovery("imports.entities", False, _l("导入中断：处理过程中断，未写入任何数据，请重新上传")),
    "training_attendance_import": Recovery("imports.training_attendance", False,
                                           _l("导入中断：处理过程中断，未写入任何数据，请重新上传")),
    "certificates": Recovery("certificates.batch", True, _l("生成证书的过程多次中断，请点击“重试”重新生成"),
                             "directory.show_certificate_batch"),
    "evaluation": Recovery("evaluation.run", True, _l("评价计算多次中断，请点击“重试”重新计算"),
                           "evaluation.show_job"),
    "oversight_report": Recovery("oversight.build_report", True, _l("生成报告的过程多次中断，请点击“重试”重新生成"),
                                 "oversight.show_report"),
    "counselor_bulk": Recovery("directory.bulk_action", True, _l("批量操作多次中断，未作任何变更，请点击“重试”"),
                               "directory.show_bulk"),
}


def recovery_of(job: Job) -> Recovery | None:
    return RECOVERY.get(job.kind)


def remove_partial_files(job: Job) -> int:
    """Delete the job's half-written files (`<id>.*.part`); returns how many were removed."""
    instance = Path(current_app.instance_path)
    removed = 0
    for folder in PARTIAL_FOLDERS:
        for path in (instance / folder).glob(f"{job.id}.*.part"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def delete_upload(job: Job) -> int:
    """Personal data: no copy of an upload outlives its job, however the job ends."""
    if job.input_path and Path(job.input_path).exists():
        Path(job.input_path).unlink(missing_ok=True)
        return 1
    return 0


def fail(job: Job, message: str, now: datetime | None = None) -> None:
    job.state, job.finished_at = JobState.FAILED, now or utcnow()
    job.errors = [{"row": None, "column": None, "message": str(message)}]
    job.summary = {**(job.summary or {}), "message": str(message)}
    remove_partial_files(job)
    delete_upload(job)


def requeue(job: Job) -> None:
    """Back to pending and queued again (through the outbox, with this transaction)."""
    from marketplace.background import enqueue_job_after_commit

    recovery = RECOVERY[job.kind]
    remove_partial_files(job)
    job.state, job.processed, job.errors, job.finished_at = JobState.PENDING, 0, [], None
    job.heartbeat_at = utcnow()
    enqueue_job_after_commit(recovery.task, job)


def claim(job_id: str) -> Job | None:
    """Start a pending job: pending → running in one conditional UPDATE, committed. None when the job is not
    pending (done, failed, or running in another worker): a duplicate delivery does nothing."""
    claimed = db.session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.PENDING)
                                 .values(state=JobState.RUNNING, heartbeat_at=utcnow()))
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    return db.session.get(Job, job_id)


def reap_stale(now: datetime | None = None) -> dict:
    """Recover the jobs whose worker died or whose message was lost (see the module's docstring); commits."""
    from marketplace.outbox.services import waiting_to_send

    now = now or utcnow()
    config = current_app.config
    counts = {"requeued": 0, "failed": 0}
    jobs = db.session.scalars(select(Job).where(Job.kind.in_(list(RECOVERY)),
                                                Job.state.in_([JobState.RUNNING, JobState.PENDING]))).all()
    for job in jobs:
        recovery = RECOVERY[job.kind]
        is_import = not recovery.requeue
        limit = config["IMPORT_STALE_AFTER"] if is_import else config["JOB_STALE_AFTER"]
        if job.state is JobState.PENDING:
            limit = config["JOB_PENDING_STALE_AFTER"]
        last = as_utc(job.heartbeat_at or job.created_at)
        if last >= now - limit:
            continue
        if job.state is JobState.PENDING and waiting_to_send(job.id):
            continue  # the broker is down or busy: the outbox still delivers it
        can_requeue = recovery.requeue or job.state is JobState.PENDING
        if can_requeue and (job.attempts or 0) < config["JOB_MAX_ATTEMPTS"]:
            log.warning("re-queueing stale job %s (%s, attempt %s)", job.id, job.kind, (job.attempts or 0) + 1)
            requeue(job)
            counts["requeued"] += 1
        else:
            log.warning("giving up stale job %s (%s)", job.id, job.kind)
            fail(job, recovery.message, now)
            counts["failed"] += 1
    db.session.commit()
    return counts


def retry(job: Job, actor) -> Job:
    """The 重试 button: a failed job of a re-queueable kind starts again, for who started it or an official
    above (the caller has checked the jurisdiction). Flushes; the task is sent after commit."""
    recovery = recovery_of(job)
    if recovery is None or not recovery.retryable:
        raise DomainError(_("此类任务不能重试，请重新发起"))
    if job.state is not JobState.FAILED:
        raise DomainError(_("只有失败的任务可以重试"))
    if not actor.is_official:
        raise NotAllowed(_("只有管理员可以重试后台任务"))
    job.attempts = 0
    requeue(job)
    db.session.flush()
    return job
