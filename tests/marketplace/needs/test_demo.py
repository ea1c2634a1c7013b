"""The demo data for entities and needs: valid, and created once."""

from __future__ import annotations

from sqlalchemy import func, select
from stdnum.cn import uscc

from marketplace.demo.services import seed_demo
from marketplace.entities.models import Entity, EntityType
from marketplace.needs.models import Invitation, Need


def test_demo_entities_and_needs(db, demo):
    seed_demo()
    db.session.commit()
    entities = db.session.scalars(select(Entity).order_by(Entity.id)).all()
    assert [e.type for e in entities[:3]] == [  # demo.history adds more
        EntityType.COOPERATIVE, EntityType.FAMILY_FARM, EntityType.FEDERATION]
    assert all(uscc.is_valid(e.credit_code) for e in entities)
    assert entities[0].region_code == "130123100" and entities[0].is_verified
    assert db.session.scalar(select(func.count()).select_from(Need)) >= 3  # later areas add their own
    invitation = db.session.scalar(select(Invitation).order_by(Invitation.id).limit(1))
    assert invitation is not None and invitation.counselor.user.username == "fdy_liu"
