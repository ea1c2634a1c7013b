"""Claiming an entity held by a department (imported in bulk): the operator's lookup and claim, the county's
review, and the refusals (what the user reads, and that nothing is written)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select, update

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.entities import claims
from marketplace.entities.models import ClaimStatus, Entity, EntityClaim, EntityClaimEvent, EntityType
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from marketplace.regions.models import Level, Region
from tests.conftest import TEST_PASSWORD, csrf_token_from, text_of
from tests.marketplace.needs.helpers import credit_code, entity_input, make_entity, make_need

PROOF = {"legal_representative": "赵德山", "contact_phone": "139 3115 5555"}


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def audits(action: str) -> int:
    return count(AuditEntry, AuditEntry.action == action)


def claim_of(operator, entity, **proof) -> EntityClaim:
    claim = claims.submit_claim(operator, claims.Lookup(credit_code=entity.credit_code or "", name=entity.name,
                                                        region_code=entity.region_code),
                                claims.Proof(**{**PROOF, **proof}))
    db.session.commit()
    return claim


def titles(user) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)))


# --- registering finds the department's record ------------------------------------------------------------------

def test_registering_a_department_held_code_offers_the_claim(client, login, world, imported):
    entity = imported()
    login(world["operator"])
    data = {"type": "cooperative", "name": "我起的新名字合作社", "credit_code": entity.credit_code,
            "legal_representative": "赵德山", "contact_phone": "13931155555", "region_code": "130123100",
            "industries": ["1"], "model_level": "none"}
    response = client.post("/entities/new", data=data)
    page = text_of(response)
    assert response.status_code == 200
    assert "该主体已由农业农村部门登记，可申请认领" in page and "申请认领" in page
    assert f"/entities/claims/new?credit_code={entity.credit_code}" in response.get_data(as_text=True)
    assert count(Entity) == 1 and count(EntityClaim) == 0


def test_registering_a_family_farm_by_name_and_township_offers_the_claim(world, imported):
    imported(type=EntityType.FAMILY_FARM, name="王庄家庭农场", credit_code=None)
    with pytest.raises(claims.Claimable) as raised:
        make_entity(world["operator"], type=EntityType.FAMILY_FARM, name="王庄家庭农场", credit_code="")
    assert raised.value.message == "该主体已由农业农村部门登记，可申请认领"
    db.session.rollback()
    assert count(Entity) == 1
    # another township: a different farm, registered normally
    other = db.session.scalars(select(Region.code).where(Region.level == Level.TOWNSHIP,
                                                         Region.code.startswith("130123"),
                                                         Region.code != "130123100")).first()
    make_entity(world["operator"], type=EntityType.FAMILY_FARM, name="王庄家庭农场", credit_code="",
                region_code=other)
    assert count(Entity) == 2


def test_operator_owned_code_keeps_the_uniqueness_message(client, login, world, make_user):
    other = make_entity(make_user(Role.OPERATOR, region_code="130123"))
    login(world["operator"])
    response = client.post("/entities/new", data={
        "type": "cooperative", "name": "另一个合作社", "credit_code": other.credit_code,
        "legal_representative": "刘建军", "contact_phone": "13931100001", "region_code": "130123100",
        "industries": ["1"], "model_level": "none"})
    page = text_of(response)
    assert "该统一社会信用代码已被登记" in page and "可申请认领" not in page
    lookup = client.get(f"/entities/claims/new?credit_code={other.credit_code}")
    assert "该统一社会信用代码已被登记" in text_of(lookup) and "可申请认领" not in text_of(lookup)
    with pytest.raises(Conflict, match="该统一社会信用代码已被登记"):
        claim_of(world["operator"], other)
    db.session.rollback()
    assert count(EntityClaim) == 0


# --- the lookup and the claim -------------------------------------------------------------------------------------

def test_lookup_shows_only_name_and_region(client, login, world, imported):
    entity = imported(legal_representative="钱秘密", contact_phone="13700001111", address="塔元庄村九号")
    login(world["operator"])
    response = client.get(f"/entities/claims/new?credit_code={entity.credit_code.lower()}")
    page = text_of(response)
    assert "该主体已由农业农村部门登记，可申请认领" in page and entity.name in page and "正定镇" in page
    for secret in ("钱秘密", "13700001111", "塔元庄村九号"):
        assert secret not in response.get_data(as_text=True)


def test_lookup_messages(client, login, world):
    login(world["operator"])
    assert "未找到由农业农村部门登记的该主体，请直接登记" in text_of(
        client.get(f"/entities/claims/new?credit_code={credit_code(99999)}"))
    assert "统一社会信用代码校验位不正确" in text_of(client.get("/entities/claims/new?credit_code=931301230000000010"))
    assert "没有代码的家庭农场请填写名称和所在乡镇" in text_of(client.get("/entities/claims/new?name=王庄家庭农场"))


def test_operator_claims_and_the_county_is_told(client, login, world, imported):
    entity = imported()
    login(world["operator"])
    response = client.post("/entities/claims/new", data={"credit_code": entity.credit_code, **PROOF,
                                                         "note": "我是理事长"}, follow_redirects=True)
    page = text_of(response)
    assert f"已提交对“{entity.name}”的认领申请" in page
    assert "我的认领申请" in page and "待审核" in page
    claim = db.session.scalars(select(EntityClaim)).one()
    assert (claim.status, claim.claimant_id, claim.contact_phone) == (ClaimStatus.PENDING, world["operator"].id,
                                                                      "13931155555")
    assert claim.region_code == "130123100" and claim.note == "我是理事长"
    assert audits("entity_claim.submit") == 1 and count(EntityClaimEvent) == 1
    assert f"经营主体认领申请待审核：{entity.name}" in titles(world["county"])
    assert db.session.get(Entity, entity.id).owner_id == world["county"].id


def test_family_farm_claimed_by_name_and_township(client, login, world, imported):
    imported(type=EntityType.FAMILY_FARM, name="王庄家庭农场", credit_code=None)
    login(world["operator"])
    found = client.get("/entities/claims/new?name=王庄家庭农场&region_code=130123100")
    assert "该主体已由农业农村部门登记，可申请认领" in text_of(found)
    client.post("/entities/claims/new", data={"name": "王庄家庭农场", "region_code": "130123100", **PROOF})
    assert count(EntityClaim, EntityClaim.status == ClaimStatus.PENDING) == 1


def test_one_pending_claim_per_entity_and_operator(client, login, world, imported):
    entity = imported()
    claim_of(world["operator"], entity)
    login(world["operator"])
    response = client.post("/entities/claims/new", data={"credit_code": entity.credit_code, **PROOF})
    assert "您已提交过该主体的认领申请，正在审核中" in text_of(response)
    assert count(EntityClaim) == 1 and audits("entity_claim.submit") == 1


def test_bad_proof_is_refused_with_messages(client, login, world, imported):
    entity = imported()
    login(world["operator"])
    response = client.post("/entities/claims/new", data={"credit_code": entity.credit_code,
                                                         "legal_representative": "", "contact_phone": "123"})
    page = text_of(response)
    assert "请填写法定代表人或经营者姓名" in page and "手机号码应为 11 位数字" in page
    assert "该主体已由农业农村部门登记，可申请认领" in page  # the form stays on the page
    assert count(EntityClaim) == 0


def test_only_operators_claim(world, imported):
    with pytest.raises(NotAllowed, match="只有经营主体用户可以申请认领"):
        claims.submit_claim(world["county"], claims.Lookup(credit_code=imported().credit_code),
                            claims.Proof(**PROOF))


# --- the review ---------------------------------------------------------------------------------------------------

def test_county_approves_and_the_operator_takes_over(client, login, world, imported):
    entity = imported()
    claim = claim_of(world["operator"], entity)
    login(world["county"])
    response = client.post(f"/entities/claims/{claim.id}/approve", follow_redirects=True)
    assert "已通过认领申请，主体已移交申请人" in text_of(response) and "已通过" in text_of(response)
    db.session.expire_all()
    assert db.session.get(Entity, entity.id).owner_id == world["operator"].id
    claim = db.session.get(EntityClaim, claim.id)
    assert claim.status is ClaimStatus.APPROVED and claim.reviewer_id == world["county"].id
    assert claim.previous_owner_id == world["county"].id and claim.decided_at is not None
    assert [e.action for e in claim.events] == ["submit", "approve"]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "entity_claim.approve")).one()
    assert entry.details["owner_id"] == world["operator"].id and entry.details["previous_owner_id"] == world[
        "county"].id
    assert f"您对“{entity.name}”的认领申请已通过，现在可以发布需求" in titles(world["operator"])
    need = make_need(world["operator"], db.session.get(Entity, entity.id))
    assert need.entity_id == entity.id
    client.post("/auth/logout")
    login(world["operator"])
    assert entity.name in text_of(client.get("/entities/"))


def test_approving_twice_is_refused_and_writes_nothing(client, login, world, imported):
    claim = claim_of(world["operator"], imported())
    login(world["county"])
    client.post(f"/entities/claims/{claim.id}/approve")
    before = (audits("entity_claim.approve"), count(EntityClaimEvent), count(Notification))
    response = client.post(f"/entities/claims/{claim.id}/approve", follow_redirects=True)
    assert "该认领申请已是“已通过”状态，不能通过" in text_of(response)
    assert (audits("entity_claim.approve"), count(EntityClaimEvent), count(Notification)) == before


def test_approving_when_an_operator_already_holds_it_is_refused(world, imported, make_user):
    entity = imported()
    claim = claim_of(world["operator"], entity)
    someone = make_user(Role.OPERATOR, region_code="130123")
    db.session.execute(update(Entity).where(Entity.id == entity.id).values(owner_id=someone.id))
    db.session.commit()
    with pytest.raises(Conflict, match="该主体已由经营主体持有，不能再认领"):
        claims.transition(claim, "approve", world["county"])
    db.session.rollback()
    assert db.session.get(EntityClaim, claim.id).status is ClaimStatus.PENDING
    assert db.session.get(Entity, entity.id).owner_id == someone.id


def test_a_concurrent_decision_makes_one_transition(world, imported):
    claim = claim_of(world["operator"], imported())
    db.session.execute(update(EntityClaim).where(EntityClaim.id == claim.id)
                       .values(status=ClaimStatus.REJECTED).execution_options(synchronize_session=False))
    assert claim.status is ClaimStatus.PENDING  # this request still holds the old state
    with pytest.raises(Conflict, match="该认领申请已被他人处理，请刷新后重试"):
        claims.transition(claim, "approve", world["county"])
    db.session.rollback()
    assert audits("entity_claim.approve") == 0


def test_approval_rejects_the_other_pending_claims(world, imported, make_user):
    entity = imported()
    rival = make_user(Role.OPERATOR, region_code="130123")
    mine, theirs = claim_of(world["operator"], entity), claim_of(rival, entity)
    claims.transition(mine, "approve", world["county"])
    db.session.commit()
    theirs = db.session.get(EntityClaim, theirs.id)
    assert theirs.status is ClaimStatus.REJECTED and theirs.reason == "该主体已由其他申请人认领"
    assert f"您对“{entity.name}”的认领申请未通过" in titles(rival)


def test_reject_needs_a_reason_and_tells_the_operator(client, login, world, imported):
    entity = imported()
    claim = claim_of(world["operator"], entity)
    login(world["county"])
    refused = client.post(f"/entities/claims/{claim.id}/reject", data={"reason": " "}, follow_redirects=True)
    assert "请填写驳回原因" in text_of(refused)
    assert db.session.get(EntityClaim, claim.id).status is ClaimStatus.PENDING
    client.post(f"/entities/claims/{claim.id}/reject", data={"reason": "电话与登记信息不符"})
    db.session.expire_all()
    assert db.session.get(EntityClaim, claim.id).status is ClaimStatus.REJECTED
    assert db.session.get(Entity, entity.id).owner_id == world["county"].id
    assert audits("entity_claim.reject") == 1
    note = db.session.scalars(select(Notification).where(Notification.user_id == world["operator"].id)).one()
    assert note.title == f"您对“{entity.name}”的认领申请未通过" and note.body == "电话与登记信息不符"
    client.post("/auth/logout")
    login(world["operator"])
    page = text_of(client.get("/entities/"))
    assert "未通过" in page and "电话与登记信息不符" in page
    # a rejected claim does not block a new one
    claim_of(world["operator"], entity)


def test_operator_withdraws(client, login, world, imported, make_user):
    claim = claim_of(world["operator"], imported())
    stranger = make_user(Role.OPERATOR, region_code="130123")
    with pytest.raises(NotAllowed, match="只有申请人可以撤回认领申请"):
        claims.transition(claim, "withdraw", stranger)
    with pytest.raises(NotAllowed, match="只有主体所在地县级及以上农业农村部门可以审核认领申请"):
        claims.transition(claim, "approve", world["operator"])
    login(world["operator"])
    response = client.post(f"/entities/claims/{claim.id}/withdraw", follow_redirects=True)
    assert "已撤回认领申请" in text_of(response)
    assert db.session.get(EntityClaim, claim.id).status is ClaimStatus.WITHDRAWN
    assert audits("entity_claim.withdraw") == 1


def test_reviewer_sees_proof_hints_the_claimant_does_not(client, login, world, imported):
    entity = imported(legal_representative="钱秘密", contact_phone="13700001111")
    claim = claim_of(world["operator"], entity, legal_representative="钱秘密", contact_phone="13900000000")
    login(world["county"])
    page = text_of(client.get(f"/entities/claims/{claim.id}"))
    assert "与登记信息一致" in page and "与登记信息不一致" in page and "通过认领" in page
    listing = text_of(client.get("/entities/claims"))
    assert "法定代表人一致" in listing and "电话不一致" in listing
    client.post("/auth/logout")
    login(world["operator"])
    response = client.get(f"/entities/claims/{claim.id}")
    html = response.get_data(as_text=True)
    assert entity.name in html and "一致" not in html and "13700001111" not in html and "通过认领" not in html
    assert "撤回申请" in html


def test_review_list_filters_paginates_without_n_plus_one(client, login, world, imported, make_user,
                                                          query_counter):
    for n in range(3):
        claim_of(make_user(Role.OPERATOR, region_code="130123"), imported(name=f"梨园{n}号合作社"))
    login(world["city"])
    with query_counter() as few:
        client.get("/entities/claims")
    for _n in range(20):
        claim_of(make_user(Role.OPERATOR, region_code="130123"), imported())
    with query_counter() as many:
        response = client.get("/entities/claims")
    assert response.status_code == 200 and len(many) == len(few)
    assert "共 23 条" in text_of(response)
    second = client.get("/entities/claims?page=2").get_data(as_text=True)
    assert len(set(re.findall(r'/entities/claims/(\d+)"', second))) == 3
    assert "没有符合条件的认领申请" in text_of(client.get("/entities/claims?status=approved"))
    assert "共 1 条" in text_of(client.get("/entities/claims?status=&q=梨园1号"))
    assert "没有符合条件的认领申请" in text_of(client.get("/entities/claims?region_code=130102"))


def test_township_official_sees_but_cannot_decide(world, imported):
    claim = claim_of(world["operator"], imported())
    assert not claims.can_review(world["township"], claim)
    assert claims.can_review(world["county"], claim) and claims.can_review(world["national"], claim)
    assert not claims.can_review(world["other_province"], claim)


# --- the API ------------------------------------------------------------------------------------------------------

def test_api_claim_and_review(client, world, imported, api_token):
    entity = imported()
    operator, county = api_token(world["operator"]), api_token(world["county"])
    created = client.post("/api/v1/entities/claims", headers=operator,
                          json={"credit_code": entity.credit_code, **PROOF})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["status"] == "pending" and body["entity_name"] == entity.name and body["proof_matches"] is None
    again = client.post("/api/v1/entities/claims", headers=operator, json={"credit_code": entity.credit_code, **PROOF})
    assert again.status_code == 409 and again.get_json()["error"]["message"] == "您已提交过该主体的认领申请，正在审核中"
    listed = client.get("/api/v1/entities/claims?status=pending", headers=county).get_json()
    assert listed["meta"]["total"] == 1
    assert listed["items"][0]["proof_matches"] == {"legal_representative": True, "contact_phone": True}
    refused = client.post(f"/api/v1/entities/claims/{body['id']}/reject", headers=county, json={})
    assert refused.status_code == 400 and refused.get_json()["error"]["message"] == "请填写驳回原因"
    approved = client.post(f"/api/v1/entities/claims/{body['id']}/approve", headers=county)
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    twice = client.post(f"/api/v1/entities/claims/{body['id']}/approve", headers=county)
    assert twice.status_code == 409 and "不能通过" in twice.get_json()["error"]["message"]
    assert db.session.get(Entity, entity.id).owner_id == world["operator"].id
    mine = client.get("/api/v1/entities/claims", headers=operator).get_json()
    assert mine["items"][0]["status"] == "approved" and mine["items"][0]["proof_matches"] is None


def test_api_registration_of_a_held_code_is_a_conflict(client, world, imported, api_token):
    entity = imported()
    data = entity_input(credit_code=entity.credit_code)
    response = client.post("/api/v1/entities", headers=api_token(world["operator"]), json={
        "type": "cooperative", "name": data.name, "credit_code": entity.credit_code,
        "legal_representative": "赵德山", "contact_phone": "13931155555", "region_code": "130123100",
        "industries": 1})
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "该主体已由农业农村部门登记，可申请认领"
    assert count(Entity) == 1


def test_api_lookup_errors(client, world, api_token):
    response = client.post("/api/v1/entities/claims", headers=api_token(world["operator"]), json=PROOF)
    assert response.status_code == 400
    assert "没有代码的家庭农场请填写名称和所在乡镇" in response.get_json()["error"]["message"]
    assert count(EntityClaim) == 0


def test_domain_error_types():
    assert issubclass(claims.Claimable, Conflict) and issubclass(Conflict, DomainError)


def test_a_reimport_after_the_claim_leaves_the_operators_entity_alone(world, imported, tmp_path):
    from marketplace.entities import imports
    from tests.marketplace.entities.test_imports import row, xlsx

    entity = imported()
    claims.transition(claim_of(world["operator"], entity), "approve", world["county"])
    db.session.commit()
    path = tmp_path / "again.xlsx"
    path.write_bytes(xlsx([row(1, 统一社会信用代码=entity.credit_code, 主体名称="部门改的名字")]))
    outcome = imports.import_file(world["county"], path)
    db.session.rollback()
    assert [e["message"] for e in outcome.errors] == [
        "该主体已由经营主体自行登记或由其他部门导入，不能通过本部门导入修改"]
    assert db.session.get(Entity, entity.id).name == entity.name


def test_the_claim_form_carries_its_csrf_token(client, world, imported, csrf_enabled):
    entity = imported()
    token = csrf_token_from(client.get("/auth/login").get_data(as_text=True))
    client.post("/auth/login", data={"username": world["operator"].username, "password": TEST_PASSWORD,
                                     "csrf_token": token})
    page = client.get(f"/entities/claims/new?credit_code={entity.credit_code}").get_data(as_text=True)
    token = csrf_token_from(page)
    data = {"credit_code": entity.credit_code, "name": "", "region_code": "", **PROOF, "csrf_token": token}
    response = client.post("/entities/claims/new", data=data)
    assert response.status_code == 302, text_of(response)
    assert count(EntityClaim, EntityClaim.entity_id == entity.id) == 1
