"""The officials' coverage-gaps page: needs without a good candidate, by county and specialty, scoped."""

from __future__ import annotations

from marketplace.ranking.gaps import coverage_gaps
from tests.marketplace.needs.helpers import make_counselor, make_need


def test_gaps_by_county_and_specialty(world):
    make_counselor(world["county"])  # finance + marketing in 正定
    make_need(world["operator"])  # finance: covered
    gap = make_need(world["operator"], category=32, title="果树病虫害防治")  # technical support: nobody
    rows, gaps, examined = coverage_gaps(world["county"])
    assert examined == 2 and [g.need.id for g in gaps] == [gap.id]
    [row] = rows
    assert (row.county_code, row.category_name, row.needs, row.no_candidate) == ("130123", "技术支持", 1, 1)


def test_gaps_are_scoped_to_the_jurisdiction(world):
    make_need(world["operator"], category=32)
    assert coverage_gaps(world["other_province"])[1] == []
    assert len(coverage_gaps(world["province"])[1]) == 1


def test_gaps_page(world, client, login):
    make_need(world["operator"], category=32, title="果树病虫害防治")
    login(world["city"])
    page = client.get("/matching/gaps").get_data(as_text=True)
    assert "匹配缺口" in page and "技术支持" in page and "果树病虫害防治" in page and "无人符合条件" in page


def test_gaps_page_for_another_province_is_empty(world, client, login):
    make_need(world["operator"], category=32, title="果树病虫害防治")
    login(world["other_province"])
    page = client.get("/matching/gaps").get_data(as_text=True)
    assert "果树病虫害防治" not in page and "本辖区待对接的需求都有合适的候选人" in page


def test_a_provider_terminated_for_breach_does_not_cover_the_need(world, db):
    from marketplace.agreements.models import Agreement, AgreementStatus, ProviderKind

    counselor = make_counselor(world["county"])
    need = make_need(world["operator"])  # finance: only this counselor could serve it
    assert coverage_gaps(world["county"])[1] == []
    db.session.add(Agreement(
        number="130123-2026-000001", title="代理记账", need_id=need.id, entity_id=need.entity_id,
        provider_kind=ProviderKind.COUNSELOR, counselor_id=counselor.id, region_code=need.region_code,
        owner_id=need.owner_id, entity_name=need.entity.name, provider_name=counselor.name,
        status=AgreementStatus.TERMINATED))
    db.session.flush()
    assert [g.need.id for g in coverage_gaps(world["county"])[1]] == [need.id]
