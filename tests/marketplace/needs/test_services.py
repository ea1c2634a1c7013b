"""Needs: posting, the lifecycle with every illegal move, expiry, candidates and scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.accounts.models import Role
from marketplace.demo.services import demo_id_number
from marketplace.directory import services as directory
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.needs import services
from marketplace.needs.candidates import rank_candidates
from marketplace.needs.models import Need, NeedEvent, NeedStatus, ServiceMode
from marketplace.notifications.models import Notification
from marketplace.timeutil import utcnow
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need, need_input

S = NeedStatus


def test_post_need_defaults_to_entity_place(world):
    need = make_need(world["operator"], publish=False)
    assert need.status is S.DRAFT and need.region_code == need.entity.region_code
    assert need.owner_id == world["operator"].id
    services.transition(need, "publish", world["operator"])
    db.session.commit()
    assert need.status is S.OPEN and need.opened_at is not None
    assert [e.action for e in need.events] == ["create", "publish"]


def test_only_the_entity_owner_posts(world, make_user):
    entity = make_entity(world["operator"])
    with pytest.raises(NotAllowed):
        services.create_need(make_user(Role.OPERATOR, region_code="130123"), entity, need_input())


@pytest.mark.parametrize(("override", "field"), [
    ({"category": 3}, "category"), ({"title": ""}, "title"), ({"description": " "}, "description"),
    ({"region_code": "130000"}, "region_code"), ({"budget": -1}, "budget"),
])
def test_invalid_need_refused(world, override, field):
    entity = make_entity(world["operator"])
    with pytest.raises(DomainError) as error:
        services.create_need(world["operator"], entity, need_input(**override))
    assert field in error.value.errors


def _force(need: Need, status: NeedStatus) -> None:
    db.session.execute(update(Need).where(Need.id == need.id).values(status=status))
    db.session.commit()
    db.session.refresh(need)


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("action", list(services.TRANSITIONS))
def test_transition_table(world, source, action):
    need = make_need(world["operator"], publish=False)
    _force(need, source)
    events = db.session.scalar(select(db.func.count()).select_from(NeedEvent))
    target = services.TRANSITIONS[action].target
    if source in services.TRANSITIONS[action].sources:
        services.transition(need, action, world["operator"])
        db.session.commit()
        assert need.status is target
    else:
        with pytest.raises(Conflict) as error:
            services.transition(need, action, world["operator"])
        assert "不能执行此操作" in error.value.message
        db.session.rollback()
        db.session.refresh(need)
        assert need.status is source  # no change
        assert db.session.scalar(select(db.func.count()).select_from(NeedEvent)) == events


def test_full_lifecycle(world):
    need = make_need(world["operator"])
    for action in ("assign", "start_service", "close"):
        services.transition(need, action, None)
    db.session.commit()
    assert need.status is S.CLOSED
    assert [e.action for e in need.events] == ["create", "publish", "assign", "start_service", "close"]


def test_compare_and_set_makes_one_transition(world):
    need = make_need(world["operator"])
    stale = NeedStatus.OPEN
    services.transition(need, "cancel", world["operator"])
    db.session.commit()
    set_committed_value(need, "status", stale)  # a second request that still saw "open"
    with pytest.raises(Conflict):
        services.transition(need, "cancel", world["operator"])
    db.session.rollback()
    assert db.session.get(Need, need.id).status is S.CANCELLED
    assert db.session.scalar(select(db.func.count()).select_from(NeedEvent).where(
        NeedEvent.action == "cancel")) == 1


def test_update_only_draft_or_open(world):
    need = make_need(world["operator"])
    assert services.update_need(world["operator"], need, need_input(title="新标题")) == ["title"]
    _force(need, S.ASSIGNED)
    with pytest.raises(Conflict):
        services.update_need(world["operator"], need, need_input(title="再改"))
    with pytest.raises(NotAllowed):
        services.update_need(world["county"], need, need_input())


def test_delete_only_drafts(world):
    need = make_need(world["operator"])
    with pytest.raises(Conflict):
        services.delete_need(world["operator"], need)
    draft = make_need(world["operator"], publish=False)
    services.delete_need(world["operator"], draft)
    db.session.commit()
    assert db.session.get(Need, draft.id) is None


def test_expire_open_needs_notifies_owner_and_county(world, app):
    need = make_need(world["operator"])
    fresh = make_need(world["operator"])
    db.session.execute(update(Need).where(Need.id == need.id).values(opened_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    assert services.expire_open_needs(utcnow()) == 1
    db.session.commit()
    assert db.session.get(Need, need.id).status is S.EXPIRED
    assert db.session.get(Need, fresh.id).status is S.OPEN
    for user in (world["operator"], world["county"]):
        titles = db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)).all()
        assert any("已过期" in t for t in titles)
    assert services.expire_open_needs(utcnow()) == 0  # idempotent
    app.config["NEED_OPEN_DAYS"] = 1
    try:
        assert services.expire_open_needs(utcnow() + timedelta(days=2)) == 1
    finally:
        app.config.pop("NEED_OPEN_DAYS")


def test_candidates_rules(world, make_user):
    county = world["county"]
    near = make_counselor(county, name="近的")
    busy = make_counselor(county, name="满额", capacity=1)
    make_counselor(county, name="专长不符", specialties=1)
    suspended = make_counselor(county, name="暂停")
    directory.transition(suspended, "suspend", county, "测试")
    db.session.commit()
    far_official = make_user(region_code="110000")
    make_counselor(far_official, name="外省", region_code="110101", is_remote=True,
                   id_number=demo_id_number("110101", date(1980, 1, 1), 7))
    owner = world["operator"]
    other = make_need(owner, title="别的需求")
    other.assigned_counselor_id = busy.id
    _force(other, S.ASSIGNED)
    need = make_need(owner)
    names = [c.name for c in rank_candidates(need)]
    assert names == ["近的"]  # at capacity, wrong specialty, suspended and out-of-province never appear
    [first] = rank_candidates(need)
    assert first.reasons[0] == "专长匹配：财务会计" and "同乡镇" in first.reasons and "在办 0/5" in first.reasons
    assert first.id == near.id
    remote = make_need(owner, mode=ServiceMode.REMOTE)
    assert sorted(c.name for c in rank_candidates(remote)) == ["外省", "近的"]
    assert rank_candidates(need, "center") == [] or all(c.kind == "center" for c in rank_candidates(need, "center"))


def test_scope(world, make_user):
    need = make_need(world["operator"])
    for who in ("national", "province", "city", "county", "operator"):
        assert db.session.scalars(services.need_query(world[who], services.NeedFilters())).all() == [need]
    for who in ("other_province", "counselor", "center_staff"):
        assert db.session.scalars(services.need_query(world[who], services.NeedFilters())).all() == []
    assert db.session.scalars(services.need_query(world["county"], services.NeedFilters(
        status=S.DRAFT))).all() == []
    assert db.session.scalars(services.need_query(world["county"], services.NeedFilters(
        category=4, region_code="130123100"))).all() == [need]
