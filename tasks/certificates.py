"""Batch certificates: render a job's certificates into one PDF or a zip, reporting progress as it goes."""

import logging

from celery import shared_task
from flask_babel import gettext as _

from marketplace.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="certificates.batch", time_limit=3600, soft_time_limit=3500)
def batch(job_id: str) -> str | None:
    """Build one batch (idempotent: only a pending job is started; a rerun rewrites the file)."""
    from marketplace.directory.certificates import build_batch, fail_batch
    from marketplace.errors import DomainError
    from marketplace.jobs.models import Job
    from marketplace.jobs.services import claim

    job = claim(job_id)
    if job is None:
        job = db.session.get(Job, job_id)
        return None if job is None else job.state.value
    try:
        build_batch(job, progress=db.session.commit)
    except Exception as error:
        log.exception("certificate batch %s failed", job_id)
        db.session.rollback()
        job = db.session.get(Job, job_id)
        fail_batch(job, error.message if isinstance(error, DomainError) else _("生成证书时出错，请重试"))
    db.session.commit()
    return job.state.value
