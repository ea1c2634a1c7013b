"""Training the matching model in the background on the outcomes the platform records."""

from __future__ import annotations

from celery import shared_task

from marketplace.extensions import db


@shared_task(name="matching.train", time_limit=1800, acks_late=True, reject_on_worker_lost=True)
def train() -> dict:
    """Train a model, save and register it; it serves only if it beats the serving one on held-out NDCG@5."""
    from marketplace.ranking.services import train_model

    row = train_model()
    db.session.commit()
    if row is None:
        return {"trained": False}
    return {"trained": True, "version": row.version, "serving": row.is_serving, "metrics": row.metrics}


@shared_task(name="matching.build_pool", time_limit=900, acks_late=True, reject_on_worker_lost=True)
def build_pool() -> dict:
    """Build the candidate pool and save it as the one every web process maps (idempotent: skips when a
    build runs or the saved pool is fresh)."""
    from marketplace.ranking.records import build_shared_pool

    try:
        return build_shared_pool()
    finally:
        db.session.rollback()  # reads only
