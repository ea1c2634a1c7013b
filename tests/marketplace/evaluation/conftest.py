"""Fixtures for the evaluation tests: a counselor of 正定县 with a year of recorded work (known figures)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from marketplace.entities.models import ModelLevel
from marketplace.evaluation import services
from marketplace.extensions import db
from marketplace.needs.models import Invitation, InvitationKind, InvitationStatus
from tests.marketplace.evaluation.builders import at, make_agreement
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need


def accept_invitation(need, counselor, answered_at):
    db.session.add(Invitation(need_id=need.id, kind=InvitationKind.COUNSELOR, counselor_id=counselor.id,
                              candidate_name=counselor.name, region_code=need.region_code, owner_id=need.owner_id,
                              status=InvitationStatus.ACCEPTED, due_at=answered_at + timedelta(days=3),
                              answered_at=answered_at))
    db.session.commit()


@pytest.fixture
def served(world, make_user):
    """A counselor with, in 2025: 2 needs taken, 3 agreements accepted, 5 service records, 2 entities served
    (improvement scores 100 and 50), ratings 5 and 4. Expected: quantity 41.25, quality 75, satisfaction 87.5."""
    from marketplace.accounts.models import Role

    operator = world["operator"]
    counselor_user = make_user(Role.COUNSELOR, region_code="130123", username="fdy_known")
    counselor = make_counselor(world["county"], user=counselor_user)
    e1, e2 = make_entity(operator), make_entity(operator)
    n1, n2, n3 = make_need(operator, e1, publish=False), make_need(operator, e2, publish=False), \
        make_need(operator, e1, publish=False)
    accept_invitation(n1, counselor, at(2025, 2))
    accept_invitation(n2, counselor, at(2025, 5))
    accept_invitation(n3, counselor, at(2024, 11))  # another year: not counted
    make_agreement(n1, counselor=counselor, signed_at=at(2025, 3), accepted_at=at(2025, 5), satisfaction=5,
                   rated_at=at(2025, 5), records=3, served_on=date(2025, 4, 1))
    make_agreement(n2, counselor=counselor, signed_at=at(2025, 6), accepted_at=at(2025, 8), satisfaction=4,
                   rated_at=at(2025, 8), records=2, served_on=date(2025, 7, 1))
    make_agreement(n3, counselor=counselor, signed_at=at(2024, 12), accepted_at=at(2025, 1, 10), records=1,
                   served_on=date(2024, 12, 20))
    county = world["county"]
    services.record_improvement(county, e1.id, 2025, {"model_level_before": ModelLevel.NONE,
                                                      "model_level_after": ModelLevel.COUNTY,
                                                      "checklist_before": 60, "checklist_after": 80})
    services.record_improvement(county, e2.id, 2025, {"checklist_before": 70, "checklist_after": 65,
                                                      "members_before": 10, "members_after": 12})
    db.session.commit()
    return counselor
