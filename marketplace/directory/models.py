"""The counselor directory (名录库): counselor records, their history, change requests, yearly confirmations."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Department, User
from marketplace.entities.models import EntityType
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.regions.models import Region
from marketplace.timeutil import UTCDateTime, utcnow
from marketplace.versioning import Versioned


class Specialty(enum.IntFlag):
    """业务专长; also the eight need categories."""

    ORGANIZATION = 1
    OPERATION = 2
    FINANCE = 4
    MARKETING = 8
    GREEN = 16
    TECHNICAL = 32
    QUALITY = 64
    CREDIT = 128


class Industry(enum.IntFlag):
    """产业领域."""

    GRAIN = 1
    FRUIT = 2
    VEGETABLE = 4
    LIVESTOCK = 8
    AQUACULTURE = 16
    LEISURE = 32
    PROCESSING = 64
    OTHER = 128


class Gender(enum.Enum):
    MALE = "male"
    FEMALE = "female"


class WorkMode(enum.Enum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"


class Source(enum.Enum):
    """选聘来源."""

    ENTITY_LEADER = "entity_leader"
    ENTERPRISE_MANAGER = "enterprise_manager"
    RURAL_EXPERT = "rural_expert"
    SKILLED_FARMER = "skilled_farmer"
    EXTENSION_TECHNICIAN = "extension_technician"
    RESEARCHER = "researcher"
    SOCIAL_ORGANIZATION = "social_organization"


class PoliticalStatus(enum.Enum):
    CPC_MEMBER = "cpc_member"
    CPC_PROBATIONARY = "cpc_probationary"
    CYL_MEMBER = "cyl_member"
    DEMOCRATIC_PARTY = "democratic_party"
    MASSES = "masses"


class Education(enum.Enum):
    POSTGRADUATE = "postgraduate"
    BACHELOR = "bachelor"
    COLLEGE = "college"
    SECONDARY = "secondary"
    JUNIOR_OR_BELOW = "junior_or_below"


class CounselorStatus(enum.Enum):
    APPOINTED = "appointed"      # 在聘
    SUSPENDED = "suspended"      # 暂停
    EXPIRED = "expired"          # 期满
    TRANSFERRED_OUT = "transferred_out"  # 调出 (term ended with 不合格)
    STRUCK_OFF = "struck_off"    # 除名


counselor_service_areas = Table(
    "counselor_service_areas",
    db.metadata,
    Column("counselor_id", ForeignKey("counselors.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", ForeignKey("regions.code"), primary_key=True, index=True),
)


class Counselor(Scoped, Versioned, db.Model):
    """A counselor's directory record. Officials see the counselors appointed in their jurisdiction
    (by the appointing department's region); a counselor sees their own record."""

    __tablename__ = "counselors"
    __table_args__ = (
        # The appointing department, and its region copied beside it (every jurisdiction filter reads it): one
        # key to departments (id, region_code), so the copy cannot differ from the department's region and an
        # inserted row is checked by one trigger instead of two (migration 0024).
        ForeignKeyConstraint(["department_id", "department_region_code"], ["departments.id", "departments.region_code"],
                             onupdate="CASCADE"),
        Index("ix_counselors_department_status", "department_id", "status"),
        Index("ix_counselors_scope_status", "department_region_code", "status"),
        Index("ix_counselors_updated", "updated_at", "id"),
        Index("ix_counselors_name_id", "name", "id"),
        # the public directory: appointed ones by name, and by place
        Index("ix_counselors_status_name", "status", "name", "id"),
        Index("ix_counselors_status_region", "status", "region_code"),
    )
    __scope_region__ = "department_region_code"
    __scope_owner__ = "user_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[Gender] = mapped_column(value_enum(Gender, "gender"))
    birth_date: Mapped[date] = mapped_column(Date)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_cipher: Mapped[str] = mapped_column(Text)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    phone_cipher: Mapped[str] = mapped_column(Text)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # look-up only: phones may repeat
    phone_masked: Mapped[str] = mapped_column(String(11))
    political_status: Mapped[PoliticalStatus | None] = mapped_column(value_enum(PoliticalStatus, "political_status"))
    education: Mapped[Education | None] = mapped_column(value_enum(Education, "education"))
    title: Mapped[str | None] = mapped_column(String(64))
    employer: Mapped[str | None] = mapped_column(String(120))
    position: Mapped[str | None] = mapped_column(String(64))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    specialties: Mapped[int] = mapped_column(default=0)
    industries: Mapped[int] = mapped_column(default=0)
    work_mode: Mapped[WorkMode] = mapped_column(value_enum(WorkMode, "work_mode"))
    source: Mapped[Source] = mapped_column(value_enum(Source, "counselor_source"))
    is_remote: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(default=5)
    department_id: Mapped[int]
    department_region_code: Mapped[str] = mapped_column(String(12))
    township_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    appointed_on: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date, index=True)
    certificate_no: Mapped[str] = mapped_column(String(32), unique=True)
    # no index of its own: (status, name, id) and (status, region_code) begin with it (migration 0024)
    status: Mapped[CounselorStatus] = mapped_column(value_enum(CounselorStatus, "counselor_status"))
    data_year: Mapped[int | None]
    # The counselor's own confirmation that their data is current (the yearly window, 1 January – 30 June).
    self_confirmed_year: Mapped[int | None]
    self_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(lazy="joined")
    region: Mapped[Region] = relationship(foreign_keys=[region_code], lazy="joined")
    township: Mapped[Region | None] = relationship(foreign_keys=[township_code])
    user: Mapped[User | None] = relationship()
    service_areas: Mapped[list[Region]] = relationship(secondary=counselor_service_areas)
    events: Mapped[list[CounselorEvent]] = relationship(back_populates="counselor",
                                                        order_by="CounselorEvent.id.desc()")

    @property
    def is_public(self) -> bool:
        return self.status in (CounselorStatus.APPOINTED, CounselorStatus.SUSPENDED)

    def __repr__(self) -> str:
        return f"<Counselor {self.id} {self.name} {self.status.value}>"


