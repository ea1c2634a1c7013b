"""Coverage gaps: open needs in an official's jurisdiction with no good candidate, by county and specialty,
so the department knows where counselors are missing.

"Good" is judged on the cold-start scale (0..1) whatever model serves, so the threshold keeps its meaning:
a candidate sharing the specialty and the industry in the same city scores about 0.7; one far away with
neither industry nor record about 0.45.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select

from marketplace.accounts.models import User
from marketplace.directory.labels import SPECIALTY_LABELS
from marketplace.directory.models import Specialty
from marketplace.extensions import db
from marketplace.jurisdiction import scoped
from marketplace.needs.candidates import barred_for
from marketplace.needs.models import Need, NeedStatus
from marketplace.ranking.records import candidate_pool, need_query, split_path
from marketplace.regions.models import Region
from matching.ranker import Ranker

GOOD_SCORE = 0.5
MAX_NEEDS = 500  # the most recently opened needs examined


@dataclass
class Gap:
    need: Need
    best_score: float | None  # None: no eligible candidate at all
    best_name: str | None
    county_code: str


@dataclass
class GapRow:
    county_code: str
    county_name: str
    category: int
    category_name: str
    needs: int      # open needs without a good candidate
    no_candidate: int  # of which none at all


def coverage_gaps(user: User) -> tuple[list[GapRow], list[Gap], int]:
    """(rows by county and specialty, the needs themselves, how many open needs were examined)."""
    needs = db.session.scalars(scoped(Need, user).where(Need.status == NeedStatus.OPEN)
                               .order_by(Need.opened_at.desc(), Need.id.desc()).limit(MAX_NEEDS)).all()
    pool = candidate_pool()
    ranker = Ranker(fairness=0.0)
    barred = barred_for([need.id for need in needs])
    gaps: list[Gap] = []
    for need in needs:
        best = ranker.rank(need_query(need), pool, limit=1, exclude=barred.get(need.id, ()))
        if best and best[0].score >= GOOD_SCORE:
            continue
        path = split_path(need.region.path)
        gaps.append(Gap(need, best[0].score if best else None, best[0].name if best else None,
                        path[3] if len(path) > 3 else need.region_code))
    counts = Counter((g.county_code, g.need.category) for g in gaps)
    empty = Counter((g.county_code, g.need.category) for g in gaps if g.best_score is None)
    names = dict(db.session.execute(select(Region.code, Region.full_name).where(
        Region.code.in_({code for code, _ in counts}))).all())
    rows = [GapRow(code, names.get(code, code), category, str(SPECIALTY_LABELS[Specialty(category)]), n,
                   empty[(code, category)])
            for (code, category), n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    return rows, gaps, len(needs)
