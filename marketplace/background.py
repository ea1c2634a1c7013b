"""Queueing background work after the database transaction commits, through the outbox
(marketplace/outbox/services.py).

Services call `enqueue_after_commit("<area>.<verb>", job.id)` by task name; they never import `tasks/`.
Tasks take ids, so they must only be sent once the rows they load are committed; a rolled-back request
sends nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.outbox import services as outbox


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue `task` (its name, e.g. "certificates.batch") with JSON arguments once this transaction commits."""
    outbox.enqueue(task, *args, **kwargs)


def enqueue_job_after_commit(task: str, job: Any) -> None:
    """Queue the task that runs `job` by its id (the job row and the message commit together)."""
    outbox.enqueue_job(task, job)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    outbox.after_commit(session)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    outbox.after_rollback(session)
