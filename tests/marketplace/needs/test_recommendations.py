"""Needs recommended to counselors and center staff in the inbox ("为您推荐的需求"): eligibility by the
ranker's rules, exclusions, order, reasons, constant queries, and viewing a recommended need."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from marketplace.accounts.models import Role
from marketplace.directory.models import Counselor, CounselorStatus
from marketplace.extensions import db
from marketplace.needs import invitations, recommendations
from marketplace.needs.models import Need, NeedStatus, ServiceMode, Urgency
from tests.conftest import text_of
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need


@pytest.fixture
def counselor(world):
    """刘桂芳 in 正定镇: finance and marketing, grain; signed in as world["counselor"]."""
    return make_counselor(world["county"], world["counselor"], name="刘桂芳")


def titles(user) -> list[str]:
    return [r.need.title for r in recommendations.recommend(user)[1]]


def test_open_needs_matching_the_counselor_with_reasons(client, login, world, counselor):
    make_need(world["operator"], title="建立合作社财务账簿", urgency=Urgency.URGENT)
    make_need(world["operator"], title="合作社组织建设辅导", category=1)  # not the counselor's specialty
    make_need(world["operator"], title="草稿中的需求", publish=False)
    closed = make_need(world["operator"], title="已关闭的需求")
    db.session.execute(update(Need).where(Need.id == closed.id).values(status=NeedStatus.CLOSED))
    db.session.commit()
    assert titles(world["counselor"]) == ["建立合作社财务账簿"]
    login(world["counselor"])
    page = text_of(client.get("/needs/inbox"))
    assert "为您推荐的需求" in page and "建立合作社财务账簿" in page and "紧急" in page
    assert "专长匹配：财务会计" in page and "同乡镇" in page
    assert "农民专业合作社" in page and "正定" in page and "在 1 位候选中排第 1" in page
    assert "匹配度" not in page and any(v in page for v in ("很合适", "合适", "可以考虑"))  # a verdict, no score
    assert "合作社组织建设辅导" not in page and "草稿中的需求" not in page and "已关闭的需求" not in page


def test_other_province_left_out_unless_remote(world, make_user, counselor):
    beijing = make_user(Role.OPERATOR, region_code="110101")
    entity = make_entity(beijing, region_code="110101001")
    make_need(beijing, entity, title="北京的现场需求")
    make_need(beijing, entity, title="北京的远程需求", mode=ServiceMode.REMOTE)
    assert titles(world["counselor"]) == []
    counselor.is_remote = True
    db.session.commit()
    assert titles(world["counselor"]) == ["北京的远程需求"]


def test_at_capacity_sees_a_note_and_nothing(client, login, world, counselor):
    make_need(world["operator"], title="建立合作社财务账簿")
    busy = make_need(world["operator"], title="在办的需求")
    db.session.execute(update(Need).where(Need.id == busy.id).values(status=NeedStatus.ASSIGNED,
                                                                    assigned_counselor_id=counselor.id))
    counselor.capacity = 1
    db.session.commit()
    assert titles(world["counselor"]) == []
    login(world["counselor"])
    page = text_of(client.get("/needs/inbox"))
    assert "在办数量已满（1/1），暂不为您推荐新的需求" in page and "建立合作社财务账簿" not in page


def test_suspended_counselor_gets_none(client, login, world, counselor):
    make_need(world["operator"], title="建立合作社财务账簿")
    db.session.execute(update(Counselor).where(Counselor.id == counselor.id).values(
        status=CounselorStatus.SUSPENDED))
    db.session.commit()
    assert titles(world["counselor"]) == []
    login(world["counselor"])
    assert "您当前不在聘任状态，暂不推荐需求" in text_of(client.get("/needs/inbox"))


def test_already_invited_and_barred_left_out(world, counselor, monkeypatch):
    invited = make_need(world["operator"], title="已邀请的需求")
    barred = make_need(world["operator"], title="违约终止过的需求")
    make_need(world["operator"], title="新的需求")
    invitations.invite(world["operator"], invited, "counselor", counselor.id)
    db.session.commit()
    real = recommendations.barred_for
    monkeypatch.setattr(recommendations, "barred_for", lambda ids: {
        **real(ids), barred.id: {("counselor", counselor.id)}})
    assert titles(world["counselor"]) == ["新的需求"]


def test_ordered_by_score(world, counselor):
    make_need(world["operator"], title="其他产业的需求", industry=2)
    make_need(world["operator"], title="同产业的需求", industry=1)
    shown = recommendations.recommend(world["counselor"])[1]
    assert [r.need.title for r in shown] == ["同产业的需求", "其他产业的需求"]
    assert shown[0].score > shown[1].score and "产业匹配：粮油作物" in shown[0].reasons


def test_capped(world, counselor, monkeypatch):
    monkeypatch.setattr(recommendations, "SHOWN", 2)
    for n in range(3):
        make_need(world["operator"], title=f"需求{n}")
    assert len(recommendations.recommend(world["counselor"], limit=2)[1]) == 2


def test_query_count_constant(client, login, world, counselor, query_counter):
    for n in range(2):
        make_need(world["operator"], title=f"需求{n}")
    login(world["counselor"])
    with query_counter() as few:
        assert client.get("/needs/inbox").status_code == 200
    for n in range(8):
        make_need(world["operator"], title=f"更多需求{n}", industry=2 if n % 2 else 1)
    with query_counter() as many:
        assert client.get("/needs/inbox").status_code == 200
    assert len(many) == len(few)


def test_center_staff_sees_needs_for_filed_centers(client, login, world):
    from tests.marketplace.needs.test_centers import make_center

    make_center(world["center_staff"], name="正定县服务中心")
    make_center(world["center_staff"], status="submitted", name="待审核中心")
    need = make_need(world["operator"], title="建立合作社财务账簿")
    shown = recommendations.recommend(world["center_staff"])[1]
    assert [(r.provider.name, r.need.title) for r in shown] == [("正定县服务中心", "建立合作社财务账簿")]
    login(world["center_staff"])
    assert "建立合作社财务账簿" in text_of(client.get("/needs/inbox"))
    assert client.get(f"/needs/{need.id}").status_code == 200


def test_counselor_may_view_a_recommended_need_only(client, login, world, counselor):
    need = make_need(world["operator"], title="建立合作社财务账簿")
    other = make_need(world["operator"], title="合作社组织建设辅导", category=1)
    login(world["counselor"])
    response = client.get(f"/needs/{need.id}")
    page = text_of(response)
    assert response.status_code == 200 and "建立合作社财务账簿" in page
    assert "此需求根据您的专长和服务区域推荐给您" in page and "对接记录" not in page
    assert "推荐候选人" not in page and "13931100001" not in page
    assert client.get(f"/needs/{other.id}").status_code == 404
    db.session.execute(update(Need).where(Need.id == need.id).values(status=NeedStatus.CLOSED))
    db.session.commit()
    assert client.get(f"/needs/{need.id}").status_code == 404


def test_express_interest_notifies_the_operator_once(client, login, world, counselor):
    from sqlalchemy import select

    from marketplace.audit.models import AuditEntry
    from marketplace.notifications.models import Notification

    need = make_need(world["operator"], title="建立合作社财务账簿")
    login(world["counselor"])
    assert "表达承接意向" in text_of(client.get(f"/needs/{need.id}"))
    page = text_of(client.post(f"/needs/{need.id}/interest", follow_redirects=True))
    assert "已告知主体您有意承接此需求" in page and "您已表达承接意向，请等待主体邀请" in page
    note = db.session.scalars(select(Notification).where(Notification.user_id == world["operator"].id)).one()
    assert note.title == "辅导员 刘桂芳 有意承接您的需求“建立合作社财务账簿”"
    assert "专长匹配：财务会计" in note.body and note.link == f"/needs/{need.id}"
    assert note.body.startswith("推荐程度：") and "匹配度" not in note.body  # a verdict, not the ranker's score
    page = text_of(client.post(f"/needs/{need.id}/interest", follow_redirects=True))
    assert "您已表达过承接意向，请等待主体邀请" in page
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "need.interest")) == \
        "need.interest"
    assert len(db.session.scalars(select(Notification).where(
        Notification.user_id == world["operator"].id)).all()) == 1


def test_express_interest_refused_when_not_recommended(client, login, world, counselor):
    from sqlalchemy import select

    from marketplace.notifications.models import Notification

    need = make_need(world["operator"], title="建立合作社财务账簿")
    invitations.invite(world["operator"], need, "counselor", counselor.id)
    db.session.commit()
    login(world["counselor"])
    page = text_of(client.post(f"/needs/{need.id}/interest", follow_redirects=True))
    assert "此需求当前未推荐给您，不能表达承接意向" in page
    assert not db.session.scalars(select(Notification).where(Notification.title.contains("有意承接"))).all()
    other = make_need(world["operator"], title="组织建设", category=1)
    assert client.post(f"/needs/{other.id}/interest").status_code == 404


def test_recommendations_over_the_api(client, world, counselor, api_token):
    need = make_need(world["operator"], title="建立合作社财务账簿")
    response = client.get("/api/v1/needs/recommended", headers=api_token(world["counselor"]))
    assert response.status_code == 200
    body = response.get_json()
    assert body["providers"] == [{"kind": "counselor", "id": counselor.id, "name": "刘桂芳", "is_active": True,
                                  "at_capacity": False, "open_count": 0, "capacity": counselor.capacity}]
    [item] = body["items"]
    assert item["need"]["id"] == need.id and item["need"]["title"] == "建立合作社财务账簿"
    assert (item["rank"], item["of"]) == (1, 1) and "专长匹配：财务会计" in item["reasons"]
    refused = client.get("/api/v1/needs/recommended", headers=api_token(world["operator"]))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "只有辅导员和服务中心可以查看推荐的需求"
