"""The outbox sweep (see marketplace/outbox/services.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="outbox.sweep", time_limit=120)
def sweep() -> dict:
    """Send the messages the broker has not taken yet, and again those no worker ever started."""
    from marketplace.outbox.services import sweep as run

    return run()
