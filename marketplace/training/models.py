"""Counselor training (岗位培训): a department's planned training and who enrolled, attended and for how long."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Department, User
from marketplace.directory.models import Counselor
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.regions.models import Region
from marketplace.timeutil import UTCDateTime, utcnow


class TrainingMode(enum.Enum):
    OFFLINE = "offline"
    ONLINE = "online"
    MIXED = "mixed"


class Audience(enum.Enum):
    OWN = "own"  # the counselors the organising department appointed
    JURISDICTION = "jurisdiction"  # every counselor in post in the department's region and below


class TrainingState(enum.Enum):
    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Training(Scoped, db.Model):
    """A training planned by a department at any level. Officials see the trainings of their jurisdiction;
    counselors see those open to them (services.open_to)."""

    __tablename__ = "trainings"
    __scope_region__ = "region_code"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="training_dates_ordered"),
        CheckConstraint("hours > 0", name="training_hours_positive"),
        CheckConstraint("capacity > 0", name="training_capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    topic_specialty: Mapped[int | None]  # one Specialty flag, or None for a free topic
    topic: Mapped[str | None] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[TrainingMode] = mapped_column(value_enum(TrainingMode, "training_mode"))
    place: Mapped[str | None] = mapped_column(String(200))
    hours: Mapped[Decimal] = mapped_column(Numeric(5, 1))
    organiser: Mapped[str] = mapped_column(String(120))
    capacity: Mapped[int]
    audience: Mapped[Audience] = mapped_column(value_enum(Audience, "training_audience"))
    description: Mapped[str | None] = mapped_column(Text)
    state: Mapped[TrainingState] = mapped_column(value_enum(TrainingState, "training_state"),
                                                 default=TrainingState.PLANNED, index=True)
    state_reason: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    region: Mapped[Region] = relationship()
    created_by: Mapped[User | None] = relationship()
    enrollments: Mapped[list[TrainingEnrollment]] = relationship(
        back_populates="training", cascade="all, delete-orphan", order_by="TrainingEnrollment.id")

    def __repr__(self) -> str:
        return f"<Training {self.id} {self.title}>"


class TrainingEnrollment(db.Model):
    """One counselor on a training's list: enrolled by themselves or their department; attendance and the
    hours credited once recorded; a completion certificate number when attended."""

    __tablename__ = "training_enrollments"
    __table_args__ = (
        UniqueConstraint("training_id", "counselor_id", name="uq_training_enrollments_counselor"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="enrollment_hours_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"), index=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"), index=True)
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attended: Mapped[bool | None]
    hours: Mapped[Decimal | None] = mapped_column(Numeric(5, 1))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_no: Mapped[str | None] = mapped_column(String(40), unique=True)

    training: Mapped[Training] = relationship(back_populates="enrollments")
    counselor: Mapped[Counselor] = relationship(lazy="joined")
    enrolled_by: Mapped[User | None] = relationship(foreign_keys=[enrolled_by_id])

    def __repr__(self) -> str:
        return f"<TrainingEnrollment {self.training_id}:{self.counselor_id}>"
