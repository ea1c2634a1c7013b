"""Candidate generation: the administrative ladder and the exclusions, as boolean masks over the pool.

Nearness is how deep the need's place and the candidate agree on the region path, through its home or any
of its service areas: 4 same township, 3 same county, 2 same city, 1 same province, 0 none (remote only).
A candidate is eligible when it shares the need's category, is active (not suspended, removed or de-listed),
has room (open assignments below capacity), is not excluded (already asked), and serves the place: one of
its service areas contains it, it is in the same province, or it serves remotely and the need allows that.
The ladder then takes the nearest ring holding enough candidates: same township, county, city, province,
then remote.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from matching.pool import KIND_CODES, LEVELS, CandidatePool, NeedQuery

TOWNSHIP, COUNTY, CITY, PROVINCE, REMOTE = 4, 3, 2, 1, 0
NEARNESS_LABELS = {TOWNSHIP: "同乡镇", COUNTY: "同县", CITY: "同市", PROVINCE: "同省", REMOTE: "远程服务"}
MIN_POOL = 50  # widen the ladder until at least this many candidates are in


def place_codes(place: tuple[str, ...]) -> list[str]:
    """The need's codes below the root: province, city, county, township (as deep as known)."""
    return list(place[1:LEVELS + 1])


def home_level(need: NeedQuery, pool: CandidatePool) -> np.ndarray:
    """Shared depth of each candidate's home with the need's place (0 to 4)."""
    depth = np.zeros(pool.size, dtype=np.int8)
    alive = np.ones(pool.size, dtype=bool)
    for level, code in enumerate(place_codes(need.place)):
        alive &= pool.home[:, level] == int(code)
        depth += alive
    return depth


def area_level(need: NeedQuery, pool: CandidatePool) -> np.ndarray:
    """Shared depth of each candidate's nearest service area with the need's place (0 to 4)."""
    depth = np.zeros(pool.size, dtype=np.int8)
    for level, code in enumerate(place_codes(need.place), start=1):
        members = pool.area_prefix.get((level, code))
        if members is not None:
            depth[members] = level
    return depth


def covers(need: NeedQuery, pool: CandidatePool) -> np.ndarray:
    """A service area of the candidate contains the need's place."""
    mask = np.zeros(pool.size, dtype=bool)
    for code in place_codes(need.place):
        members = pool.area_exact.get(code)
        if members is not None:
            mask[members] = True
    return mask


def nearness(need: NeedQuery, pool: CandidatePool) -> tuple[np.ndarray, np.ndarray]:
    """(nearness level, covers) per candidate; candidates outside the province that do not cover the place
    are at REMOTE."""
    level = np.maximum(home_level(need, pool), area_level(need, pool))
    covered = covers(need, pool)
    level = np.where((level < PROVINCE) & ~covered, REMOTE, level).astype(np.int8)
    return level, covered


def has_room(pool: CandidatePool) -> np.ndarray:
    return pool.open_count < pool.capacity


def excluded(pool: CandidatePool, pairs: Iterable[tuple[str, int]]) -> np.ndarray:
    """Mask of the (kind, id) pairs to leave out (already asked for this need)."""
    mask = np.zeros(pool.size, dtype=bool)
    for kind, candidate_id in pairs:
        i = pool.index_of(kind, candidate_id)
        if i is not None:
            mask[i] = True
    return mask


def eligible(need: NeedQuery, pool: CandidatePool, level: np.ndarray, covered: np.ndarray,
             kind: str | None = None, exclude: Iterable[tuple[str, int]] = ()) -> np.ndarray:
    """Mask of the candidates that may be offered the need at all."""
    mask = ((pool.specialties & need.category) != 0) & pool.is_active & has_room(pool)
    serves = covered | (level >= PROVINCE)
    if need.allows_remote:
        serves |= pool.is_remote
    mask &= serves
    if kind is not None:
        mask &= pool.kind == KIND_CODES[kind]
    exclude = list(exclude)
    if exclude:
        mask &= ~excluded(pool, exclude)
    return mask


def ladder(mask: np.ndarray, level: np.ndarray, min_count: int = MIN_POOL) -> tuple[np.ndarray, int]:
    """Indices of the nearest ring (township, county, city, province, remote) that holds at least
    `min_count` eligible candidates, or all eligible ones; and the ring's level."""
    for ring in (TOWNSHIP, COUNTY, CITY, PROVINCE):
        chosen = np.flatnonzero(mask & (level >= ring))
        if chosen.size >= min_count:
            return chosen, ring
    return np.flatnonzero(mask), REMOTE
