"""Periodic agreement jobs: reminding entities of acceptances left unanswered, then telling the county."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from marketplace.extensions import db


@shared_task(name="agreements.remind_acceptance", time_limit=600)
def remind_acceptance(now: str | None = None) -> dict:
    """Remind the entity past AGREEMENT_ACCEPTANCE_DAYS; escalate AGREEMENT_ESCALATION_DAYS later."""
    from marketplace.agreements.reminders import remind_acceptance as run

    reminded, escalated = run(datetime.fromisoformat(now) if now else None)
    db.session.commit()
    return {"reminded": reminded, "escalated": escalated}
