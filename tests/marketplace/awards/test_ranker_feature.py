"""The web side passes each candidate's award record to the ranker."""

from __future__ import annotations

from marketplace.awards import services
from marketplace.extensions import db
from marketplace.ranking.records import load_records
from marketplace.timeutil import local_today
from tests.marketplace.awards.conftest import nominate


def test_candidate_records_carry_the_award_record(world, graded):
    award = nominate(world["county"], graded["star"], submit=True)
    services.transition(award, "approve", world["city"])
    db.session.commit()
    age = local_today().year - award.year
    by_id = {(r.kind, r.id): r for r in load_records()}
    assert by_id[("counselor", graded["star"].id)].award_record == (1.0 * 0.5 ** age if age < 3 else 0.0)
    assert by_id[("counselor", graded["weak"].id)].award_record == 0.0
    assert by_id[("center", graded["center"].id)].award_record == 0.0

