"""Builders for the matching library tests: region paths, needs and candidate records."""

from __future__ import annotations

from matching.pool import CandidatePool, CandidateRecord, NeedQuery

TOWN = ("000000", "130000", "130100", "130123", "130123100")       # 正定县 某镇
OTHER_TOWN = ("000000", "130000", "130100", "130123", "130123101")
OTHER_COUNTY = ("000000", "130000", "130100", "130102")           # 石家庄 长安区
OTHER_CITY = ("000000", "130000", "130600", "130602")             # 保定
OTHER_PROVINCE = ("000000", "110000", "110100", "110101")         # 北京 东城区
COUNTY = TOWN[:4]

NEED = NeedQuery(category=4, category_name="财务会计", industry=1, industry_name="粮油作物", place=TOWN,
                 budget=1000.0, entity_type=0, text="建立合作社财务账簿和年度报表")


def cand(id: int, **kw) -> CandidateRecord:
    data = {"kind": "counselor", "id": id, "name": f"c{id}", "specialties": 4, "industries": 1, "home": TOWN,
            "capacity": 5}
    data.update(kw)
    return CandidateRecord(**data)


def pool(*records: CandidateRecord) -> CandidatePool:
    return CandidatePool.build(list(records))
