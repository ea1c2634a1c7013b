from celery import shared_task

from marketplace.extensions import db


@shared_task(name="maintenance.ping", time_limit=30)
def ping() -> dict:
    """Round trip through broker, worker and database; used by health checks and the worker test."""
    from sqlalchemy import func, select

    from marketplace.regions.models import Region

    return {"pong": True, "regions": db.session.scalar(select(func.count()).select_from(Region))}
