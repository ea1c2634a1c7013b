"""Awards (评优评先): a department's nomination of a counselor or a service center for an award of the year,
approved or returned by the department one level above."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Department
from marketplace.centers.models import ServiceCenter
from marketplace.directory.models import Counselor
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.regions.models import Level, Region, level_enum
from marketplace.timeutil import UTCDateTime, utcnow


class AwardSubject(enum.Enum):
    COUNSELOR = "counselor"  # 优秀辅导员
    CENTER = "center"        # 优秀服务中心


class AwardState(enum.Enum):
    DRAFT = "draft"          # 草稿
    NOMINATED = "nominated"  # 已提名（待上级审核）
    RETURNED = "returned"    # 已退回
    APPROVED = "approved"    # 已批准（公示）
    WITHDRAWN = "withdrawn"  # 已撤回


class Award(Scoped, db.Model):
    """One nomination: the subject (a counselor or a center), the award's year and level (the nominating
    department's level), the reason, the grade it rests on, and the decision of the department above.

    Officials read the nominations placed in their jurisdiction (the nominating department's region), so the
    department above sees those it decides; the counselor or center sees its own (the pages show only approved
    ones to them)."""

    __tablename__ = "awards"
    __scope_region__ = "region_code"
    __scope_owner__ = ("counselor_user_id", "center_owner_id")
    __table_args__ = (
        CheckConstraint("(counselor_id IS NULL) <> (center_id IS NULL)", name="award_one_subject"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="award_year_range"),
        UniqueConstraint("counselor_id", "year", "level", name="uq_awards_counselor_year_level"),
        UniqueConstraint("center_id", "year", "level", name="uq_awards_center_year_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    subject: Mapped[AwardSubject] = mapped_column(value_enum(AwardSubject, "award_subject"))
    level: Mapped[Level] = mapped_column(level_enum("award_level"))
    name: Mapped[str] = mapped_column(String(60))  # 县级优秀辅导员, 市级优秀服务中心, ...
    counselor_id: Mapped[int | None] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"), index=True)
    center_id: Mapped[int | None] = mapped_column(ForeignKey("service_centers.id", ondelete="CASCADE"), index=True)
    counselor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    center_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject_name: Mapped[str] = mapped_column(String(120))
    subject_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    grade: Mapped[str] = mapped_column(String(16))  # the evaluation grade the nomination rests on
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # the nominating dept's
    approver_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[AwardState] = mapped_column(value_enum(AwardState, "award_state"), default=AwardState.DRAFT,
                                              index=True)
    comment: Mapped[str | None] = mapped_column(Text)  # the last decision's comment (why returned, withdrawn)
    nominated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(foreign_keys=[department_id], lazy="joined")
    approver_department: Mapped[Department] = relationship(foreign_keys=[approver_department_id], lazy="joined")
    subject_region: Mapped[Region] = relationship(foreign_keys=[subject_region_code], lazy="joined")
    counselor: Mapped[Counselor | None] = relationship()
    center: Mapped[ServiceCenter | None] = relationship()

    def __repr__(self) -> str:
        return f"<Award {self.id} {self.year} {self.name} {self.subject_name}>"
