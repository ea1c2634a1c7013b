"""The audit log: what writes an entry, and who may read it (officials, within their jurisdiction)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record
from tests.conftest import text_of


def entries(db, action: str) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


@pytest.fixture
def province(make_user):
    return make_user(Role.OFFICIAL, "130000", username="hebei_admin", display_name="河北省管理员")


@pytest.fixture
def two_provinces(db, province, make_user):
    """One entry in Hebei and one in Beijing, told apart by their reason."""
    beijing = make_user(Role.OFFICIAL, "110000", username="beijing_admin", display_name="北京市管理员")
    record(province, "account.disable", object_type="users", object_id="901", region_code="130123",
           reason="河北正定的记录")
    record(beijing, "account.disable", object_type="users", object_id="902", region_code="110000",
           reason="北京的记录")
    db.session.commit()
    return province, beijing


def test_creating_an_account_is_audited(client, province, api_token, db):
    response = client.post("/api/v1/accounts", headers=api_token(province), json={
        "username": "new_city", "display_name": "石家庄市管理员", "role": "official", "region_code": "130100"})
    assert response.status_code == 201
    new_id = response.get_json()["account"]["id"]

    created = entries(db, "account.create")
    assert len(created) == 1
    entry = created[0]
    assert entry.actor_id == province.id
    assert entry.object_type == "users"
    assert entry.object_id == str(new_id)
    assert entry.region_code == "130100"
    assert entry.ip_address == "127.0.0.1"
    assert entry.details["username"] == "new_city"
    assert entry.details["role"] == "official"
    assert entry.created_at is not None
    # the new department of the city is logged too
    assert "130100" in [e.region_code for e in entries(db, "department.create")]


def test_creating_an_account_on_the_web_is_audited(client, province, login, db):
    login(province)
    response = client.post("/accounts/new", data={
        "username": "web_city", "display_name": "保定市管理员", "role": "official", "region_code": "130600"})
    assert response.status_code in (200, 302)
    user = db.session.scalar(select(User).where(User.username == "web_city"))
    assert user is not None, text_of(response)
    entry = entries(db, "account.create")[-1]
    assert entry.object_id == str(user.id)
    assert entry.actor_id == province.id
    assert entry.ip_address == "127.0.0.1"


def test_login_failure_is_audited(client, make_user, login, db):
    user = make_user(Role.OPERATOR, "130123")
    response = login(user, password="wrong-Pass#1")
    assert response.status_code == 200
    failed = entries(db, "auth.login_failed")
    assert len(failed) == 1
    entry = failed[0]
    assert entry.actor_id is None
    assert entry.object_id == str(user.id)
    assert entry.region_code == "130123"
    assert entry.ip_address == "127.0.0.1"


def test_login_failure_through_the_api_is_audited(client, make_user, db):
    user = make_user(Role.COUNSELOR, "130123")
    response = client.post("/api/v1/auth/token", json={"username": user.username, "password": "wrong-Pass#1"})
    assert response.status_code == 401
    assert [e.object_id for e in entries(db, "auth.login_failed")] == [str(user.id)]


def test_unknown_username_writes_no_entry_about_a_user(client, db):
    client.post("/auth/login", data={"username": "nobody-here", "password": "wrong-Pass#1"})
    assert entries(db, "auth.login_failed") == []


def test_successful_login_is_audited(client, make_user, login, db):
    user = make_user(Role.OPERATOR, "130123")
    assert login(user).status_code == 302
    assert [(e.actor_id, e.object_id) for e in entries(db, "auth.login")] == [(user.id, str(user.id))]


def test_audit_page_shows_own_jurisdiction_only(client, two_provinces, login):
    province, _beijing = two_provinces
    login(province)
    response = client.get("/audit/")
    assert response.status_code == 200
    text = text_of(response)
    assert "河北正定的记录" in text
    assert "停用账户" in text
    assert "北京的记录" not in text
    assert "#902" not in text


def test_city_official_does_not_see_province_level_entries(client, make_user, two_provinces, login, db):
    province, _beijing = two_provinces
    record(province, "account.disable", object_type="users", object_id="903", region_code="130600",
           reason="保定的记录")
    db.session.commit()
    city = make_user(Role.OFFICIAL, "130100")
    login(city)
    text = text_of(client.get("/audit/"))
    assert "河北正定的记录" in text
    assert "保定的记录" not in text
    assert "北京的记录" not in text


def test_national_official_sees_every_province(client, make_user, two_provinces, login):
    national = make_user(Role.OFFICIAL, "000000")
    login(national)
    text = text_of(client.get("/audit/"))
    assert "河北正定的记录" in text
    assert "北京的记录" in text


def test_audit_page_filters_by_action(client, two_provinces, login):
    province, _beijing = two_provinces
    login(province)
    text = text_of(client.get("/audit/?action=auth.login"))
    assert "河北正定的记录" not in text
    text = text_of(client.get("/audit/?action=account.disable"))
    assert "河北正定的记录" in text


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.OPERATOR, Role.CENTER_STAFF])
def test_non_officials_get_403_on_the_audit_page(client, make_user, login, role):
    login(make_user(role, "130123"))
    assert client.get("/audit/").status_code == 403


def test_audit_page_needs_login(client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_audit_api_is_scoped(client, two_provinces, api_token):
    province, _beijing = two_provinces
    response = client.get("/api/v1/audit?action=account.disable", headers=api_token(province))
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["object_id"] for item in items] == ["901"]
    assert items[0]["details"] == {"reason": "河北正定的记录"}
    assert items[0]["region_code"] == "130123"


def test_audit_api_lists_newest_first(client, province, api_token):
    headers = api_token(province)  # writes auth.login and auth.token
    items = client.get("/api/v1/audit", headers=headers).get_json()["items"]
    ids = [item["id"] for item in items]
    assert ids == sorted(ids, reverse=True)
    assert {"auth.login", "auth.token"} <= {item["action"] for item in items}


@pytest.mark.parametrize("role", [Role.COUNSELOR, Role.OPERATOR, Role.CENTER_STAFF])
def test_audit_api_is_403_for_non_officials(client, make_user, api_token, role):
    user = make_user(role, "130123")
    response = client.get("/api/v1/audit", headers=api_token(user))
    assert response.status_code == 403
    error = response.get_json()["error"]
    assert error["code"] == "forbidden"
    assert "管理员" in error["message"]


def test_audit_api_needs_a_token(client):
    assert client.get("/api/v1/audit").status_code == 401


def test_audit_page_shows_labels_names_and_the_stated_purpose(pages, world, db):
    from marketplace.directory import services as directory
    from tests.marketplace.directory.certificate_helpers import appoint

    counselor = appoint(world["county"], name="刘桂芳")
    directory.reveal_personal(world["county"], counselor, purpose="核对身份信息")
    directory.transition(counselor, "suspend", world["county"], reason="年度核查")
    db.session.commit()
    pages.sign_in(world["county"])
    text = pages.get("/audit/").text
    for shown in ("聘任辅导员", "查看辅导员完整个人信息", "暂停辅导员聘任", "辅导员 刘桂芳", "用途：核对身份信息",
                  "字段：身份证号、手机号", "原因：年度核查"):
        assert shown in text, shown
    for raw in ("counselor.", "counselors", "#None", "view_unmasked"):
        assert raw not in text.split("<select")[0] + text.split("</select>")[-1], raw

    pages.get("/lang/en")
    english = pages.get("/audit/").text
    for shown in ("Viewed a counselor's full personal data", "Counselor 刘桂芳", "Purpose: 核对身份信息"):
        assert shown in english.replace("&#39;", "'"), shown


def test_every_audit_action_and_object_has_a_label():
    """Every action a service records (literal, or built from its area's transition table) reads in Chinese."""
    import ast
    from pathlib import Path

    from marketplace.agreements.lifecycle import TRANSITIONS as AGREEMENT
    from marketplace.audit.services import ACTION_LABELS, OBJECT_LABELS
    from marketplace.awards.services import TRANSITIONS as AWARD
    from marketplace.centers.services import TRANSITIONS as CENTER
    from marketplace.directory.services import TRANSITIONS as COUNSELOR
    from marketplace.entities.labels import CLAIM_ACTION_LABELS
    from marketplace.extensions import db as _db
    from marketplace.needs.models import InvitationStatus
    from marketplace.needs.services import ACTIONS as NEED
    from marketplace.notices.services import TRANSITIONS as NOTICE
    from marketplace.reports.services import TRANSITIONS as REPORT
    from marketplace.training.services import TRANSITIONS as TRAINING

    dynamic = {"agreement": AGREEMENT, "center": CENTER, "counselor": COUNSELOR, "entity_claim": CLAIM_ACTION_LABELS,
               "need": NEED, "invitation": [s.value for s in InvitationStatus], "training": TRAINING,
               "award": AWARD, "notice": NOTICE, "report": REPORT}
    actions = {f"{prefix}.{name}" for prefix, names in dynamic.items() for name in names}
    root = Path(__file__).resolve().parents[3] / "marketplace"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and len(node.args) >= 2 and getattr(node.func, "id", None) == "record":
                argument = node.args[1]
                if isinstance(argument, ast.Constant):
                    actions.add(argument.value)
                elif isinstance(argument, ast.JoinedStr):
                    prefix = argument.values[0].value.rstrip(".")
                    assert prefix in dynamic, f"{path}: {ast.unparse(argument)} has no table of actions here"
    assert sorted(actions - set(ACTION_LABELS)) == []
    tables = {mapper.local_table.name for mapper in _db.Model.registry.mappers}
    internal = {"login_throttles", "number_counters", "outbox_messages", "recovery_codes", "server_sessions"}
    audited = tables - internal - {"audit_entries", "notifications", "match_logs", "matching_models", "region_stats"} \
        - {t for t in tables if t.endswith(("_events", "_price_changes", "_signatures", "_items"))}
    assert sorted(audited - set(OBJECT_LABELS)) == []
