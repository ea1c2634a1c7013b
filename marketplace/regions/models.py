from __future__ import annotations

import enum

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db

ROOT_CODE = "000000"


class Level(enum.Enum):
    """Administrative levels, top-down. `rank` orders them: a smaller rank is higher."""

    NATIONAL = "national"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"

    @property
    def rank(self) -> int:
        return list(Level).index(self)

    @property
    def below(self) -> Level | None:
        levels = list(Level)
        return levels[self.rank + 1] if self.rank + 1 < len(levels) else None


def level_enum(name: str) -> Enum:
    return Enum(Level, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e],
                validate_strings=True, create_constraint=True)


class Region(db.Model):
    """An administrative region: GB/T 2260 codes down to counties, statistics-bureau codes for townships.

    `path` lists the codes from the national root down to this region ("/000000/130000/130100/"), so a
    jurisdiction's subtree is one indexed prefix match.
    """

    __tablename__ = "regions"
    __table_args__ = (
        Index("ix_regions_path", "path", postgresql_ops={"path": "text_pattern_ops"}),
    )

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(160))
    level: Mapped[Level] = mapped_column(level_enum("region_level"), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"), index=True)
    path: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[int | None]
    valid_to: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(120))

    parent: Mapped[Region | None] = relationship(remote_side=[code], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.code")

    @property
    def is_current(self) -> bool:
        return self.valid_to is None

    def contains(self, other: Region) -> bool:
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
