"""The background tasks, one module per area (`tasks/<area>.py`); the Celery app is made by the Flask factory
(marketplace/worker.py, re-exported here for `celery -A`-style imports)."""

from marketplace.worker import BEAT_SCHEDULE, TASK_MODULES, celery_init_app

__all__ = ["BEAT_SCHEDULE", "TASK_MODULES", "celery_init_app"]
