"""Queueing Celery tasks after the database transaction commits.

Tasks take ids, so they must only be sent once the rows they load are committed; a rolled-back request
sends nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.extensions import db

_KEY = "fudao_pending_tasks"


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    db.session().info.setdefault(_KEY, []).append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(_KEY, [])
    for task, args, kwargs in pending:
        task.delay(*args, **kwargs)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_KEY, None)
