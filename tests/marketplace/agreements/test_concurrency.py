"""Two people pressing the same button at once produce one transition. Real concurrent transactions need
PostgreSQL (SQLite serialises writers): run with DATABASE_URL=postgresql+psycopg://…; skipped without it on a
developer machine, required in CI."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import User
from marketplace.agreements import lifecycle
from marketplace.agreements.models import Agreement, AgreementEvent, AgreementStatus, Signature
from marketplace.errors import Conflict
from marketplace.extensions import db
from tests.conftest import require_postgres_session
from tests.marketplace.agreements.conftest import record_work

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _postgres():
    require_postgres_session()


def press_at_once(app, agreement_id: int, presses: list[tuple[int, callable]]) -> list[str]:
    """Run each (user id, verb) in its own thread, session and transaction, released together."""
    barrier = threading.Barrier(len(presses))
    outcomes: list[str] = []

    def press(user_id, verb):
        with app.app_context():
            agreement = db.session.get(Agreement, agreement_id)
            user = db.session.get(User, user_id)
            _ = (agreement.status, list(agreement.items), list(agreement.signatures))  # what the page showed
            barrier.wait(timeout=10)
            try:
                verb(agreement, user)
                db.session.commit()
                outcomes.append("ok")
            except Conflict as error:
                db.session.rollback()
                outcomes.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press, args=p) for p in presses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.expire_all()
    return outcomes


def count_events(agreement_id: int, action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AgreementEvent).where(
        AgreementEvent.agreement_id == agreement_id, AgreementEvent.action == action))


def test_two_clicks_on_start_make_one_transition(app, world, make_agreement):
    agreement = make_agreement("signed")
    provider = world["counselor"].id
    outcomes = press_at_once(app, agreement.id, [(provider, lifecycle.start), (provider, lifecycle.start)])
    assert sorted(outcomes)[0] == "ok" and outcomes.count("ok") == 1
    assert count_events(agreement.id, "start") == 1
    assert db.session.get(Agreement, agreement.id).status is AgreementStatus.IN_SERVICE


def test_two_clicks_on_sign_make_one_signature(app, world, make_agreement):
    agreement = make_agreement("proposed")
    operator = world["operator"].id
    outcomes = press_at_once(app, agreement.id, [(operator, lifecycle.sign), (operator, lifecycle.sign)])
    assert outcomes.count("ok") == 1
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 1
    assert count_events(agreement.id, "sign") == 1


def test_both_parties_signing_at_once_sign_the_agreement(app, world, make_agreement):
    agreement = make_agreement("proposed")
    outcomes = press_at_once(app, agreement.id, [(world["operator"].id, lifecycle.sign),
                                                 (world["counselor"].id, lifecycle.sign)])
    assert outcomes == ["ok", "ok"]
    agreement = db.session.get(Agreement, agreement.id)
    assert agreement.status is AgreementStatus.SIGNED
    assert db.session.scalar(select(func.count()).select_from(Signature)) == 2


def test_a_submit_and_a_terminate_at_once_make_one_transition(app, world, make_agreement):
    agreement = make_agreement("in_service")
    record_work(agreement, world["counselor"])
    db.session.commit()

    def terminate(agreement, user):
        lifecycle.terminate(agreement, user, "未按期交付", "退还费用")

    outcomes = press_at_once(app, agreement.id, [(world["counselor"].id, lifecycle.submit),
                                                 (world["operator"].id, terminate)])
    assert outcomes.count("ok") == 1
    assert count_events(agreement.id, "submit") + count_events(agreement.id, "terminate") == 1
