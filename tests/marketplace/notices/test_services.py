"""The notice rules: who a notice reaches (the publishing region and below, the kinds addressed, not the
publisher's own department, never another county), the batched and idempotent fan-out through the outbox, read
receipts and their counts per region and kind, the transition table, and validation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import ACTION_LABELS, OBJECT_LABELS
from marketplace.errors import Conflict, DomainError, NotAllowed
from marketplace.extensions import db
from marketplace.notices import services
from marketplace.notices.models import Notice, NoticeReceipt, NoticeState, RecipientKind
from marketplace.notifications.models import Notification
from marketplace.outbox.models import OutboxMessage
from tests.marketplace.notices.conftest import notice_input, write


def _reached(notice) -> set[int]:
    return set(db.session.scalars(select(NoticeReceipt.user_id).where(NoticeReceipt.notice_id == notice.id)))


def test_a_county_notice_reaches_its_own_county_only(world, make_user):
    other_county_operator = make_user(Role.OPERATOR, region_code="130125")  # 行唐县
    notice = write(world["county"])
    reached = _reached(notice)
    assert reached == {world[k].id for k in ("township", "counselor", "operator", "center_staff")}
    assert other_county_operator.id not in reached and world["county"].id not in reached
    assert notice.fanout_done_at is not None
    inbox = db.session.scalars(select(Notification).where(Notification.user_id == world["operator"].id)).one()
    assert inbox.title == "通知公告：关于开展2025年度辅导员信息更新的通知" and inbox.link == f"/notices/{notice.id}"


def test_only_the_kinds_addressed_and_enabled_accounts(world, make_user):
    disabled = make_user(Role.COUNSELOR, region_code="130123", department_region="130123", is_enabled=False)
    notice = write(world["province"], kinds=[RecipientKind.COUNSELOR, RecipientKind.OFFICIAL])
    assert _reached(notice) == {world[k].id for k in ("city", "county", "township", "counselor")}
    assert disabled.id not in _reached(notice)


def test_fan_out_runs_in_batches_through_the_outbox_and_is_idempotent(world, make_user, monkeypatch):
    for _ in range(5):
        make_user(Role.OPERATOR, region_code="130123100")
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    monkeypatch.setattr(services.fan_out_batch, "__defaults__", (0, 2))
    notice = write(world["county"], kinds=[RecipientKind.OPERATOR])
    messages = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task_name == services.FANOUT_TASK)
                                  .order_by(OutboxMessage.id)).all()
    assert len(messages) == 4  # 6 operators by twos: after 0, then three more batches (the last one empty)
    assert [m.args[0] for m in messages] == [notice.id] * 4
    assert len(_reached(notice)) == 6
    # Running a batch again (a redelivered message) writes nothing new.
    assert services.fan_out_batch(notice, 0, 2) == 0
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.link == f"/notices/{notice.id}")) == 6


def test_a_draft_and_a_withdrawn_notice_reach_no_one_more(world):
    draft = write(world["county"], publish=False)
    assert _reached(draft) == set()
    notice = write(world["county"])
    services.transition(notice, "withdraw", world["county"], "内容有误")
    db.session.commit()
    assert notice.state is NoticeState.WITHDRAWN and services.fan_out_batch(notice, 0) == 0


def test_opening_marks_read_and_counts_per_region_and_kind(world, make_user):
    xingtang_official = make_user(region_code="130125")
    notice = write(world["city"], kinds=[RecipientKind.OFFICIAL, RecipientKind.OPERATOR])
    assert services.open_notice(world["operator"], notice) is True
    assert services.open_notice(world["operator"], notice) is False  # once
    db.session.commit()
    inbox = db.session.scalars(select(Notification).where(Notification.user_id == world["operator"].id)).one()
    assert inbox.is_read
    result = services.counts(notice)
    assert (result["overall"].read, result["overall"].total) == (1, 4)  # county, township, operator, 行唐县
    rows = {r.region.code: (r.read, r.total) for r in result["rows"]}
    assert rows == {"130123": (1, 3), "130125": (0, 1)}
    assert dict((k, (r.read, r.total)) for k, r in result["kinds"]) == {
        RecipientKind.OFFICIAL: (0, 3), RecipientKind.OPERATOR: (1, 1)}
    below = services.counts(notice, "130123")
    assert {(r.region.code if r.region else None): r.total for r in below["rows"]} == {None: 1, "130123100": 2}
    assert xingtang_official.id in _reached(notice)


def test_the_transition_table_and_who_may_move(world):
    notice = write(world["county"], publish=False)
    assert [a["action"] for a in services.actions_for(world["county"], notice)] == ["publish"]
    assert services.actions_for(world["city"], notice) == []
    with pytest.raises(NotAllowed):
        services.transition(notice, "publish", world["city"])
    with pytest.raises(Conflict):
        services.transition(notice, "withdraw", world["county"], "x")
    services.transition(notice, "publish", world["county"])
    assert [a["action"] for a in services.actions_for(world["county"], notice)] == ["withdraw"]
    with pytest.raises(DomainError, match="请填写原因"):
        services.transition(notice, "withdraw", world["county"], " ")
    db.session.commit()
    actions = set(db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "notices")))
    assert actions == {"notice.create", "notice.publish"}
    assert all(a in ACTION_LABELS for a in actions) and "notices" in OBJECT_LABELS


def test_validation_and_roles(world):
    with pytest.raises(DomainError) as error:
        services.create_notice(world["county"], notice_input(title=" ", body="", kinds=[]))
    assert set(error.value.errors) == {"title", "body", "kinds"}
    with pytest.raises(NotAllowed):
        services.create_notice(world["counselor"], notice_input())
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_who_sees_which_notice(world, make_user):
    draft = write(world["county"], publish=False)
    notice = write(world["county"])
    province_notice = write(world["province"], kinds=[RecipientKind.COUNSELOR])
    visible = {k: {n.id for n in db.session.scalars(services.visible_notices(world[k]))} for k in world}
    assert visible["county"] == {draft.id, notice.id}  # its own draft; the province's went to counselors only
    assert draft.id not in visible["city"] and notice.id in visible["city"]
    assert visible["counselor"] == {notice.id, province_notice.id}
    assert visible["operator"] == {notice.id}
    assert visible["other_province"] == set()
    assert services.can_see_counts(world["city"], notice) and not services.can_see_counts(world["township"], notice)
