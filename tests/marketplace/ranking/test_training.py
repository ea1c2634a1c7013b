"""Training from the recorded outcomes: query groups rebuilt as at publication, labels from every path, the
promotion rule and its report, the registry, serving the promoted model, the task and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update

from marketplace.agreements.models import Agreement, AgreementStatus, ProviderKind
from marketplace.audit.models import AuditEntry
from marketplace.directory.models import Counselor, CounselorEvent, CounselorStatus
from marketplace.extensions import db
from marketplace.needs.candidates import rank_candidates
from marketplace.needs.models import Invitation, InvitationKind, InvitationStatus, Need, NeedEvent, NeedStatus
from marketplace.ranking import history as hist
from marketplace.ranking import services
from marketplace.ranking.models import MatchLog, ModelVersion
from marketplace.timeutil import utcnow
from matching.features import FEATURES
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need

SAT = FEATURES.index("satisfaction")
FREE = FEATURES.index("free_capacity")


def backdate(counselor: Counselor, when) -> None:
    """The counselor (and its appointment) as recorded `when`, as if it had been on the platform since."""
    db.session.execute(update(Counselor).where(Counselor.id == counselor.id).values(created_at=when))
    db.session.execute(update(CounselorEvent).where(CounselorEvent.counselor_id == counselor.id)
                       .values(created_at=when))


def publish_at(need: Need, when) -> None:
    db.session.execute(update(Need).where(Need.id == need.id).values(opened_at=when))


def invite(need, counselor, status, at, by=None, **kw):
    row = Invitation(need_id=need.id, kind=InvitationKind.COUNSELOR, counselor_id=counselor.id, candidate_name="x",
                     region_code=need.region_code, owner_id=need.owner_id, invited_by_id=by, status=status,
                     created_at=at, answered_at=at + timedelta(hours=2), due_at=at + timedelta(days=3), **kw)
    db.session.add(row)
    return row


def shown(need, counselors, at, rows=None):
    rows = rows if rows is not None else [[0.5] * len(FEATURES) for _ in counselors]
    db.session.add(MatchLog(need_id=need.id, kind="all", model_name="cold-start", model_version="2",
                            created_at=at, items=[["counselor", c.id, i + 1, 0.5, list(rows[i]), False]
                                                  for i, c in enumerate(counselors)]))


@pytest.fixture
def history(world, app, tmp_path):
    """100 needs, each shown with 4 counselors; the one the operator invited and who accepted is the one
    with low satisfaction and high free capacity (a pattern the cold-start weights contradict)."""
    app.config["MATCHING_MODEL_DIR"] = str(tmp_path / "models")
    app.config["MATCHING_MIN_HELD_OUT"] = 5
    app.config["MATCHING_MIN_TRAIN_NEEDS"] = 50
    services._loaded.clear()
    start = utcnow() - timedelta(days=90)
    counselors = [make_counselor(world["county"], name=f"辅导员{i}") for i in range(4)]
    for c in counselors:
        backdate(c, start - timedelta(days=1))
    entity = make_entity(world["operator"])
    rng = np.random.default_rng(0)
    for q in range(100):
        need = make_need(world["operator"], entity=entity)
        rows = rng.random((4, len(FEATURES)))
        best = int(np.argmax(3 * rows[:, FREE] - rows[:, SAT]))
        at = start + timedelta(days=q)
        publish_at(need, at)
        shown(need, counselors, at + timedelta(minutes=5), rows)
        invite(need, counselors[best], InvitationStatus.ACCEPTED, at + timedelta(hours=1), by=world["operator"].id)
    db.session.commit()
    return counselors


def test_groups_are_rebuilt_with_the_candidates_eligible_at_publication(world):
    """A counselor appointed after the need was published, or suspended at the time, is not in its group;
    one appointed before is, with the record it had then (a rating given later does not count)."""
    then = utcnow() - timedelta(days=10)
    before, later, suspended = (make_counselor(world["county"], name=n) for n in ("早", "晚", "停"))
    backdate(before, then - timedelta(days=30))
    backdate(suspended, then - timedelta(days=30))
    db.session.add(CounselorEvent(counselor_id=suspended.id, action="suspend", from_status=CounselorStatus.APPOINTED,
                                  to_status=CounselorStatus.SUSPENDED, created_at=then - timedelta(days=5)))
    db.session.add(CounselorEvent(counselor_id=suspended.id, action="resume", from_status=CounselorStatus.SUSPENDED,
                                  to_status=CounselorStatus.APPOINTED, created_at=then + timedelta(days=1)))
    need = make_need(world["operator"])
    publish_at(need, then)
    invite(need, before, InvitationStatus.ACCEPTED, then + timedelta(hours=1), by=world["operator"].id)
    rated = make_need(world["operator"])
    db.session.add(Agreement(number="130123-2026-000009", title="建账", need_id=rated.id, entity_id=rated.entity_id,
                             provider_kind=ProviderKind.COUNSELOR, counselor_id=before.id,
                             region_code=rated.region_code, owner_id=rated.owner_id, status=AgreementStatus.ACCEPTED,
                             entity_name="合作社", provider_name="早", satisfaction=1,
                             accepted_at=then + timedelta(days=2)))
    db.session.commit()
    [group] = [g for g in hist.query_groups() if g.query == need.id]
    ids = {c.id for c in group.candidates}
    assert before.id in ids and later.id not in ids and suspended.id not in ids
    assert group.at.replace(microsecond=0) == then.replace(microsecond=0)
    mine = next(c for c in group.candidates if c.id == before.id)
    assert mine.relevance == 2.0 and mine.path == "directory"  # invited without being shown: from the directory
    # the rating came after publication: the satisfaction feature is the prior's, not the 1-star one
    assert mine.features[FEATURES.index("satisfaction_uncertainty")] == 1.0


def test_labels_from_each_outcome_path(world):
    at = utcnow() - timedelta(days=20)
    cs = [make_counselor(world["county"], name=f"路径{i}", user=None) for i in range(6)]
    for c in cs:
        backdate(c, at - timedelta(days=30))
    needs = [make_need(world["operator"]) for _ in range(6)]
    for n in needs:
        publish_at(n, at)
    op = world["operator"].id
    # 1 shown at position 2, then invited by the operator and accepted
    shown(needs[0], [cs[1], cs[0]], at + timedelta(minutes=1))
    invite(needs[0], cs[0], InvitationStatus.ACCEPTED, at + timedelta(hours=1), by=op)
    # 2 interest from "为您推荐的需求", then invited, declined
    db.session.add(AuditEntry(action="need.interest", object_type="needs", object_id=str(needs[1].id),
                              details={"kind": "counselor", "provider_id": cs[1].id}))
    invite(needs[1], cs[1], InvitationStatus.DECLINED, at + timedelta(hours=1), by=op)
    # 3 passed on automatically, accepted
    invite(needs[2], cs[2], InvitationStatus.ACCEPTED, at + timedelta(hours=1), by=None)
    # 4 from the directory (never shown), accepted, agreement accepted and rated 5
    invite(needs[3], cs[3], InvitationStatus.ACCEPTED, at + timedelta(hours=1), by=op)
    db.session.add(Agreement(number="130123-2026-000011", title="建账", need_id=needs[3].id,
                             entity_id=needs[3].entity_id, provider_kind=ProviderKind.COUNSELOR, counselor_id=cs[3].id,
                             region_code=needs[3].region_code, owner_id=needs[3].owner_id,
                             status=AgreementStatus.ACCEPTED, entity_name="合作社", provider_name="x", satisfaction=5,
                             accepted_at=at + timedelta(days=10)))
    # 5 assigned straight to a counselor (an official's assignment): no invitation, no offering
    db.session.execute(update(Need).where(Need.id == needs[4].id).values(assigned_counselor_id=cs[4].id,
                                                                         status=NeedStatus.ASSIGNED))
    db.session.add(NeedEvent(need_id=needs[4].id, action="assign", created_at=at + timedelta(hours=3)))
    db.session.commit()
    found = hist.outcomes()
    assert found[needs[0].id][("counselor", cs[0].id)].path == "shown"
    assert found[needs[0].id][("counselor", cs[0].id)].shown_rank == 2
    assert found[needs[1].id][("counselor", cs[1].id)].path == "interest"
    assert found[needs[2].id][("counselor", cs[2].id)].path == "passon"
    assert found[needs[3].id][("counselor", cs[3].id)].path == "directory"
    assert found[needs[4].id][("counselor", cs[4].id)].path == "assignment"
    labels = {g.query: {c.id: (c.relevance, c.path, c.shown_rank) for c in g.candidates if c.path}
              for g in hist.query_groups()}
    assert labels[needs[0].id][cs[0].id] == (2.0, "shown", 2)
    assert labels[needs[1].id][cs[1].id] == (0.0, "interest", None)  # declined: the interest alone is no merit
    assert labels[needs[2].id][cs[2].id] == (2.0, "passon", None)
    assert labels[needs[3].id][cs[3].id] == (4.0, "directory", None)
    assert labels[needs[4].id][cs[4].id] == (2.0, "assignment", None)
    # the other shown candidate of need 1 is in its group as shown at position 1 with nothing following
    other = next(c for g in hist.query_groups() if g.query == needs[0].id for c in g.candidates if c.id == cs[1].id)
    assert (other.relevance, other.shown_rank, other.path) == (0.0, 1, "")


def test_an_offering_bought_is_an_outcome(world):
    from marketplace.centers.models import Offering
    from tests.marketplace.needs.test_centers import make_center

    at = utcnow() - timedelta(days=5)
    center = make_center(world["center_staff"])
    offering = Offering(center_id=center.id, name="代理记账", category=4, price_min=500, price_max=800, unit="年")
    db.session.add(offering)
    db.session.flush()
    need = make_need(world["operator"])
    publish_at(need, at)
    db.session.add(Agreement(number="130123-2026-000021", title="托管", need_id=need.id, entity_id=need.entity_id,
                             provider_kind=ProviderKind.CENTER, center_id=center.id, region_code=need.region_code,
                             owner_id=need.owner_id, status=AgreementStatus.SIGNED, entity_name="合作社",
                             provider_name=center.name, offering_id=offering.id))
    db.session.commit()
    outcome = hist.outcomes()[need.id][("center", center.id)]
    assert outcome.path == "offering" and outcome.accepted and not outcome.agreement_accepted


def test_a_better_model_is_promoted_saved_reported_and_served(history, world):
    row = services.train_model()
    db.session.commit()
    assert row.is_serving, row.report["reason"]
    assert row.compared_with == "cold-start/3"
    report = row.report
    assert report["promoted"] and report["reason"].startswith("lower bound")
    assert report["new"]["low"] > report["serving"]["ndcg@5"]
    assert report["n_queries"] == 100 and report["n_held_out"] == 20 and report["outcomes_by_path"]["shown"] == 100
    meta = json.loads(Path(row.path).with_suffix(".json").read_text(encoding="utf-8"))
    assert meta["version"] == row.version and meta["features"] == list(FEATURES)
    assert meta["data_from"] and meta["data_to"] and "scikit-learn" in meta["environment"]
    need = make_need(world["operator"])
    first = rank_candidates(need, "counselor")[0]
    assert (first.model, first.version) == ("learned", row.version)


def test_an_equal_model_does_not_replace_the_serving_one(history):
    first = services.train_model(now=utcnow() - timedelta(minutes=1))
    db.session.commit()
    second = services.train_model()
    db.session.commit()
    assert second.compared_with == f"learned/{first.version}"
    assert not second.is_serving and not second.report["promoted"]  # the same data: not better beyond doubt
    assert db.session.scalars(select(ModelVersion.version).where(ModelVersion.is_serving.is_(True))).all() == [
        first.version]


def test_too_few_held_out_needs_promote_nothing(history, app):
    app.config["MATCHING_MIN_HELD_OUT"] = 30
    row = services.train_model()
    db.session.commit()
    assert not row.is_serving and "not enough evidence" in row.report["reason"]


def test_an_unloadable_model_falls_back_to_cold_start(history, world):
    row = services.train_model()
    db.session.commit()
    Path(row.path).unlink()
    services._loaded.clear()
    assert services.serving_model() is None
    assert rank_candidates(make_need(world["operator"]), "counselor")[0].model == "cold-start"


def test_two_trainings_within_a_second_get_distinct_versions(history):
    now = utcnow()
    first, second = services.train_model(now=now), services.train_model(now=now)
    assert first.version != second.version and second.version.startswith(first.version)


def test_not_enough_data_trains_nothing(world):
    assert services.train_model() is None


def test_task_and_cli(history, app):
    from tasks.matching import train

    result = train.delay().get()
    assert result["trained"] and result["serving"]
    out = app.test_cli_runner().invoke(args=["matching", "models"]).output
    assert "serving" in out and result["version"] in out
    run = app.test_cli_runner().invoke(args=["matching", "train"])
    assert run.exit_code == 0, run.exception
    out = run.output
    assert "NDCG@5" in out and "未启用" in out


def test_the_reports_page_shows_each_run(history, world, client, login):
    services.train_model()
    db.session.commit()
    login(world["national"])
    page = client.get("/matching/models").get_data(as_text=True)
    assert "匹配模型训练记录" in page and "已启用" in page and "在用" in page
    assert "95% 区间" in page and "lower bound" in page and "匹配列表 100" in page
    assert "按展示记录的估计（仅供对照）" in page and "结果权重 γ" in page
    assert "至少 50 条训练需求、5 条留出需求" in page


def test_the_reports_page_says_when_gamma_was_bounded(history, world, client, login, monkeypatch):
    from matching import training

    monkeypatch.setattr(training, "equal_spread_gamma", lambda model, groups: 11.3)
    row = services.train_model()
    db.session.commit()
    assert row.report["gamma"] == 4.0 and row.report["gamma_equal_spread"] == 11.3
    login(world["national"])
    page = client.get("/matching/models").get_data(as_text=True)
    assert "γ = 4.00：两部分分量相当时应为 11.30，已限定在 1–4 之间" in page
