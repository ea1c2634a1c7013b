"""The saved candidate pool: a round trip ranks identically, broken files are refused, replacing is atomic."""

from __future__ import annotations

import numpy as np
import pytest

from bench.matching_world import counties, make_candidates, make_need
from matching import pool_store
from matching.pool import CandidatePool
from matching.ranker import Ranker


@pytest.fixture(scope="module")
def built():
    places = counties()[:40]
    return CandidatePool.build(make_candidates(400, 40, places, seed=3)), places


def _ranking(pool, need, **kw):
    return [(r.kind, r.id, r.name, round(r.score, 12), r.reasons) for r in Ranker().rank(need, pool, limit=20, **kw)]


def test_a_saved_pool_ranks_exactly_as_the_built_one(tmp_path, built):
    pool, places = built
    pool_store.save(pool, tmp_path)
    loaded, meta = pool_store.load(tmp_path)
    assert meta["size"] == pool.size == loaded.size
    assert isinstance(loaded.ids, np.memmap) and not loaded.ids.flags.writeable
    rng = np.random.default_rng(7)
    for _ in range(25):
        need = make_need(rng, places)
        assert _ranking(loaded, need) == _ranking(pool, need)
        assert _ranking(loaded, need, kind="center") == _ranking(pool, need, kind="center")
    assert loaded.index_of("center", 401) == pool.index_of("center", 401)
    assert loaded.index_of("counselor", 99999) is None
    assert dict(loaded.position.items()) == pool.position
    assert list(loaded.names) == pool.names
    state = loaded.with_state(open_count=np.zeros(loaded.size))  # the training's reconstruction still works
    assert state.open_count.sum() == 0 and loaded.open_count.sum() == pool.open_count.sum()


def test_a_pool_without_texts_round_trips(tmp_path):
    from tests.matching.helpers import cand

    pool = CandidatePool.build([cand(1, text="", name=""), cand(2, text="", name="")])
    pool_store.save(pool, tmp_path)
    loaded, _ = pool_store.load(tmp_path)
    assert loaded.text_matrix is None and loaded.size == 2 and loaded.index_of("counselor", 2) == 1


@pytest.mark.parametrize("damage", ["missing", "no-current", "truncated", "wrong-format", "short-array"])
def test_a_missing_or_damaged_pool_is_refused(tmp_path, built, damage):
    pool, _ = built
    if damage != "missing":
        version = pool_store.save(pool, tmp_path)
        base = tmp_path / version
        if damage == "no-current":
            (tmp_path / "CURRENT").unlink()
        elif damage == "truncated":
            data = (base / "ids.npy").read_bytes()
            (base / "ids.npy").write_bytes(data[: len(data) // 2])
        elif damage == "wrong-format":
            (base / "meta.json").write_text('{"format": 0}')
        else:
            np.save(base / "sat_mean.npy", np.zeros(3))
    with pytest.raises(pool_store.PoolFileError):
        pool_store.load(tmp_path)


def test_replacing_the_pool_leaves_a_reader_on_the_old_mapping(tmp_path, built):
    pool, places = built
    first = pool_store.save(pool, tmp_path)
    old, _ = pool_store.load(tmp_path)
    need = make_need(np.random.default_rng(1), places)
    before = _ranking(old, need)
    smaller = CandidatePool.build(make_candidates(30, 3, places, seed=9))
    pool_store.save(smaller, tmp_path, keep=1)  # the old version is deleted while `old` maps it
    assert not (tmp_path / first).exists()
    assert _ranking(old, need) == before  # the reader still sees the whole old pool
    new, meta = pool_store.load(tmp_path)
    assert new.size == 33 and meta["version"] == pool_store.current_version(tmp_path) != first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_an_abandoned_temporary_build_is_cleaned_up(tmp_path, built):
    import os
    import time

    pool, _ = built
    abandoned, running = tmp_path / ".building-old", tmp_path / ".building-now"
    abandoned.mkdir()
    running.mkdir()
    os.utime(abandoned, (time.time() - 7200, time.time() - 7200))
    pool_store.save(pool, tmp_path)
    assert not abandoned.exists() and running.exists()
