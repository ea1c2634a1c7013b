"""The demo's awards: 2025 county awards approved by 石家庄市 (one returned), a city award approved by 河北省,
a center nomination waiting for the city; made once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from marketplace.awards.models import Award, AwardState
from marketplace.demo.services import seed_demo
from marketplace.regions.models import Level
from marketplace.timeutil import local_today


def test_demo_awards(db, demo):
    db.session.commit()
    count = db.session.scalar(select(func.count()).select_from(Award))
    seed_demo()
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Award)) == count
    awards = db.session.scalars(select(Award)).all()
    last_year = local_today().year - 1
    states = Counter((a.level, a.state) for a in awards if a.year == last_year)
    assert states[(Level.COUNTY, AwardState.APPROVED)] >= 2 and states[(Level.CITY, AwardState.APPROVED)] == 1
    assert states[(Level.COUNTY, AwardState.RETURNED)] == 1
    assert all(a.grade in ("excellent", "qualified") for a in awards)
    returned = next(a for a in awards if a.state is AwardState.RETURNED)
    assert "补充" in returned.comment
