"""The `flask` commands: create-admin, seed-demo and (the service behind) regions load."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEntry
from marketplace.demo.services import DEMO_PASSWORD
from tests.conftest import TEST_PROVINCES

STRONG = "Root#Admin2026"
DEMO_LOGINS = ["admin", "hebei", "shijiazhuang", "zhengding", "fdy_liu", "coop_zhengding", "center_zhengding"]


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def user_named(db, username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def test_create_admin_makes_a_national_official(runner, db, client):
    result = runner.invoke(args=["create-admin", "root2", "--password", STRONG])
    assert result.exit_code == 0, result.output
    assert "root2" in result.output

    user = user_named(db, "root2")
    assert user is not None
    assert user.role is Role.OFFICIAL
    assert user.region_code == "000000"
    assert user.department is not None
    assert user.department.region_code == "000000"
    assert user.department.name == "农业农村部"
    assert user.must_change_password is False
    assert user.display_name == "国家级管理员"

    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.create"))
    assert entry.object_id == str(user.id)
    assert entry.details.get("via") == "cli"

    response = client.post("/api/v1/auth/token", json={"username": "root2", "password": STRONG})
    assert response.status_code == 201


def test_create_admin_takes_a_display_name(runner, db):
    result = runner.invoke(args=["create-admin", "root3", "--password", STRONG, "--name", "部里的管理员"])
    assert result.exit_code == 0, result.output
    assert user_named(db, "root3").display_name == "部里的管理员"


@pytest.mark.parametrize("password", ["short", "alllowercaseletters", "root2#Secure99"])
def test_create_admin_refuses_a_weak_password(runner, db, password):
    result = runner.invoke(args=["create-admin", "root2", "--password", password])
    assert result.exit_code != 0
    assert "密码" in result.output
    assert user_named(db, "root2") is None
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_create_admin_refuses_a_duplicate_username(runner, db, make_user):
    make_user(Role.OFFICIAL, "130000", username="root2")
    result = runner.invoke(args=["create-admin", "ROOT2", "--password", STRONG])
    assert result.exit_code != 0
    assert "已被使用" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)
                             .where(func.lower(User.username) == "root2")) == 1


def test_seed_demo_is_idempotent_and_prints_logins(runner, db, client):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    for username in DEMO_LOGINS:
        assert username in first.output
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(User))

    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    for username in DEMO_LOGINS:
        assert username in second.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == count

    admin = user_named(db, "admin")
    assert admin.role is Role.OFFICIAL and admin.region_code == "000000"
    zhengding = user_named(db, "zhengding")
    assert zhengding.region_code == "130123"
    assert user_named(db, "fdy_liu").role is Role.COUNSELOR
    assert user_named(db, "coop_zhengding").role is Role.OPERATOR
    assert user_named(db, "center_zhengding").role is Role.CENTER_STAFF

    for username in ("hebei", "fdy_liu", "coop_zhengding"):
        response = client.post("/api/v1/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 201, (username, response.get_json())


def test_loading_regions_again_changes_nothing(app, db):
    from marketplace.regions.services import load_regions

    report = load_regions(app.config["REGION_DATA_DIR"], provinces=TEST_PROVINCES)
    try:
        assert report.created == 0
        assert report.updated == 0
        assert report.unchanged > 0
    finally:
        db.session.rollback()
