"""The record's "服务主体类型和数量" group (work rules art. 14): the types and number of entities a counselor
served. Two sources are added: distinct entities the counselor has an agreement with on the platform (signed
or later, not cancelled or terminated), by the year the agreement was signed, and service done off the
platform that the appointing department records (entity type, number, year, note).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, select

from marketplace.accounts.models import User
from marketplace.agreements.models import Agreement, AgreementStatus
from marketplace.audit.services import record
from marketplace.directory.models import Counselor, OffPlatformService
from marketplace.entities.models import Entity, EntityType
from marketplace.errors import DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.timeutil import local, local_today

# Agreements whose entity counts as served: the service was agreed and not called off.
SERVED_STATUSES = (AgreementStatus.SIGNED, AgreementStatus.IN_SERVICE, AgreementStatus.SUBMITTED,
                   AgreementStatus.ACCEPTED, AgreementStatus.CLOSED, AgreementStatus.DISPUTED)
MAX_COUNT = 10_000
FIRST_YEAR = 2000
MAX_NOTE = 500


@dataclass
class TypeRow:
    entity_type: EntityType
    on_platform: int = 0
    off_platform: int = 0

    @property
    def total(self) -> int:
        return self.on_platform + self.off_platform


@dataclass
class Served:
    """By type (all years), by year and type, and the off-platform entries behind the figures."""

    by_type: list[TypeRow]
    by_year: dict[int, list[TypeRow]]
    entries: list[OffPlatformService] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(row.total for row in self.by_type)

    @property
    def on_platform(self) -> int:
        return sum(row.on_platform for row in self.by_type)

    @property
    def off_platform(self) -> int:
        return sum(row.off_platform for row in self.by_type)


def served(counselor: Counselor) -> Served:
    """The group for one record (two queries). An entity served in several years counts once in each year and
    once in the all-years figure."""
    agreements = db.session.execute(
        select(Agreement.entity_id, Entity.type, Agreement.signed_at)
        .join(Entity, Entity.id == Agreement.entity_id)
        .where(Agreement.counselor_id == counselor.id, Agreement.status.in_(SERVED_STATUSES))).all()
    entries = list(db.session.scalars(select(OffPlatformService).where(
        OffPlatformService.counselor_id == counselor.id)
        .order_by(OffPlatformService.year.desc(), OffPlatformService.id.desc())))
    every: dict[EntityType, set[int]] = defaultdict(set)
    yearly: dict[int, dict[EntityType, set[int]]] = defaultdict(lambda: defaultdict(set))
    for entity_id, entity_type, signed_at in agreements:
        every[entity_type].add(entity_id)
        if signed_at is not None:
            yearly[local(signed_at).year][entity_type].add(entity_id)
    off_every: dict[EntityType, int] = defaultdict(int)
    off_yearly: dict[int, dict[EntityType, int]] = defaultdict(lambda: defaultdict(int))
    for entry in entries:
        off_every[entry.entity_type] += entry.count
        off_yearly[entry.year][entry.entity_type] += entry.count
    by_type = [TypeRow(t, len(every[t]), off_every[t]) for t in EntityType]
    by_year = {year: [TypeRow(t, len(yearly[year][t]), off_yearly[year][t]) for t in EntityType]
               for year in sorted({*yearly, *off_yearly}, reverse=True)}
    return Served(by_type=by_type, by_year=by_year, entries=entries)


def can_record(actor: User, counselor: Counselor) -> bool:
    """The appointing department records off-platform service ("谁聘任、谁负责、谁管理")."""
    return actor.is_official and actor.is_enabled and actor.department_id == counselor.department_id


def record_off_platform(actor: User, counselor: Counselor, entity_type: EntityType | None, count: int | None,
                        year: int | None, note: str | None, today: date | None = None) -> OffPlatformService:
    """Add service done off the platform; flushes and audits, never commits."""
    if not can_record(actor, counselor):
        raise NotAllowed(_("只有聘任部门可以登记平台外服务"))
    today = today or local_today()
    if entity_type is None:
        raise DomainError(_("请选择主体类型"), field="entity_type")
    if count is None or not 1 <= count <= MAX_COUNT:
        raise DomainError(_("服务主体数量须为 1 到 %(max)d 之间的整数", max=MAX_COUNT), field="count")
    if year is None or not FIRST_YEAR <= year <= today.year:
        raise DomainError(_("年度须在 %(first)d 年到 %(last)d 年之间", first=FIRST_YEAR, last=today.year),
                          field="year")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise DomainError(_("备注不能超过 %(n)d 字", n=MAX_NOTE), field="note")
    entry = OffPlatformService(counselor_id=counselor.id, department_region_code=counselor.department_region_code,
                               entity_type=entity_type, count=count, year=year, note=note, recorded_by_id=actor.id)
    db.session.add(entry)
    db.session.flush()
    record(actor, "counselor.record_off_platform", entry, region_code=counselor.department_region_code,
           counselor_id=counselor.id, entity_type=entity_type.value, count=count, year=year)
    return entry


def remove_off_platform(actor: User, counselor: Counselor, entry_id: int) -> None:
    """Remove one off-platform entry of this record (a mistake); the audit log keeps what it said."""
    if not can_record(actor, counselor):
        raise NotAllowed(_("只有聘任部门可以删除平台外服务记录"))
    entry = db.session.scalar(select(OffPlatformService).where(
        OffPlatformService.id == entry_id, OffPlatformService.counselor_id == counselor.id))
    if entry is None:
        raise DomainError(_("该记录不存在或已删除"))
    record(actor, "counselor.remove_off_platform", entry, region_code=counselor.department_region_code,
           counselor_id=counselor.id, entity_type=entry.entity_type.value, count=entry.count, year=entry.year)
    db.session.execute(delete(OffPlatformService).where(OffPlatformService.id == entry.id))

