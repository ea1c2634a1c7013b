"""Performance evaluation (绩效评价): the schemes (weights and grade thresholds per province, with a national
default), the before/after records of the entities served, and the yearly results of counselors and centers."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from marketplace.accounts.models import User
from marketplace.entities.models import Entity, ModelLevel
from marketplace.extensions import db, value_enum
from marketplace.jurisdiction import Scoped
from marketplace.timeutil import UTCDateTime, utcnow


class Grade(enum.Enum):
    EXCELLENT = "excellent"      # 优秀
    QUALIFIED = "qualified"      # 合格
    BASIC = "basic"              # 基本合格
    UNQUALIFIED = "unqualified"  # 不合格


class EvaluationKind(enum.Enum):
    ANNUAL = "annual"       # 年度评价
    TERM_END = "term_end"   # 聘期届满评价


class Proposal(enum.Enum):
    """What a result proposes to the department (it decides and acts through the directory or centers)."""

    TRANSFER_OUT = "transfer_out"  # 调出 (counselor, 不合格 at term end)
    WARN = "warn"                  # 警示 (center)
    RECTIFY = "rectify"            # 整改 (center)
    DELIST = "delist"              # 摘牌 (center)


class EvaluationScheme(db.Model):
    """Weights (per indicator group) and grade thresholds (minimum score per grade) for one province, or the
    national default (`region_code` = 000000). `full_marks` gives the figure that earns a full quantity score."""

    __tablename__ = "evaluation_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), unique=True)
    weights: Mapped[dict] = mapped_column(JSON)
    thresholds: Mapped[dict] = mapped_column(JSON)
    full_marks: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<EvaluationScheme {self.region_code}>"


class EntityImprovement(Scoped, db.Model):
    """How an entity served changed over a year, as its department records it (before / after)."""

    __tablename__ = "entity_improvements"
    __table_args__ = (
        UniqueConstraint("entity_id", "year", name="uq_entity_improvements_entity_year"),
        CheckConstraint("checklist_before IS NULL OR checklist_before BETWEEN 0 AND 100", name="checklist_before"),
        CheckConstraint("checklist_after IS NULL OR checklist_after BETWEEN 0 AND 100", name="checklist_after"),
    )
    __scope_region__ = "region_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_id: Mapped[int] = mapped_column(ForeignKey("entities.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)  # the entity's region
    year: Mapped[int]
    model_level_before: Mapped[ModelLevel | None] = mapped_column(value_enum(ModelLevel, "improvement_level_before"))
    model_level_after: Mapped[ModelLevel | None] = mapped_column(value_enum(ModelLevel, "improvement_level_after"))
    checklist_before: Mapped[int | None]   # 规范化检查表得分 0–100
    checklist_after: Mapped[int | None]
    revenue_before: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # 经营收入（万元）
    revenue_after: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    members_before: Mapped[int | None]
    members_after: Mapped[int | None]
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    entity: Mapped[Entity] = relationship()

    def __repr__(self) -> str:
        return f"<EntityImprovement entity={self.entity_id} {self.year}>"


class _Result:
    """Columns shared by counselor and center results: indicators, score, computed grade, the department's
    adjustment (kept across reruns) and the proposal the result makes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    scheme_region_code: Mapped[str | None] = mapped_column(String(12))
    indicators: Mapped[dict] = mapped_column(JSON, default=dict)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    score: Mapped[float] = mapped_column(default=0.0)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    adjust_reason: Mapped[str | None] = mapped_column(Text)
    adjusted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_id: Mapped[str | None] = mapped_column(String(36))

    @declared_attr
    def kind(cls) -> Mapped[EvaluationKind]:
        return mapped_column(value_enum(EvaluationKind, f"{cls.__tablename__}_kind"), default=EvaluationKind.ANNUAL)

    @declared_attr
    def computed_grade(cls) -> Mapped[Grade]:
        return mapped_column(value_enum(Grade, f"{cls.__tablename__}_computed_grade"))

    @declared_attr
    def adjusted_grade(cls) -> Mapped[Grade | None]:
        return mapped_column(value_enum(Grade, f"{cls.__tablename__}_adjusted_grade"))

    @declared_attr
    def proposal(cls) -> Mapped[Proposal | None]:
        return mapped_column(value_enum(Proposal, f"{cls.__tablename__}_proposal"))

    @declared_attr
    def adjusted_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id"))

    @declared_attr
    def adjusted_by(cls) -> Mapped[User | None]:
        return relationship(foreign_keys=lambda: [cls.adjusted_by_id])  # type: ignore[list-item]

    @property
    def grade(self) -> Grade:
        """The grade in force: the department's adjustment if any, else the computed one."""
        return self.adjusted_grade or self.computed_grade


class CounselorEvaluation(_Result, Scoped, db.Model):
    """A counselor's result for one year (annual, or at the end of a term)."""

    __tablename__ = "counselor_evaluations"
    __table_args__ = (UniqueConstraint("counselor_id", "year", "kind", name="uq_counselor_evaluations_subject"),)
    __scope_region__ = "department_region_code"
    __scope_owner__ = "counselor_user_id"

    counselor_id: Mapped[int] = mapped_column(ForeignKey("counselors.id", ondelete="CASCADE"), index=True)
    department_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    counselor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    counselor = relationship("Counselor")

    def __repr__(self) -> str:
        return f"<CounselorEvaluation {self.counselor_id} {self.year} {self.kind.value} {self.grade.value}>"


class CenterEvaluation(_Result, Scoped, db.Model):
    """A service center's result for one year: service quality, standardized operation, satisfaction."""

    __tablename__ = "center_evaluations"
    __table_args__ = (UniqueConstraint("center_id", "year", "kind", name="uq_center_evaluations_subject"),)
    __scope_region__ = "region_code"
    __scope_owner__ = "center_owner_id"

    center_id: Mapped[int] = mapped_column(ForeignKey("service_centers.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    center_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    center = relationship("ServiceCenter")

    def __repr__(self) -> str:
        return f"<CenterEvaluation {self.center_id} {self.year} {self.grade.value}>"
