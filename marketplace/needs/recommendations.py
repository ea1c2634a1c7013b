"""Needs recommended to a provider ("为您推荐的需求" in the inbox): open needs a counselor (or a center staff
member's filed center) is eligible for by the ranker's rules, not yet invited to and not barred from, ordered
by the provider's score for each, with its rank among all candidates and the ranker's Chinese reasons.

One SQL query picks the candidate needs (open, the provider's specialty, its province or service areas, or
remote when it serves remotely; newest first, at most `POOL_LIMIT`); the ranker then scores this one provider
against them (`ranking.standings`), without SQL per need. A provider may tell the operator it would take a
recommended need (`express_interest`); the operator still invites.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, false, or_, select

from marketplace.accounts.models import Role, User
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record
from marketplace.centers.models import CenterStatus, ServiceCenter, center_service_areas
from marketplace.directory.models import Counselor, CounselorStatus, counselor_service_areas
from marketplace.errors import Conflict, NotAllowed
from marketplace.extensions import db
from marketplace.needs.candidates import barred_for, open_assignments
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedStatus, ServiceMode
from marketplace.notifications.services import notify
from marketplace.ranking import services as ranking
from marketplace.regions.models import Region

POOL_LIMIT = 200  # candidate needs scored per provider (the newest)
SHOWN = 20        # recommendations shown in the inbox ("显示前 N 条")


@dataclass
class Provider:
    """A counselor, or a filed center of the signed-in staff member, as the recommendations see it."""

    kind: str  # "counselor" or "center"
    id: int
    name: str
    specialties: int
    region_code: str
    area_codes: list[str] = field(default_factory=list)
    is_remote: bool = False
    is_active: bool = True
    open_count: int = 0
    capacity: int | None = None  # None: no limit (centers)

    @property
    def at_capacity(self) -> bool:
        return self.capacity is not None and self.open_count >= self.capacity


@dataclass
class Recommendation:
    need: Need
    provider: Provider
    score: float
    rank: int | None  # among all candidates for the need (None: outside a learned model's short list)
    of: int           # candidates ranked for the need
    reasons: list[str]
    verdict: str = ""  # "很合适" / "合适" / "可以考虑" (matching.features.verdict), for the operator


def providers_of(user: User) -> list[Provider]:
    """The counselor record of a counselor, or the filed centers a center staff member runs."""
    if user.role is Role.COUNSELOR:
        rows = db.session.execute(select(Counselor.id, Counselor.name, Counselor.specialties, Counselor.region_code,
                                         Counselor.is_remote, Counselor.status, Counselor.capacity).where(
            Counselor.user_id == user.id)).all()
        if not rows:
            return []
        areas = _areas(counselor_service_areas, counselor_service_areas.c.counselor_id, [r.id for r in rows])
        counts = open_assignments([r.id for r in rows])
        return [Provider("counselor", r.id, r.name, r.specialties, r.region_code, areas.get(r.id, []),
                         r.is_remote, r.status is CounselorStatus.APPOINTED, counts.get(r.id, 0), r.capacity)
                for r in rows]
    if user.role is Role.CENTER_STAFF:
        rows = db.session.execute(select(ServiceCenter.id, ServiceCenter.name, ServiceCenter.categories,
                                         ServiceCenter.region_code).where(
            ServiceCenter.owner_id == user.id, ServiceCenter.status == CenterStatus.FILED)
            .order_by(ServiceCenter.id)).all()
        areas = _areas(center_service_areas, center_service_areas.c.center_id, [r.id for r in rows])
        return [Provider("center", r.id, r.name, r.categories, r.region_code, areas.get(r.id, [])) for r in rows]
    return []


def _areas(table, column, owner_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    if owner_ids:
        for owner_id, code in db.session.execute(select(column, table.c.region_code).where(column.in_(owner_ids))):
            out.setdefault(owner_id, []).append(code)
    return out


def candidate_needs(providers: list[Provider], need_id: int | None = None, limit: int = POOL_LIMIT) -> list[Need]:
    """Open needs that any of the providers might serve (specialty, place), newest first: one query, with
    each need's entity and region loaded. The ranker decides the rest (ladder, capacity)."""
    providers = [p for p in providers if p.is_active and not p.at_capacity and p.specialties]
    if not providers:
        return []
    places = {p.region_code for p in providers} | {code for p in providers for code in p.area_codes}
    paths = dict(db.session.execute(select(Region.code, Region.path).where(Region.code.in_(places))).all())
    clauses = []
    for p in providers:
        home = paths.get(p.region_code)
        prefixes = ["/".join(home.rstrip("/").split("/")[:3]) + "/"] if home else []  # /root/province/
        prefixes += [paths[c] for c in p.area_codes if c in paths]
        where = [Region.path.startswith(prefix, autoescape=True) for prefix in prefixes]
        place = Need.region_code.in_(select(Region.code).where(or_(*where))) if where else false()
        if p.is_remote:
            place = or_(place, Need.mode == ServiceMode.REMOTE)
        clauses.append(and_(Need.category.op("&")(p.specialties) != 0, place))
    query = select(Need).where(Need.status == NeedStatus.OPEN, or_(*clauses))
    if need_id is not None:
        query = query.where(Need.id == need_id)
    return list(db.session.scalars(query.order_by(Need.opened_at.desc(), Need.id.desc()).limit(limit)).unique())


