"""The database side of matching: records from rows, exclusions checked live, reasons from outcomes, the
match log, and the model recorded on invitations."""

from __future__ import annotations

from marketplace.agreements.models import Agreement, AgreementStatus, ProviderKind
from marketplace.directory.models import CounselorStatus
from marketplace.evaluation.models import CounselorEvaluation, EvaluationKind, Grade
from marketplace.extensions import db
from marketplace.needs import invitations
from marketplace.needs.candidates import check_candidate, rank_candidates
from marketplace.needs.models import NeedStatus
from marketplace.ranking import records
from marketplace.ranking.models import MatchLog
from matching.features import FEATURES
from tests.marketplace.needs.helpers import make_counselor, make_need


def test_ranked_with_reasons_and_model(world):
    make_counselor(world["county"], name="刘桂芳")
    need = make_need(world["operator"])
    [first] = rank_candidates(need, "counselor")
    assert first.name == "刘桂芳" and (first.model, first.version) == ("cold-start", "3")
    assert first.reasons[:3] == ["专长匹配：财务会计", "产业匹配：粮油作物", "同乡镇"]
    assert "在办 0/5" in first.reasons


def test_suspended_and_full_counselors_never_appear(world):
    suspended = make_counselor(world["county"], name="暂停的")
    full = make_counselor(world["county"], name="满员的", capacity=1)
    make_counselor(world["county"], name="可以的")
    busy = make_need(world["operator"])
    busy.status, busy.assigned_counselor_id = NeedStatus.ASSIGNED, full.id
    suspended.status = CounselorStatus.SUSPENDED
    db.session.commit()
    need = make_need(world["operator"])
    assert [c.name for c in rank_candidates(need, "all")] == ["可以的"]
    assert check_candidate(need, "counselor", suspended.id) is None
    assert check_candidate(need, "counselor", full.id) is None


def test_live_filter_catches_what_the_cache_missed(world):
    counselor = make_counselor(world["county"])
    pairs = [("counselor", counselor.id)]
    assert records.live_filter(pairs) == set(pairs)
    counselor.status = CounselorStatus.SUSPENDED
    db.session.commit()
    assert records.live_filter(pairs) == set()


def test_outcomes_show_in_reasons(world):
    counselor = make_counselor(world["county"], name="刘桂芳")
    served = make_need(world["operator"])
    db.session.add(Agreement(number="130123-2026-000001", title="建账", need_id=served.id, entity_id=served.entity_id,
                             provider_kind=ProviderKind.COUNSELOR, counselor_id=counselor.id,
                             region_code=served.region_code, owner_id=served.owner_id,
                             status=AgreementStatus.ACCEPTED, entity_name="合作社", provider_name="刘桂芳",
                             satisfaction=5))
    db.session.add(CounselorEvaluation(year=2025, kind=EvaluationKind.ANNUAL, computed_grade=Grade.EXCELLENT,
                                       counselor_id=counselor.id, department_region_code="130123"))
    db.session.commit()
    [first] = rank_candidates(make_need(world["operator"]), "counselor")
    assert "满意度 5.0（1 次）" in first.reasons and "最近评价：优秀" in first.reasons


def test_grades_tolerate_no_evaluations(world):
    assert records.latest_grades() == {}


def test_the_operators_view_is_logged_once(world, client, login):
    make_counselor(world["county"])
    need = make_need(world["operator"])
    login(world["operator"])
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "专长匹配：财务会计" in page
    client.get(f"/needs/{need.id}")
    [entry] = db.session.query(MatchLog).all()
    assert entry.need_id == need.id and (entry.model_name, entry.model_version) == ("cold-start", "3")
    kind, _id, rank, score, features, explored = entry.items[0]
    assert (kind, rank) == ("counselor", 1) and len(features) == len(FEATURES) and score > 0
    assert explored is False  # MATCHING_EXPLORE is 0 by default: no randomized slot


def test_an_officials_look_is_not_logged(world, client, login):
    make_counselor(world["county"])
    need = make_need(world["operator"])
    login(world["county"])
    assert "专长匹配：财务会计" in client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert db.session.query(MatchLog).count() == 0


def test_api_matches_report_the_model(world, client, api_token):
    make_counselor(world["county"])
    need = make_need(world["operator"])
    body = client.get(f"/api/v1/needs/{need.id}/matches?kind=all&limit=5",
                      headers=api_token(world["operator"])).get_json()
    assert (body["ranker"], body["ranker_version"]) == ("cold-start", "3")
    assert body["items"][0]["reasons"][0] == "专长匹配：财务会计"
    assert db.session.query(MatchLog).count() == 1


def test_invitation_records_the_model(world):
    counselor = make_counselor(world["county"])
    need = make_need(world["operator"])
    invitation = invitations.invite(world["operator"], need, "counselor", counselor.id)
    assert invitation.match_model == "cold-start/3" and invitation.match_reasons.startswith("专长匹配")


def test_the_pool_cache_serves_a_stale_pool_while_one_thread_rebuilds(app, world, monkeypatch):
    import time

    monkeypatch.setitem(app.config, "TESTING", False)
    monkeypatch.setitem(app.config, "MATCHING_POOL_TTL", 1000)
    records.invalidate()
    try:
        make_counselor(world["county"])
        first = records.candidate_pool()
        assert records.candidate_pool() is first and first.size == 1
        key = app.config["SQLALCHEMY_DATABASE_URI"]
        records._cache[key] = (time.monotonic() - 2000, first)  # expired
        make_counselor(world["county"])
        assert records.candidate_pool() is first  # served stale, rebuilt in the background
        deadline = time.monotonic() + 20
        while records._cache[key][1] is first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert records.candidate_pool().size == 2
    finally:
        records.invalidate()
