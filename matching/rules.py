"""A rule-based ranker: the cold-start ordering used until the learned ranker (issue 5) lands.

Plain records in, ranked results with reasons out; no Flask, no database. The web layer builds the records.

Regions are given as paths from the national root, as tuples of codes, e.g.
`("000000", "130000", "130100", "130123", "130123100")`. The nearness of two places is how deep their paths
agree: 4 same township, 3 same county, 2 same city, 1 same province, 0 none (remote service only).

Order (a weighted sum whose weights keep it lexicographic): specialty match, industry match, nearness,
then free workload; ties are broken by kind and id so the same input always gives the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

TOWNSHIP, COUNTY, CITY, PROVINCE, REMOTE = 4, 3, 2, 1, 0
NEARNESS_LABELS = {TOWNSHIP: "同乡镇", COUNTY: "同县", CITY: "同市", PROVINCE: "同省", REMOTE: "远程服务"}

# Weights: each term outweighs everything after it (nearness at most 4 × 10, workload at most 9).
W_SPECIALTY = 1000
W_INDUSTRY = 100
W_NEARNESS = 10
W_WORKLOAD = 9

Path = tuple[str, ...]


@dataclass(frozen=True)
class NeedRecord:
    """What the ranker needs to know about a need."""

    category: int                  # one Specialty bit
    category_name: str             # its label, for the reasons
    industry: int = 0              # one Industry bit (0: none given)
    industry_name: str = ""
    place: Path = ()               # region path of the place of service
    allows_remote: bool = False    # the need may be served remotely


@dataclass(frozen=True)
class CandidateRecord:
    """A counselor or a service center, as the ranker sees it."""

    kind: str                      # "counselor" or "center"
    id: int
    name: str
    specialties: int               # bit mask over the specialties (a center's service categories)
    industries: int = 0            # bit mask over the industries (0: unknown, no industry reason)
    home: Path = ()                # where the candidate is
    areas: tuple[Path, ...] = ()   # the regions it serves
    is_remote: bool = False        # offers remote service
    open_count: int = 0            # open assignments
    capacity: int | None = None    # None: no capacity limit (service centers)


@dataclass(frozen=True)
class RankedCandidate:
    kind: str
    id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)


def nearness(place: Path, other: Path) -> int:
    """How deep two region paths agree below the national root (0 to 4)."""
    depth = 0
    for a, b in zip(place[1:], other[1:], strict=False):
        if a != b:
            break
        depth += 1
    return min(depth, TOWNSHIP)


def best_nearness(need: NeedRecord, candidate: CandidateRecord) -> int:
    """The nearest of the candidate's home and service areas to the need's place."""
    return max((nearness(need.place, path) for path in (candidate.home, *candidate.areas) if path), default=0)


def covers(candidate: CandidateRecord, place: Path) -> bool:
    """One of the candidate's service areas contains the place."""
    return any(path and place[:len(path)] == path for path in candidate.areas)


def has_room(candidate: CandidateRecord) -> bool:
    return candidate.capacity is None or candidate.open_count < candidate.capacity


def eligible(need: NeedRecord, candidate: CandidateRecord) -> bool:
    """Offered at all: shares the category, has room, and serves the place (by area, by the ladder up to the
    province, or remotely when the need allows it)."""
    if not candidate.specialties & need.category or not has_room(candidate):
        return False
    if covers(candidate, need.place) or best_nearness(need, candidate) >= PROVINCE:
        return True
    return need.allows_remote and candidate.is_remote


class RuleBasedRanker:
    """Scores eligible candidates with documented fixed weights and explains each score."""

    name = "rule-based"
    version = "1"

    def score(self, need: NeedRecord, candidate: CandidateRecord) -> RankedCandidate:
        near = best_nearness(need, candidate)
        if near < PROVINCE and not covers(candidate, need.place):
            near = REMOTE
        industry_match = bool(need.industry and candidate.industries & need.industry)
        free = 1.0 if candidate.capacity is None else (
            max(candidate.capacity - candidate.open_count, 0) / candidate.capacity if candidate.capacity else 0.0)
        score = W_SPECIALTY + W_INDUSTRY * industry_match + W_NEARNESS * near + W_WORKLOAD * free
        reasons = [f"专长匹配：{need.category_name}"]
        if industry_match:
            reasons.append(f"产业匹配：{need.industry_name}")
        reasons.append(NEARNESS_LABELS[near])
        if candidate.capacity is not None:
            reasons.append(f"在办 {candidate.open_count}/{candidate.capacity}")
        return RankedCandidate(candidate.kind, candidate.id, candidate.name, round(score / 1000, 4), reasons)

    def rank(self, need: NeedRecord, candidates: Iterable[CandidateRecord], limit: int = 10,
             exclude: Sequence[tuple[str, int]] = ()) -> list[RankedCandidate]:
        """The `limit` best eligible candidates, best first; `exclude` drops (kind, id) pairs (already asked)."""
        skip = set(exclude)
        ranked = [self.score(need, c) for c in candidates if (c.kind, c.id) not in skip and eligible(need, c)]
        ranked.sort(key=lambda r: (-r.score, r.kind, r.id))
        return ranked[:max(limit, 0)]
