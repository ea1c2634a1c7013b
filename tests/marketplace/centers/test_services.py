"""The filing workflow, its illegal moves, credit codes, filing numbers and price history."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.centers import services
from marketplace.centers.models import CenterEvent, CenterStatus, OfferingPriceChange, ServiceCenter
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.timeutil import local_today
from tests.marketplace.centers.conftest import CREDIT_CODE, center_input, offering_input

S = CenterStatus


# --- credit codes ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [CREDIT_CODE, CREDIT_CODE.lower(), " " + CREDIT_CODE + " ", "91110000600037341L"])
def test_valid_credit_codes(raw):
    code, error = services.check_credit_code(raw)
    assert error is None and code == raw.strip().upper()


def test_credit_code_checks_only_the_check_character():
    # Characters 3–8 are a region code that may not exist any more: not checked (GB 32100, domain notes).
    code = services.demo_credit_code("93999999MA0CXY12K")
    assert services.check_credit_code(code) == (code, None)


@pytest.mark.parametrize(("raw", "message"), [
    ("", "请填写统一社会信用代码"),
    ("9313012", "统一社会信用代码应为 18 位"),
    ("93130123MA0CXY12KO", "不能含有字符 O"),
    (CREDIT_CODE[:-1] + ("0" if CREDIT_CODE[-1] != "0" else "1"), "统一社会信用代码校验位不正确"),
])
def test_invalid_credit_codes(raw, message):
    code, error = services.check_credit_code(raw)
    assert code is None and message in error


def test_registration_refuses_a_bad_credit_code_and_a_province(world):
    with pytest.raises(DomainError) as caught:
        services.register_center(world["center_staff"], center_input(operator_credit_code="93130123MA0CXY12K0",
                                                                     region_code="130000"))
    assert set(caught.value.errors) == {"operator_credit_code", "region_code"}
    assert db.session.scalar(select(ServiceCenter.id)) is None


def test_only_center_staff_register(world):
    with pytest.raises(NotAllowed):
        services.register_center(world["operator"], center_input())


# --- the workflow ---------------------------------------------------------------------------------------------

def test_full_lifecycle_with_history_notifications_and_audit(world, register):
    staff, county = world["center_staff"], world["county"]
    center = register(staff)
    assert center.status is S.DRAFT and center.service_areas[0].code == "130123"
    services.transition(center, "submit", staff)
    assert center.status is S.SUBMITTED
    assert db.session.scalar(select(Notification).where(Notification.user_id == county.id)) is not None
    services.transition(center, "return", county, "缺少价格公开制度的具体收费标准")
    assert center.status is S.RETURNED
    services.update_center(staff, center, center_input(name="正定县测试服务中心（修订）"))
    services.transition(center, "submit", staff)
    services.transition(center, "file", county)
    year = local_today().year
    assert center.status is S.FILED and center.filing_number == f"130123-BA-{year}-0001"
    services.transition(center, "warn", county, "价格未按时公示")
    deadline = local_today() + timedelta(days=30)
    services.transition(center, "rectify", county, "整改价格公示", deadline)
    assert center.status is S.RECTIFYING and center.rectify_deadline == deadline
    services.transition(center, "restore", county)
    assert center.status is S.FILED and center.rectify_deadline is None
    services.transition(center, "delist", county, "停止运营")
    assert center.status is S.DELISTED
    db.session.commit()
    actions = [e.action for e in db.session.scalars(select(CenterEvent).order_by(CenterEvent.id))]
    assert actions[-9:] == ["submit", "return", "update", "submit", "file", "warn", "rectify", "restore", "delist"]
    staff_titles = [n.title for n in db.session.scalars(select(Notification).where(Notification.user_id == staff.id))]
    assert len(staff_titles) == 6 and any("予以备案" in t for t in staff_titles)
    audited = set(db.session.scalars(select(AuditEntry.action)))
    assert {"center.register", "center.submit", "center.file", "center.delist", "center.upload"} <= audited


ILLEGAL = [
    # (path to reach, action that is then illegal)
    ([], "file"), ([], "return"), ([], "warn"), ([], "rectify"), ([], "restore"), ([], "delist"),
    (["submit"], "submit"), (["submit"], "warn"), (["submit"], "restore"), (["submit"], "delist"),
    (["submit", "file"], "submit"), (["submit", "file"], "file"), (["submit", "file"], "return"),
    (["submit", "file"], "restore"),
    (["submit", "file", "warn"], "warn"), (["submit", "file", "warn"], "file"),
    (["submit", "file", "rectify"], "warn"), (["submit", "file", "rectify"], "rectify"),
    (["submit", "file", "delist"], "restore"), (["submit", "file", "delist"], "delist"),
    (["submit", "file", "delist"], "submit"), (["submit", "file", "delist"], "file"),
    (["submit", "return"], "file"), (["submit", "return"], "return"), (["submit", "return"], "delist"),
]


def _do(center, action, world):
    actor = world["center_staff"] if action == "submit" else world["county"]
    services.transition(center, action, actor, "原因", local_today() + timedelta(days=10))


@pytest.mark.parametrize(("path", "action"), ILLEGAL, ids=[f"{'>'.join(p) or 'draft'}:{a}" for p, a in ILLEGAL])
def test_illegal_moves_are_refused_and_change_nothing(world, register, path, action):
    center = register(world["center_staff"])
    for step in path:
        _do(center, step, world)
    db.session.commit()
    before = (center.status, center.filing_number, db.session.query(CenterEvent).count())
    with pytest.raises(Conflict) as caught:
        _do(center, action, world)
    assert "当前状态" in caught.value.message and "不能执行" in caught.value.message
    db.session.rollback()
    db.session.refresh(center)
    assert (center.status, center.filing_number, db.session.query(CenterEvent).count()) == before


def test_submit_needs_all_four_documents(world, register):
    center = register(world["center_staff"], documents=False)
    with pytest.raises(DomainError) as caught:
        services.transition(center, "submit", world["center_staff"])
    assert "工作指南" in caught.value.message and "服务记录追溯" in caught.value.message
    assert center.status is S.DRAFT


@pytest.mark.parametrize("action", ["return", "warn", "rectify", "delist"])
def test_reasons_are_required(world, filed, register, action):
    center = register(world["center_staff"]) if action == "return" else filed(world["center_staff"], world["county"])
    if action == "return":
        services.transition(center, "submit", world["center_staff"])
    status = center.status
    with pytest.raises(DomainError, match="请填写原因"):
        services.transition(center, action, world["county"], "  ", local_today() + timedelta(days=5))
    assert center.status is status


def test_rectification_needs_a_future_deadline(world, filed):
    center = filed(world["center_staff"], world["county"])
    with pytest.raises(DomainError, match="整改期限"):
        services.transition(center, "rectify", world["county"], "整改")
    with pytest.raises(DomainError, match="晚于今天"):
        services.transition(center, "rectify", world["county"], "整改", local_today())
    assert center.status is S.FILED


@pytest.mark.parametrize("who", ["township", "other_province", "operator", "counselor"])
def test_only_county_or_higher_in_jurisdiction_review(world, register, who):
    center = register(world["center_staff"])
    services.transition(center, "submit", world["center_staff"])
    with pytest.raises(NotAllowed):
        services.transition(center, "file", world[who])
    assert center.status is S.SUBMITTED


@pytest.mark.parametrize("who", ["city", "province", "national"])
def test_higher_levels_may_file(world, register, who):
    center = register(world["center_staff"])
    services.transition(center, "submit", world["center_staff"])
    services.transition(center, "file", world[who])
    assert center.status is S.FILED


def test_officials_cannot_submit_for_staff(world, register):
    center = register(world["center_staff"])
    with pytest.raises(NotAllowed):
        services.transition(center, "submit", world["county"])


def test_compare_and_set_makes_one_transition(world, register):
    center = register(world["center_staff"])
    services.transition(center, "submit", world["center_staff"])
    db.session.commit()
    assert center.status is S.SUBMITTED  # loaded now; the row changes behind the session's back
    db.session.execute(ServiceCenter.__table__.update().values(status="filed"))  # someone else got there first
    with pytest.raises(Conflict, match="已被他人更新"):
        services.transition(center, "return", world["county"], "理由")


def test_filing_numbers_count_per_county_and_year(world, filed, make_user):
    first = filed(world["center_staff"], world["county"])
    second = filed(world["center_staff"], world["county"], region_code="130123100", name="乡镇中心")
    other_staff = make_user(Role.CENTER_STAFF, region_code="130125")
    third = filed(other_staff, world["city"], region_code="130125", name="行唐中心")
    year = local_today().year
    assert [first.filing_number, second.filing_number, third.filing_number] == [
        f"130123-BA-{year}-0001", f"130123-BA-{year}-0002", f"130125-BA-{year}-0001"]


def test_refiling_after_delist_is_impossible_and_number_kept(world, filed):
    center = filed(world["center_staff"], world["county"])
    number = center.filing_number
    services.transition(center, "warn", world["county"], "警示")
    services.transition(center, "restore", world["county"])
    assert center.filing_number == number


def test_editing_only_in_draft_or_returned(world, filed):
    center = filed(world["center_staff"], world["county"])
    with pytest.raises(Conflict, match="只有草稿或退回修改"):
        services.update_center(world["center_staff"], center, center_input(name="改名"))
    assert center.name == "正定县测试服务中心"


# --- offerings ------------------------------------------------------------------------------------------------

def test_price_changes_are_kept(world, register, make_user):
    staff = world["center_staff"]
    center = register(staff)
    offering = services.add_offering(staff, center, offering_input())
    assert (offering.price_min, offering.price_max) == (Decimal("2400.00"), Decimal("2400.00"))
    services.update_offering(staff, offering, offering_input(price_min="2000", price_max="2600"))
    services.update_offering(staff, offering, offering_input(price_min="2000", price_max="2600",
                                                             description="只改说明"))
    db.session.commit()
    changes = db.session.scalars(select(OfferingPriceChange).order_by(OfferingPriceChange.id)).all()
    assert [(c.old_min, c.old_max, c.new_min, c.new_max) for c in changes] == [
        (None, None, Decimal("2400.00"), Decimal("2400.00")),
        (Decimal("2400.00"), Decimal("2400.00"), Decimal("2000.00"), Decimal("2600.00"))]
    assert all(c.changed_by_id == staff.id and c.changed_at is not None for c in changes)


@pytest.mark.parametrize(("overrides", "field"), [
    ({"price_min": "-1"}, "price_min"), ({"price_min": "100", "price_max": "50"}, "price_max"),
    ({"price_min": "abc"}, "price_min"), ({"category": 32}, "category"), ({"category": 3}, "category"),
    ({"unit": " "}, "unit"), ({"name": ""}, "name"),
])
def test_offering_checks(world, register, overrides, field):
    center = register(world["center_staff"])
    with pytest.raises(DomainError) as caught:
        services.add_offering(world["center_staff"], center, offering_input(**overrides))
    assert field in caught.value.errors


def test_others_cannot_manage_offerings_and_delisted_centers_are_closed(world, filed, make_user):
    center = filed(world["center_staff"], world["county"])
    with pytest.raises(NotAllowed):
        services.add_offering(make_user(Role.CENTER_STAFF, region_code="130123"), center, offering_input())
    with pytest.raises(NotAllowed):
        services.add_offering(world["county"], center, offering_input())
    services.transition(center, "delist", world["county"], "摘牌")
    with pytest.raises(Conflict):
        services.add_offering(world["center_staff"], center, offering_input())


def test_seed_centers_is_idempotent(app, demo):
    from marketplace.demo.services import seed_demo

    db.session.commit()
    seed_demo()
    db.session.commit()
    centers = db.session.scalars(select(ServiceCenter).order_by(ServiceCenter.id)).all()
    assert [c.status for c in centers] == [S.FILED, S.SUBMITTED]
    assert len(centers[0].offerings) == 4
    assert db.session.query(OfferingPriceChange).filter(OfferingPriceChange.old_min.isnot(None)).count() == 1
