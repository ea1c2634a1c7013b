"""Roll-ups for the progress dashboards: a few grouped queries by region code, added up the region tree, one
RegionStat row per region. The dashboards read only these rows (fast at national scale); the refresh runs
every 15 minutes in the background and on demand, and the page shows when it last ran."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, exists, func, insert, select

from marketplace.accounts.models import Department, User
from marketplace.agreements.models import Agreement
from marketplace.centers.models import CenterStatus, ServiceCenter
from marketplace.directory import yearly
from marketplace.directory.labels import INDUSTRY_LABELS, SOURCE_LABELS, SPECIALTY_LABELS, WORK_MODE_LABELS
from marketplace.directory.models import Counselor, CounselorStatus, Industry, Specialty, YearlyConfirmation
from marketplace.directory.services import APPOINTING_LEVELS
from marketplace.entities.models import Entity
from marketplace.extensions import db
from marketplace.needs.models import Need, NeedStatus
from marketplace.oversight.models import RegionStat
from marketplace.regions.models import ROOT_CODE, Level, Region
from marketplace.timeutil import as_utc, utcnow

log = logging.getLogger(__name__)

ACTIVE = (CounselorStatus.APPOINTED, CounselorStatus.SUSPENDED)
FILED = (CenterStatus.FILED, CenterStatus.WARNED, CenterStatus.RECTIFYING)
ASSIGNED = (NeedStatus.ASSIGNED, NeedStatus.IN_SERVICE, NeedStatus.CLOSED)
MONTHS = 12

FUNNEL = [("needs", _l("发布需求")), ("assigned", _l("已对接")), ("signed", _l("已签协议")), ("accepted", _l("已验收"))]


# --- refresh ---------------------------------------------------------------------------------------------------

def _month_key(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _month_keys(now: datetime) -> list[str]:
    keys, year, month = [], now.year, now.month
    for _i in range(MONTHS):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(keys))


def _grouped(*columns, where=()):
    """SELECT columns…, count(*) … GROUP BY columns (the non-aggregate ones)."""
    return db.session.execute(select(*columns, func.count()).where(*where).group_by(*columns))


def leaf_stats(now: datetime | None = None) -> dict[str, Counter]:
    """Figures placed at the region each row names (not yet added up the tree)."""
    now = now or utcnow()
    stats: dict[str, Counter] = defaultdict(Counter)

    def add(rows, key):
        for code, value in rows:
            stats[code][key] += value

    active = Counselor.status.in_(ACTIVE)
    for code, mask, n in _grouped(Counselor.department_region_code, Counselor.specialties, where=[active]):
        stats[code]["counselors"] += n
        for bit in Specialty:
            if mask & bit.value:
                stats[code][f"spec.{bit.value}"] += n
    # where counselors live and serve (their region), for the township level that appoints no one
    add(_grouped(Counselor.region_code, where=[active]), "resident")
    for code, mask, n in _grouped(Counselor.department_region_code, Counselor.industries, where=[active]):
        for bit in Industry:
            if mask & bit.value:
                stats[code][f"ind.{bit.value}"] += n
    for code, source, mode, n in _grouped(Counselor.department_region_code, Counselor.source, Counselor.work_mode,
                                          where=[active]):
        stats[code][f"src.{source.value}"] += n
        stats[code][f"mode.{mode.value}"] += n
    add(_grouped(Entity.region_code), "entities")
    served = exists().where(Agreement.entity_id == Entity.id, Agreement.signed_at.is_not(None))
    add(_grouped(Entity.region_code, where=[served]), "served")
    add(_grouped(ServiceCenter.region_code, where=[ServiceCenter.status.in_(FILED)]), "centers")
    add(_grouped(Need.region_code, where=[Need.status != NeedStatus.DRAFT]), "needs")
    add(_grouped(Need.region_code, where=[Need.status.in_(ASSIGNED)]), "assigned")
    stale = now - timedelta(days=current_app.config.get("OVERSIGHT_STALE_NEED_DAYS", 14))
    add(_grouped(Need.region_code, where=[Need.status == NeedStatus.OPEN, Need.opened_at < stale]), "stale_needs")
    add(_grouped(Agreement.region_code, where=[Agreement.signed_at.is_not(None)]), "signed")
    add(_grouped(Agreement.region_code, where=[Agreement.accepted_at.is_not(None)]), "accepted")
    months = _month_keys(now)
    month = _month_key(Agreement.rated_at)
    since = datetime.fromisoformat(f"{months[0]}-01T00:00:00+00:00")
    for code, key, total, n in db.session.execute(
            select(Agreement.region_code, month, func.sum(Agreement.satisfaction), func.count())
            .where(Agreement.satisfaction.is_not(None), Agreement.rated_at >= since)
            .group_by(Agreement.region_code, month)):
        stats[code][f"sat_sum.{key}"] += int(total)
        stats[code][f"sat_n.{key}"] += n
        stats[code]["sat_sum"] += int(total)
        stats[code]["sat_n"] += n
    _yearly(stats)
    _training(stats)
    return stats


def _training(stats: dict[str, Counter]) -> None:
    """This year's training completion, by where counselors are (their region), as the training coverage page
    counts it: counselors in post (在聘), and those who attended a training that started this year."""
    from marketplace.training.services import china_today, trained_clause

    in_post = Counselor.status == CounselorStatus.APPOINTED
    for code, n in _grouped(Counselor.region_code, where=[in_post]):
        stats[code]["in_post"] += n
    for code, n in _grouped(Counselor.region_code, where=[in_post, trained_clause(china_today().year)]):
        stats[code]["trained"] += n


def _yearly(stats: dict[str, Counter]) -> None:
    """The yearly update's completion: appointing departments with counselors, and those that confirmed."""
    data_year = yearly.data_year(yearly.local_today())  # the window runs on calendar dates in China
    with_counselors = select(Counselor.department_id).distinct().scalar_subquery()
    for code in db.session.scalars(select(Department.region_code).where(Department.level.in_(APPOINTING_LEVELS),
                                                                       Department.id.in_(with_counselors))):
        stats[code]["depts"] += 1
    for code in db.session.scalars(select(YearlyConfirmation.department_region_code)
                                   .where(YearlyConfirmation.data_year == data_year)):
        stats[code]["depts_confirmed"] += 1


