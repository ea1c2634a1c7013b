"""The training data: for each need with an outcome, its query group as it stood when it was published.

The ranker only ever saw what was true at the time, so training must too. For every need that had any
outcome — an invitation from any surface, its answer, an assignment, an agreement, its acceptance and rating
— this module rebuilds the candidate pool as it stood when the need was published and lets the library's
own ladder and rules (`Ranker.group`) pick the eligible candidates; each is labelled by what followed and by
the path it came through:

| path | how it is recognised |
|---|---|
| `shown` | invited by the operator after the ranker showed it (a `match_logs` row of the need before the |
| | invitation); its position is that showing's |
| `interest` | invited after the provider expressed interest from "为您推荐的需求" (audit `need.interest`) |
| `passon` | invited automatically, passing the need on after a decline or timeout |
| `directory` | invited by the operator without having been shown or having asked (the public directory) |
| `offering` | an agreement bought from a center's offering, with no invitation |
| `assignment` | the need assigned to a provider with neither invitation nor offering (an official's assignment) |

What is rebuilt as of the publication time: status (the last status event before it; counselors and centers
created later are left out), open assignments (needs assigned before it and not closed), answered
invitations, acceptances and answer times of the year before, ratings given before it (with their variance,
for the fitted shrinkage prior), entity types and industries served, recent acceptances (the fairness rule).
What is not versioned and is taken as it is now: profiles (specialties, industries, service areas, texts),
capacity, grades, prices. Shown candidates keep the features logged when they were shown.

One pool is rebuilt per publication day (state as of the start of that day); the static part of the pool
(TF-IDF, area indexes) is built once and shared (`CandidatePool.with_state`).
"""

from __future__ import annotations

import logging
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select

from marketplace.audit.models import AuditEntry
from marketplace.centers.models import CenterEvent, CenterStatus, ServiceCenter
from marketplace.directory.models import Counselor, CounselorEvent, CounselorStatus
from marketplace.entities.models import Entity
from marketplace.extensions import db
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedEvent
from marketplace.ranking.models import MatchLog
from marketplace.ranking.records import (
    ENTITY_TYPES,
    HISTORY_DAYS,
    RECENT_DAYS,
    load_records,
    need_query,
)
from marketplace.timeutil import as_utc
from matching.candidates import eligible, ladder, nearness
from matching.features import FEATURES, feature_matrix
from matching.pool import KIND_CODES, CandidatePool
from matching.ranker import Ranker
from matching.training import Candidate, QueryGroup, relevance

log = logging.getLogger(__name__)
Key = tuple[str, int]
DONE_STATES = ("accepted", "closed")


def _key(counselor_id, center_id) -> Key:
    return ("counselor", counselor_id) if counselor_id is not None else ("center", center_id)


@dataclass
class Timeline:
    """Everything with a time that the state of a candidate depends on, loaded once."""

    status: dict[Key, list[tuple[datetime, bool]]] = field(default_factory=lambda: defaultdict(list))
    born: dict[Key, datetime] = field(default_factory=dict)
    answered: dict[Key, list[tuple[datetime, bool, float | None]]] = field(default_factory=lambda: defaultdict(list))
    rated: dict[Key, list[tuple[datetime, int]]] = field(default_factory=lambda: defaultdict(list))
    assigned: dict[Key, list[tuple[datetime, datetime | None, int, int]]] = field(
        default_factory=lambda: defaultdict(list))  # (from, until, entity type index, industry)


