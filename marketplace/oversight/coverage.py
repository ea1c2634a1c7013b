"""The coverage map's figures per region: counselors per 1,000 entities, open needs without a good candidate,
and satisfaction. The first and last come from the roll-ups; "without a good candidate" is judged as on the
coverage-gaps page (marketplace/ranking/gaps.py) during the roll-up refresh, so the dashboard reads one row."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.needs.candidates import barred_for
from marketplace.needs.models import Need, NeedStatus
from marketplace.ranking.gaps import GOOD_SCORE
from marketplace.ranking.records import candidate_pool, need_query
from matching.ranker import Ranker

MAX_NEEDS = 500  # the most recently opened needs judged at each refresh (as the gaps page)

METRICS = {
    "density": _l("每千个经营主体的辅导员"),
    "no_good": _l("无合适候选人的需求"),
    "satisfaction": _l("平均满意度（1–5）"),
}


def needs_without_good_candidate() -> Counter:
    """Open needs whose best eligible candidate scores under GOOD_SCORE (or who have none), by need region."""
    needs = db.session.scalars(select(Need).where(Need.status == NeedStatus.OPEN)
                               .order_by(Need.opened_at.desc(), Need.id.desc()).limit(MAX_NEEDS)).all()
    if not needs:
        return Counter()
    pool, ranker = candidate_pool(), Ranker(fairness=0.0)
    barred = barred_for([need.id for need in needs])
    result: Counter = Counter()
    for need in needs:
        best = ranker.rank(need_query(need), pool, limit=1, exclude=barred.get(need.id, ()))
        if not best or best[0].score < GOOD_SCORE:
            result[need.region_code] += 1
    return result


@dataclass
class MapRow:
    code: str
    name: str
    counselors: int
    entities: int
    density: float | None
    no_good: int
    satisfaction: float | None
    ratings: int

    def value(self, metric: str) -> float | None:
        return getattr(self, metric)


def map_rows(children: list[tuple], key: str = "counselors") -> list[MapRow]:
    """One row per child region of a dashboard (`key`: counselors by appointing department, or "resident" at
    the township level that appoints no one)."""
    rows = []
    for region, stats in children:
        counselors, entities, n = stats.get(key, 0), stats.get("entities", 0), stats.get("sat_n", 0)
        rows.append(MapRow(region.code, region.name, counselors, entities,
                           round(counselors * 1000 / entities, 1) if entities else None, stats.get("no_good", 0),
                           round(stats.get("sat_sum", 0) / n, 2) if n else None, n))
    return sorted(rows, key=lambda r: r.code)