def _coverage(regions: dict[str, tuple[str, Level, str | None]]) -> dict[str, Counter]:
    """Counties with no active counselor (by region of service) in each specialty, placed at each county."""
    covered: dict[str, int] = defaultdict(int)
    for code, mask in db.session.execute(select(Counselor.region_code, Counselor.specialties).distinct()
                                         .where(Counselor.status.in_(ACTIVE))):
        region = regions.get(code)
        if region is None:
            continue
        county = next((c for c in _ancestors(region[0]) if regions.get(c, ("", None))[1] is Level.COUNTY), None)
        if county:
            covered[county] |= mask
    result: dict[str, Counter] = defaultdict(Counter)
    for code, (_path, level, _parent) in regions.items():
        if level is not Level.COUNTY:
            continue
        result[code]["counties"] += 1
        for bit in Specialty:
            if not covered.get(code, 0) & bit.value:
                result[code][f"gap.{bit.value}"] += 1
    return result


def _ancestors(path: str) -> list[str]:
    return [code for code in path.strip("/").split("/") if code]


def refresh_rollups(now: datetime | None = None) -> int:
    """Recompute every region's roll-up (idempotent; replaces the previous rows in one transaction)."""
    now = now or utcnow()
    regions = {code: (path, level, parent) for code, path, level, parent in db.session.execute(
        select(Region.code, Region.path, Region.level, Region.parent_code).where(Region.valid_to.is_(None)))}
    leaves = leaf_stats(now)
    for code, counter in _coverage(regions).items():
        leaves[code].update(counter)
    from marketplace.oversight.coverage import needs_without_good_candidate  # ranking imports the models

    for code, n in needs_without_good_candidate().items():
        leaves[code]["no_good"] += n
    totals: dict[str, Counter] = defaultdict(Counter)
    for code, counter in leaves.items():
        region = regions.get(code) or _region_row(code)
        if region is None:
            continue
        for ancestor in _ancestors(region[0]):
            totals[ancestor].update(counter)
    totals.setdefault(ROOT_CODE, Counter())
    db.session.execute(delete(RegionStat))
    rows = [{"region_code": code, "parent_code": (regions.get(code) or _region_row(code) or (None, None, None))[2],
             "stats": dict(counter), "refreshed_at": now} for code, counter in totals.items()
            if code in regions or _region_row(code)]
    for start in range(0, len(rows), 2000):
        db.session.execute(insert(RegionStat), rows[start:start + 2000])
    db.session.flush()
    log.info("refreshed %d region roll-ups", len(rows))
    return len(rows)


