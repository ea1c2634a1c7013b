"""Sign-in state kept on the server: sessions, sign-in throttles and second-factor recovery codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.timeutil import UTCDateTime, utcnow


class ServerSession(db.Model):
    """One browser session (Flask-Session's server-side session, stored in the database). The cookie holds
    only the random id; deleting the row ends the session wherever the cookie was copied to. `user_id` lets
    a password change, a reset or a disabling end every session of an account."""

    __tablename__ = "server_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(255), unique=True)
    user_id: Mapped[int | None] = mapped_column(index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expiry: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    def __repr__(self) -> str:
        return f"<ServerSession user={self.user_id} expiry={self.expiry:%Y-%m-%d %H:%M}>"


class LoginThrottle(db.Model):
    """Failed sign-ins per key ("name:<lower username>" or "addr:<client address>"), known name or not, so
    throttling answers unknown and existing names alike."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LoginThrottle {self.key} {self.failures}>"


class RecoveryCode(db.Model):
    """A one-time recovery code for the second factor; only its hash is stored."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<RecoveryCode user={self.user_id} used={self.used_at is not None}>"
