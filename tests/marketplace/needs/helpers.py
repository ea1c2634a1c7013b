"""Builders for entities, needs and counselors (shared by the entities and needs tests)."""

from __future__ import annotations

from itertools import count

from stdnum.cn import uscc

from marketplace.directory import services as directory
from marketplace.entities import services as entities
from marketplace.entities.models import EntityType
from marketplace.extensions import db
from marketplace.needs import services as needs
from marketplace.needs.models import ServiceMode, Urgency
from tests.marketplace.directory.conftest import counselor_input

_n = count(1)


def credit_code(n: int | None = None, prefix: str = "93130123") -> str:
    """A valid 18-character unified social credit code (stdnum computes the check from the first 17)."""
    body = f"{prefix}{(n if n is not None else next(_n)):09d}"[:17]
    return body + uscc.calc_check_digit(body)


def entity_input(**overrides) -> entities.EntityInput:
    data = {"type": EntityType.COOPERATIVE, "name": f"正定县第{next(_n)}果蔬专业合作社", "credit_code": credit_code(),
            "legal_representative": "刘建军", "contact_phone": "13931100001", "region_code": "130123100",
            "industries": 1 | 4, "members": 56}
    data.update(overrides)
    return entities.EntityInput(**data)


def make_entity(owner, **overrides):
    entity = entities.register_entity(owner, entity_input(**overrides))
    db.session.commit()
    return entity


def need_input(**overrides) -> needs.NeedInput:
    data = {"category": 4, "industry": 1, "title": "建立合作社财务账簿", "description": "需要帮助建账和年度报表。",
            "urgency": Urgency.NORMAL, "mode": ServiceMode.ON_SITE}
    data.update(overrides)
    return needs.NeedInput(**data)


def make_need(owner, entity=None, publish: bool = True, **overrides):
    entity = entity or make_entity(owner)
    need = needs.create_need(owner, entity, need_input(**overrides), publish=publish)
    db.session.commit()
    return need


def make_counselor(official, user=None, **overrides):
    """A counselor appointed by `official`'s department (正定县 by default: finance + marketing, grain)."""
    counselor = directory.appoint_counselor(official, counselor_input(next(_n), **overrides))
    if user is not None:
        counselor.user_id = user.id
    db.session.commit()
    return counselor
