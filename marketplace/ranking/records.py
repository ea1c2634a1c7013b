"""Rows → matching records: the candidate pool and the need, loaded with one query per kind and one per
statistic (columns only, no ORM objects). The pool is built in the background by the `matching.build_pool`
task and saved under `<instance>/matching_pool` (matching/pool_store.py), which every process maps read-only;
without a fresh saved pool it is built and cached per process for `MATCHING_POOL_TTL` seconds, as before.

Live state that must never be stale (status, workload) is re-checked for the few candidates returned
(`live_filter`), so a counselor who filled up a minute ago is not offered from the cache.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections import defaultdict
from datetime import timedelta
from functools import cache

from flask import current_app
from sqlalchemy import func, select

from marketplace.centers.models import CenterStatus, Offering, ServiceCenter, center_service_areas
from marketplace.directory.labels import INDUSTRY_LABELS, SPECIALTY_LABELS
from marketplace.directory.models import Counselor, CounselorStatus, Industry, Specialty, counselor_service_areas
from marketplace.entities.models import Entity, EntityType
from marketplace.extensions import db
from marketplace.needs.models import Invitation, InvitationStatus, Need, NeedStatus
from marketplace.regions.models import Region
from marketplace.timeutil import as_utc, utcnow
from matching import pool_store
from matching.pool import CandidatePool, CandidateRecord, NeedQuery

log = logging.getLogger(__name__)
ENTITY_TYPES = list(EntityType)  # index = the type's bit in served_types
ACTIVE = (NeedStatus.ASSIGNED, NeedStatus.IN_SERVICE)
SERVED = (NeedStatus.ASSIGNED, NeedStatus.IN_SERVICE, NeedStatus.CLOSED)
ANSWERED = (InvitationStatus.ACCEPTED, InvitationStatus.DECLINED, InvitationStatus.EXPIRED)
RECENT_DAYS = 30
HISTORY_DAYS = 365
PAST_TITLES = 10  # past need titles added to a profile's text
GRADE_CODES = {"unqualified": 0, "basic": 1, "qualified": 2, "excellent": 3}


def split_path(path: str | None) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/")) if path else ()


def need_query(need: Need) -> NeedQuery:
    """The need as the ranker sees it."""
    category = Specialty(need.category)
    industry = Industry(need.industry) if need.industry else None
    entity_type = need.entity.type if need.entity is not None else None
    return NeedQuery(
        category=need.category, category_name=str(SPECIALTY_LABELS[category]), industry=need.industry or 0,
        industry_name=str(INDUSTRY_LABELS[industry]) if industry else "",
        place=split_path(need.region.path) if need.region is not None else (), allows_remote=need.allows_remote,
        budget=float(need.budget) if need.budget is not None else None,
        entity_type=ENTITY_TYPES.index(entity_type) if entity_type is not None else -1,
        text=f"{need.title} {need.description}")


# --- statistics, keyed by (kind, id) -----------------------------------------------------------------------

def _key(counselor_id: int | None, center_id: int | None) -> tuple[str, int]:
    return ("counselor", counselor_id) if counselor_id is not None else ("center", center_id)


def open_counts() -> dict[tuple[str, int], int]:
    rows = db.session.execute(select(Need.assigned_counselor_id, func.count()).where(
        Need.assigned_counselor_id.is_not(None), Need.status.in_(ACTIVE)).group_by(Need.assigned_counselor_id))
    return {("counselor", cid): n for cid, n in rows}


def invitation_stats(now) -> dict[tuple[str, int], dict]:
    """Answered invitations, acceptances, mean hours to answer, recent acceptances, per candidate."""
    stats: dict[tuple[str, int], dict] = defaultdict(lambda: {"invited": 0, "accepted": 0, "hours": [],
                                                                "recent": 0})
    rows = db.session.execute(select(Invitation.counselor_id, Invitation.center_id, Invitation.status,
                                     Invitation.created_at, Invitation.answered_at).where(
        Invitation.status.in_(ANSWERED), Invitation.created_at >= now - timedelta(days=HISTORY_DAYS)))
    recent_since = now - timedelta(days=RECENT_DAYS)
    for counselor_id, center_id, status, created_at, answered_at in rows:
        s = stats[_key(counselor_id, center_id)]
        s["invited"] += 1
        if answered_at is not None and status is not InvitationStatus.EXPIRED:
            s["hours"].append((as_utc(answered_at) - as_utc(created_at)).total_seconds() / 3600)
        if status is InvitationStatus.ACCEPTED:
            s["accepted"] += 1
            if answered_at is not None and as_utc(answered_at) >= recent_since:
                s["recent"] += 1
    return stats


def satisfaction_stats() -> dict[tuple[str, int], tuple[float, int, float]]:
    """Mean satisfaction, count and variance of the ratings of rated agreements, per provider."""
    try:
        from marketplace.agreements.models import Agreement
    except ImportError:  # the agreements area is not installed
        return {}
    rows = db.session.execute(select(Agreement.counselor_id, Agreement.center_id, func.avg(Agreement.satisfaction),
                                     func.count(), func.avg(Agreement.satisfaction * Agreement.satisfaction)).where(
        Agreement.satisfaction.is_not(None)).group_by(Agreement.counselor_id, Agreement.center_id))
    return {_key(cid, sid): (float(avg), int(n), max(float(sq) - float(avg) ** 2, 0.0))
            for cid, sid, avg, n, sq in rows}


def latest_grades() -> dict[tuple[str, int], int]:
    """Latest evaluation grade code (0 不合格 … 3 优秀) per counselor and center (the grade in force, as the
    evaluation area defines it)."""
    from marketplace.evaluation.services import latest_grade

    return {(kind, subject_id): GRADE_CODES[grade]
            for kind in ("counselor", "center") for subject_id, grade in latest_grade(kind).items()
            if grade in GRADE_CODES}


def experience() -> dict[tuple[str, int], dict]:
    """Entity types and industries served, and the titles of past needs, per candidate."""
    out: dict[tuple[str, int], dict] = defaultdict(lambda: {"types": 0, "industries": 0, "titles": []})
    rows = db.session.execute(select(Need.assigned_counselor_id, Need.assigned_center_id, Entity.type,
                                     Need.industry, Need.title).join(Entity, Entity.id == Need.entity_id).where(
        Need.status.in_(SERVED), (Need.assigned_counselor_id.is_not(None)) | (Need.assigned_center_id.is_not(None)))
        .order_by(Need.id.desc()))
    for counselor_id, center_id, entity_type, industry, title in rows:
        e = out[_key(counselor_id, center_id)]
        e["types"] |= 1 << ENTITY_TYPES.index(entity_type)
        e["industries"] |= industry or 0
        if len(e["titles"]) < PAST_TITLES:
            e["titles"].append(title)
    return out


def areas(table, column) -> dict[int, list[tuple[str, ...]]]:
    out: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    for owner_id, path in db.session.execute(select(column, Region.path).join(
            Region, Region.code == table.c.region_code)):
        out[owner_id].append(split_path(path))
    return out


def center_prices() -> dict[int, dict[int, float]]:
    out: dict[int, dict[int, float]] = defaultdict(dict)
    for center_id, category, price in db.session.execute(select(
            Offering.center_id, Offering.category, func.min(Offering.price_min)).where(
            Offering.is_active.is_(True)).group_by(Offering.center_id, Offering.category)):
        out[center_id][category] = float(price)
    return out


# --- records -------------------------------------------------------------------------------------------------

def _common(key, stats, sat, grades, exp) -> dict:
    s, e = stats.get(key), exp.get(key)
    mean, count, variance = sat.get(key, (None, 0, None))
    hours = s["hours"] if s else []
    hours_mean = sum(hours) / len(hours) if hours else None
    return {"invited": s["invited"] if s else 0, "accepted": s["accepted"] if s else 0,
            "response_hours": hours_mean, "response_count": len(hours),
            "response_var": sum((h - hours_mean) ** 2 for h in hours) / len(hours) if len(hours) > 1 else None,
            "satisfaction_mean": mean, "satisfaction_count": count,
            "satisfaction_var": variance if count > 1 else None, "grade": grades.get(key),
            "served_types": e["types"] if e else 0,
            "served_industries": e["industries"] if e else 0, "recent_assignments": s["recent"] if s else 0}


def load_records(ids: dict[str, list[int]] | None = None, include_inactive: bool = False) -> list[CandidateRecord]:
    """Records of every appointed counselor and filed center (or only those in `ids` by kind); with
    `include_inactive`, of every counselor and center, `is_active` telling which may be offered now (the
    training's reconstruction decides from the status history instead)."""
    now = utcnow()
    stats, sat, grades, exp = invitation_stats(now), satisfaction_stats(), latest_grades(), experience()
    from marketplace.awards.services import award_records

    honours = award_records()
    records: list[CandidateRecord] = []
    if ids is None or ids.get("counselor"):
        query = select(Counselor.id, Counselor.name, Counselor.specialties, Counselor.industries, Region.path,
                       Counselor.is_remote, Counselor.capacity, Counselor.title, Counselor.employer,
                       Counselor.position, Counselor.status).join(Region, Region.code == Counselor.region_code)
        if not include_inactive:
            query = query.where(Counselor.status == CounselorStatus.APPOINTED)
        if ids is not None:
            query = query.where(Counselor.id.in_(ids["counselor"]))
        served_areas = areas(counselor_service_areas, counselor_service_areas.c.counselor_id)
        counts = open_counts()
        for row in db.session.execute(query.order_by(Counselor.id)):
            key = ("counselor", row.id)
            e = exp.get(key)
            # specialty and industry are features of their own; the text is the profile and past work
            text = " ".join(filter(None, [row.title, row.employer, row.position, *(e["titles"] if e else [])]))
            records.append(CandidateRecord(
                kind="counselor", id=row.id, name=row.name, specialties=row.specialties, industries=row.industries,
                home=split_path(row.path), areas=tuple(served_areas.get(row.id, ())), is_remote=row.is_remote,
                open_count=counts.get(key, 0), capacity=row.capacity, text=text,
                is_active=row.status is CounselorStatus.APPOINTED, award_record=honours.get(key, 0.0),
                **_common(key, stats, sat, grades, exp)))
    if ids is None or ids.get("center"):
        query = select(ServiceCenter.id, ServiceCenter.name, ServiceCenter.categories, Region.path,
                       ServiceCenter.status).join(Region, Region.code == ServiceCenter.region_code)
        if not include_inactive:
            query = query.where(ServiceCenter.status == CenterStatus.FILED)
        if ids is not None:
            query = query.where(ServiceCenter.id.in_(ids["center"]))
        served_areas = areas(center_service_areas, center_service_areas.c.center_id)
        prices = center_prices()
        offering_text: dict[int, list[str]] = defaultdict(list)
        for center_id, name in db.session.execute(select(Offering.center_id, Offering.name).where(
                Offering.is_active.is_(True))):
            offering_text[center_id].append(name)
        for row in db.session.execute(query.order_by(ServiceCenter.id)):
            key = ("center", row.id)
            e = exp.get(key)
            text = " ".join([row.name, *offering_text.get(row.id, []), *(e["titles"] if e else [])])
            records.append(CandidateRecord(
                kind="center", id=row.id, name=row.name, specialties=row.categories, home=split_path(row.path),
                areas=tuple(served_areas.get(row.id, ())), capacity=None, prices=prices.get(row.id, {}),
                is_active=row.status is CenterStatus.FILED, award_record=honours.get(key, 0.0),
                text=text, **_common(key, stats, sat, grades, exp)))
    return records


_cache: dict[str, tuple[float, CandidatePool]] = {}
_building: set[str] = set()
_lock = threading.Lock()
# the shared pool this process maps: directory -> (checked at, version, pool, meta)
_shared: dict[str, tuple[float, str, CandidatePool, dict]] = {}
SHARED_CHECK_SECONDS = 5.0  # how often a process looks whether a newer saved pool is current


def _build(key: str) -> CandidatePool:
    started = time.monotonic()
    pool = CandidatePool.build(load_records())
    log.info("candidate pool of %d built in %.2f s", pool.size, time.monotonic() - started)
    with _lock:
        _cache[key] = (time.monotonic(), pool)
    return pool


def _rebuild_in_background(app, key: str) -> None:
    def work() -> None:
        with app.app_context():
            try:
                _build(key)
            except Exception:
                log.exception("rebuilding the candidate pool failed; the previous one keeps serving")
            finally:
                db.session.remove()
                with _lock:
                    _building.discard(key)

    threading.Thread(target=work, name="matching-pool", daemon=True).start()


def pool_dir() -> str:
    return current_app.config.get("MATCHING_POOL_DIR") or os.path.join(current_app.instance_path, "matching_pool")


def _max_age() -> float:
    return float(current_app.config.get("MATCHING_POOL_MAX_AGE", 1800))


def _age(meta: dict) -> float:
    return (utcnow() - pool_store.built_at(meta)).total_seconds()


def shared_pool() -> tuple[CandidatePool, dict] | None:
    """The pool the background task saved (mapped read-only, shared by every process), or None when there is
    none, it cannot be read, or it is older than MATCHING_POOL_MAX_AGE seconds (the caller then builds in
    process, as without a saved pool). Looks for a newer version at most every SHARED_CHECK_SECONDS."""
    directory = pool_dir()
    now = time.monotonic()
    with _lock:
        hit = _shared.get(directory)
    if hit is not None and now - hit[0] < SHARED_CHECK_SECONDS:
        return (hit[2], hit[3]) if _age(hit[3]) <= _max_age() else None
    version = pool_store.current_version(directory)
    if version is None:
        return None
    if hit is not None and hit[1] == version:
        pool, meta = hit[2], hit[3]
    else:
        try:
            pool, meta = pool_store.load(directory)
        except pool_store.PoolFileError as error:
            log.warning("the saved candidate pool %s is not usable (%s); building in process", version, error)
            return None
    with _lock:
        _shared[directory] = (now, meta["version"], pool, meta)
    if _age(meta) > _max_age():
        log.warning("the saved candidate pool %s is older than %.0f s; building in process", meta["version"],
                    _max_age())
        return None
    return pool, meta


def candidate_pool() -> CandidatePool:
    """The pool of all candidates: the saved, shared one when a fresh one exists (see `shared_pool`);
    otherwise built in process on first use and, once older than MATCHING_POOL_TTL seconds, kept serving while
    one background thread rebuilds it (no request waits for a rebuild). Under TESTING (unless
    MATCHING_POOL_SHARED_IN_TESTS), and with a TTL of 0, it is built on every call."""
    testing = current_app.testing
    if not testing or current_app.config.get("MATCHING_POOL_SHARED_IN_TESTS"):
        shared = shared_pool()
        if shared is not None:
            return shared[0]
    ttl = 0.0 if testing else float(current_app.config.get("MATCHING_POOL_TTL", 300))
    key = current_app.config.get("SQLALCHEMY_DATABASE_URI", "")
    with _lock:
        hit = _cache.get(key)
        if hit is not None and ttl > 0:
            if time.monotonic() - hit[0] >= ttl and key not in _building:
                _building.add(key)
                _rebuild_in_background(current_app._get_current_object(), key)
            return hit[1]
    return _build(key)


def pool_freshness() -> dict:
    """How old the pool behind the matches is, for the pages and the API: `built_at` (aware UTC datetime),
    `age_seconds`, `shared` (False: built by this process)."""
    testing = current_app.testing and not current_app.config.get("MATCHING_POOL_SHARED_IN_TESTS")
    shared = None if testing else shared_pool()
    if shared is not None:
        return {"built_at": pool_store.built_at(shared[1]), "age_seconds": round(_age(shared[1])), "shared": True}
    hit = _cache.get(current_app.config.get("SQLALCHEMY_DATABASE_URI", ""))
    age = time.monotonic() - hit[0] if hit is not None and not current_app.testing else 0.0
    return {"built_at": utcnow() - timedelta(seconds=age), "age_seconds": round(age), "shared": False}


def build_shared_pool(min_interval: float | None = None) -> dict:
    """Build the pool from the database and save it as the shared one (the `matching.build_pool` task).
    Idempotent: a run while another builds, or within `min_interval` seconds (MATCHING_POOL_MIN_INTERVAL) of
    the last build, does nothing; otherwise a new version replaces the current one atomically."""
    if current_app.testing and not current_app.config.get("MATCHING_POOL_SHARED_IN_TESTS"):
        return {"built": False, "reason": "testing"}  # tests that import rows queue it; they never read it
    directory = pool_dir()
    os.makedirs(directory, exist_ok=True)
    min_interval = float(current_app.config.get("MATCHING_POOL_MIN_INTERVAL", 30)) if min_interval is None \
        else min_interval
    with open(os.path.join(directory, ".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return {"built": False, "reason": "another build is running"}
        meta = pool_store.read_meta(directory)
        if meta is not None and _age(meta) < min_interval:
            return {"built": False, "reason": "fresh", "version": meta["version"]}
        started = time.monotonic()
        built_at = utcnow()
        pool = CandidatePool.build(load_records())
        version = pool_store.save(pool, directory, built_at=built_at)
        seconds = time.monotonic() - started
        log.info("shared candidate pool %s of %d built and saved in %.2f s", version, pool.size, seconds)
        return {"built": True, "version": version, "size": pool.size, "seconds": round(seconds, 2)}


def request_rebuild() -> None:
    """Queue a rebuild of the shared pool once the current transaction commits (after bulk writes)."""
    from marketplace.outbox.services import enqueue

    enqueue("matching.build_pool")


def invalidate() -> None:
    """Drop the cached pool (after a bulk import, in tests); the shared one is re-read on next use."""
    with _lock:
        _cache.clear()
        _shared.clear()


def live_open_counts(counselor_ids: list[int]) -> dict[int, int]:
    """Open assignments per counselor right now (the load the reasons show: never the cached pool's)."""
    if not counselor_ids:
        return {}
    return dict(db.session.execute(select(Need.assigned_counselor_id, func.count()).where(
        Need.assigned_counselor_id.in_(counselor_ids), Need.status.in_(ACTIVE)).group_by(
        Need.assigned_counselor_id)).all())


def live_filter(pairs: list[tuple[str, int]]) -> set[tuple[str, int]]:
    """Of these (kind, id) pairs, those that may be offered right now: counselors appointed with room,
    centers filed. One query per kind."""
    return set(live_loads(pairs))


def live_loads(pairs: list[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """`live_filter` with each counselor's open assignments right now (0 for a center), in one query (a
    UNION ALL of the two kinds when both are asked)."""
    counselor_ids = [i for k, i in pairs if k == "counselor"]
    center_ids = [i for k, i in pairs if k == "center"]
    if not counselor_ids and not center_ids:
        return {}
    params = {"counselor_ids": counselor_ids, "center_ids": center_ids}
    statement = _live_statement(bool(counselor_ids), bool(center_ids))
    return {(kind, i): int(n or 0) for kind, i, n in db.session.execute(statement, params)}


@cache
def _live_statement(counselors: bool, centers: bool):
    """The live check's statement for the kinds asked, built once per process (a statement object keeps its
    cache key; the ids are expanding parameters)."""
    from sqlalchemy import bindparam, literal, union_all

    parts = []
    if counselors:
        open_now = (select(func.count()).where(Need.assigned_counselor_id == Counselor.id, Need.status.in_(ACTIVE))
                    .correlate(Counselor).scalar_subquery())
        parts.append(select(literal("counselor").label("kind"), Counselor.id.label("id"), open_now.label("load"))
                     .where(Counselor.id.in_(bindparam("counselor_ids", expanding=True)),
                            Counselor.status == CounselorStatus.APPOINTED, open_now < Counselor.capacity))
    if centers:
        parts.append(select(literal("center").label("kind"), ServiceCenter.id.label("id"), literal(0).label("load"))
                     .where(ServiceCenter.id.in_(bindparam("center_ids", expanding=True)),
                            ServiceCenter.status == CenterStatus.FILED))
    return parts[0] if len(parts) == 1 else union_all(*parts)
