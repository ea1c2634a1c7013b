"""Needs (需求) posted by entities, their history, and the invitations that offer them to candidates."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.directory.models import Counselor
from marketplace.entities.models import Entity
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.regions.models import Region
from marketplace.timeutil import UTCDateTime, utcnow
from marketplace.versioning import Versioned


class NeedStatus(enum.Enum):
    DRAFT = "draft"
    OPEN = "open"
    ASSIGNED = "assigned"
    IN_SERVICE = "in_service"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class Urgency(enum.Enum):
    NORMAL = "normal"
    URGENT = "urgent"


class ServiceMode(enum.Enum):
    ON_SITE = "on_site"
    REMOTE = "remote"


class Need(Scoped, Versioned, db.Model):
    """A need. Officials see needs whose place lies in their jurisdiction; the entity's operator sees theirs."""

    __tablename__ = "needs"
    __table_args__ = (
        Index("ix_needs_scope_status", "region_code", "status"),
        Index("ix_needs_status_opened", "status", "opened_at"),
        CheckConstraint("budget IS NULL OR budget >= 0", name="budget_not_negative"),
    )
    __scope_region__ = "region_code"
    __scope_owner__ = "owner_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[int]          # one Specialty bit
    industry: Mapped[int] = mapped_column(default=0)  # one Industry bit, 0 when not given
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    urgency: Mapped[Urgency] = mapped_column(value_enum(Urgency, "need_urgency"), default=Urgency.NORMAL)
    mode: Mapped[ServiceMode] = mapped_column(value_enum(ServiceMode, "need_mode"), default=ServiceMode.ON_SITE)
    budget: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    start_on: Mapped[date | None] = mapped_column(Date)
    end_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[NeedStatus] = mapped_column(value_enum(NeedStatus, "need_status"), default=NeedStatus.DRAFT,
                                               index=True)
    assigned_counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselors.id"), index=True)
    assigned_center_id: Mapped[int | None] = mapped_column(ForeignKey("service_centers.id"), index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entity: Mapped[Entity] = relationship(lazy="joined")
    owner: Mapped[User] = relationship()
    region: Mapped[Region] = relationship(lazy="joined")
    assigned_counselor: Mapped[Counselor | None] = relationship()
    events: Mapped[list[NeedEvent]] = relationship(back_populates="need", order_by="NeedEvent.id",
                                                   cascade="all, delete-orphan")
    invitations: Mapped[list[Invitation]] = relationship(back_populates="need", order_by="Invitation.id",
                                                         cascade="all, delete-orphan")

    @property
    def allows_remote(self) -> bool:
        return self.mode is ServiceMode.REMOTE

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.status.value}>"


class NeedEvent(db.Model):
    """One step in a need's life: who, when, from what to what, why."""

    __tablename__ = "need_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[NeedStatus | None] = mapped_column(value_enum(NeedStatus, "need_event_from"))
    to_status: Mapped[NeedStatus | None] = mapped_column(value_enum(NeedStatus, "need_event_to"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    need: Mapped[Need] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<NeedEvent {self.action} need={self.need_id}>"


class InvitationKind(enum.Enum):
    COUNSELOR = "counselor"
    CENTER = "center"


class InvitationStatus(enum.Enum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class Invitation(Scoped, db.Model):
    """A need offered to one candidate. Each candidate is asked at most once per need; the rows are the
    need's history of who was asked, when, and what they answered."""

    __tablename__ = "invitations"
    __table_args__ = (
        # One live invitation per candidate and need; a withdrawn one (the need went to someone else) does not
        # count, so the candidate can be asked again when the need reopens.
        Index("uq_invitations_need_counselor", "need_id", "counselor_id", unique=True,
              sqlite_where=text("status != 'withdrawn'"), postgresql_where=text("status != 'withdrawn'")),
        Index("uq_invitations_need_center", "need_id", "center_id", unique=True,
              sqlite_where=text("status != 'withdrawn'"), postgresql_where=text("status != 'withdrawn'")),
        CheckConstraint("(kind = 'counselor' AND counselor_id IS NOT NULL AND center_id IS NULL) OR "
                        "(kind = 'center' AND center_id IS NOT NULL AND counselor_id IS NULL)",
                        name="one_candidate"),
        Index("ix_invitations_status_due", "status", "due_at"),
    )
    __scope_region__ = "region_code"
    __scope_owner__ = "owner_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[InvitationKind] = mapped_column(value_enum(InvitationKind, "invitation_kind"))
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselors.id"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("service_centers.id"), index=True)
    candidate_name: Mapped[str] = mapped_column(String(120))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # the need's place
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)  # the need's operator
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: passed on automatically
    status: Mapped[InvitationStatus] = mapped_column(value_enum(InvitationStatus, "invitation_status"),
                                                     default=InvitationStatus.PENDING)
    score: Mapped[float | None]
    match_reasons: Mapped[str | None] = mapped_column(Text)  # "；"-joined reasons shown when invited
    match_model: Mapped[str | None] = mapped_column(String(40))  # the ranker that scored it: name/version
    reason: Mapped[str | None] = mapped_column(Text)  # the answer's reason
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    need: Mapped[Need] = relationship(back_populates="invitations")
    counselor: Mapped[Counselor | None] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def __repr__(self) -> str:
        return f"<Invitation {self.id} need={self.need_id} {self.kind.value} {self.status.value}>"
