"""Periodic need jobs: expiring needs open too long, and passing on invitations left unanswered."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from marketplace.extensions import db


def _now(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@shared_task(name="needs.expire_open", time_limit=600)
def expire_open(now: str | None = None) -> int:
    """Expire needs open longer than NEED_OPEN_DAYS; tell the operator and the county department."""
    from marketplace.needs.services import expire_open_needs

    count = expire_open_needs(_now(now))
    db.session.commit()
    return count


@shared_task(name="needs.expire_invitations", time_limit=600)
def expire_invitations(now: str | None = None) -> int:
    """Mark overdue pending invitations expired and invite the next-ranked candidate not yet asked."""
    from marketplace.needs.invitations import expire_overdue

    count = expire_overdue(_now(now))
    db.session.commit()
    return count
