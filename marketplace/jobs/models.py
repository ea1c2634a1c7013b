"""Background jobs the user waits for (imports, batch certificates): state, progress, errors, result."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.timeutil import UTCDateTime, utcnow


class JobState(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Job(Scoped, db.Model):
    __tablename__ = "jobs"
    __scope_region__ = "region_code"
    __scope_owner__ = "actor_id"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[JobState] = mapped_column(value_enum(JobState, "job_state", length=16),
                                            default=JobState.PENDING, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    processed: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(JSON, default=list)
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    input_path: Mapped[str | None] = mapped_column(String(255))
    result_path: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How many times the job was queued (first run, re-queues by the reaper and the 重试 button).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state.value}>"
