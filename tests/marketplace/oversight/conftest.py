"""A small spread of records over 河北 (正定县, 行唐县, 石家庄市 level, 保定) and 北京 for the roll-up tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.agreements.models import AgreementStatus
from marketplace.directory.models import Source, WorkMode
from marketplace.extensions import db
from marketplace.needs.models import NeedStatus
from marketplace.oversight import services
from marketplace.timeutil import utcnow
from tests.marketplace.evaluation.builders import make_agreement
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need


@pytest.fixture
def spread(world, make_user):
    county, province, beijing = world["county"], world["province"], world["other_province"]
    xingtang = make_user(region_code="130125")
    operator = world["operator"]
    make_counselor(county, specialties=1 | 4, industries=1, region_code="130123100")
    make_counselor(county, specialties=4, industries=2 | 4, region_code="130123",
                   work_mode=WorkMode.FULL_TIME, source=Source.RESEARCHER)
    make_counselor(xingtang, specialties=8, region_code="130125")
    make_counselor(province, specialties=16 | 32, region_code="130100")
    make_counselor(beijing, specialties=1, region_code="110101")
    suspended = make_counselor(county, specialties=2, region_code="130123")
    from marketplace.directory import services as directory

    directory.transition(suspended, "suspend", county, "暂停测试")
    gone = make_counselor(county, specialties=128, region_code="130123")
    directory.transition(gone, "strike_off", county, "除名测试")  # not counted
    db.session.commit()

    e1, e2, e3 = make_entity(operator), make_entity(operator), make_entity(operator, region_code="130125")
    now = utcnow()
    n1 = make_need(operator, e1, publish=False)
    n2 = make_need(operator, e2, publish=False)
    n3 = make_need(operator, e3, publish=False)
    n4 = make_need(operator, e1, publish=False)  # stays a draft: not counted
    n1.status, n2.status, n3.status = NeedStatus.CLOSED, NeedStatus.ASSIGNED, NeedStatus.OPEN
    n3.opened_at = now - timedelta(days=30)  # open too long
    n3.region_code = "130125"
    db.session.commit()
    c1 = make_counselor(county, region_code="130123")
    make_agreement(n1, counselor=c1, signed_at=now - timedelta(days=40), accepted_at=now - timedelta(days=10),
                   satisfaction=5, rated_at=now - timedelta(days=10))
    make_agreement(n2, counselor=c1, status=AgreementStatus.IN_SERVICE, signed_at=now - timedelta(days=5))
    make_agreement(n1, counselor=c1, status=AgreementStatus.ACCEPTED, signed_at=now - timedelta(days=90),
                   accepted_at=now - timedelta(days=60), satisfaction=3, rated_at=now - timedelta(days=60))
    assert n4.status is NeedStatus.DRAFT
    services.refresh_rollups()
    db.session.commit()
    return {"xingtang": xingtang}
