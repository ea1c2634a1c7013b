"""The ladder and the exclusions."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matching.candidates import COUNTY, PROVINCE, REMOTE, TOWNSHIP, eligible, ladder, nearness
from tests.matching.helpers import COUNTY as COUNTY_PATH
from tests.matching.helpers import NEED, OTHER_CITY, OTHER_COUNTY, OTHER_PROVINCE, OTHER_TOWN, TOWN, cand, pool


def mask_of(p, need=NEED, **kw):
    level, covered = nearness(need, p)
    return eligible(need, p, level, covered, **kw)


def test_nearness_levels_by_home():
    p = pool(cand(1, home=TOWN), cand(2, home=OTHER_TOWN), cand(3, home=OTHER_COUNTY), cand(4, home=OTHER_CITY),
             cand(5, home=OTHER_PROVINCE), cand(6, home=()))
    level, covered = nearness(NEED, p)
    assert level.tolist() == [4, 3, 2, 1, 0, 0]
    assert not covered.any()


def test_service_area_brings_a_candidate_near():
    p = pool(cand(1, home=OTHER_PROVINCE, areas=(COUNTY_PATH,)), cand(2, home=OTHER_PROVINCE, areas=(OTHER_TOWN,)))
    level, covered = nearness(NEED, p)
    assert level.tolist() == [3, 3] and covered.tolist() == [True, False]


def test_exclusions():
    p = pool(cand(1), cand(2, specialties=8), cand(3, open_count=5), cand(4, is_active=False),
             cand(5, home=OTHER_PROVINCE), cand(6, home=OTHER_PROVINCE, is_remote=True),
             cand(7, home=OTHER_PROVINCE, areas=(COUNTY_PATH,)), cand(8))
    assert np.flatnonzero(mask_of(p, exclude=[("counselor", 8)])).tolist() == [0, 6]
    remote = replace(NEED, allows_remote=True)
    assert np.flatnonzero(mask_of(p, remote)).tolist() == [0, 5, 6, 7]


def test_kind_filter():
    p = pool(cand(1), cand(1, kind="center", capacity=None))
    assert mask_of(p, kind="center").tolist() == [False, True]
    assert mask_of(p).tolist() == [True, True]


def test_ladder_takes_the_nearest_ring_with_enough_candidates():
    p = pool(cand(1, home=TOWN), cand(2, home=OTHER_TOWN), cand(3, home=OTHER_TOWN), cand(4, home=OTHER_CITY),
             cand(5, home=OTHER_PROVINCE, is_remote=True))
    remote = replace(NEED, allows_remote=True)
    level, covered = nearness(remote, p)
    mask = eligible(remote, p, level, covered)
    idx, ring = ladder(mask, level, 1)
    assert ring == TOWNSHIP and idx.tolist() == [0]
    idx, ring = ladder(mask, level, 3)
    assert ring == COUNTY and idx.tolist() == [0, 1, 2]
    idx, ring = ladder(mask, level, 4)
    assert ring == PROVINCE and idx.tolist() == [0, 1, 2, 3]
    idx, ring = ladder(mask, level, 10)
    assert ring == REMOTE and idx.tolist() == [0, 1, 2, 3, 4]
