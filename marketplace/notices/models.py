"""Notices (通知公告): a department's notice to its jurisdiction, its attachments, and one receipt per
recipient (who it reached and when they read it)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Department, User
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.timeutil import UTCDateTime, utcnow


class NoticeState(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    WITHDRAWN = "withdrawn"


class RecipientKind(enum.Enum):
    """Whom a notice is addressed to; each kind is one role (officials: the departments below)."""

    OFFICIAL = "official"
    COUNSELOR = "counselor"
    CENTER = "center"
    OPERATOR = "operator"


class Notice(Scoped, db.Model):
    """A notice published by a department at any level to its region and below. Officials see the notices
    of their jurisdiction (one scoping mechanism); recipients see those they have a receipt for."""

    __tablename__ = "notices"
    __scope_region__ = "region_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    # Comma-separated RecipientKind values, in their order ("official,counselor").
    audience: Mapped[str] = mapped_column(String(60))
    is_public: Mapped[bool] = mapped_column(default=False)
    state: Mapped[NoticeState] = mapped_column(value_enum(NoticeState, "notice_state"),
                                               default=NoticeState.DRAFT, index=True)
    state_reason: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fanout_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[NoticeAttachment]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeAttachment.id")

    @property
    def kinds(self) -> list[RecipientKind]:
        return [RecipientKind(v) for v in (self.audience or "").split(",") if v]

    def __repr__(self) -> str:
        return f"<Notice {self.id} {self.title}>"


class NoticeAttachment(db.Model):
    """A file of a notice, checked and stored like every upload (marketplace/centers/uploads.py)."""

    __tablename__ = "notice_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    notice: Mapped[Notice] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<NoticeAttachment {self.id} {self.original_name}>"


class NoticeReceipt(Scoped, db.Model):
    """One recipient of a published notice: written by the fan-out (once per user: the unique constraint makes
    a repeated batch harmless), read when the recipient opens the notice."""

    __tablename__ = "notice_receipts"
    __scope_owner__ = "user_id"
    __table_args__ = (UniqueConstraint("notice_id", "user_id", name="uq_notice_receipts_user"),
                      Index("ix_notice_receipts_notice_region", "notice_id", "region_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RecipientKind] = mapped_column(value_enum(RecipientKind, "notice_recipient_kind"))
    region_code: Mapped[str] = mapped_column(String(12))  # the recipient's region when it reached them
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notice: Mapped[Notice] = relationship()

    def __repr__(self) -> str:
        return f"<NoticeReceipt {self.notice_id}:{self.user_id}>"