class CounselorEvent(db.Model):
    """One change in a counselor's record or status: who, when, why."""

    __tablename__ = "counselor_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[CounselorStatus | None] = mapped_column(value_enum(CounselorStatus, "event_from_status"))
    to_status: Mapped[CounselorStatus | None] = mapped_column(value_enum(CounselorStatus, "event_to_status"))
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    counselor: Mapped[Counselor] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<CounselorEvent {self.action} counselor={self.counselor_id}>"


class ChangeRequestStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ChangeRequest(Scoped, db.Model):
    """A counselor's request to change fields the appointing department owns; the department reviews it."""

    __tablename__ = "counselor_change_requests"
    __scope_region__ = "department_region_code"
    __scope_owner__ = "requested_by_id"

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"), index=True)
    department_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changes: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ChangeRequestStatus] = mapped_column(value_enum(ChangeRequestStatus, "change_request_status"),
                                                        default=ChangeRequestStatus.PENDING, index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    counselor: Mapped[Counselor] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    def __repr__(self) -> str:
        return f"<ChangeRequest {self.id} {self.status.value}>"


class YearlyConfirmation(Scoped, db.Model):
    """A department's confirmation of its previous year's directory data (1 January – 30 June)."""

    __tablename__ = "yearly_confirmations"
    __table_args__ = (UniqueConstraint("department_id", "data_year"),)
    __scope_region__ = "department_region_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    department_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    data_year: Mapped[int]
    confirmed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    counselor_count: Mapped[int] = mapped_column(default=0)

    department: Mapped[Department] = relationship()
    confirmed_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<YearlyConfirmation dept={self.department_id} {self.data_year}>"


class YearlyUnlock(Scoped, db.Model):
    """A superior's permission for a department to change a past year's data outside the window."""

    __tablename__ = "yearly_unlocks"
    __scope_region__ = "department_region_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    department_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    data_year: Mapped[int]
    unlocked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()
    unlocked_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<YearlyUnlock dept={self.department_id} {self.data_year} until {self.until}>"


class OffPlatformService(Scoped, db.Model):
    """Service a counselor gave off the platform, as the appointing department records it (art. 14, 服务主体类型和
    数量): how many entities of one type, in one year. Added to the entities served through agreements."""

    __tablename__ = "off_platform_services"
    __table_args__ = (CheckConstraint("count >= 1 AND count <= 10000", name="count_range"),)
    __scope_region__ = "department_region_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"), index=True)
    department_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    entity_type: Mapped[EntityType] = mapped_column(value_enum(EntityType, "off_platform_entity_type", length=16))
    count: Mapped[int]
    year: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    counselor: Mapped[Counselor] = relationship()
    recorded_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<OffPlatformService counselor={self.counselor_id} {self.entity_type.value} x{self.count} {self.year}>"
