"""What the ranker records: which candidates were shown for a need (and by which model), and the registry of
learned models."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.timeutil import UTCDateTime, utcnow


class MatchLog(db.Model):
    """One showing of ranked candidates for a need: the training data's impressions.

    `items` is a compact list of `[kind, id, rank, score, [features...], explored]`, the features as they were
    when shown (in the order of `matching.features.FEATURES`), so training never sees later values, and
    whether the randomized slot put it there (`MATCHING_EXPLORE`; older rows have no sixth element).
    """

    __tablename__ = "match_logs"
    __table_args__ = (Index("ix_match_logs_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # counselor, center or all
    model_name: Mapped[str] = mapped_column(String(32))
    model_version: Mapped[str] = mapped_column(String(40))
    items: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<MatchLog {self.id} need={self.need_id} {self.model_name}/{self.model_version}>"


class ModelVersion(db.Model):
    """A trained model: where it is saved, how it did, and whether it serves (at most one does)."""

    __tablename__ = "matching_models"
    __table_args__ = (
        Index("uq_matching_models_serving", "is_serving", unique=True,
              postgresql_where=text("is_serving"), sqlite_where=text("is_serving")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(40), unique=True)
    path: Mapped[str] = mapped_column(String(300))
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)          # held-out metrics of this model
    serving_metrics: Mapped[dict] = mapped_column(JSON, default=dict)  # of the model it was compared with
    compared_with: Mapped[str] = mapped_column(String(80))             # name/version of that model
    is_serving: Mapped[bool] = mapped_column(default=False)
    n_examples: Mapped[int] = mapped_column(default=0)
    data_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    data_to: Mapped[datetime | None] = mapped_column(UTCDateTime)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the run's report: data window, counts by outcome path, both scores with intervals, decision and why
    report: Mapped[dict] = mapped_column(JSON, default=dict, server_default=text("'{}'"))

    def __repr__(self) -> str:
        return f"<ModelVersion {self.name}/{self.version}{' serving' if self.is_serving else ''}>"
