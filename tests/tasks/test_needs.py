"""The periodic need tasks, called directly with a `now`."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from marketplace.extensions import db
from marketplace.needs import invitations
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedStatus
from marketplace.timeutil import utcnow
from tasks import BEAT_SCHEDULE, TASK_MODULES
from tasks.needs import expire_invitations, expire_open
from tests.marketplace.needs.helpers import make_counselor, make_need


def test_scheduled():
    assert "tasks.needs" in TASK_MODULES
    assert {"needs.expire_open", "needs.expire_invitations"} <= {v["task"] for v in BEAT_SCHEDULE.values()}


def test_expire_invitations_passes_on(world, make_user):
    from marketplace.accounts.models import Role

    first = make_counselor(world["county"], world["counselor"], industries=1)
    second = make_counselor(world["county"], make_user(Role.COUNSELOR, region_code="130123",
                                                       department_region="130123"))
    need = make_need(world["operator"])
    invitations.invite(world["operator"], need, "counselor", first.id)
    db.session.commit()
    assert expire_invitations((utcnow() + timedelta(hours=1)).isoformat()) == 0
    assert expire_invitations((utcnow() + timedelta(hours=73)).isoformat()) == 1
    rows = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert [(r.counselor_id, r.status) for r in rows] == [(first.id, InvitationStatus.EXPIRED),
                                                          (second.id, InvitationStatus.PENDING)]
    assert expire_invitations((utcnow() + timedelta(hours=73)).isoformat()) == 0  # idempotent


def test_expire_open(world):
    need = make_need(world["operator"])
    db.session.execute(update(Need).where(Need.id == need.id).values(opened_at=utcnow() - timedelta(days=40)))
    db.session.commit()
    assert expire_open(utcnow().isoformat()) == 1
    assert db.session.get(Need, need.id).status is NeedStatus.EXPIRED
    assert expire_open(utcnow().isoformat()) == 0
