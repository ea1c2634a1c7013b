"""The reaper of every job kind (see marketplace/jobs/services.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="jobs.reap_stale", time_limit=120)
def reap_stale() -> dict:
    """Re-queue or fail jobs whose worker died or whose message was lost; removes their partial files."""
    from marketplace.jobs.services import reap_stale as run

    return run()
