"""Reviews' answers and moderation, and the question threads about a need between its operator and a candidate.

A review is an agreement's rating and comment, given by the operator at acceptance (`Agreement.satisfaction`,
`satisfaction_comment`); `ReviewNote` holds what comes after: the provider's one answer and an official's
hiding of an abusive review. Officials see the notes and messages of their jurisdiction (the need's place)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.timeutil import UTCDateTime, utcnow


class ReviewNote(Scoped, db.Model):
    """The provider's answer to a review (once) and an official's hiding of it (with a reason)."""

    __tablename__ = "review_notes"
    __scope_region__ = "region_code"

    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # the need's place
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])
    hidden_by: Mapped[User | None] = relationship(foreign_keys=[hidden_by_id])

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    def __repr__(self) -> str:
        return f"<ReviewNote agreement={self.agreement_id} hidden={self.is_hidden}>"


class Side(enum.Enum):
    OPERATOR = "operator"  # the need's operator asks
    PROVIDER = "provider"  # the candidate answers


class NeedMessage(Scoped, db.Model):
    """One message of the short thread between a need's operator and one candidate (a counselor or a center)."""

    __tablename__ = "need_messages"
    __table_args__ = (
        CheckConstraint("(counselor_id IS NOT NULL AND center_id IS NULL) OR "
                        "(center_id IS NOT NULL AND counselor_id IS NULL)", name="one_candidate"),
        Index("ix_need_messages_thread", "need_id", "counselor_id", "center_id", "id"),
    )
    __scope_region__ = "region_code"
    __scope_owner__ = ("owner_id", "provider_user_id")

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselors.id"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("service_centers.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # the need's place
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the need's operator
    provider_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    side: Mapped[Side] = mapped_column(value_enum(Side, "need_message_side"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])

    def __repr__(self) -> str:
        return f"<NeedMessage {self.id} need={self.need_id} {self.side.value}>"