def load_timeline() -> Timeline:
    """The status events, answers, ratings and assignments of every candidate (one query each)."""
    from marketplace.agreements.models import Agreement

    t = Timeline()
    for cid, created in db.session.execute(select(Counselor.id, Counselor.created_at)):
        t.born[("counselor", cid)] = as_utc(created)
    for cid, created in db.session.execute(select(ServiceCenter.id, ServiceCenter.created_at)):
        t.born[("center", cid)] = as_utc(created)
    for cid, to_status, at in db.session.execute(select(CounselorEvent.counselor_id, CounselorEvent.to_status,
                                                        CounselorEvent.created_at).where(
            CounselorEvent.to_status.is_not(None)).order_by(CounselorEvent.id)):
        t.status[("counselor", cid)].append((as_utc(at), to_status is CounselorStatus.APPOINTED))
    for cid, to_status, at in db.session.execute(select(CenterEvent.center_id, CenterEvent.to_status,
                                                        CenterEvent.created_at).where(
            CenterEvent.to_status.is_not(None)).order_by(CenterEvent.id)):
        t.status[("center", cid)].append((as_utc(at), to_status is CenterStatus.FILED))
    for counselor_id, center_id, status, created, answered in db.session.execute(select(
            Invitation.counselor_id, Invitation.center_id, Invitation.status, Invitation.created_at,
            Invitation.answered_at).where(Invitation.status.in_(
                (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED, InvitationStatus.EXPIRED)))):
        at = as_utc(answered) if answered is not None else as_utc(created)
        hours = ((as_utc(answered) - as_utc(created)).total_seconds() / 3600
                 if answered is not None and status is not InvitationStatus.EXPIRED else None)
        t.answered[_key(counselor_id, center_id)].append((at, status is InvitationStatus.ACCEPTED, hours))
    for counselor_id, center_id, satisfaction, accepted_at in db.session.execute(select(
            Agreement.counselor_id, Agreement.center_id, Agreement.satisfaction, Agreement.accepted_at).where(
            Agreement.satisfaction.is_not(None))):
        if accepted_at is not None:
            t.rated[_key(counselor_id, center_id)].append((as_utc(accepted_at), int(satisfaction)))
    # assignments: from the "assign" event to the event that closes or reopens the need
    ends: dict[int, list[datetime]] = defaultdict(list)
    starts: list[tuple[int, datetime]] = []
    for need_id, action, at in db.session.execute(select(NeedEvent.need_id, NeedEvent.action, NeedEvent.created_at)
                                                  .order_by(NeedEvent.id)):
        if action == "assign":
            starts.append((need_id, as_utc(at)))
        elif action in ("close", "reopen", "settle"):
            ends[need_id].append(as_utc(at))
    needs = {row.id: row for row in db.session.execute(select(
        Need.id, Need.assigned_counselor_id, Need.assigned_center_id, Need.industry, Entity.type).join(
        Entity, Entity.id == Need.entity_id))}
    for need_id, at in starts:
        row = needs.get(need_id)
        if row is None or (row.assigned_counselor_id is None and row.assigned_center_id is None):
            continue
        until = min((e for e in ends.get(need_id, []) if e >= at), default=None)
        t.assigned[_key(row.assigned_counselor_id, row.assigned_center_id)].append(
            (at, until, ENTITY_TYPES.index(row.type), row.industry or 0))
    return t


def _active_at(t: Timeline, key: Key, when: datetime, now_active: bool) -> bool:
    born = t.born.get(key)
    if born is None or born > when:
        return False
    events = t.status.get(key)
    if not events:
        return now_active
    times = [at for at, _ in events]
    i = bisect_left(times, when)
    return events[i - 1][1] if i > 0 else False


