"""Accounts flow downward, level by level; superiors manage what is beneath them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Department, Role, User
from marketplace.accounts.passwords import policy_errors, verify_password
from marketplace.audit.models import AuditEntry
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.regions.models import Level


def _new(role=Role.OFFICIAL, region_code="130100", username="new_admin", **kw) -> accounts.NewAccount:
    return accounts.NewAccount(username=username, display_name="新账户", role=role, region_code=region_code, **kw)


def test_accounts_are_issued_down_every_level(make_user):
    national = make_user(region_code="000000")
    chain = [("130000", Level.PROVINCE, "河北省农业农村厅"), ("130100", Level.CITY, "河北省石家庄市农业农村局"),
             ("130123", Level.COUNTY, "河北省石家庄市正定县农业农村局"),
             ("130123100", Level.TOWNSHIP, "河北省石家庄市正定县正定镇农业农村办公室")]
    actor = national
    for i, (code, level, name) in enumerate(chain):
        user, password = accounts.create_account(actor, _new(region_code=code, username=f"admin{i}"))
        db.session.commit()
        assert user.department.level is level and user.department.name == name
        assert user.must_change_password and verify_password(user.password_hash, password)
        assert policy_errors(password, user.username) == []
        actor = user
    assert accounts.issuable_roles(actor) == []  # a township issues nothing


def test_a_level_cannot_be_skipped(make_user):
    province = make_user(region_code="130000")
    with pytest.raises(DomainError, match="只能为下一级（市级）部门创建管理员"):
        accounts.create_account(province, _new(region_code="130123"))
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_no_account_outside_the_jurisdiction(make_user):
    hebei = make_user(region_code="130000")
    with pytest.raises(DomainError, match="不在您的管辖范围内"):
        accounts.create_account(hebei, _new(region_code="110100"))


def test_historic_regions_get_no_new_department(make_user):
    beijing = make_user(region_code="110000")
    with pytest.raises(DomainError, match="不在您的管辖范围内"):  # 110103 崇文区 ended in 2010
        accounts.create_account(beijing, _new(region_code="110103"))


def test_counselor_accounts_belong_to_the_issuing_department(make_user):
    county = make_user(region_code="130123")
    user, _ = accounts.create_account(county, _new(Role.COUNSELOR, region_code="130123100", username="fdy"))
    assert user.department_id == county.department_id and user.region_code == "130123100"
    township = make_user(region_code="130123100")
    assert Role.COUNSELOR not in accounts.issuable_roles(township)
    with pytest.raises(NotAllowed):
        accounts.create_account(township, _new(Role.COUNSELOR, region_code="130123100", username="fdy2"))


def test_operators_cannot_be_issued_by_officials(make_user):
    county = make_user(region_code="130123")
    with pytest.raises(NotAllowed):
        accounts.create_account(county, _new(Role.OPERATOR, region_code="130123100", username="op"))


def test_non_officials_issue_nothing(make_user):
    operator = make_user(Role.OPERATOR, region_code="130123100")
    assert accounts.issuable_roles(operator) == []
    with pytest.raises(NotAllowed):
        accounts.create_account(operator, _new())


def test_usernames_are_unique_without_regard_to_case(make_user):
    province = make_user(region_code="130000", username="Hebei")
    with pytest.raises(Conflict):
        accounts.create_account(province, _new(username="hebei"))


def test_one_department_per_region(make_user):
    province = make_user(region_code="130000")
    accounts.create_account(province, _new(username="a1"))
    accounts.create_account(province, _new(username="a2"))
    assert db.session.scalar(select(func.count()).select_from(Department).where(
        Department.region_code == "130100")) == 1


@pytest.mark.parametrize(("actor_region", "target", "expected"), [
    ("000000", "county", True),
    ("130000", "county", True),
    ("130100", "county", True),
    ("130123", "county_peer", False),     # same level: not beneath
    ("130123100", "county", False),       # below
    ("110000", "county", False),          # another province
    ("130600", "county", False),          # another city
    ("130123", "counselor", True),        # issued by this department
    ("130123", "operator", True),         # self-registered in the jurisdiction
    ("130125", "operator", False),        # neighbouring county
    ("130100", "counselor", True),        # above the issuing department
])
def test_who_manages_whom(make_user, actor_region, target, expected):
    actor = make_user(region_code=actor_region)
    targets = {
        "county": lambda: make_user(region_code="130123"),
        "county_peer": lambda: make_user(region_code="130123"),
        "counselor": lambda: make_user(Role.COUNSELOR, region_code="130123100", department_region="130123"),
        "operator": lambda: make_user(Role.OPERATOR, region_code="130123100"),
    }
    assert accounts.can_manage(actor, targets[target]()) is expected


def test_disable_enable_reset(make_user):
    city = make_user(region_code="130100")
    county = make_user(region_code="130123")
    accounts.disable_account(city, county, "离职")
    assert county.is_enabled is False
    with pytest.raises(Conflict):
        accounts.disable_account(city, county, "again")
    accounts.enable_account(city, county, "复职")
    password = accounts.reset_password(city, county)
    assert county.must_change_password and verify_password(county.password_hash, password)
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "users", AuditEntry.object_id == str(county.id)).order_by(AuditEntry.id)).all()
    assert actions == ["account.disable", "account.enable", "account.reset_password"]
    with pytest.raises(NotAllowed):
        accounts.disable_account(county, city, "no")


@pytest.mark.parametrize(("password", "problem"), [
    ("Short#1", "至少 10 位"), ("alllowercase", "至少三类"), ("Password123", "过于常见"),
    ("password", "过于常见"), ("Zhang.San#2026", None), ("zhangsan#2026A", "包含用户名"),
])
def test_password_policy(password, problem):
    errors = " ".join(policy_errors(password, "zhangsan"))
    if problem:
        assert problem in errors
    else:
        assert errors == ""


def test_create_national_admin_needs_regions_and_a_strong_password(app):
    with pytest.raises(DomainError, match="至少 10 位"):
        accounts.create_national_admin("root", "weak", "管理员")
    user = accounts.create_national_admin("root", "Strong#Pass2026", "管理员")
    assert user.department.level is Level.NATIONAL and user.department.name == "农业农村部"
    assert user.must_change_password is False
