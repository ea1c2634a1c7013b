"""Acceptance timeouts: the entity is reminded after AGREEMENT_ACCEPTANCE_DAYS, the county department told
AGREEMENT_ESCALATION_DAYS later; each once, whatever how often the task runs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from marketplace.agreements.models import AgreementEvent
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.timeutil import as_utc
from tasks.agreements import remind_acceptance


def titles(user):
    return [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))]


def test_remind_then_escalate_once(app, world, make_agreement):
    agreement = make_agreement("submitted")
    submitted = as_utc(agreement.submitted_at)
    assert as_utc(agreement.acceptance_due_at) == submitted + timedelta(days=14)
    assert remind_acceptance.delay((submitted + timedelta(days=13)).isoformat()).get() == {"reminded": 0,
                                                                                           "escalated": 0}
    day15 = (submitted + timedelta(days=15)).isoformat()
    assert remind_acceptance.delay(day15).get() == {"reminded": 1, "escalated": 0}
    assert remind_acceptance.delay(day15).get() == {"reminded": 0, "escalated": 0}
    assert any("请尽快验收" in t for t in titles(world["operator"]))
    assert not any("逾期未验收" in t for t in titles(world["county"]))
    day22 = (submitted + timedelta(days=22)).isoformat()
    assert remind_acceptance.delay(day22).get() == {"reminded": 0, "escalated": 1}
    assert remind_acceptance.delay(day22).get() == {"reminded": 0, "escalated": 0}
    assert any("逾期未验收" in t for t in titles(world["county"]))
    assert not any("逾期未验收" in t for t in titles(world["city"]))  # the county department only
    actions = [e.action for e in db.session.scalars(select(AgreementEvent).where(
        AgreementEvent.agreement_id == agreement.id))]
    assert actions.count("remind") == 1 and actions.count("escalate") == 1


def test_the_days_are_configurable(app, world, make_agreement):
    app.config["AGREEMENT_ACCEPTANCE_DAYS"] = 3
    try:
        agreement = make_agreement("submitted")
    finally:
        app.config["AGREEMENT_ACCEPTANCE_DAYS"] = 14
    assert as_utc(agreement.acceptance_due_at) - as_utc(agreement.submitted_at) == timedelta(days=3)


def test_an_answered_acceptance_is_not_reminded(world, make_agreement):
    agreement = make_agreement("accepted")
    later = (as_utc(agreement.submitted_at) + timedelta(days=30)).isoformat()
    assert remind_acceptance.delay(later).get() == {"reminded": 0, "escalated": 0}
