"""The roll-ups against direct queries over the same rows, for each level."""

from __future__ import annotations

import pytest
from sqlalchemy import exists, func, select

from marketplace.agreements.models import Agreement
from marketplace.centers.models import ServiceCenter
from marketplace.directory.models import Counselor, Specialty
from marketplace.entities.models import Entity
from marketplace.extensions import db
from marketplace.jurisdiction import in_region
from marketplace.needs.models import Need, NeedStatus
from marketplace.oversight import services
from marketplace.oversight.models import RegionStat
from marketplace.regions.models import Level, Region


def direct(code: str) -> dict:
    """The same figures counted straight from the tables."""
    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    active = Counselor.status.in_(services.ACTIVE)
    here = in_region(Counselor.department_region_code, code)
    figures = {
        "counselors": count(Counselor, active, here),
        "resident": count(Counselor, active, in_region(Counselor.region_code, code)),
        "entities": count(Entity, in_region(Entity.region_code, code)),
        "served": count(Entity, in_region(Entity.region_code, code),
                        exists().where(Agreement.entity_id == Entity.id, Agreement.signed_at.is_not(None))),
        "centers": count(ServiceCenter, in_region(ServiceCenter.region_code, code),
                         ServiceCenter.status.in_(services.FILED)),
        "needs": count(Need, in_region(Need.region_code, code), Need.status != NeedStatus.DRAFT),
        "assigned": count(Need, in_region(Need.region_code, code), Need.status.in_(services.ASSIGNED)),
        "signed": count(Agreement, in_region(Agreement.region_code, code), Agreement.signed_at.is_not(None)),
        "accepted": count(Agreement, in_region(Agreement.region_code, code), Agreement.accepted_at.is_not(None)),
        "sat_n": count(Agreement, in_region(Agreement.region_code, code), Agreement.satisfaction.is_not(None)),
    }
    for bit in Specialty:
        figures[f"spec.{bit.value}"] = count(Counselor, active, here, Counselor.specialties.op("&")(bit.value) != 0)
    region = db.session.get(Region, code)
    counties = db.session.scalars(select(Region).where(Region.level == Level.COUNTY,
                                                       Region.path.startswith(region.path),
                                                       Region.valid_to.is_(None))).all()
    figures["counties"] = len(counties)
    for bit in Specialty:
        missing = 0
        for county in counties:
            has = count(Counselor, active, in_region(Counselor.region_code, county.code),
                        Counselor.specialties.op("&")(bit.value) != 0)
            missing += not has
        figures[f"gap.{bit.value}"] = missing
    return figures


@pytest.mark.parametrize("code", ["000000", "130000", "130100", "130123", "130123100", "130125", "110000",
                                  "110101", "650000"])
def test_rollups_match_direct_queries(spread, code):
    stats = db.session.get(RegionStat, code).stats
    expected = direct(code)
    assert {key: stats.get(key, 0) for key in expected} == expected


def test_known_figures(spread):
    national = db.session.get(RegionStat, "000000").stats
    hebei = db.session.get(RegionStat, "130000").stats
    zhengding = db.session.get(RegionStat, "130123").stats
    assert national["counselors"] == 7 and hebei["counselors"] == 6 and zhengding["counselors"] == 4
    assert zhengding["spec.4"] == 3 and zhengding.get("spec.128", 0) == 0  # struck off: not counted
    assert hebei["needs"] == 3 and hebei["assigned"] == 2 and hebei["signed"] == 3 and hebei["accepted"] == 2
    assert hebei["stale_needs"] == 1 and db.session.get(RegionStat, "130125").stats["stale_needs"] == 1
    assert hebei["served"] == 2 and hebei["entities"] == 3
    assert hebei["sat_sum"] == 8 and hebei["sat_n"] == 2
    assert zhengding["src.researcher"] == 1 and zhengding["mode.full_time"] == 1


def test_refresh_is_idempotent(spread):
    before = {r.region_code: r.stats for r in db.session.scalars(select(RegionStat))}
    services.refresh_rollups()
    db.session.commit()
    after = {r.region_code: r.stats for r in db.session.scalars(select(RegionStat))}
    assert before == after


def test_dashboard_reads_the_level_below(spread):
    board = services.dashboard(db.session.get(Region, "130000"))
    assert board.children[0][0].code == "130100"  # ranked by counselors
    assert board.targets == {"counselors": 1000, "served": 10000}
    assert dict(board.table("funnel")) == {"发布需求": 3, "已对接": 2, "已签协议": 3, "已验收": 2}
    assert board.satisfaction == 4.0
    months = board.months()
    assert len(months) == 12 and sum(n for _m, _v, n in months) == 2


def test_yearly_update_completion(spread, world):

    from marketplace.directory import yearly
    from marketplace.directory.models import YearlyConfirmation

    county = world["county"]
    db.session.add(YearlyConfirmation(department_id=county.department_id, department_region_code="130123",
                                      data_year=yearly.local_today().year - 1, confirmed_by_id=county.id,
                                      counselor_count=4))
    db.session.commit()
    services.refresh_rollups()
    db.session.commit()
    hebei = db.session.get(RegionStat, "130000").stats
    national = db.session.get(RegionStat, "000000").stats
    assert (hebei["depts"], hebei["depts_confirmed"]) == (3, 1)  # 正定, 行唐, the province itself
    assert (national["depts"], national["depts_confirmed"]) == (4, 1)
