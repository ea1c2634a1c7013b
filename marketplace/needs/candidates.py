"""Candidates for a need: counselors and filed service centers, ranked with reasons.

`rank_candidates` is the interface the need page, the inbox, the official's view and the API use; the
ranking itself is `marketplace.ranking` (the database side) over the `matching` library (issue 5): the
cold-start scorer, or the learned model once one has been trained and promoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from sqlalchemy import bindparam, func, select

from marketplace.extensions import db
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedStatus
from marketplace.ranking import services as ranking

KINDS = ("counselor", "center", "all")
TOP_REASONS = 4
ACTIVE = (NeedStatus.ASSIGNED, NeedStatus.IN_SERVICE)


@dataclass
class Candidate:
    kind: str  # "counselor" or "center"
    id: int
    name: str
    score: float
    reasons: list[str] = field(default_factory=list)
    model: str = ""    # the ranker that scored it: "cold-start" or "learned"
    version: str = ""  # and its version
    verdict: str = ""  # "很合适" / "合适" / "可以考虑" (matching.features.verdict)

    @property
    def rating(self) -> tuple[float, int] | None:
        """(mean rating, number of ratings), for the stars; None without a rating."""
        for r in self.reasons:
            if getattr(r, "code", "") == "satisfaction":
                return r.params["mean"], r.params["count"]
        return None

    @property
    def top_reasons(self) -> list[str]:
        """The strongest reasons, for the operator: at most four, the rating left to the stars."""
        return [r for r in self.reasons if getattr(r, "code", "") != "satisfaction"][:TOP_REASONS]

    @property
    def content_key(self) -> tuple:
        """What the need page shows of the candidate (its fragment's key, templates/needs/show.html): who it is,
        the verdict, the rating and the top reasons with what renders them in another language."""
        return (self.kind, self.id, self.name, _reason_key(self.verdict), self.rating,
                tuple(_reason_key(r) for r in self.top_reasons))


def _reason_key(reason) -> tuple:
    return (str(reason), getattr(reason, "code", None), repr(sorted(getattr(reason, "params", {}).items())))


def open_assignments(counselor_ids: list[int]) -> dict[int, int]:
    """Open assignments (assigned or in service) per counselor, in one query."""
    if not counselor_ids:
        return {}
    rows = db.session.execute(select(Need.assigned_counselor_id, func.count()).where(
        Need.assigned_counselor_id.in_(counselor_ids), Need.status.in_(ACTIVE)).group_by(
        Need.assigned_counselor_id)).all()
    return dict(rows)


def asked(need: Need, invitations: list | None = None) -> list[tuple[str, int]]:
    """(kind, id) of every candidate already invited for the need (a withdrawn invitation does not count: the
    need went to someone else then, and may be offered again after it reopens). From `invitations` (all the
    need's, as `services.need_invitations` reads them) when given."""
    if invitations is not None:
        return [(i.kind.value, i.counselor_id or i.center_id) for i in invitations
                if i.status is not InvitationStatus.WITHDRAWN]
    rows = db.session.execute(select(Invitation.kind, Invitation.counselor_id, Invitation.center_id).where(
        Invitation.need_id == need.id, Invitation.status != InvitationStatus.WITHDRAWN)).all()
    return [(kind.value, counselor_id or center_id) for kind, counselor_id, center_id in rows]


def barred(need: Need) -> set[tuple[str, int]]:
    """(kind, id) of the providers whose agreement for this need was terminated for breach: they are not
    offered this need again (not ranked, not invitable, their offerings not bought for it)."""
    return barred_for([need.id]).get(need.id, set())


def barred_for(need_ids: list[int]) -> dict[int, set[tuple[str, int]]]:
    """`barred` for many needs in one query (need id → barred providers)."""
    if not need_ids:
        return {}
    rows = db.session.execute(_barred_statement(), {"need_ids": list(need_ids)}).all()
    barred_by_need: dict[int, set[tuple[str, int]]] = {}
    for need_id, counselor_id, center_id in rows:
        barred_by_need.setdefault(need_id, set()).add(
            ("counselor", counselor_id) if counselor_id else ("center", center_id))
    return barred_by_need


@cache
def _barred_statement():
    """Built once per process (the need page and the API ask on every view; a statement keeps its cache key)."""
    from marketplace.agreements.models import Agreement, AgreementStatus

    return select(Agreement.need_id, Agreement.counselor_id, Agreement.center_id).where(
        Agreement.need_id.in_(bindparam("need_ids", expanding=True)), Agreement.status == AgreementStatus.TERMINATED)


def rank_candidates(need: Need, kind: str = "counselor", limit: int = 10, exclude_asked: bool = False,
                    log_for=None) -> list[Candidate]:
    """The best candidates for `need`, best first, each with a score and reasons in Chinese.

    kind: "counselor", "center" or "all". Candidates at capacity, suspended, removed or de-listed, or not
    serving the need's place never appear, nor providers whose agreement for this need was terminated. With
    `exclude_asked`, candidates already invited are left out.
    With `log_for` (the viewing user), the list is recorded as shown when that user is the need's operator.
    """
    if kind not in KINDS:
        raise ValueError(kind)
    exclude = barred(need) | (set(asked(need)) if exclude_asked else set())
    used, ranked = ranking.rank(need, kind, limit, exclude=exclude)
    if log_for is not None and getattr(log_for, "id", None) == need.owner_id:
        ranking.log_shown(need, kind, used, ranked)
    return [Candidate(r.kind, r.id, r.name, r.score, r.reasons, used.name, used.version, r.verdict) for r in ranked]


def check_candidate(need: Need, kind: str, candidate_id: int) -> Candidate | None:
    """The candidate scored for this need, or None if it is not eligible (at capacity, far away, ...)."""
    used, ranked = ranking.check(need, kind, candidate_id)
    return Candidate(ranked.kind, ranked.id, ranked.name, ranked.score, ranked.reasons, used.name,
                     used.version, ranked.verdict) if ranked else None
