"""Invitations: inviting, accepting (capacity re-checked), declining and timeouts passing the need on,
the history that stays with the need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.accounts.models import Role
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.needs import invitations, services
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedStatus
from marketplace.notifications.models import Notification
from marketplace.timeutil import utcnow
from tests.marketplace.needs.helpers import make_counselor, make_need

I = InvitationStatus  # noqa: E741


@pytest.fixture
def setup(world, make_user):
    """A need in 正定镇 and three counselors: best (same township, industry), second (same township), third
    (same county); each with a login."""
    users = [world["counselor"], make_user(Role.COUNSELOR, region_code="130123", department_region="130123"),
             make_user(Role.COUNSELOR, region_code="130123", department_region="130123")]
    best = make_counselor(world["county"], users[0], name="刘桂芳", industries=1)
    second = make_counselor(world["county"], users[1], name="陈志明", industries=2)
    third = make_counselor(world["county"], users[2], name="杨秀英", industries=2, region_code="130123")
    need = make_need(world["operator"])
    return {"need": need, "counselors": [best, second, third], "users": users}


def titles(user) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)))


def test_invite_and_accept(world, setup):
    need, (best, *_rest), users = setup["need"], setup["counselors"], setup["users"]
    invitation = invitations.invite(world["operator"], need, "counselor", best.id)
    db.session.commit()
    assert invitation.status is I.PENDING and invitation.candidate_name == "刘桂芳"
    assert invitation.due_at - invitation.created_at == timedelta(hours=72)
    assert "专长匹配：财务会计" in invitation.match_reasons
    assert any("新的服务邀请" in t for t in titles(users[0]))
    invitations.answer(users[0], invitation, True, "可以")
    db.session.commit()
    assert invitation.status is I.ACCEPTED and invitation.answered_at is not None
    assert need.status is NeedStatus.ASSIGNED and need.assigned_counselor_id == best.id
    assert any("接受了" in t for t in titles(world["operator"]))


def test_accepting_withdraws_other_pending(world, setup):
    need, (best, second, _third), users = setup["need"], setup["counselors"], setup["users"]
    first = invitations.invite(world["operator"], need, "counselor", best.id)
    other = invitations.invite(world["operator"], need, "counselor", second.id)
    invitations.answer(users[1], other, True)
    db.session.commit()
    assert first.status is I.WITHDRAWN
    with pytest.raises(Conflict):  # answered already: clear error, no change
        invitations.answer(users[0], first, True)


def test_invite_refusals(world, setup, make_user):
    need, (best, *_rest) = setup["need"], setup["counselors"]
    with pytest.raises(NotAllowed):
        invitations.invite(world["county"], need, "counselor", best.id)
    invitations.invite(world["operator"], need, "counselor", best.id)
    with pytest.raises(Conflict, match="已邀请过"):
        invitations.invite(world["operator"], need, "counselor", best.id)
    draft = make_need(world["operator"], publish=False)
    with pytest.raises(Conflict, match="请先发布"):
        invitations.invite(world["operator"], draft, "counselor", best.id)
    wrong = make_counselor(world["county"], name="专长不符", specialties=1)
    with pytest.raises(DomainError, match="不符合"):
        invitations.invite(world["operator"], need, "counselor", wrong.id)


def test_capacity_respected_at_invite_and_at_accept(world, setup):
    need, (best, *_rest), users = setup["need"], setup["counselors"], setup["users"]
    best.capacity = 1
    db.session.commit()
    invitation = invitations.invite(world["operator"], need, "counselor", best.id)
    db.session.commit()
    # meanwhile the counselor took another need and is full
    other = make_need(world["operator"], title="另一个")
    db.session.execute(update(Need).where(Need.id == other.id).values(status=NeedStatus.ASSIGNED,
                                                                       assigned_counselor_id=best.id))
    db.session.commit()
    with pytest.raises(Conflict, match="已满"):
        invitations.answer(users[0], invitation, True)
    db.session.rollback()
    assert db.session.get(Invitation, invitation.id).status is I.PENDING
    assert db.session.get(Need, need.id).status is NeedStatus.OPEN
    third_need = make_need(world["operator"], title="第三个")
    with pytest.raises(Conflict, match="已满"):
        invitations.invite(world["operator"], third_need, "counselor", best.id)


def test_decline_needs_reason_and_passes_on(world, setup):
    need, (best, second, _third), users = setup["need"], setup["counselors"], setup["users"]
    invitation = invitations.invite(world["operator"], need, "counselor", best.id)
    with pytest.raises(DomainError, match="原因"):
        invitations.answer(users[0], invitation, False, "")
    with pytest.raises(NotAllowed):
        invitations.answer(users[1], invitation, True)
    invitations.answer(users[0], invitation, False, "近期外出")
    db.session.commit()
    assert invitation.status is I.DECLINED and invitation.reason == "近期外出"
    passed = db.session.scalars(select(Invitation).where(Invitation.need_id == need.id,
                                                         Invitation.status == I.PENDING)).all()
    assert [p.counselor_id for p in passed] == [second.id] and passed[0].invited_by_id is None
    assert any("自动转给" in t for t in titles(world["operator"]))
    assert any("新的服务邀请" in t for t in titles(users[1]))


def test_concurrent_answers_make_one_transition(world, setup):
    need, (best, *_rest), users = setup["need"], setup["counselors"], setup["users"]
    invitation = invitations.invite(world["operator"], need, "counselor", best.id)
    invitations.answer(users[0], invitation, True)
    db.session.commit()
    set_committed_value(invitation, "status", I.PENDING)  # the second click still saw "pending"
    set_committed_value(need, "status", NeedStatus.OPEN)
    with pytest.raises(Conflict):
        invitations.answer(users[0], invitation, True)
    db.session.rollback()
    assert db.session.get(Need, need.id).status is NeedStatus.ASSIGNED


def test_timeout_passes_on_and_history_stays(world, setup):
    need, (best, second, third), users = setup["need"], setup["counselors"], setup["users"]
    invitations.invite(world["operator"], need, "counselor", best.id)
    db.session.commit()
    assert invitations.expire_overdue(utcnow() + timedelta(hours=71)) == 0
    assert invitations.expire_overdue(utcnow() + timedelta(hours=73)) == 1
    db.session.commit()
    rows = db.session.scalars(select(Invitation).where(Invitation.need_id == need.id).order_by(Invitation.id)).all()
    assert [(r.counselor_id, r.status) for r in rows] == [(best.id, I.EXPIRED), (second.id, I.PENDING)]
    assert any("超时" in t for t in titles(users[0]))
    # the second times out too, then the third; after that nobody is left
    invitations.expire_overdue(utcnow() + timedelta(hours=200))
    invitations.expire_overdue(utcnow() + timedelta(hours=300))
    db.session.commit()
    rows = db.session.scalars(select(Invitation).where(Invitation.need_id == need.id).order_by(Invitation.id)).all()
    assert [r.counselor_id for r in rows] == [best.id, second.id, third.id]
    assert all(r.status is I.EXPIRED for r in rows)
    assert any("暂无其他候选人" in t for t in titles(world["operator"]))
    history = services.load_history(need)
    assert [kind for _at, kind, _row in history].count("invitation") == 3


def test_cancelling_withdraws_pending(world, setup):
    need, (best, *_rest), users = setup["need"], setup["counselors"], setup["users"]
    invitation = invitations.invite(world["operator"], need, "counselor", best.id)
    services.transition(need, "cancel", world["operator"], "不需要了")
    db.session.commit()
    assert invitation.status is I.WITHDRAWN
    assert any("邀请已结束" in t for t in titles(users[0]))


def test_inbox_and_visibility(world, setup):
    need, (best, *_rest), users = setup["need"], setup["counselors"], setup["users"]
    invitations.invite(world["operator"], need, "counselor", best.id)
    db.session.commit()
    assert [i.need_id for i in invitations.inbox(users[0])] == [need.id]
    assert invitations.inbox(users[1]) == []
    assert services.visible_need(need.id, users[0]) is need
    # not invited, but the open need is recommended to the second counselor (same specialty and county) ...
    assert services.visible_need(need.id, users[1]) is need
    # ... and no longer once it is out of their specialty
    setup["counselors"][1].specialties = 1
    db.session.commit()
    with pytest.raises(Exception) as error:
        services.visible_need(need.id, users[1])
    assert getattr(error.value, "code", None) == 404


def test_inbox_lists_pending_first_then_the_newest_answers(world, setup):
    from tests.marketplace.needs.helpers import make_need

    users, best = setup["users"], setup["counselors"][0]
    first, second, third = setup["need"], make_need(world["operator"], title="第二个需求"), \
        make_need(world["operator"], title="第三个需求")
    answered_old = invitations.invite(world["operator"], first, "counselor", best.id)
    answered_new = invitations.invite(world["operator"], second, "counselor", best.id)
    pending = invitations.invite(world["operator"], third, "counselor", best.id)
    invitations.answer(users[0], answered_old, False, "时间冲突")
    invitations.answer(users[0], answered_new, False, "时间冲突")
    db.session.commit()
    assert [i.id for i in invitations.inbox(users[0])] == [pending.id, answered_new.id, answered_old.id]