def _region_row(code: str) -> tuple[str, Level, str | None] | None:
    region = db.session.get(Region, code)  # an old (no longer valid) code that records still point to
    return (region.path, region.level, region.parent_code) if region else None


def recently_refreshed(seconds: int = 60) -> bool:
    """Whether the roll-ups were computed in the last `seconds` (an on-demand refresh is then not queued)."""
    root = db.session.get(RegionStat, ROOT_CODE)
    return root is not None and (utcnow() - as_utc(root.refreshed_at)).total_seconds() < seconds


# --- reading ---------------------------------------------------------------------------------------------------

@dataclass
class Dashboard:
    region: Region
    stats: dict
    children: list[tuple[Region, dict]]
    refreshed_at: datetime | None
    targets: dict

    def value(self, key: str) -> float:
        return self.stats.get(key, 0)

    @property
    def satisfaction(self) -> float | None:
        n = self.stats.get("sat_n", 0)
        return round(self.stats.get("sat_sum", 0) / n, 2) if n else None

    @property
    def trained_share(self) -> float | None:
        return share(self.stats)

    @property
    def age_minutes(self) -> int | None:
        return None if self.refreshed_at is None else int((utcnow() - as_utc(self.refreshed_at)).total_seconds() // 60)

    def table(self, name: str) -> list[tuple[str, float]]:
        """(label, value) rows of one breakdown, as the charts and their tables show them."""
        return breakdown(self.stats, name)

    def months(self) -> list[tuple[str, float | None, int]]:
        keys = _month_keys(as_utc(self.refreshed_at) if self.refreshed_at else utcnow())
        rows = []
        for key in keys:
            n = self.stats.get(f"sat_n.{key}", 0)
            rows.append((key, round(self.stats.get(f"sat_sum.{key}", 0) / n, 2) if n else None, n))
        return rows


def breakdown(stats: dict, name: str) -> list[tuple[str, float]]:
    if name == "specialty":
        return [(str(SPECIALTY_LABELS[bit]), stats.get(f"spec.{bit.value}", 0)) for bit in Specialty]
    if name == "industry":
        return [(str(INDUSTRY_LABELS[bit]), stats.get(f"ind.{bit.value}", 0)) for bit in Industry]
    if name == "source":
        return [(str(label), stats.get(f"src.{key.value}", 0)) for key, label in SOURCE_LABELS.items()]
    if name == "work_mode":
        return [(str(label), stats.get(f"mode.{key.value}", 0)) for key, label in WORK_MODE_LABELS.items()]
    if name == "funnel":
        return [(str(label), stats.get(key, 0)) for key, label in FUNNEL]
    if name == "gaps":
        return [(str(SPECIALTY_LABELS[bit]), stats.get(f"gap.{bit.value}", 0)) for bit in Specialty]
    raise KeyError(name)


def targets_for(region: Region) -> dict:
    """The targets configured for a region's level (OVERSIGHT_TARGETS); a level without one shows none."""
    return dict(current_app.config.get("OVERSIGHT_TARGETS", {}).get(region.level.value) or {})


def dashboard(region: Region) -> Dashboard:
    """The region's roll-up and its children's (the level below), from the pre-computed rows: two queries."""
    own = db.session.get(RegionStat, region.code)
    rows = db.session.execute(select(Region, RegionStat.stats).join(RegionStat, RegionStat.region_code == Region.code)
                              .where(RegionStat.parent_code == region.code)).all()
    key = "resident" if rows and rows[0][0].level is Level.TOWNSHIP else "counselors"  # townships appoint no one
    children = sorted(((child, stats) for child, stats in rows), key=lambda pair: (-pair[1].get(key, 0), pair[0].code))
    return Dashboard(region=region, stats=own.stats if own else {}, children=children,
                     refreshed_at=own.refreshed_at if own else None, targets=targets_for(region))


def default_region(user: User) -> Region:
    return user.department.region


def share(stats: dict) -> float | None:
    """The share (%) of counselors in post trained this year, or None with no one in post."""
    total = stats.get("in_post", 0)
    return round(100 * stats.get("trained", 0) / total, 1) if total else None


def progress(value: float, target: float | None) -> float | None:
    return round(100 * value / target, 1) if target else None
