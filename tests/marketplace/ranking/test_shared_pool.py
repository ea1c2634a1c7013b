"""The shared candidate pool: the task saves it, every process maps it, a broken or old one falls back."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import numpy as np
import pytest

from marketplace.extensions import db
from marketplace.needs.candidates import rank_candidates
from marketplace.outbox.models import OutboxMessage
from marketplace.ranking import records
from matching import pool_store
from tests.marketplace.needs.helpers import make_counselor, make_need


@pytest.fixture
def shared(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHING_POOL_DIR", str(tmp_path / "pool"))
    monkeypatch.setitem(app.config, "MATCHING_POOL_SHARED_IN_TESTS", True)
    monkeypatch.setattr(records, "SHARED_CHECK_SECONDS", 0.0)
    records.invalidate()
    yield tmp_path / "pool"
    records.invalidate()


def test_the_task_saves_a_pool_that_ranks_as_a_built_one(app, world, shared):
    from tasks.matching import build_pool

    make_counselor(world["county"], name="刘桂芳")
    make_counselor(world["county"], name="王建国")
    need = make_need(world["operator"])
    built = [(c.name, c.reasons) for c in rank_candidates(need, "all")]  # no saved pool yet: built in process
    result = build_pool.run()
    assert result["built"] and result["size"] == 2
    pool = records.candidate_pool()
    assert isinstance(pool.ids, np.memmap)
    assert [(c.name, c.reasons) for c in rank_candidates(need, "all")] == built
    assert records.pool_freshness()["shared"] is True


def test_the_task_is_idempotent(app, world, shared):
    from tasks.matching import build_pool

    make_counselor(world["county"])
    first = build_pool.run()
    again = build_pool.run()  # within MATCHING_POOL_MIN_INTERVAL: nothing is rebuilt
    assert again == {"built": False, "reason": "fresh", "version": first["version"]}
    assert pool_store.current_version(shared) == first["version"]
    forced = records.build_shared_pool(min_interval=0)
    assert forced["built"] and pool_store.current_version(shared) == forced["version"] != first["version"]
    assert len([p for p in shared.iterdir() if p.is_dir() and not p.name.startswith(".")]) == 2  # pruned


def test_the_live_check_still_applies_to_the_saved_pool(app, world, shared):
    from marketplace.directory.models import CounselorStatus

    counselor = make_counselor(world["county"], name="暂停的")
    make_counselor(world["county"], name="可以的")
    records.build_shared_pool()
    counselor.status = CounselorStatus.SUSPENDED
    db.session.commit()
    need = make_need(world["operator"])
    assert [c.name for c in rank_candidates(need, "all")] == ["可以的"]


@pytest.mark.parametrize("damage", ["corrupt", "stale", "missing"])
def test_a_corrupt_stale_or_missing_pool_falls_back_to_building_in_process(app, world, shared, damage):
    make_counselor(world["county"], name="旧的")
    if damage != "missing":
        version = records.build_shared_pool()["version"]
        if damage == "corrupt":
            (shared / version / "ids.npy").write_bytes(b"not an array")
        else:
            meta_path = shared / version / "meta.json"
            meta = json.loads(meta_path.read_text())
            built = pool_store.built_at(meta) - timedelta(seconds=app.config["MATCHING_POOL_MAX_AGE"] + 60)
            meta["built_at"] = built.isoformat()
            meta_path.write_text(json.dumps(meta))
    make_counselor(world["county"], name="新的")
    need = make_need(world["operator"])
    assert sorted(c.name for c in rank_candidates(need, "all")) == ["新的", "旧的"]  # built now, not the file
    assert records.pool_freshness()["shared"] is False


def test_a_newer_saved_pool_replaces_the_mapped_one(app, world, shared):
    make_counselor(world["county"], name="一")
    records.build_shared_pool()
    old = records.candidate_pool()
    make_counselor(world["county"], name="二")
    records.build_shared_pool(min_interval=0)
    new = records.candidate_pool()
    assert (old.size, new.size) == (1, 2) and list(old.names) == ["一"]  # the old mapping still reads


def test_a_rebuild_is_queued_through_the_outbox(app, world):
    records.request_rebuild()
    assert db.session.query(OutboxMessage).filter_by(task_name="matching.build_pool").count() == 1
    db.session.rollback()


def test_the_beat_schedule_builds_the_pool():
    from marketplace.worker import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["matching.build_pool"]["task"] == "matching.build_pool"
    assert os.path.exists("tasks/matching.py")


def test_the_need_page_and_the_api_show_how_old_the_pool_is(app, client, world, login, api_token, shared):
    from marketplace.timeutil import utcnow
    from tests.conftest import text_of

    make_counselor(world["county"], name="刘桂芳")
    need = make_need(world["operator"])
    records.build_shared_pool()
    login(world["operator"])
    page = text_of(client.get(f"/needs/{need.id}"))
    assert "候选人资料更新于" in page and "实时核对" in page and "刘桂芳" in page
    body = client.get(f"/api/v1/needs/{need.id}/matches?kind=all", headers=api_token(world["operator"])).get_json()
    assert body["items"][0]["name"] == "刘桂芳" and 0 <= body["pool_age_seconds"] < 60
    assert body["pool_built_at"][:10] == utcnow().isoformat()[:10]


def test_a_successful_import_queues_a_rebuild(app, world, tmp_path, monkeypatch):
    from marketplace.directory import imports
    from marketplace.imports import jobs
    from marketplace.jobs.models import Job, JobState
    from tests.marketplace.directory.test_imports import row, xlsx

    queued = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, *a, **k: queued.append(name))
    path = tmp_path / "upload.xlsx"
    path.write_bytes(xlsx([row(1), row(2)]))
    job = Job(kind=imports.JOB_KIND, state=JobState.PENDING, actor_id=world["county"].id, region_code="130123",
              input_path=str(path))
    db.session.add(job)
    db.session.commit()
    done = jobs.run_import(db.session.get(Job, job.id))
    assert done.state is JobState.SUCCEEDED and queued == ["matching.build_pool"]
    path.write_bytes(xlsx([row(3, 姓名="")]))  # a failed import changes nothing and queues nothing
    job = Job(kind=imports.JOB_KIND, state=JobState.PENDING, actor_id=world["county"].id, region_code="130123",
              input_path=str(path))
    db.session.add(job)
    db.session.commit()
    assert jobs.run_import(db.session.get(Job, job.id)).state is JobState.FAILED and len(queued) == 1
    assert records.build_shared_pool() == {"built": False, "reason": "testing"}  # never under TESTING


def test_a_needs_ranking_is_reused_for_one_pool_and_still_checked_live(app, world, shared, monkeypatch):
    from marketplace.directory.models import CounselorStatus
    from marketplace.ranking import services as ranking
    from matching.ranker import Ranker

    first = make_counselor(world["county"], name="刘桂芳")
    make_counselor(world["county"], name="王建国")
    records.build_shared_pool()
    need = make_need(world["operator"])
    monkeypatch.setitem(app.config, "MATCHING_RANK_MEMO_SECONDS", 30)
    ranking._rank_memo.clear()
    calls = []
    real = Ranker.rank
    monkeypatch.setattr(Ranker, "rank", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    shown = [c.name for c in rank_candidates(need, "all")]
    assert sorted(shown) == ["刘桂芳", "王建国"]
    assert [c.name for c in rank_candidates(need, "all")] == shown and len(calls) == 1  # reused
    first.status = CounselorStatus.SUSPENDED  # the live check still runs on the reused ranking
    db.session.commit()
    assert [c.name for c in rank_candidates(need, "all")] == ["王建国"] and len(calls) == 1
    need.title = "改了标题的需求"  # a changed need ranks afresh
    db.session.commit()
    assert [c.name for c in rank_candidates(need, "all")] == ["王建国"] and len(calls) == 2
    records.build_shared_pool(min_interval=0)  # so does a new pool
    records.invalidate()
    monkeypatch.setattr(records, "SHARED_CHECK_SECONDS", 0.0)
    rank_candidates(need, "all")
    assert len(calls) == 3


def test_the_ranking_memo_expires(app, world, shared, monkeypatch):
    from marketplace.ranking import services as ranking
    from matching.ranker import Ranker

    make_counselor(world["county"], name="刘桂芳")
    records.build_shared_pool()
    need = make_need(world["operator"])
    monkeypatch.setitem(app.config, "MATCHING_RANK_MEMO_SECONDS", 30)
    ranking._rank_memo.clear()
    calls = []
    real = Ranker.rank
    monkeypatch.setattr(Ranker, "rank", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    clock = [1000.0]
    monkeypatch.setattr(ranking.time, "monotonic", lambda: clock[0])
    rank_candidates(need, "all")
    clock[0] += 29
    rank_candidates(need, "all")
    assert len(calls) == 1
    clock[0] += 2  # 31 s after it was ranked
    rank_candidates(need, "all")
    assert len(calls) == 2
