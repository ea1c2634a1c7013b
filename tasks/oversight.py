"""Dashboard roll-ups and progress reports in the background."""

import logging

from celery import shared_task
from flask_babel import gettext as _

from marketplace.extensions import db

log = logging.getLogger(__name__)


@shared_task(name="oversight.refresh_rollups", time_limit=1800, acks_late=True, reject_on_worker_lost=True)
def refresh_rollups() -> int:
    """Recompute every region's roll-up (periodic, and on demand from the dashboard)."""
    from marketplace.oversight.services import refresh_rollups as refresh

    count = refresh()
    db.session.commit()
    return count


@shared_task(name="oversight.build_report", time_limit=3600, soft_time_limit=3500)
def build_report(job_id: str) -> str | None:
    """Build one progress report (xlsx and PDF); only a pending job is started; a rerun rewrites the files."""
    from marketplace.jobs.models import Job
    from marketplace.jobs.services import claim, fail
    from marketplace.oversight.reports import build

    job = claim(job_id)
    if job is None:
        job = db.session.get(Job, job_id)
        return None if job is None else job.state.value
    try:
        build(job, progress=db.session.commit)
    except Exception:
        log.exception("report %s failed", job_id)
        db.session.rollback()
        job = db.session.get(Job, job_id)
        fail(job, _("生成报告时出错，请重试"))
    db.session.commit()
    return job.state.value
