"""The coverage map on the dashboards: which boundary file each level loads (served locally), the table of
figures beside it (counselors per 1,000 entities, needs without a good candidate, satisfaction), the metric
chooser as a plain GET form, and the county level that has no boundary data."""

from __future__ import annotations

import json

from marketplace.extensions import db
from marketplace.needs.models import NeedStatus
from marketplace.oversight import geo, services
from marketplace.regions.models import Region
from tests.marketplace.needs.helpers import make_need
from tests.webpages import form_to


def rows(page) -> dict[str, list[str]]:
    table = page.html.select_one("[data-testid=map-table]")
    return {tr.select("td")[0].get_text(strip=True): [td.get_text(" ", strip=True) for td in tr.select("td")[1:]]
            for tr in table.select("tbody tr")}


def test_province_map_loads_its_cities_from_the_local_geojson(pages, world, spread):
    pages.sign_in(world["province"])
    page = pages.get("/oversight/?region=130000")
    box = page.html.select_one("[data-coverage-map]")
    assert box["data-map-kind"] == "json" and box["data-map-url"] == "/static/vendor/geo/provinces/he_bei_geo.json"
    assert box["data-metric"] == "density"
    geojson = json.loads(pages.get(box["data-map-url"]).body)
    assert "石家庄市" in {f["properties"]["name"] for f in geojson["features"]}
    table = rows(page)
    counselors, entities, density, _no_good, _satisfaction = table["石家庄市"]
    assert (counselors, entities) == ("5", "3")
    assert density == f"{int(counselors) * 1000 / int(entities):.1f}"
    assert table["保定市"][2] == "—"  # no entities: no ratio
    html = page.text
    assert "/static/js/coverage-map.js" in html and "<script>" not in html and " style=" not in html


def test_city_map_counts_needs_without_a_good_candidate(pages, world, spread):
    need = make_need(world["operator"], category=128)  # nobody offers this specialty
    need.region_code = "130125100"
    assert need.status is NeedStatus.OPEN
    services.refresh_rollups()
    db.session.commit()
    pages.sign_in(world["city"])
    page = pages.get("/oversight/?region=130100")
    box = page.html.select_one("[data-coverage-map]")
    assert box["data-map-kind"] == "script" and box["data-map-name"] == "石家庄"
    script = pages.get(box["data-map-url"]).text
    assert 'registerMap("石家庄"' in script and "130123" in script  # the counties, with their codes
    table = rows(page)
    assert table["行唐县"][3] == "1" and table["正定县"][3] == "0"
    assert table["正定县"][4].startswith("4.0")  # satisfaction 5 and 3, two ratings
    assert "(2)" in table["正定县"][4]


def test_metric_chooser_is_a_get_form(pages, world, spread):
    pages.sign_in(world["province"])
    page = pages.get("/oversight/?region=130000")
    form = form_to(page, "/oversight/")
    assert [o[0] for o in form["metric"].options] == ["density", "no_good", "satisfaction"]
    form["metric"] = "satisfaction"
    page = form.submit()
    assert page.html.select_one("[data-coverage-map]")["data-metric"] == "satisfaction"
    assert page.html.select_one("#metric option[selected]")["value"] == "satisfaction"
    assert pages.get("/oversight/?region=130000&metric=drop").html.select_one(
        "[data-coverage-map]")["data-metric"] == "density"


def test_county_has_the_table_without_a_map(pages, world, spread):
    pages.sign_in(world["county"])
    page = pages.get("/oversight/")
    assert page.html.select_one("[data-coverage-map]") is None
    assert "乡镇一级不含边界" in page.html.select_one("[data-testid=no-map]").get_text()
    assert rows(page)  # the townships' figures


def test_the_map_in_english(pages, world, spread):
    pages.sign_in(world["province"])
    page = pages.get("/lang/en?next=/oversight/?region=130000").follow()
    card = " ".join(page.html.select_one("[data-testid=coverage-map]").get_text(" ").split())
    assert "Coverage map" in card and "Counselors per 1,000 entities" in card
    assert "覆盖地图" not in card and "每千主体" not in card and "无合适候选人" not in card and "边界数据" not in card


def test_map_sources_by_level(app, db):
    with app.test_request_context():
        national = geo.map_source(db.session.get(Region, "000000"))
        assert national.kind == "json" and national.url.endswith("/provinces/china.json")
        beijing = geo.map_source(db.session.get(Region, "110000"))
        assert beijing.url.endswith("/bei_jing_geo.json")
        assert geo.map_source(db.session.get(Region, "130100")).name == "石家庄"
        assert geo.map_source(db.session.get(Region, "130123")) is None
