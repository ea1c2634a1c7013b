"""Entity pages: registering from a phone-sized form, editing, verifying, the official's list."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.entities.models import Entity, VerificationStatus
from marketplace.extensions import db
from tests.conftest import text_of
from tests.marketplace.needs.helpers import credit_code, make_entity


def form(**overrides) -> dict:
    data = {"type": "cooperative", "name": "正定县塔元庄果蔬种植专业合作社", "credit_code": credit_code(),
            "legal_representative": "刘建军", "contact_phone": "139 3110 0001", "region_code": "130123100",
            "industries": ["1", "4"], "members": "56", "area_mu": "320.5", "model_level": "county",
            "founded_year": "2012"}
    data.update(overrides)
    return data


def test_register_entity(client, login, world):
    login(world["operator"])
    page = client.get("/entities/new")
    assert page.status_code == 200 and "统一社会信用代码" in text_of(page)
    response = client.post("/entities/new", data=form())
    assert response.status_code == 302
    entity = db.session.scalar(select(Entity))
    assert entity.contact_phone == "13931100001" and entity.industries == 5
    shown = text_of(client.get(response.location))
    assert "待核实" in shown and "县级示范社" in shown and "发布需求" in shown


def test_bad_credit_code_shown_in_chinese(client, login, world):
    login(world["operator"])
    code = credit_code()
    bad = code[:17] + ("0" if code[17] != "0" else "1")
    response = client.post("/entities/new", data=form(credit_code=bad))
    assert response.status_code == 200 and "统一社会信用代码校验位不正确" in text_of(response)
    response = client.post("/entities/new", data=form(credit_code=""))
    assert "合作社和联合社须填写统一社会信用代码" in text_of(response)
    assert db.session.scalar(select(Entity)) is None


def test_edit_and_verify(client, login, world):
    entity = make_entity(world["operator"])
    login(world["operator"])
    response = client.post(f"/entities/{entity.id}/edit", data=form(name="改名合作社", credit_code=entity.credit_code))
    assert response.status_code == 302
    client.post("/auth/logout")
    login(world["county"])
    assert "核实" in text_of(client.get(f"/entities/{entity.id}"))
    client.post(f"/entities/{entity.id}/verify", data={"decision": "correct", "note": ""})
    db.session.refresh(entity)
    assert entity.verification_status is VerificationStatus.UNVERIFIED  # a correction needs a note
    client.post(f"/entities/{entity.id}/verify", data={"decision": "correct", "note": "请补充地址"})
    db.session.refresh(entity)
    assert entity.verification_status is VerificationStatus.NEEDS_CORRECTION
    client.post(f"/entities/{entity.id}/verify", data={"decision": "verify"})
    db.session.refresh(entity)
    assert entity.verification_status is VerificationStatus.VERIFIED


def test_official_list_filters_and_no_n_plus_one(client, login, world, make_user, query_counter):
    for _n in range(3):
        make_entity(make_user(Role.OPERATOR, region_code="130123"))
    login(world["city"])
    with query_counter() as few:
        client.get("/entities/")
    for _n in range(12):
        make_entity(make_user(Role.OPERATOR, region_code="130123"))
    with query_counter() as many:
        response = client.get("/entities/")
    assert response.status_code == 200 and len(many) == len(few)
    assert "共 15 条" in text_of(response)
    filtered = client.get("/entities/?type=family_farm&status=verified&industry=1&region_code=130123")
    assert "没有符合条件的经营主体" in text_of(filtered)


def test_operator_sees_own_list(client, login, world):
    make_entity(world["operator"], name="我的合作社")
    login(world["operator"])
    assert "我的合作社" in text_of(client.get("/entities/"))


def test_officials_read_the_contact_phone_masked_and_reveal_it_with_a_purpose(pages, client, world, api_token):
    from sqlalchemy import select

    from marketplace.audit.models import AuditEntry
    from tests.marketplace.needs.helpers import make_entity

    entity = make_entity(world["operator"])
    full = entity.contact_phone
    masked = full[:3] + "****" + full[-4:]
    pages.sign_in(world["county"])
    page = pages.get(f"/entities/{entity.id}")
    assert full not in page.text and page.html.select_one('[data-testid="phone"]').text == masked
    refused = page.forms["reveal"].submit().follow()
    assert "查看完整联系电话须填写用途" in refused.text and full not in refused.text
    form = pages.get(f"/entities/{entity.id}").forms["reveal"]
    form["purpose"] = "电话回访"
    shown = form.submit()
    assert shown.html.select_one('[data-testid="phone"]').text == full and "已记录本次查看" in shown.text
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "entity.view_unmasked"))
    assert entry.details["purpose"] == "电话回访" and entry.actor_id == world["county"].id
    # the API: masked in lists and items for officials, in full for the holder; reveal with a purpose
    headers = api_token(world["county"])
    listed = client.get("/api/v1/entities", headers=headers).get_json()["items"]
    assert [e["contact_phone"] for e in listed] == [masked]
    assert client.get(f"/api/v1/entities/{entity.id}", headers=headers).get_json()["contact_phone"] == masked
    assert client.post(f"/api/v1/entities/{entity.id}/reveal", headers=headers, json={}).status_code == 422
    revealed = client.post(f"/api/v1/entities/{entity.id}/reveal", headers=headers, json={"purpose": "回访"})
    assert revealed.get_json() == {"contact_phone": full}
    own = client.get(f"/api/v1/entities/{entity.id}", headers=api_token(world["operator"])).get_json()
    assert own["contact_phone"] == full