def state_at(pool: CandidatePool, t: Timeline, when: datetime) -> CandidatePool:
    """The pool as it stood at `when` (see the module docstring)."""
    n = pool.size
    arrays = {name: np.array(getattr(pool, name), copy=True) for name in CandidatePool.DYNAMIC}
    sat_var, response_var = np.full(n, np.nan), np.full(n, np.nan)
    since, recent_since = when - timedelta(days=HISTORY_DAYS), when - timedelta(days=RECENT_DAYS)
    for (kind, cid), i in pool.position.items():
        key = (kind, cid)
        arrays["is_active"][i] = _active_at(t, key, when, bool(pool.is_active[i]))
        answers = [a for a in t.answered.get(key, ()) if since <= a[0] < when]
        arrays["invited"][i] = len(answers)
        arrays["accepted"][i] = sum(1 for a in answers if a[1])
        hours = [a[2] for a in answers if a[2] is not None]
        arrays["response_hours"][i] = float(np.mean(hours)) if hours else np.nan
        arrays["response_count"][i] = len(hours)
        response_var[i] = float(np.var(hours)) if len(hours) > 1 else np.nan
        ratings = [r for at, r in t.rated.get(key, ()) if at < when]
        arrays["sat_mean"][i] = float(np.mean(ratings)) if ratings else np.nan
        arrays["sat_count"][i] = len(ratings)
        sat_var[i] = float(np.var(ratings)) if len(ratings) > 1 else np.nan
        spans = [s for s in t.assigned.get(key, ()) if s[0] < when]
        arrays["open_count"][i] = sum(1 for s in spans if s[1] is None or s[1] > when) if kind == "counselor" else 0
        arrays["recent"][i] = sum(1 for s in spans if s[0] >= recent_since)
        types = industries = 0
        for _at, _until, entity_type, industry in spans:
            types |= 1 << entity_type
            industries |= industry
        arrays["served_types"][i], arrays["served_industries"][i] = types, industries
    return pool.with_state(sat_var=sat_var, response_var=response_var, **arrays)


@dataclass
class Outcome:
    """What happened to one candidate of a need."""

    path: str
    at: datetime
    invited: bool = False
    accepted: bool = False
    agreement_accepted: bool = False
    satisfaction: int | None = None
    shown_rank: int | None = None
    explored: bool = False
    features: tuple[float, ...] | None = None


def _showings(need_ids) -> dict[int, list[tuple[datetime, dict[Key, tuple[int, bool, tuple]]]]]:
    out: dict[int, list] = defaultdict(list)
    for need_id, created_at, items in db.session.execute(select(MatchLog.need_id, MatchLog.created_at,
                                                                MatchLog.items).order_by(MatchLog.id)):
        if need_id not in need_ids:
            continue
        shown = {}
        for item in items:
            kind, cid, rank, _score, features = item[:5]
            explored = bool(item[5]) if len(item) > 5 else False
            shown[(kind, int(cid))] = (int(rank), explored, tuple(features) if len(features) == len(FEATURES) else None)
        out[need_id].append((as_utc(created_at), shown))
    return out


def outcomes() -> dict[int, dict[Key, Outcome]]:
    """Per need, the candidates that had an outcome and by which path (see the module docstring)."""
    from marketplace.agreements.models import Agreement, AgreementStatus

    result: dict[int, dict[Key, Outcome]] = defaultdict(dict)
    interest: dict[int, set[Key]] = defaultdict(set)
    for object_id, details in db.session.execute(select(AuditEntry.object_id, AuditEntry.details).where(
            AuditEntry.action == "need.interest")):
        details = details or {}
        if details.get("provider_id") is not None and str(object_id).isdigit():
            interest[int(object_id)].add((details.get("kind", "counselor"), int(details["provider_id"])))
    rows = db.session.execute(select(Invitation.need_id, Invitation.counselor_id, Invitation.center_id,
                                     Invitation.status, Invitation.invited_by_id, Invitation.created_at)
                              .order_by(Invitation.id)).all()
    showings = _showings({r.need_id for r in rows} | set())
    for r in rows:
        key = _key(r.counselor_id, r.center_id)
        at = as_utc(r.created_at)
        before = [shown for when, shown in showings.get(r.need_id, []) if when <= at and key in shown]
        if r.invited_by_id is None:
            path = "passon"
        elif key in interest.get(r.need_id, ()):
            path = "interest"
        elif before:
            path = "shown"
        else:
            path = "directory"
        rank, explored, features = before[-1][key] if before else (None, False, None)
        result[r.need_id].setdefault(key, Outcome(
            path, at, invited=True, accepted=r.status is InvitationStatus.ACCEPTED,
            shown_rank=rank if path == "shown" else None, explored=explored, features=features))
    for need_id, counselor_id, center_id, status, satisfaction, offering_id, created_at in db.session.execute(select(
            Agreement.need_id, Agreement.counselor_id, Agreement.center_id, Agreement.status, Agreement.satisfaction,
            Agreement.offering_id, Agreement.created_at)):
        key = _key(counselor_id, center_id)
        done = status.value in DONE_STATES
        known = result[need_id].get(key)
        if known is None:
            known = result[need_id][key] = Outcome("offering" if offering_id else "assignment", as_utc(created_at),
                                                   invited=True, accepted=True)
        if done or not known.agreement_accepted:
            known.agreement_accepted = known.agreement_accepted or status in (AgreementStatus.ACCEPTED,
                                                                              AgreementStatus.CLOSED)
            known.satisfaction = satisfaction if satisfaction is not None else known.satisfaction
    for need_id, counselor_id, center_id, at in db.session.execute(select(
            Need.id, Need.assigned_counselor_id, Need.assigned_center_id, Need.updated_at).where(
            (Need.assigned_counselor_id.is_not(None)) | (Need.assigned_center_id.is_not(None)))):
        key = _key(counselor_id, center_id)
        if key not in result[need_id]:
            result[need_id][key] = Outcome("assignment", as_utc(at), invited=True, accepted=True)
    return result


