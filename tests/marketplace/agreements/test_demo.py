"""The demo agreements: made once, in the states the screenshots and the oversight figures need."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.agreements.models import Agreement, AgreementStatus
from marketplace.agreements.records import verify_chain
from marketplace.demo.services import seed_demo
from marketplace.timeutil import local_today


def test_demo_agreements(db, demo):
    seed_demo()
    db.session.commit()
    this_year = f"%-{local_today().year}-%"  # demo.history adds last year's closed agreements
    agreements = db.session.scalars(select(Agreement).where(Agreement.number.like(this_year))
                                    .order_by(Agreement.id)).all()
    assert [a.status for a in agreements] == [AgreementStatus.SUBMITTED, AgreementStatus.CLOSED,
                                              AgreementStatus.PROPOSED]
    served, closed, pending = agreements
    assert served.provider_name == "刘桂芳" and len(served.records) == 4 and verify_chain(served.id).ok
    assert served.records[2].corrects_id == served.records[0].id
    assert closed.satisfaction == 5 and closed.need.status.value == "closed"
    assert [s.party.value for s in pending.signatures] == ["provider"]
    assert len({a.number for a in agreements}) == 3
