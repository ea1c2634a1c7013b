"""The rule-based ranker: eligibility (specialty, capacity, the ladder, remote), order, reasons, ties."""

from __future__ import annotations

from matching.rules import CandidateRecord, NeedRecord, RuleBasedRanker, best_nearness, eligible, nearness

TOWN = ("000000", "130000", "130100", "130123", "130123100")
OTHER_TOWN = ("000000", "130000", "130100", "130123", "130123101")
OTHER_COUNTY = ("000000", "130000", "130100", "130125")
OTHER_CITY = ("000000", "130000", "130600", "130602")
OTHER_PROVINCE = ("000000", "110000", "110100", "110101")

NEED = NeedRecord(category=4, category_name="财务会计", industry=1, industry_name="粮油作物", place=TOWN)


def cand(id: int, **kw) -> CandidateRecord:
    data = {"kind": "counselor", "id": id, "name": f"c{id}", "specialties": 4, "industries": 0, "home": TOWN,
            "areas": (), "open_count": 0, "capacity": 5}
    data.update(kw)
    return CandidateRecord(**data)


def test_nearness_levels():
    assert nearness(TOWN, TOWN) == 4
    assert nearness(TOWN, OTHER_TOWN) == 3
    assert nearness(TOWN, OTHER_COUNTY) == 2
    assert nearness(TOWN, OTHER_CITY) == 1
    assert nearness(TOWN, OTHER_PROVINCE) == 0
    assert nearness(TOWN, ()) == 0


def test_service_area_counts_for_nearness():
    c = cand(1, home=OTHER_PROVINCE, areas=(TOWN[:4],))
    assert best_nearness(NEED, c) == 3
    assert eligible(NEED, c)


def test_specialty_required():
    assert not eligible(NEED, cand(1, specialties=8))


def test_capacity_respected():
    assert not eligible(NEED, cand(1, open_count=5, capacity=5))
    assert not eligible(NEED, cand(1, open_count=0, capacity=0))
    assert eligible(NEED, cand(1, open_count=4, capacity=5))
    assert eligible(NEED, cand(1, kind="center", capacity=None, open_count=99))


def test_other_province_only_remote_when_allowed():
    far = cand(1, home=OTHER_PROVINCE, is_remote=True)
    assert not eligible(NEED, far)
    remote_need = NeedRecord(category=4, category_name="财务会计", place=TOWN, allows_remote=True)
    assert eligible(remote_need, far)
    assert not eligible(remote_need, cand(2, home=OTHER_PROVINCE, is_remote=False))
    ranked = RuleBasedRanker().rank(remote_need, [far])
    assert "远程服务" in ranked[0].reasons


def test_order_specialty_then_industry_then_nearness_then_workload():
    ranked = RuleBasedRanker().rank(NEED, [
        cand(1, home=OTHER_CITY),                        # same province only
        cand(2, home=OTHER_TOWN),                        # same county
        cand(3, home=OTHER_CITY, industries=1),          # industry match beats nearness
        cand(4, home=TOWN, open_count=4),                # same township, busy
        cand(5, home=TOWN, open_count=1),                # same township, free
    ])
    assert [r.id for r in ranked] == [3, 5, 4, 2, 1]


def test_reasons_in_chinese():
    [r] = RuleBasedRanker().rank(NEED, [cand(7, industries=1, open_count=2, capacity=5)])
    assert r.reasons == ["专长匹配：财务会计", "产业匹配：粮油作物", "同乡镇", "在办 2/5"]
    [c] = RuleBasedRanker().rank(NEED, [cand(8, kind="center", capacity=None, home=OTHER_TOWN)])
    assert c.reasons == ["专长匹配：财务会计", "同县"]


def test_ties_broken_stably_and_limit_and_exclude():
    records = [cand(i) for i in (9, 3, 5, 1)]
    first = RuleBasedRanker().rank(NEED, records)
    again = RuleBasedRanker().rank(NEED, list(reversed(records)))
    assert [r.id for r in first] == [r.id for r in again] == [1, 3, 5, 9]
    assert [r.id for r in RuleBasedRanker().rank(NEED, records, limit=2)] == [1, 3]
    assert [r.id for r in RuleBasedRanker().rank(NEED, records, exclude=[("counselor", 1)])] == [3, 5, 9]
    assert RuleBasedRanker().rank(NEED, records, limit=0) == []
