"""Award services: eligibility from the evaluation (the setting), the transition table, the record feature."""

from __future__ import annotations

import pytest

from marketplace.audit.models import AuditEntry
from marketplace.awards import services
from marketplace.awards.models import AwardState, AwardSubject
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.regions.models import Level
from tests.marketplace.awards.conftest import YEAR, nominate


def test_a_county_nominates_and_the_city_approves(world, graded):
    award = nominate(world["county"], graded["star"])
    assert (award.state, award.name, award.level, award.grade) == (AwardState.DRAFT, "县级优秀辅导员", Level.COUNTY,
                                                                    "excellent")
    assert award.approver_department_id == world["city"].department_id
    assert [a["action"] for a in services.actions_for(world["county"], award)] == ["submit", "withdraw"]
    assert services.actions_for(world["city"], award) == []
    services.transition(award, "submit", world["county"])
    assert [a["action"] for a in services.actions_for(world["city"], award)] == ["approve", "return"]
    with pytest.raises(NotAllowed):
        services.transition(award, "approve", world["county"])
    with pytest.raises(NotAllowed):
        services.transition(award, "approve", world["province"])  # not the level directly above
    services.transition(award, "approve", world["city"], "同意")
    db.session.commit()
    assert award.state is AwardState.APPROVED and award.decided_by_id == world["city"].id
    actions = set(db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.object_type == "awards")))
    assert actions == {"award.nominate", "award.submit", "award.approve"}


def test_return_needs_a_comment_and_the_county_resubmits(world, graded):
    award = nominate(world["county"], graded["center"], submit=True)
    assert award.name == "县级优秀服务中心"
    with pytest.raises(DomainError):
        services.transition(award, "return", world["city"], "  ")
    services.transition(award, "return", world["city"], "请补充服务成效数据")
    assert (award.state, award.comment) == (AwardState.RETURNED, "请补充服务成效数据")
    with pytest.raises(Conflict):
        services.transition(award, "approve", world["city"])
    services.transition(award, "submit", world["county"], "补充：全年服务 30 家合作社。")
    assert award.state is AwardState.NOMINATED and award.reason == "补充：全年服务 30 家合作社。"


def test_only_eligible_grades_in_the_jurisdiction(app, world, graded, make_user):
    with pytest.raises(DomainError, match="基本合格"):
        nominate(world["county"], graded["weak"])
    db.session.rollback()
    names = [row.name for row, _grade in services.eligible(world["county"], AwardSubject.COUNSELOR, YEAR)]
    assert names == ["刘桂芳"]
    app.config["AWARD_ELIGIBLE_GRADES"] = ["excellent"]  # the setting: only 优秀
    try:
        assert services.eligible(world["county"], AwardSubject.CENTER, YEAR) == []
        with pytest.raises(DomainError, match="合格"):
            nominate(world["county"], graded["center"])
    finally:
        app.config["AWARD_ELIGIBLE_GRADES"] = ["excellent", "qualified"]
    db.session.rollback()
    with pytest.raises(DomainError):  # another province's official: not in the jurisdiction
        nominate(world["other_province"], graded["star"])
    db.session.rollback()
    with pytest.raises(NotAllowed):  # townships do not nominate
        nominate(world["township"], graded["star"])


def test_no_result_that_year_no_nomination_and_one_per_level(world, graded):
    with pytest.raises(DomainError, match="2024"):
        services.nominate(world["county"], services.Nomination(AwardSubject.COUNSELOR, graded["star"].id, 2024, "理由"))
    nominate(world["county"], graded["star"])
    with pytest.raises(Conflict):
        nominate(world["county"], graded["star"])
    db.session.rollback()
    assert services.eligible(world["county"], AwardSubject.COUNSELOR, YEAR) == []
    city = nominate(world["city"], graded["star"])  # the city's own award is another level
    assert city.name == "市级优秀辅导员" and city.approver_department_id == world["province"].department_id


def test_withdraw_and_reopen(world, graded):
    award = nominate(world["county"], graded["star"], submit=True)
    services.transition(award, "withdraw", world["county"], "材料有误")
    assert award.state is AwardState.WITHDRAWN
    services.transition(award, "reopen", world["county"])
    assert award.state is AwardState.DRAFT


def test_award_record_weights_level_and_age(world, graded):
    county = nominate(world["county"], graded["star"], submit=True)
    services.transition(county, "approve", world["city"])
    city = nominate(world["city"], graded["star"], submit=True)
    services.transition(city, "approve", world["province"])
    nominate(world["county"], graded["center"], submit=True)  # not approved: does not count
    db.session.commit()
    records = services.award_records(year=YEAR + 1)
    assert records == {("counselor", graded["star"].id): pytest.approx((1.0 + 2.0) * 0.5)}
    assert services.award_records(year=YEAR + 3) == {}  # too old


def test_what_each_party_sees(world, graded):
    award = nominate(world["county"], graded["star"], submit=True)
    visible = lambda user: [a.id for a in db.session.scalars(services.visible_awards(user))]  # noqa: E731
    assert visible(world["county"]) == visible(world["city"]) == visible(world["national"]) == [award.id]
    assert visible(world["other_province"]) == visible(world["township"]) == []
    assert visible(world["counselor"]) == []  # not approved yet
    services.transition(award, "approve", world["city"])
    db.session.commit()
    assert visible(world["counselor"]) == [award.id] and visible(world["operator"]) == []
    assert [a.id for a in db.session.scalars(services.published(YEAR))] == [award.id]
