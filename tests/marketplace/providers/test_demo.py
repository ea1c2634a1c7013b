"""The demo's provider part: a question thread with its answer, one review answered by the provider and one
hidden by 正定县; made once; the demo counselor's page shows them."""

from __future__ import annotations

from sqlalchemy import func, select

from marketplace.demo.services import seed_demo
from marketplace.providers.models import NeedMessage, ReviewNote
from tests.conftest import text_of


def test_demo_providers(db, client, demo):
    db.session.commit()
    seed_demo()
    db.session.commit()
    sides = [m.side.value for m in db.session.scalars(select(NeedMessage).order_by(NeedMessage.id))]
    assert sides == ["operator", "provider"]
    notes = db.session.scalars(select(ReviewNote)).all()
    assert db.session.scalar(select(func.count()).select_from(ReviewNote)) == 2
    assert any(n.reply for n in notes) and any(n.hidden_reason for n in notes)
    reply = next(n for n in notes if n.reply)
    from marketplace.agreements.models import Agreement

    agreement = db.session.get(Agreement, reply.agreement_id)
    assert reply.reply in text_of(client.get(f"/providers/counselors/{agreement.counselor_id}"))