def recommend(user: User, limit: int = SHOWN, need_id: int | None = None) -> tuple[list[Provider],
                                                                                  list[Recommendation]]:
    """(the user's providers, the best `limit` recommendations for them). Needs the provider was already
    invited to, or is barred from, are left out. A constant number of queries whatever the number of needs."""
    providers = providers_of(user)
    needs = candidate_needs(providers, need_id=need_id)
    if not needs:
        return providers, []
    ids = [n.id for n in needs]
    invited: set[tuple[int, str, int]] = set()
    for nid, counselor_id, center_id in db.session.execute(select(
            Invitation.need_id, Invitation.counselor_id, Invitation.center_id).where(
            Invitation.need_id.in_(ids), Invitation.status != InvitationStatus.WITHDRAWN)):
        invited.add((nid, "counselor", counselor_id) if counselor_id else (nid, "center", center_id))
    barred = barred_for(ids)
    found: list[Recommendation] = []
    for p in providers:
        if not p.is_active or p.at_capacity:
            continue
        mine = [n for n in needs if n.category & p.specialties and (n.id, p.kind, p.id) not in invited]
        exclude = {nid: pairs for nid, pairs in barred.items() if (p.kind, p.id) in pairs}
        _used, by_need = ranking.standings(p.kind, p.id, mine, exclude=exclude)
        found += [Recommendation(n, p, s.candidate.score, s.rank, s.of, s.candidate.reasons, s.candidate.verdict)
                  for n in mine if (s := by_need.get(n.id)) is not None]
    found.sort(key=lambda r: (-r.score, r.rank or 10**9, -r.need.id))
    return providers, found[:limit]


def is_recommended(user: User, need: Need) -> bool:
    """Whether the open need is recommended to the user (so the user may view it)."""
    return need.status is NeedStatus.OPEN and bool(recommend(user, limit=1, need_id=need.id)[1])


def has_expressed_interest(actor: User, need: Need) -> bool:
    return db.session.scalar(select(AuditEntry.id).where(
        AuditEntry.action == "need.interest", AuditEntry.object_type == Need.__tablename__,
        AuditEntry.object_id == str(need.id), AuditEntry.actor_id == actor.id).limit(1)) is not None


def express_interest(actor: User, need: Need) -> Recommendation:
    """Tell the need's operator that a provider it is recommended to would take it ("表达承接意向"); once per
    provider and need. The operator still decides and invites. Flushes."""
    found = recommend(actor, limit=1, need_id=need.id)[1]
    if not found:
        raise NotAllowed(_("此需求当前未推荐给您，不能表达承接意向"))
    if has_expressed_interest(actor, need):
        raise Conflict(_("您已表达过承接意向，请等待主体邀请"))
    rec = found[0]
    record(actor, "need.interest", need, kind=rec.provider.kind, provider_id=rec.provider.id, score=rec.score)
    kind = _("辅导员") if rec.provider.kind == "counselor" else _("服务中心")
    notify(need.owner, _("%(kind)s %(name)s 有意承接您的需求“%(title)s”", kind=kind, name=rec.provider.name,
                         title=need.title),
           # what the operator reads: the verdict and the reasons, not the ranker's score
           _("推荐程度：%(verdict)s。%(reasons)s。如合适，可在需求页邀请。", verdict=rec.verdict or _("可以考虑"),
             reasons="、".join(str(r) for r in rec.reasons)), link=f"/needs/{need.id}")
    return rec
