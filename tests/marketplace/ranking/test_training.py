"""Training from the recorded outcomes: the promotion rule, the registry, serving the promoted model, the task
and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.needs.candidates import rank_candidates
from marketplace.needs.models import Invitation, InvitationKind, InvitationStatus
from marketplace.ranking import services
from marketplace.ranking.models import MatchLog, ModelVersion
from marketplace.timeutil import utcnow
from matching.features import FEATURES
from tests.marketplace.needs.helpers import make_counselor, make_entity, make_need

SAT = FEATURES.index("satisfaction")
LEVEL = FEATURES.index("shared_level")


@pytest.fixture
def history(world, app, tmp_path):
    """30 needs, each shown with 4 counselors; the one the operator invited and who accepted is the one with
    high satisfaction and low nearness, a pattern the cold-start weights do not follow."""
    app.config["MATCHING_MODEL_DIR"] = str(tmp_path / "models")
    services._loaded.clear()
    counselors = [make_counselor(world["county"], name=f"辅导员{i}") for i in range(4)]
    entity = make_entity(world["operator"])
    rng = np.random.default_rng(0)
    start = utcnow() - timedelta(days=60)
    for q in range(30):
        need = make_need(world["operator"], entity=entity)
        rows = rng.random((4, len(FEATURES)))
        best = int(np.argmax(3 * rows[:, SAT] ** 2 - rows[:, LEVEL]))
        at = start + timedelta(days=q)
        db.session.add(MatchLog(need_id=need.id, kind="all", model_name="cold-start", model_version="1",
                                created_at=at, items=[["counselor", c.id, i + 1, 0.5, list(rows[i])]
                                                      for i, c in enumerate(counselors)]))
        db.session.add(Invitation(need_id=need.id, kind=InvitationKind.COUNSELOR, counselor_id=counselors[best].id,
                                  candidate_name="x", region_code=need.region_code, owner_id=need.owner_id,
                                  status=InvitationStatus.ACCEPTED, created_at=at, answered_at=at, due_at=at))
    db.session.commit()
    return counselors


def test_examples_are_labelled_from_outcomes(history):
    examples = services.training_examples()
    assert len(examples) == 120
    assert sorted({e.relevance for e in examples}) == [0.0, 2.0]
    assert sum(e.relevance > 0 for e in examples) == 30


def test_a_better_model_is_promoted_saved_and_served(history, world):
    row = services.train_model()
    db.session.commit()
    assert row.is_serving and row.metrics["ndcg@5"] > row.serving_metrics["ndcg@5"]
    assert row.compared_with == "cold-start/1" and row.n_examples == 120
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
    assert not second.is_serving  # the same data gives the same model: not strictly better
    assert db.session.scalars(select(ModelVersion.version).where(ModelVersion.is_serving.is_(True))).all() == [
        first.version]


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
