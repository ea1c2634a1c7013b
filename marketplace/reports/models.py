"""Reporting upward (经验做法、进展、问题反馈): a department's periodic work report to the level above, with the
platform's figures frozen at submission, typical cases (典型案例) drawn from accepted agreements, attachments,
and the conversation with the reviewing department."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.accounts.models import Department, User
from marketplace.agreements.models import Agreement
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.regions.models import Region
from marketplace.timeutil import UTCDateTime, utcnow


class PeriodKind(enum.Enum):
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


class ReportState(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"


class WorkReport(Scoped, db.Model):
    """One department's report for one period. It lies in the department's region, so the department and every
    level above read it through the one scoping mechanism; only the level directly above reviews it."""

    __tablename__ = "work_reports"
    __scope_region__ = "region_code"
    __table_args__ = (
        UniqueConstraint("department_id", "period_kind", "year", "period_no", name="uq_work_reports_period"),
        CheckConstraint("period_no >= 1 AND period_no <= 4", name="work_report_period_no"),
        Index("ix_work_reports_reviewer_state", "reviewer_department_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    reviewer_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    period_kind: Mapped[PeriodKind] = mapped_column(value_enum(PeriodKind, "report_period_kind"))
    year: Mapped[int]
    period_no: Mapped[int] = mapped_column(default=1)  # quarter 1–4, half 1–2, year 1
    state: Mapped[ReportState] = mapped_column(value_enum(ReportState, "report_state"), default=ReportState.DRAFT,
                                               index=True)
    practices: Mapped[str] = mapped_column(Text, default="")     # 经验做法与工作进展
    problems: Mapped[str] = mapped_column(Text, default="")      # 存在问题
    suggestions: Mapped[str] = mapped_column(Text, default="")   # 意见建议
    figures: Mapped[dict | None] = mapped_column(JSON)            # frozen at submission: {key: value}
    figures_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship(foreign_keys=[department_id], lazy="joined")
    reviewer: Mapped[Department] = relationship(foreign_keys=[reviewer_department_id], lazy="joined")
    region: Mapped[Region] = relationship()
    created_by: Mapped[User | None] = relationship()
    cases: Mapped[list[TypicalCase]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                    order_by="TypicalCase.id")
    attachments: Mapped[list[ReportAttachment]] = relationship(back_populates="report",
                                                               cascade="all, delete-orphan",
                                                               order_by="ReportAttachment.id")
    comments: Mapped[list[ReportComment]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                         order_by="ReportComment.id")

    def __repr__(self) -> str:
        return f"<WorkReport {self.id} {self.region_code} {self.year} {self.period_kind.value}{self.period_no}>"


class ReportComment(db.Model):
    """A remark in the report's conversation: a comment, or the reason given when it was returned or accepted."""

    __tablename__ = "work_report_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("work_reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str | None] = mapped_column(String(16))  # None for a plain comment, else the transition
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[WorkReport] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReportComment {self.id} on {self.report_id}>"


class TypicalCase(db.Model):
    """A typical case in a report, linked to an accepted agreement of the department's jurisdiction. Only the
    title, text and photos the department wrote are ever shown publicly (once the ministry publishes it)."""

    __tablename__ = "typical_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("work_reports.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    is_published: Mapped[bool] = mapped_column(default=False, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[WorkReport] = relationship(back_populates="cases")
    agreement: Mapped[Agreement] = relationship()
    photos: Mapped[list[CasePhoto]] = relationship(back_populates="case", cascade="all, delete-orphan",
                                                   order_by="CasePhoto.id")

    def __repr__(self) -> str:
        return f"<TypicalCase {self.id} {self.title}>"


class CasePhoto(db.Model):
    """A photo of a typical case, re-encoded on upload (no EXIF, so no location or camera data)."""

    __tablename__ = "typical_case_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("typical_cases.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    caption: Mapped[str] = mapped_column(String(120), default="")
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[TypicalCase] = relationship(back_populates="photos")

    def __repr__(self) -> str:
        return f"<CasePhoto {self.id} of {self.case_id}>"


class ReportAttachment(db.Model):
    """A file attached to a report (checked by content, stored outside static/, served as a download)."""

    __tablename__ = "work_report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("work_reports.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[WorkReport] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<ReportAttachment {self.id} {self.original_name}>"
