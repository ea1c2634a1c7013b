"""The Celery app, wired the Flask way: every task runs inside the Flask app's context.

Start a worker with `celery -A wsgi:celery worker` and beat with `celery -A wsgi:celery beat`. Tasks live in
`tasks/<area>.py` (listed by module name below, imported by Celery's loader, never by `marketplace/`), are
thin (load by id, call a service, commit) and idempotent. Services queue them by name through the outbox
(marketplace/outbox). Periodic jobs are listed in `BEAT_SCHEDULE`.
"""

from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from celery.signals import task_prerun
from flask import Flask

# All periodic jobs, in one table. Areas add theirs here. Times are Asia/Shanghai (the Celery timezone).
BEAT_SCHEDULE: dict = {
    "directory.expire_terms": {"task": "directory.expire_terms", "schedule": crontab(hour=1, minute=0)},
    "directory.send_yearly_reminders": {"task": "directory.send_yearly_reminders",
                                        "schedule": crontab(hour=8, minute=0)},
    "jobs.reap_stale": {"task": "jobs.reap_stale", "schedule": crontab(minute="*")},
    "outbox.sweep": {"task": "outbox.sweep", "schedule": 30.0},
    "needs.expire_invitations": {"task": "needs.expire_invitations", "schedule": crontab(minute="*/15")},
    "needs.expire_open": {"task": "needs.expire_open", "schedule": crontab(hour=2, minute=0)},
    "agreements.remind_acceptance": {"task": "agreements.remind_acceptance", "schedule": crontab(hour=9, minute=0)},
    "oversight.refresh_rollups": {"task": "oversight.refresh_rollups", "schedule": crontab(minute="*/15")},
    "matching.train": {"task": "matching.train", "schedule": crontab(hour=3, minute=30)},
    "matching.build_pool": {"task": "matching.build_pool", "schedule": crontab(minute="*/5")},
    "notifications.send_sms_digests": {"task": "notifications.send_sms_digests",
                                       "schedule": crontab(hour="9,17", minute=0)},
}

TASK_MODULES = ["tasks.notifications", "tasks.maintenance", "tasks.imports", "tasks.certificates",
                "tasks.directory", "tasks.needs", "tasks.agreements", "tasks.evaluation", "tasks.oversight",
                "tasks.matching", "tasks.jobs", "tasks.outbox", "tasks.notices"]


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: object, **kwargs: object) -> object:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask, include=TASK_MODULES)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.conf.beat_schedule = BEAT_SCHEDULE
    celery_app.set_default()
    app.extensions["celery"] = celery_app

    def started(task_id: str | None = None, sender: Task | None = None, **_: object) -> None:
        from marketplace.outbox.services import mark_started

        if sender is None or sender.app is not celery_app:  # another app's task (tests make several)
            return
        with app.app_context():
            mark_started(task_id)

    task_prerun.connect(started, weak=False, sender=None)
    app.extensions["celery_prerun"] = started
    return celery_app
