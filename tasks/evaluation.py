"""Performance evaluations in the background."""

import logging

from celery import shared_task
from flask_babel import gettext as _

from marketplace.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="evaluation.run", time_limit=3600, soft_time_limit=3500)
def run(job_id: str) -> str | None:
    """Compute one evaluation job (idempotent: only a pending job is started; a rerun updates the same
    results and keeps adjustments)."""
    from marketplace.errors import DomainError
    from marketplace.evaluation.services import run_evaluation
    from marketplace.jobs.models import Job
    from marketplace.jobs.services import claim, fail

    job = claim(job_id)
    if job is None:
        job = db.session.get(Job, job_id)
        return None if job is None else job.state.value
    try:
        run_evaluation(job, progress=db.session.commit)
    except Exception as error:
        log.exception("evaluation %s failed", job_id)
        db.session.rollback()
        job = db.session.get(Job, job_id)
        fail(job, error.message if isinstance(error, DomainError) else _("评价计算出错，请重试"))
    db.session.commit()
    return job.state.value
