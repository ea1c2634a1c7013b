"""One row per message to the broker, written in the same transaction as the job row it is about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.timeutil import UTCDateTime, utcnow


class OutboxMessage(db.Model):
    """A task to send by name. `sent_at` is set when the broker took it, `started_at` when a worker began it
    (the task id is `outbox-<id>`); a message sent but never started is sent again by the sweep."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_name: Mapped[str] = mapped_column(String(100))
    args: Mapped[list] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
    job_id: Mapped[str | None] = mapped_column(String(36), index=True)  # the Job it runs, if any

    @property
    def task_id(self) -> str:
        return task_id_of(self.id)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.task_name} sent={self.sent_at is not None}>"


TASK_ID_PREFIX = "outbox-"


def task_id_of(message_id: int) -> str:
    return f"{TASK_ID_PREFIX}{message_id}"


def message_id_of(task_id: str | None) -> int | None:
    if not task_id or not task_id.startswith(TASK_ID_PREFIX):
        return None
    rest = task_id[len(TASK_ID_PREFIX):]
    return int(rest) if rest.isdigit() else None
