"""Queueing background work through the outbox.

`enqueue("certificates.batch", job.id)` adds an outbox row in the caller's transaction (services flush,
never commit). When that transaction commits, the rows are sent to the broker by task name; a broker that
is down leaves them unsent (the request still succeeds) and `sweep`, run every minute by beat and by
`flask outbox sweep`, sends them once it is back. A message the broker took but lost (a Redis killed
without persistence) is never started by a worker, so the sweep sends it again after OUTBOX_REDELIVER_AFTER.
Tasks are idempotent, so a message delivered twice does no harm.

Each send first claims the row with a conditional UPDATE in its own short transaction (two sweeps, or a
sweep and an after-commit send, never both send it), then publishes. Nothing here uses the request's session:
after a commit it can emit no SQL.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, flash, has_app_context, has_request_context
from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.outbox.models import OutboxMessage, message_id_of, task_id_of
from marketplace.timeutil import utcnow

log = logging.getLogger(__name__)

PENDING_KEY = "fudao_pending_tasks"  # session.info: ids of outbox rows this transaction wrote
TABLE = OutboxMessage.__table__


def enqueue(task: Any, *args: Any, **kwargs: Any) -> OutboxMessage:
    """Record a task to run once the current transaction commits. `task` is the task's name (a task object
    is accepted too, for its name); arguments must be JSON (ids, ISO dates)."""
    return _add(task, list(args), dict(kwargs), None)


def enqueue_job(task: Any, job) -> OutboxMessage:
    """Queue the task that runs `job` (called with the job's id); the reaper knows the job is waiting to be
    sent while its message is unsent. Counts the attempt on the job."""
    job.attempts = (job.attempts or 0) + 1
    return _add(task, [job.id], {}, job.id)


def _add(task: Any, args: list, kwargs: dict, job_id: str | None) -> OutboxMessage:
    name = task if isinstance(task, str) else task.name
    message = OutboxMessage(task_name=name, args=args, kwargs=kwargs, job_id=job_id)
    db.session.add(message)
    db.session.flush()
    db.session().info.setdefault(PENDING_KEY, []).append(message.id)
    return message


def after_commit(session: Session) -> None:
    """Send the messages the committed transaction wrote. Never raises: the request has committed. A savepoint
    released inside a longer transaction (`begin_nested`) sends nothing yet: the outer transaction still
    holds its rows (and, on SQLite, the write lock a separate connection would wait for)."""
    if session.in_nested_transaction():
        return
    ids = session.info.pop(PENDING_KEY, [])
    if not ids or not has_app_context():
        return
    try:
        failed = dispatch(ids)
    except Exception:  # the database itself failed; the sweep sends them later
        log.exception("outbox: could not dispatch %s", ids)
        failed = len(ids)
    if failed and has_request_context():
        flash(_("后台服务暂时不可用：任务已记录，将在服务恢复后自动开始"), "warning")


def after_rollback(session: Session) -> None:
    """Forget the messages of a rolled-back transaction. A savepoint rolled back inside a longer transaction
    keeps the list: its own rows are gone, and `_claim` skips an id that no longer exists."""
    if session.in_nested_transaction():
        return
    session.info.pop(PENDING_KEY, None)


def dispatch(ids: list[int], redeliver_before: datetime | None = None) -> int:
    """Send the given messages that are still due; returns how many could not be sent. Stops at the first
    broker error (the others would wait for the same timeout)."""
    celery = current_app.extensions["celery"]
    eager = bool(celery.conf.task_always_eager)
    for position, message_id in enumerate(ids):
        row = _claim(message_id, redeliver_before)
        if row is None:
            continue
        try:
            if eager:
                _run_eagerly(celery, row)
            else:
                # No result is read back (the job row is the result), so none is stored or subscribed to:
                # a down Redis result backend would otherwise hold the request ~20 s in its retries.
                celery.send_task(row.task_name, args=row.args, kwargs=row.kwargs, task_id=task_id_of(row.id),
                                 retry=False, ignore_result=True)
        except Exception as error:
            log.warning("outbox: broker refused %s (%s): %s", row.task_name, row.id, error)
            with db.engine.begin() as connection:
                connection.execute(update(TABLE).where(TABLE.c.id == row.id).values(
                    sent_at=None, last_error=f"{type(error).__name__}: {error}"[:500]))
            return len(ids) - position
    return 0


def _due(redeliver_before: datetime | None):
    if redeliver_before is None:
        return TABLE.c.sent_at.is_(None)
    return or_(TABLE.c.sent_at.is_(None),
               and_(TABLE.c.started_at.is_(None), TABLE.c.sent_at < redeliver_before,
                    TABLE.c.attempts < current_app.config["OUTBOX_MAX_ATTEMPTS"]))


def _claim(message_id: int, redeliver_before: datetime | None):
    with db.engine.begin() as connection:
        claimed = connection.execute(update(TABLE).where(TABLE.c.id == message_id, _due(redeliver_before))
                                     .values(sent_at=utcnow(), attempts=TABLE.c.attempts + 1, last_error=None))
        if claimed.rowcount != 1:
            return None
        return connection.execute(select(TABLE).where(TABLE.c.id == message_id)).one()


def _run_eagerly(celery, row) -> None:
    """Tests and `task_always_eager`: run in this process (each task pushes its own app context, so its
    session is not the committed one)."""
    if row.task_name not in celery.tasks:
        celery.loader.import_default_modules()
    celery.tasks[row.task_name].apply(args=row.args, kwargs=row.kwargs, task_id=task_id_of(row.id))


def sweep(now: datetime | None = None) -> dict:
    """Send every message still unsent (older than a few seconds, so as not to race the after-commit send)
    and again those the broker took but no worker ever started; forget old started ones."""
    now = now or utcnow()
    config = current_app.config
    redeliver_before = now - config["OUTBOX_REDELIVER_AFTER"]
    with db.engine.connect() as connection:
        ids = list(connection.scalars(select(TABLE.c.id).where(or_(
            and_(TABLE.c.sent_at.is_(None), TABLE.c.created_at < now - timedelta(seconds=5)),
            and_(TABLE.c.sent_at.is_not(None), _due(redeliver_before)))).order_by(TABLE.c.id).limit(1000)))
    failed = dispatch(ids, redeliver_before) if ids else 0
    with db.engine.begin() as connection:
        pruned = connection.execute(delete(TABLE).where(
            TABLE.c.started_at < now - config["OUTBOX_KEEP"])).rowcount
    return {"due": len(ids), "failed": failed, "pruned": pruned}


def mark_started(task_id: str | None) -> None:
    """A worker began the task (Celery's task_prerun): the message needs no redelivery."""
    message_id = message_id_of(task_id)
    if message_id is None:
        return
    with db.engine.begin() as connection:
        connection.execute(update(TABLE).where(TABLE.c.id == message_id, TABLE.c.started_at.is_(None))
                           .values(started_at=utcnow()))


def waiting_to_send(job_id: str) -> bool:
    """Whether the job has a message the broker has not taken yet (or not started, within the redelivery
    window): the outbox will still deliver it, so the reaper leaves the job alone."""
    since = utcnow() - current_app.config["OUTBOX_REDELIVER_AFTER"] * 2
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.job_id == job_id, OutboxMessage.started_at.is_(None),
        or_(OutboxMessage.sent_at.is_(None), OutboxMessage.sent_at >= since)).limit(1)) is not None


def refused_by_broker(job_id: str) -> bool:
    """The job's message is still unsent because the broker refused it (it is down)."""
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.job_id == job_id, OutboxMessage.sent_at.is_(None),
        OutboxMessage.last_error.is_not(None)).limit(1)) is not None
