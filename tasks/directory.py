"""Periodic directory jobs: the daily 期满 check and the yearly-update reminders (see BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import date

from celery import shared_task

from marketplace.extensions import db


def _today(value: str | None) -> date:
    from marketplace.directory.yearly import local_today

    return date.fromisoformat(value) if value else local_today()


@shared_task(name="directory.expire_terms", time_limit=600)
def expire_terms(today: str | None = None) -> int:
    """Mark 期满 every counselor whose term has ended; idempotent (an expired record is not due again)."""
    from marketplace.directory.services import expire_due

    count = expire_due(_today(today))
    db.session.commit()
    return count


@shared_task(name="directory.send_yearly_reminders", time_limit=600)
def send_yearly_reminders(today: str | None = None) -> int:
    """Remind departments that have not confirmed last year's data (May and June; once a week each)."""
    from marketplace.directory.yearly import send_reminders

    count = send_reminders(_today(today))
    db.session.commit()
    return count


@shared_task(name="directory.bulk_action", time_limit=3600, soft_time_limit=3500)
def bulk_action(job_id: str) -> str | None:
    """Apply one large bulk action (directory/bulk.py), all together or not at all. Idempotent: only a pending
    job is started, so a second delivery does nothing."""
    from marketplace.directory.bulk import run
    from marketplace.jobs.models import Job
    from marketplace.jobs.services import claim

    job = claim(job_id)
    if job is None:
        job = db.session.get(Job, job_id)
        return None if job is None else job.state.value
    job = run(job)
    db.session.commit()
    return job.state.value


@shared_task(name="directory.analyze", time_limit=300)
def analyze() -> None:
    """Fresh planner statistics for the whole counselors table after a large import (queued by its commit;
    the import itself refreshed only the row count and the look-up columns)."""
    from sqlalchemy import text

    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE counselors"))
    db.session.commit()
