"""Builders for agreements: a need assigned to the world's counselor, a draft from the accepted invitation,
and the same taken further along its life (proposed, signed, in service, submitted)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.agreements import lifecycle, services
from marketplace.agreements.lifecycle import ItemCheck
from marketplace.directory.models import Counselor
from marketplace.extensions import db
from marketplace.needs import invitations
from marketplace.timeutil import local_today
from tests.marketplace.needs.helpers import make_counselor, make_need

TODAY = date(2026, 11, 20)


def world_counselor(world):
    """The directory record of the world's counselor account (made once per test, with room for many)."""
    counselor = db.session.scalar(select(Counselor).where(Counselor.user_id == world["counselor"].id))
    return counselor or make_counselor(world["county"], world["counselor"], capacity=50)


def assigned_need(world):
    counselor = world_counselor(world)
    need = make_need(world["operator"])
    invitation = invitations.invite(world["operator"], need, "counselor", counselor.id)
    invitations.answer(world["counselor"], invitation, True)
    db.session.commit()
    return need, invitation


def draft(world):
    _need, invitation = assigned_need(world)
    agreement = services.create_from_invitation(world["operator"], invitation, today=TODAY)
    db.session.commit()
    return agreement


STAGES = ("draft", "proposed", "signed", "in_service", "submitted", "accepted")


def advance(world, agreement, to: str):
    """Take a draft as far as `to` along the happy path, committing after each step."""
    operator, provider = world["operator"], world["counselor"]
    steps = {
        "proposed": lambda: lifecycle.propose(agreement, operator),
        "signed": lambda: (lifecycle.sign(agreement, operator, "127.0.0.1"),
                           lifecycle.sign(agreement, provider, "127.0.0.2")),
        "in_service": lambda: lifecycle.start(agreement, provider),
        "submitted": lambda: (record_work(agreement, provider), lifecycle.submit(agreement, provider)),
        "accepted": lambda: lifecycle.accept(agreement, operator, all_passed(agreement), 5, "很好"),
    }
    for stage in STAGES[1:STAGES.index(to) + 1]:
        steps[stage]()
        db.session.commit()
    return agreement


def record_work(agreement, provider):
    """One service record (acceptance needs the work recorded first), dated the agreement's first day."""
    from marketplace.agreements import records
    from marketplace.agreements.models import RecordKind

    return records.add_record(provider, agreement, records.RecordInput(
        served_on=agreement.term_start, kind=RecordKind.VISIT, content="上门建账", place="合作社办公室"),
        today=max(agreement.term_start, local_today()))


def all_passed(agreement):
    return [ItemCheck(item.id, True) for item in agreement.items]


@pytest.fixture
def make_agreement(world):
    def make(to: str = "draft"):
        return advance(world, draft(world), to)

    return make


@pytest.fixture
def switch(client, login):
    """Sign out whoever is signed in, then sign in as `user`."""
    def do(user):
        client.post("/auth/logout")
        return login(user)

    return do


def filed_center_offering(world):
    """A filed center of the world's center staff in 正定县 with one active offering (finance, 2400 元)."""
    from marketplace.centers import services as centers
    from tests.marketplace.centers.conftest import attach_documents, center_input, offering_input

    staff = world["center_staff"]
    center = centers.register_center(staff, center_input())
    attach_documents(staff, center)
    centers.transition(center, "submit", staff)
    centers.transition(center, "file", world["county"])
    offering = centers.add_offering(staff, center, offering_input(delivery_days=20))
    db.session.commit()
    return center, offering
