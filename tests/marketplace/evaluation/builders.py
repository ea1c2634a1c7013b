"""Builders that insert agreements and service records directly (the agreements area owns their services;
evaluation and oversight only read these tables)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from itertools import count

from marketplace.agreements.models import (
    Agreement,
    AgreementItem,
    AgreementStatus,
    ItemResult,
    ProviderKind,
    RecordKind,
    ServiceMethod,
    ServiceRecord,
)
from marketplace.extensions import db

_n = count(1)


def at(year: int, month: int = 6, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, tzinfo=UTC)


def make_agreement(need, *, counselor=None, center=None, status=AgreementStatus.ACCEPTED, signed_at=None,
                   accepted_at=None, satisfaction=None, rated_at=None, records: int = 0, served_on: date | None = None,
                   items: tuple[ItemResult, ...] = ()) -> Agreement:
    n = next(_n)
    agreement = Agreement(
        number=f"130123-2026-{n:06d}", title="测试协议", need_id=need.id, entity_id=need.entity_id,
        provider_kind=ProviderKind.COUNSELOR if counselor else ProviderKind.CENTER,
        counselor_id=counselor.id if counselor else None, center_id=center.id if center else None,
        region_code=need.region_code, owner_id=need.owner_id, status=status, entity_name="测试主体",
        provider_name=counselor.name if counselor else center.name, signed_at=signed_at, accepted_at=accepted_at,
        satisfaction=satisfaction, rated_at=rated_at)
    db.session.add(agreement)
    db.session.flush()
    for seq in range(1, records + 1):
        db.session.add(ServiceRecord(agreement_id=agreement.id, seq=seq, kind=RecordKind.VISIT,
                                     served_on=served_on or date(2025, 6, 1), content="上门指导",
                                     record_hash=f"{n:032d}{seq:032d}", author_id=need.owner_id))
    for position, result in enumerate(items, 1):
        db.session.add(AgreementItem(agreement_id=agreement.id, position=position, name="项目",
                                     method=ServiceMethod.ON_SITE, unit="次", quality_standard="标准",
                                     acceptance_criterion="验收", result=result))
    db.session.commit()
    return agreement
