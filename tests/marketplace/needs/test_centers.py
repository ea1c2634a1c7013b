"""Filed service centers as candidates: ranked with counselors, invited, answered by the center's staff."""

from __future__ import annotations

from marketplace.centers import models as centers
from marketplace.extensions import db
from marketplace.needs import invitations, services
from marketplace.needs.candidates import rank_candidates
from marketplace.needs.models import InvitationStatus, NeedStatus
from tests.marketplace.needs.helpers import credit_code, make_counselor, make_need


def make_center(owner, status="filed", categories=4, region_code="130123", name="正定县服务中心"):
    center = centers.ServiceCenter(
        name=name, operator_type=centers.OperatorType.FEDERATION, operator_name="正定县合作社联合社",
        operator_credit_code=credit_code(), setup_mode=centers.SetupMode.NEW,
        establishment=centers.Establishment.FILING, address="正定县", region_code=region_code,
        categories=categories, status=centers.CenterStatus(status), owner_id=owner.id)
    db.session.add(center)
    db.session.commit()
    return center


def test_only_filed_centers_with_the_category(world):
    filed = make_center(world["center_staff"])
    make_center(world["center_staff"], status="submitted", name="待审核中心")
    make_center(world["center_staff"], categories=1, name="专长不符中心")
    make_counselor(world["county"], world["counselor"], name="刘桂芳")
    need = make_need(world["operator"])
    assert [(c.kind, c.name) for c in rank_candidates(need, "center")] == [("center", filed.name)]
    both = rank_candidates(need, "all")
    assert {c.kind for c in both} == {"counselor", "center"}
    center = next(c for c in both if c.kind == "center")
    assert center.reasons[:2] == ["专长匹配：财务会计", "同县"]


def test_center_invitation_answered_by_staff(world):
    center = make_center(world["center_staff"])
    need = make_need(world["operator"])
    invitation = invitations.invite(world["operator"], need, "center", center.id)
    db.session.commit()
    assert [i.id for i in invitations.inbox(world["center_staff"])] == [invitation.id]
    invitations.answer(world["center_staff"], invitation, True)
    db.session.commit()
    assert invitation.status is InvitationStatus.ACCEPTED
    assert need.status is NeedStatus.ASSIGNED and need.assigned_center_id == center.id


def test_the_invited_centers_staff_can_open_the_need(world, client, login, make_user):
    from marketplace.accounts.models import Role

    center = make_center(world["center_staff"])
    need = make_need(world["operator"], title="合作社财务规范化")
    invitations.invite(world["operator"], need, "center", center.id)
    db.session.commit()
    login(world["center_staff"])
    page = client.get(f"/needs/{need.id}")
    assert page.status_code == 200 and "合作社财务规范化" in page.get_data(as_text=True)
    other_staff = make_user(Role.CENTER_STAFF, region_code="130123")
    client.post("/auth/logout")
    login(other_staff)
    services.transition(need, "cancel", world["operator"], "不需要了")  # no longer open: not recommended either
    db.session.commit()
    assert client.get(f"/needs/{need.id}").status_code == 404
