"""Entities: credit-code checks, registration, editing, verification flow."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.entities import services
from marketplace.entities.models import Entity, EntityType, VerificationStatus
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests.marketplace.needs.helpers import credit_code, entity_input, make_entity


def test_credit_code_check_character():
    good = credit_code(1)
    assert services.check_credit_code(good, EntityType.COOPERATIVE) == (good, None)
    assert services.check_credit_code(good.lower()[:6] + " " + good[6:].lower(), EntityType.COOPERATIVE)[0] == good
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert services.check_credit_code(wrong, EntityType.COOPERATIVE)[1] == "统一社会信用代码校验位不正确"
    assert "18 位" in services.check_credit_code(good[:17], EntityType.COOPERATIVE)[1]
    assert "无效字符" in services.check_credit_code(good[:10] + "I" + good[11:], EntityType.COOPERATIVE)[1]


def test_credit_code_required_for_cooperatives_and_federations_only():
    for kind in (EntityType.COOPERATIVE, EntityType.FEDERATION):
        assert services.check_credit_code("", kind)[1] == "合作社和联合社须填写统一社会信用代码"
    assert services.check_credit_code("", EntityType.FAMILY_FARM) == (None, None)


def test_register_entity(world):
    entity = make_entity(world["operator"], name="正定县塔元庄果蔬种植专业合作社")
    assert entity.owner_id == world["operator"].id
    assert entity.verification_status is VerificationStatus.UNVERIFIED
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "entities",
                                                          AuditEntry.object_id == str(entity.id))) == \
        "entity.register"
    # the county department is told
    assert db.session.scalar(select(Notification.title).where(Notification.user_id == world["county"].id))


def test_family_farm_without_code(world):
    entity = make_entity(world["operator"], type=EntityType.FAMILY_FARM, credit_code="")
    assert entity.credit_code is None


def test_credit_code_unique(world):
    code = credit_code()
    make_entity(world["operator"], credit_code=code)
    with pytest.raises(Conflict) as error:
        services.register_entity(world["operator"], entity_input(credit_code=code))
    assert error.value.field == "credit_code"
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(Entity)) == 1


@pytest.mark.parametrize(("override", "field"), [
    ({"name": " "}, "name"), ({"contact_phone": "12345"}, "contact_phone"), ({"region_code": "130000"}, "region_code"),
    ({"industries": 0}, "industries"), ({"founded_year": 1800}, "founded_year"), ({"type": None}, "type"),
])
def test_invalid_input_refused(world, override, field):
    with pytest.raises(DomainError) as error:
        services.register_entity(world["operator"], entity_input(**override))
    assert field in error.value.errors


def test_only_operators_register(world):
    with pytest.raises(NotAllowed):
        services.register_entity(world["county"], entity_input())


def test_verification_flow(world):
    entity = make_entity(world["operator"])
    for who in ("city", "province", "township", "other_province"):
        assert not services.can_verify(world[who], entity)
    with pytest.raises(NotAllowed):
        services.verify_entity(world["city"], entity, True)
    with pytest.raises(DomainError):
        services.verify_entity(world["county"], entity, False, "")  # a correction needs a note
    services.verify_entity(world["county"], entity, False, "请补充成员名册")
    db.session.commit()
    assert entity.verification_status is VerificationStatus.NEEDS_CORRECTION
    assert entity.verification_note == "请补充成员名册"
    notes = db.session.scalars(select(Notification.title).where(Notification.user_id == world["operator"].id)).all()
    assert any("需要更正" in n for n in notes)
    services.verify_entity(world["county"], entity, True)
    db.session.commit()
    assert entity.is_verified and entity.verified_by_id == world["county"].id
    with pytest.raises(Conflict):  # already verified: no change
        services.verify_entity(world["county"], entity, True)


def test_editing_a_verified_entity_sends_it_back(world):
    entity = make_entity(world["operator"])
    services.verify_entity(world["county"], entity, True)
    db.session.commit()
    changed = services.update_entity(world["operator"], entity, entity_input(name="新名称合作社",
                                                                             credit_code=entity.credit_code))
    assert "name" in changed and entity.verification_status is VerificationStatus.UNVERIFIED
    with pytest.raises(NotAllowed):
        services.update_entity(world["county"], entity, entity_input())


def test_delete_only_without_needs(world):
    from tests.marketplace.needs.helpers import make_need

    entity = make_entity(world["operator"])
    make_need(world["operator"], entity)
    with pytest.raises(Conflict):
        services.delete_entity(world["operator"], entity)
    other = make_entity(world["operator"])
    services.delete_entity(world["operator"], other)
    db.session.commit()
    assert db.session.get(Entity, other.id) is None


def test_scope_and_filters(world, make_user):
    make_entity(world["operator"], type=EntityType.FAMILY_FARM, credit_code="", industries=8)
    far_owner = make_user(Role.OPERATOR, region_code="130602")
    make_entity(far_owner, region_code="130602", credit_code=credit_code(prefix="93130602"))
    county = db.session.scalars(services.entity_query(world["county"], services.EntityFilters())).all()
    assert len(county) == 1
    province = services.entity_query(world["province"], services.EntityFilters())
    assert len(db.session.scalars(province).all()) == 2
    assert db.session.scalars(services.entity_query(world["other_province"], services.EntityFilters())).all() == []
    by_type = services.EntityFilters(type=EntityType.FAMILY_FARM, industry=8, region_code="130100")
    assert len(db.session.scalars(services.entity_query(world["province"], by_type)).all()) == 1
    assert db.session.scalars(services.entity_query(world["province"], services.EntityFilters(
        status=VerificationStatus.VERIFIED))).all() == []
