from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.extensions import db
from marketplace.jurisdiction import Scoped
from marketplace.timeutil import UTCDateTime, utcnow


class Notification(Scoped, db.Model):
    """A message in a user's inbox; mailed too when the user has an address and mail is configured."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "is_read"),
                      Index("ix_notifications_sms_state", "sms_state", "user_id"))
    __scope_owner__ = "user_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str | None] = mapped_column(String(300))
    is_read: Mapped[bool] = mapped_column(default=False)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What it is about (marketplace/notifications/events.py), for the channels each user chose per event.
    event: Mapped[str | None] = mapped_column(String(40))
    # "digest": waits for the next SMS digest; "sent": in an SMS already; None: not for SMS.
    sms_state: Mapped[str | None] = mapped_column(String(16))

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Notification {self.id} to={self.user_id}>"


class NotificationPreference(Scoped, db.Model):
    """Which events a user also wants by text message (the inbox and mail get everything)."""

    __tablename__ = "notification_preferences"
    __scope_owner__ = "user_id"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    sms_events: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<NotificationPreference user={self.user_id} sms={self.sms_events}>"


class SmsMessage(Scoped, db.Model):
    """One text message: sent at once (an urgent event) or a digest of routine ones. The number is read from
    the account when sending; only its masked form is kept here."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status"),
        Index("ix_sms_messages_user_created", "user_id", "created_at"),
    )
    __scope_owner__ = "user_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    phone_masked: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(String(300))
    is_digest: Mapped[bool] = mapped_column(default=False)
    count: Mapped[int] = mapped_column(default=1)  # notifications it tells of
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<SmsMessage {self.id} to={self.user_id} {self.status}>"
