"""Batch imports in the background (the generic machinery: marketplace/imports/jobs.py)."""

from __future__ import annotations

from celery import shared_task

from marketplace.extensions import db


def _run(job_id: str) -> str | None:
    from marketplace.imports.jobs import run_import
    from marketplace.jobs.models import Job

    job = db.session.get(Job, job_id)
    if job is None:
        return None
    return run_import(job).state.value


@shared_task(name="imports.counselors", time_limit=30 * 60, acks_late=False)
def import_counselors(job_id: str) -> str | None:
    """Run one counselor import job (idempotent: a job that is no longer pending is left alone)."""
    return _run(job_id)


@shared_task(name="imports.entities", time_limit=30 * 60, acks_late=False)
def import_entities(job_id: str) -> str | None:
    """Run one entity import job (idempotent: a job that is no longer pending is left alone)."""
    return _run(job_id)


@shared_task(name="imports.reap_stale", time_limit=60)
def reap_stale_imports() -> int:
    """Mark imports of any kind whose worker stopped sending heartbeats as failed (导入中断)."""
    from marketplace.imports.jobs import reap_stale

    return reap_stale()


@shared_task(name="imports.training_attendance", time_limit=30 * 60, acks_late=False)
def import_training_attendance(job_id: str) -> str | None:
    """Run one training-attendance import job (idempotent: a job that is no longer pending is left alone)."""
    return _run(job_id)
