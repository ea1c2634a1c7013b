"""Pre-computed roll-ups for the dashboards: one row per region with its figures (its own and everything below
it), refreshed in the background; `refreshed_at` tells the page how fresh they are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.timeutil import UTCDateTime, utcnow


class RegionStat(db.Model):
    """A region's roll-up: `stats` maps metric keys (counselors, counselors.specialty.1, funnel.signed, ...) to
    numbers for the region's whole subtree; `parent_code` lets the page read the level below in one query."""

    __tablename__ = "region_stats"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    stats: Mapped[dict] = mapped_column(JSON, default=dict)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<RegionStat {self.region_code}>"
