"""Builders for the claim tests: an entity held by a department, as a batch import leaves it."""

from __future__ import annotations

from itertools import count

import pytest

from marketplace.entities.models import Entity, EntityType, VerificationStatus
from marketplace.extensions import db
from tests.marketplace.needs.helpers import credit_code

_n = count(500)


def imported_entity(official, **overrides) -> Entity:
    """A cooperative in 正定镇 (130123100) held by `official`'s account, verified (a county import)."""
    n = next(_n)
    values = {"type": EntityType.COOPERATIVE, "name": f"正定县第{n}导入合作社", "credit_code": credit_code(n),
              "legal_representative": "赵德山", "contact_phone": "13931155555", "region_code": "130123100",
              "industries": 1, "owner_id": official.id, "verification_status": VerificationStatus.VERIFIED}
    values.update(overrides)
    entity = Entity(**values)
    db.session.add(entity)
    db.session.commit()
    return entity


@pytest.fixture
def imported(world):
    return lambda **overrides: imported_entity(world["county"], **overrides)