def _label(o: Outcome | None) -> float:
    if o is None:
        return 0.0
    return relevance(invited=o.invited, accepted=o.accepted, agreement_accepted=o.agreement_accepted,
                     satisfaction=o.satisfaction, via_list=o.path == "shown")


def query_groups(ranker: Ranker | None = None) -> list[QueryGroup]:
    """One `QueryGroup` per published need with an outcome: its eligible candidates at publication (the
    ladder and the rules over the pool as it stood then), the shown ones and any that came another way."""
    ranker = ranker or Ranker(fairness=0.0)
    found = outcomes()
    needs = db.session.scalars(select(Need).where(Need.id.in_(list(found)), Need.opened_at.is_not(None))
                               .order_by(Need.opened_at, Need.id)).all()
    if not needs:
        return []
    base = CandidatePool.build(load_records(include_inactive=True))
    timeline = load_timeline()
    showings = _showings({n.id for n in needs})
    groups: list[QueryGroup] = []
    pools: dict = {}
    for need in needs:
        published = as_utc(need.opened_at)
        day = published.replace(hour=0, minute=0, second=0, microsecond=0)
        if day not in pools:
            pools = {day: state_at(base, timeline, published)}  # needs come in time order: keep one day
        pool = pools[day]
        query = need_query(need)
        level, covered = nearness(query, pool)
        mask = eligible(query, pool, level, covered)
        idx, _ring = ladder(mask, level, ranker.min_pool)
        outcome = found.get(need.id, {})
        first_shown = showings.get(need.id, [(None, {})])[0][1]
        extra = [pool.index_of(kind, cid) for kind, cid in (*outcome, *first_shown)]
        extra = [i for i in extra if i is not None and i not in set(idx.tolist())]
        idx = np.concatenate([idx, np.array(extra, dtype=np.int64)]) if extra else idx
        if idx.size == 0:
            continue
        X, _km = feature_matrix(query, pool, idx, level[idx], pool.need_vector(query), covered[idx])
        candidates = []
        for j, i in enumerate(idx.tolist()):
            key = ("center" if pool.kind[i] == KIND_CODES["center"] else "counselor", int(pool.ids[i]))
            o = outcome.get(key)
            rank, explored, logged = (o.shown_rank, o.explored, o.features) if o is not None and o.path == "shown" \
                else (*first_shown.get(key, (None, False, None)),)
            features = logged if logged is not None else tuple(round(float(x), 5) for x in X[j])
            candidates.append(Candidate(key[0], key[1], features, _label(o), shown_rank=rank,
                                        path=o.path if o is not None else "", explored=explored))
        groups.append(QueryGroup(need.id, published, tuple(candidates)))
    return groups
